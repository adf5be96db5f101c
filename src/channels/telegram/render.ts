// Engine reply -> Bot API sendMessage parameters. Pure. The one keyboard rule of this channel:
// - conversational replies show choices as a resized REPLY keyboard (a button sends its label as
//   text; the engine maps the label back to the choice), the phone request as a request_contact
//   button above them, and removeKeyboard as remove_keyboard;
// - attached (proactive) replies show choices as an INLINE keyboard on that message, with the
//   choice id as callback_data, so pressing one later still names the exact command.
// Text goes out HTML-escaped with parse_mode HTML and is split to Telegram's 4096-character limit,
// the keyboard riding on the last part.
import type { Choice, Reply } from "../../engine/replies.js";

/** Telegram's limit for one message text, counted after entity parsing (escapes do not count). */
export const TELEGRAM_TEXT_LIMIT = 4096;
/** callback_data is 1-64 BYTES (a Cyrillic letter takes two). */
export const CALLBACK_DATA_MAX_BYTES = 64;

export interface KeyboardButton {
  text: string;
  request_contact?: true;
}

export type ReplyMarkup =
  | { keyboard: KeyboardButton[][]; resize_keyboard: true }
  | { remove_keyboard: true }
  | { inline_keyboard: { text: string; callback_data: string }[][] };

/** The sendMessage parameters this channel uses. chat_id stays within 52 bits (Telegram's promise). */
export interface SendMessageParams {
  chat_id: number;
  text: string;
  parse_mode: "HTML";
  reply_markup?: ReplyMarkup;
}

export class RenderError extends Error {
  override readonly name = "RenderError";
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Splits text into parts of at most `limit` UTF-16 units, preferring paragraph breaks, then line
 * breaks, then spaces; never inside a surrogate pair.
 */
export function splitText(text: string, limit: number = TELEGRAM_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = -1;
    for (const separator of ["\n\n", "\n", " "]) {
      const at = window.lastIndexOf(separator, limit);
      // A break in the first half would leave tiny parts; fall through to a finer separator.
      if (at > limit / 2) {
        cut = at;
        break;
      }
    }
    let next: number;
    if (cut === -1) {
      cut = limit;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // keep a surrogate pair together
      next = cut;
    } else {
      next = cut;
      while (next < rest.length && (rest[next] === "\n" || rest[next] === " ")) next += 1;
    }
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(next);
  }
  if (rest.length > 0 || parts.length === 0) parts.push(rest);
  return parts;
}

function replyKeyboard(reply: Reply): ReplyMarkup | undefined {
  const rows: KeyboardButton[][] = [];
  if (reply.requestPhone) rows.push([{ text: reply.requestPhone.label, request_contact: true }]);
  for (const row of reply.choices ?? []) {
    if (row.length > 0) rows.push(row.map((choice) => ({ text: choice.label })));
  }
  if (rows.length > 0) return { keyboard: rows, resize_keyboard: true };
  if (reply.removeKeyboard) return { remove_keyboard: true };
  return undefined;
}

function callbackData(choice: Choice): string {
  const bytes = Buffer.byteLength(choice.id, "utf8");
  if (bytes < 1 || bytes > CALLBACK_DATA_MAX_BYTES) {
    throw new RenderError(
      `choice id "${choice.id}" is ${bytes} bytes; Telegram callback_data takes 1-${CALLBACK_DATA_MAX_BYTES}`,
    );
  }
  return choice.id;
}

function inlineKeyboard(reply: Reply): ReplyMarkup | undefined {
  if (reply.requestPhone) {
    // request_contact exists only on reply keyboards, which an attached message must not replace.
    throw new RenderError("an attached (proactive) reply cannot request a phone number");
  }
  const rows = (reply.choices ?? [])
    .filter((row) => row.length > 0)
    .map((row) => row.map((choice) => ({ text: choice.label, callback_data: callbackData(choice) })));
  if (rows.length > 0) return { inline_keyboard: rows };
  if (reply.removeKeyboard) return { remove_keyboard: true };
  return undefined;
}

/** One reply -> one or more sendMessage calls, keyboard on the last. */
export function renderReply(chatId: bigint, reply: Reply): SendMessageParams[] {
  if (reply.text.trim() === "") throw new RenderError("a reply needs text: Telegram rejects empty messages");
  const markup = reply.attached ? inlineKeyboard(reply) : replyKeyboard(reply);
  const parts = splitText(reply.text);
  return parts.map((part, index) => {
    const params: SendMessageParams = { chat_id: Number(chatId), text: escapeHtml(part), parse_mode: "HTML" };
    if (markup && index === parts.length - 1) params.reply_markup = markup;
    return params;
  });
}

export function renderReplies(chatId: bigint, replies: Reply[]): SendMessageParams[] {
  return replies.flatMap((reply) => renderReply(chatId, reply));
}
