// Telegram update -> engine event. Pure: no I/O, no grammY runtime, so it is tested on recorded
// payloads (test/fixtures/telegram). It decides what the engine sees, what is ignored and when a
// group gets the "please write to me privately" notice; the handler does the rest.
import { z } from "zod";
import { startEvent } from "../../engine/deep-link.js";
import type { Address, EventMeta, InboundEvent } from "../../engine/events.js";

const user = z.looseObject({
  id: z.number().int(),
  is_bot: z.boolean().optional(),
  language_code: z.string().optional(),
});

const chat = z.looseObject({
  id: z.number().int(),
  type: z.enum(["private", "group", "supergroup", "channel"]),
});

const message = z.looseObject({
  message_id: z.number().int(),
  from: user.optional(),
  chat,
  text: z.string().optional(),
  caption: z.string().optional(),
  contact: z.looseObject({ phone_number: z.string(), user_id: z.number().int().optional() }).optional(),
  photo: z.array(z.looseObject({ file_id: z.string(), width: z.number(), height: z.number() })).optional(),
  location: z.looseObject({ latitude: z.number(), longitude: z.number() }).optional(),
});

const callbackQuery = z.looseObject({
  id: z.string(),
  from: user,
  // Absent for queries from inline-mode messages; "inaccessible" messages still carry the chat.
  message: z.looseObject({ chat }).optional(),
  data: z.string().optional(),
});

const chatMemberUpdated = z.looseObject({
  chat,
  from: user,
  new_chat_member: z.looseObject({ status: z.string() }),
});

/** The parts of a Bot API Update this channel reads; everything else passes through unchecked. */
export const telegramUpdateSchema = z.looseObject({
  update_id: z.number().int().nonnegative(),
  message: message.optional(),
  callback_query: callbackQuery.optional(),
  my_chat_member: chatMemberUpdated.optional(),
});

export type TelegramUpdate = z.infer<typeof telegramUpdateSchema>;

/** What to do with one update. */
export type MappedUpdate =
  | {
      kind: "event";
      address: Address;
      event: InboundEvent;
      meta: EventMeta;
      /** Set for callback queries: the handler must answer it whatever happens. */
      callbackQueryId?: string;
    }
  /** A message in a group: answer once there, asking the person to write privately. */
  | { kind: "group_notice"; chatId: bigint; languageCode?: string }
  /** Nothing to do; `reason` is for the log line. */
  | { kind: "ignored"; reason: string; callbackQueryId?: string };

export function telegramAddress(chatId: bigint | number): Address {
  return `telegram:${chatId.toString()}`;
}

/** The chat id inside a `telegram:<chatId>` address, or undefined when it is not one. */
export function chatIdFromAddress(address: Address): bigint | undefined {
  const match = /^telegram:(-?\d{1,20})$/.exec(address);
  return match?.[1] === undefined ? undefined : BigInt(match[1]);
}

// Content kinds the engine cannot take, named for the "I can't read that" answer and the log.
const unsupportedKinds = [
  "sticker",
  "voice",
  "video",
  "video_note",
  "audio",
  "document",
  "animation",
  "dice",
  "poll",
  "venue",
  "game",
  "story",
] as const;

// "/start", "/start payload" and "/start@this_bot payload" (the mention is optional in private chats).
// A payload that is not a deep-link parameter (engine/deep-link.ts) was typed: a plain start.
const startCommand = /^\/start(?:@\w+)?(?:\s+([\s\S]*))?$/;

function metaFor(updateId: number, chatId: number, languageCode: string | undefined): EventMeta {
  const meta: EventMeta = {
    channel: "telegram",
    updateId: String(updateId),
    telegramChatId: BigInt(chatId),
  };
  if (languageCode) meta.languageCode = languageCode;
  return meta;
}

function messageToEvent(msg: NonNullable<TelegramUpdate["message"]>): InboundEvent | undefined {
  if (msg.text !== undefined) {
    const start = startCommand.exec(msg.text);
    if (start) return startEvent(start[1]);
    return { type: "text", text: msg.text };
  }
  if (msg.contact) {
    // Only the contact button of the sender's own profile carries their user id: a forwarded or
    // picked card from the address book has another id or none, which proves nothing.
    const provenOwn = msg.contact.user_id !== undefined && msg.contact.user_id === msg.from?.id;
    return { type: "contact", phone: msg.contact.phone_number, provenOwn };
  }
  if (msg.photo && msg.photo.length > 0) {
    // Sizes come smallest first; the last is the original resolution a reader can read digits on.
    const largest = msg.photo[msg.photo.length - 1]!;
    return msg.caption === undefined
      ? { type: "photo", ref: largest.file_id }
      : { type: "photo", ref: largest.file_id, caption: msg.caption };
  }
  if (msg.location) {
    return { type: "location", latitude: msg.location.latitude, longitude: msg.location.longitude };
  }
  for (const kind of unsupportedKinds) {
    if (msg[kind] !== undefined) return { type: "unsupported", what: kind };
  }
  // Service messages (pins, payments, write access...) carry nothing for the conversation.
  return undefined;
}

/** Maps a validated update. Never throws. */
export function toEvent(update: TelegramUpdate): MappedUpdate {
  const id = update.update_id;

  if (update.message) {
    const msg = update.message;
    if (msg.chat.type === "group" || msg.chat.type === "supergroup") {
      // Bots from other bots or anonymous admins are not people to talk to.
      if (msg.from?.is_bot) return { kind: "ignored", reason: "group message from a bot" };
      // Joins, pins and the like reach every bot in a group; only something a person said to us
      // (privacy mode passes commands, mentions and replies) deserves the notice.
      if (!messageToEvent(msg)) return { kind: "ignored", reason: "group service message" };
      const notice: MappedUpdate = { kind: "group_notice", chatId: BigInt(msg.chat.id) };
      if (msg.from?.language_code) notice.languageCode = msg.from.language_code;
      return notice;
    }
    if (msg.chat.type !== "private") return { kind: "ignored", reason: `message in a ${msg.chat.type}` };
    const event = messageToEvent(msg);
    if (!event) return { kind: "ignored", reason: "service message" };
    return {
      kind: "event",
      address: telegramAddress(msg.chat.id),
      event,
      meta: metaFor(id, msg.chat.id, msg.from?.language_code),
    };
  }

  if (update.callback_query) {
    const query = update.callback_query;
    // In a private chat the chat id equals the user id, so a query without its message still has
    // an address; a query from a group message is not a conversation with this person.
    const chatInfo = query.message?.chat ?? { id: query.from.id, type: "private" as const };
    if (chatInfo.type !== "private") {
      return { kind: "ignored", reason: `callback query in a ${chatInfo.type}`, callbackQueryId: query.id };
    }
    if (query.data === undefined || query.data === "") {
      return { kind: "ignored", reason: "callback query without data", callbackQueryId: query.id };
    }
    return {
      kind: "event",
      address: telegramAddress(chatInfo.id),
      event: { type: "choice", id: query.data },
      meta: metaFor(id, chatInfo.id, query.from.language_code),
      callbackQueryId: query.id,
    };
  }

  if (update.my_chat_member) {
    const change = update.my_chat_member;
    if (change.chat.type !== "private")
      return { kind: "ignored", reason: `membership in a ${change.chat.type}` };
    const status = change.new_chat_member.status;
    const event: InboundEvent | undefined =
      status === "kicked" ? { type: "blocked" } : status === "member" ? { type: "unblocked" } : undefined;
    if (!event) return { kind: "ignored", reason: `membership status ${status}` };
    return {
      kind: "event",
      address: telegramAddress(change.chat.id),
      event,
      meta: metaFor(id, change.chat.id, change.from.language_code),
    };
  }

  if ("edited_message" in update) return { kind: "ignored", reason: "edited message" };
  if ("channel_post" in update || "edited_channel_post" in update)
    return { kind: "ignored", reason: "channel post" };
  const kind = Object.keys(update).find((key) => key !== "update_id") ?? "empty";
  return { kind: "ignored", reason: `update kind ${kind}` };
}
