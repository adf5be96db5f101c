// Engine replies -> Viber messages. Viber shows the LAST keyboard it received, so every message
// carries a keyboard (a reply's own, or the one the batch ends with); a reply button's ActionBody
// is the prefixed choice id; the share-phone button needs min_api_version 3; texts longer than
// Viber's 7000 characters are split. Pure: the sender and the welcome response both use it.
import type { Choice, Reply } from "../../engine/replies.js";
import { choiceActionBody, SHARE_PHONE_ACTION_BODY } from "./action-body.js";

export const VIBER_TEXT_LIMIT = 7000;
/** Rows Viber shows in portrait without scrolling; more are cut by the app. */
export const VIBER_MAX_ROWS = 12;
const GRID_COLUMNS = 6;

/** One colour scheme for every keyboard, so the bot looks the same on every screen. */
export const KEYBOARD_COLOURS = {
  keyboard: "#FFFFFF",
  choice: "#EEF1F6",
  sharePhone: "#FFD84D",
} as const;

export interface ViberButton {
  Columns: number;
  Rows: 1;
  ActionType: "reply" | "share-phone";
  ActionBody: string;
  Text: string;
  BgColor: string;
  TextSize: "regular";
  TextHAlign: "center";
  TextVAlign: "middle";
  /** The press is not echoed into the chat as a user message (the ActionBody is an id). */
  Silent: true;
}

export interface ViberKeyboard {
  Type: "keyboard";
  DefaultHeight: false;
  BgColor: string;
  InputFieldState: "regular";
  Buttons: ViberButton[];
}

/** One Viber message (text, or a picture when `picture` is set), ready for send_message. */
export interface ViberOutgoing {
  text: string;
  /** A picture message: Viber fetches `media` (a public https URL); `text` is its short description. */
  picture?: { media: string };
  keyboard?: ViberKeyboard;
  /** 3 when the keyboard has a share-phone button; absent otherwise (API level 1). */
  minApiVersion?: 3;
}

export interface RenderOptions {
  /**
   * False after Viber answered status 13 (the user's app is too old for min_api_version 3):
   * render without API level 3 features, i.e. without the share-phone button.
   */
  apiLevel3: boolean;
  /**
   * The public URL and short description of a reply's picture or photo, or undefined to send the
   * reply as text only (no public URL configured, or the picture could not be drawn).
   */
  pictureFor?: (reply: Reply) => { url: string; caption: string } | undefined;
}

/** Viber's limit for a picture message's description. */
export const VIBER_PICTURE_TEXT_LIMIT = 120;

/** Renders a batch of replies (one engine answer) to the messages to send, in order. */
export function renderReplies(replies: Reply[], options: RenderOptions): ViberOutgoing[] {
  const keyboards = replies.map((reply) => keyboardOf(reply, options));
  // The keyboard the conversation should end up with: the last reply that says anything about it.
  const finalKeyboard = [...keyboards].reverse().find((keyboard) => keyboard !== undefined);
  const messages: ViberOutgoing[] = [];
  replies.forEach((reply, index) => {
    const own = keyboards[index];
    const keyboard = own !== undefined ? own : finalKeyboard;
    const layout = keyboard === undefined || keyboard === "none" ? undefined : keyboard;
    const picture = reply.picture || reply.photo ? options.pictureFor?.(reply) : undefined;
    if (picture) {
      const message = outgoing(picture.caption.slice(0, VIBER_PICTURE_TEXT_LIMIT), layout);
      messages.push({ ...message, picture: { media: picture.url } });
    }
    for (const text of splitText(reply.text, VIBER_TEXT_LIMIT)) {
      messages.push(outgoing(text, layout));
    }
  });
  return messages;
}

/**
 * The single message a conversation_started response may carry: Viber accepts exactly one, so
 * several replies are joined, with the keyboard the batch ends with.
 */
export function renderWelcome(replies: Reply[], options: RenderOptions): ViberOutgoing | undefined {
  if (replies.length === 0) return undefined;
  const keyboards = replies.map((reply) => keyboardOf(reply, options));
  const finalKeyboard = [...keyboards].reverse().find((keyboard) => keyboard !== undefined);
  const text = replies.map((reply) => reply.text).join("\n\n");
  const [first] = splitText(text, VIBER_TEXT_LIMIT);
  return outgoing(first ?? "", finalKeyboard === "none" ? undefined : finalKeyboard);
}

function outgoing(text: string, keyboard: ViberKeyboard | undefined): ViberOutgoing {
  if (keyboard === undefined) return { text };
  const needsLevel3 = keyboard.Buttons.some((button) => button.ActionType === "share-phone");
  return needsLevel3 ? { text, keyboard, minApiVersion: 3 } : { text, keyboard };
}

/** A reply's keyboard; "none" when it removes the keyboard; undefined when it says nothing. */
function keyboardOf(reply: Reply, options: RenderOptions): ViberKeyboard | "none" | undefined {
  if (reply.removeKeyboard === true) return "none";
  const buttons: ViberButton[] = [];
  if (reply.requestPhone !== undefined && options.apiLevel3) {
    buttons.push(
      button(
        GRID_COLUMNS,
        "share-phone",
        SHARE_PHONE_ACTION_BODY,
        reply.requestPhone.label,
        KEYBOARD_COLOURS.sharePhone,
      ),
    );
  }
  const sharePhoneRows = buttons.length;
  const rows = layoutRows(reply.choices ?? [], VIBER_MAX_ROWS - sharePhoneRows);
  for (const row of rows) {
    const columns = GRID_COLUMNS / row.length;
    for (const choice of row) {
      buttons.push(
        button(columns, "reply", choiceActionBody(choice.id), choice.label, KEYBOARD_COLOURS.choice),
      );
    }
  }
  if (buttons.length === 0)
    return reply.requestPhone !== undefined || reply.choices !== undefined ? "none" : undefined;
  return {
    Type: "keyboard",
    DefaultHeight: false,
    BgColor: KEYBOARD_COLOURS.keyboard,
    InputFieldState: "regular",
    Buttons: buttons,
  };
}

function button(
  columns: number,
  actionType: ViberButton["ActionType"],
  actionBody: string,
  label: string,
  colour: string,
): ViberButton {
  return {
    Columns: columns,
    Rows: 1,
    ActionType: actionType,
    ActionBody: actionBody,
    Text: label,
    BgColor: colour,
    TextSize: "regular",
    TextHAlign: "center",
    TextVAlign: "middle",
    Silent: true,
  };
}

/**
 * The engine's rows -> Viber rows whose buttons all have the same width and fill the 6-column
 * grid: a row of 1, 2, 3 or 6 stays one row; 4 becomes 2+2, 5 becomes 3+2, more become rows of 3.
 * If that gives more rows than fit, every choice is packed three to a row; whatever still does not
 * fit is cut (the engine offers far fewer choices than 36).
 */
export function layoutRows(rows: Choice[][], maxRows: number): Choice[][] {
  const split = rows.filter((row) => row.length > 0).flatMap(splitRow);
  if (split.length <= maxRows) return split;
  const all = rows.flat();
  const packed: Choice[][] = [];
  for (let i = 0; i < all.length; i += 3) packed.push(all.slice(i, i + 3));
  return packed.slice(0, maxRows).flatMap(splitRow);
}

function splitRow(row: Choice[]): Choice[][] {
  const n = row.length;
  if (GRID_COLUMNS % n === 0) return [row];
  if (n === 4) return [row.slice(0, 2), row.slice(2)];
  if (n === 5) return [row.slice(0, 3), row.slice(3)];
  return [row.slice(0, 3), ...splitRow(row.slice(3))];
}

/**
 * Splits text into pieces of at most `limit` UTF-16 units (so at most `limit` characters), at a
 * paragraph break, else a line break, else a space, else anywhere that does not cut a surrogate pair.
 */
export function splitText(text: string, limit: number): string[] {
  if (text.length <= limit) return [text];
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit);
    let cut = -1;
    for (const separator of ["\n\n", "\n", " "]) {
      const at = window.lastIndexOf(separator);
      if (at > limit / 2) {
        cut = at;
        break;
      }
    }
    let next: number;
    if (cut === -1) {
      cut = limit;
      const code = rest.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut -= 1; // do not split a surrogate pair
      next = cut;
    } else {
      next = cut;
      while (next < rest.length && /\s/.test(rest[next] ?? "")) next += 1;
    }
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(next);
  }
  if (rest.length > 0) pieces.push(rest);
  return pieces;
}
