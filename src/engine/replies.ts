// What the engine answers: already rendered text in the user's language, plus the buttons to show.
// Channels decide how a reply looks on their platform (Telegram reply keyboard, Viber keyboard JSON,
// web buttons) and split texts that are too long for them.

export interface Choice {
  /** Stable id the channel sends back as a `choice` event (short ASCII: fits Telegram's 64 bytes). */
  id: string;
  /** Label in the user's language. */
  label: string;
}

export interface Reply {
  /** Plain text (channels escape it for their markup). */
  text: string;
  /** Buttons laid out in rows. Absent: keep whatever keyboard the platform shows (Telegram) / none. */
  choices?: Choice[][];
  /** Show a "share my phone" button with this label (above the choices). */
  requestPhone?: { label: string };
  /** Remove any keyboard (used after a flow ends without a menu). */
  removeKeyboard?: boolean;
  /**
   * Proactive message (notification, reminder): its choices belong to this message, not to the
   * conversation's current step, so their ids are global commands the engine accepts in any state.
   * Telegram renders them as an inline keyboard; other channels as usual.
   */
  attached?: boolean;
  /**
   * A picture to show with the text where the channel shows images. It names what to draw, never
   * the bytes: channels ask the schedule-picture renderer (cached per version), and a picture that
   * cannot be shown never stops the text.
   */
  picture?: SchedulePicture;
  /**
   * A photo of the company's own (an operator's attachment) to show with the text. It names the
   * stored photo, never the bytes: channels read them through a port. A channel that cannot show
   * it adds `unshown` to the text instead (never a broken link).
   */
  photo?: CompanyPhoto;
}

/** A photo the company keeps and shares with this reader, by its stored id. */
export interface CompanyPhoto {
  /** The stored photo's id (a random UUID). */
  id: string;
  /** A short description in the reader's language (alt text, Viber's picture description). */
  alt: string;
  /** The line added to the text where the photo cannot be shown. */
  unshown: string;
}

/** One queue's days as published (the exact versions), drawn in the reader's language. */
export interface SchedulePicture {
  kind: "outage-schedule";
  queue: string;
  days: { date: string; version: number }[];
  language: Language;
}

export interface HandleResult {
  /** True when this update id was seen before: nothing was changed and nothing must be sent. */
  duplicate: boolean;
  /** Replies to send, in order. */
  replies: Reply[];
  /** The user's language after handling (channels use it for their own texts, e.g. a group notice). */
  language: Language;
  /** Who and where the update left the conversation, for the channel's one log line per update. */
  trace?: { userId: number; step: string };
}

export type Language = "uk" | "en";
