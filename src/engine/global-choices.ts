// Choice ids that work in ANY conversation state. Proactive messages (reminders, status
// notifications; Reply.attached) carry them: the person may tap such a button days later, in the
// middle of another journey. Ids are short ASCII (Telegram callback_data is at most 64 bytes).

export const GLOBAL_CHOICES = {
  /** Prefix of "start submitting a reading for account N": `g:read:<accountId>`. */
  submitReadingPrefix: "g:read:",
  stopReminders: "g:stop-reminders",
  myRequests: "g:requests",
  menu: "g:menu",
  /** "Back to the bot" under an operator's answer: ends a live hand-off; otherwise the menu. */
  handoffBack: "h:back",
} as const;

/** "Submit a reading for this account" (the account must be linked to the person who taps it). */
export function submitReadingChoice(accountId: number): string {
  return `${GLOBAL_CHOICES.submitReadingPrefix}${accountId}`;
}

export type GlobalChoice =
  | { kind: "submit_reading"; accountId: number }
  | { kind: "stop_reminders" }
  | { kind: "my_requests" }
  | { kind: "menu" };

export function parseGlobalChoice(id: string): GlobalChoice | null {
  if (id === GLOBAL_CHOICES.stopReminders) return { kind: "stop_reminders" };
  if (id === GLOBAL_CHOICES.myRequests) return { kind: "my_requests" };
  if (id === GLOBAL_CHOICES.menu || id === GLOBAL_CHOICES.handoffBack) return { kind: "menu" };
  const match = /^g:read:(\d{1,10})$/.exec(id);
  if (match) return { kind: "submit_reading", accountId: Number(match[1]) };
  return null;
}
