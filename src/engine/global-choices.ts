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
  /** Prefix of "notify me about queue Q" (one tap, default options): `g:sub:<queue>`. */
  subscribePrefix: "g:sub:",
  /** Prefix of "stop notifying me about queue Q": `g:unsub:<queue>`. */
  unsubscribePrefix: "g:unsub:",
  /** Prefix of "change the notifications of queue Q": `g:subopt:<queue>`. */
  subscriptionPrefix: "g:subopt:",
} as const;

/** A queue code as ids carry it ("3.2", city-grid "1001.1"). */
const QUEUE_CODE = String.raw`\d{1,4}\.\d{1,2}`;
const SUBSCRIPTION_ID = new RegExp(`^g:(sub|unsub|subopt):(${QUEUE_CODE})$`);

export function subscribeChoice(queue: string): string {
  return `${GLOBAL_CHOICES.subscribePrefix}${queue}`;
}

export function unsubscribeChoice(queue: string): string {
  return `${GLOBAL_CHOICES.unsubscribePrefix}${queue}`;
}

export function subscriptionChoice(queue: string): string {
  return `${GLOBAL_CHOICES.subscriptionPrefix}${queue}`;
}

/** "Submit a reading for this account" (the account must be linked to the person who taps it). */
export function submitReadingChoice(accountId: number): string {
  return `${GLOBAL_CHOICES.submitReadingPrefix}${accountId}`;
}

export type GlobalChoice =
  | { kind: "submit_reading"; accountId: number }
  | { kind: "stop_reminders" }
  | { kind: "my_requests" }
  | { kind: "menu" }
  | { kind: "subscribe"; queue: string }
  | { kind: "unsubscribe"; queue: string }
  | { kind: "subscription"; queue: string };

export function parseGlobalChoice(id: string): GlobalChoice | null {
  if (id === GLOBAL_CHOICES.stopReminders) return { kind: "stop_reminders" };
  if (id === GLOBAL_CHOICES.myRequests) return { kind: "my_requests" };
  if (id === GLOBAL_CHOICES.menu || id === GLOBAL_CHOICES.handoffBack) return { kind: "menu" };
  const match = /^g:read:(\d{1,10})$/.exec(id);
  if (match) return { kind: "submit_reading", accountId: Number(match[1]) };
  const subscription = SUBSCRIPTION_ID.exec(id);
  if (subscription?.[2]) {
    const queue = subscription[2];
    if (subscription[1] === "sub") return { kind: "subscribe", queue };
    if (subscription[1] === "unsub") return { kind: "unsubscribe", queue };
    return { kind: "subscription", queue };
  }
  return null;
}
