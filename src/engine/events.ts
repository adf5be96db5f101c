// The neutral vocabulary between channels and the engine: what a person did (InboundEvent) and
// where it came from (EventMeta). Channels map platform payloads to these; the engine never sees a
// platform type.

/** Opaque conversation address: `telegram:<chatId>`, `viber:<userId>`, `web:<id>`. Never parsed by the engine. */
export type Address = string;

export type ChannelName = "telegram" | "viber" | "web";

export type InboundEvent =
  /** /start or "open the chat"; payload is a deep-link parameter when present. */
  | { type: "start"; payload?: string }
  /** Typed text (also reply-keyboard button presses on platforms where buttons send their label). */
  | { type: "text"; text: string }
  /** A button id the engine offered earlier. */
  | { type: "choice"; id: string }
  /** A shared phone. provenOwn: the platform proves it is the sender's own number (Telegram only). */
  | { type: "contact"; phone: string; provenOwn: boolean }
  /** A photo; ref is the platform's file reference (never a download link), caption optional. */
  | { type: "photo"; ref: string; caption?: string }
  | { type: "location"; latitude: number; longitude: number }
  /**
   * Something the bot cannot take (sticker, file, voice...). what = UNUSABLE_PHOTO: a photo was sent
   * but the channel could not receive it (e.g. its download failed); photo steps ask for it again.
   */
  | { type: "unsupported"; what: string }
  /** The person blocked / unsubscribed from the bot, or came back. */
  | { type: "blocked" }
  | { type: "unblocked" };

export interface EventMeta {
  channel: ChannelName;
  /** The platform's id of this update (Telegram update_id, Viber message_token, web client id): the dedupe key. */
  updateId: string;
  /** The messenger's language hint (IETF code such as "uk", "en-US"), used for new users only. */
  languageCode?: string;
  /** Platform ids kept on the user row for proactive sends. */
  telegramChatId?: bigint;
  viberUserId?: string;
}

/** The `what` of an unsupported event for a photo the channel could not receive. */
export const UNUSABLE_PHOTO = "unusable_picture";
