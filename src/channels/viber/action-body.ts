// A Viber reply button sends its ActionBody back as an ordinary text message, indistinguishable
// from typed text. Button bodies therefore carry a fixed prefix before the engine's choice id, so
// the mapper can tell a pressed button (-> choice event) from typed text (-> text event) without
// knowing which keyboard the user was shown. Nobody types the prefix by accident; if someone does,
// the engine still checks the id against the choices of the current step.

export const CHOICE_PREFIX = "choice:";
/** ActionBody of the share-phone button (required by Viber, never sent back as text). */
export const SHARE_PHONE_ACTION_BODY = "share-phone";

export function choiceActionBody(choiceId: string): string {
  return CHOICE_PREFIX + choiceId;
}

/** The choice id a message text carries, or undefined when it is typed text. */
export function choiceIdFromText(text: string): string | undefined {
  if (!text.startsWith(CHOICE_PREFIX)) return undefined;
  const id = text.slice(CHOICE_PREFIX.length);
  return id.length > 0 ? id : undefined;
}
