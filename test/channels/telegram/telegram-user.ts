// Plays a Telegram user in tests: builds the updates Telegram would send for what the person does
// (shaped like the recorded fixtures), numbering update ids like Telegram, and reads back what the
// bot sent to their chat from the fake Bot API, including the keyboard they would see.
import type { FakeTelegramApi } from "../../fakes/telegram-api.js";

export interface ShownKeyboard {
  kind: "reply" | "inline" | "none";
  rows: { text: string; request_contact?: boolean; callback_data?: string }[][];
}

export interface BotMessage {
  message_id: number;
  /** Text as the person sees it (HTML entities decoded). */
  text: string;
  /** The raw sendMessage parameters. */
  params: Record<string, unknown>;
}

let sharedUpdateId = 900_000_000;

export function unescapeHtml(text: string): string {
  return text
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, "&");
}

export class TelegramUser {
  private messageId = 1;
  readonly user: Record<string, unknown>;
  readonly chat: Record<string, unknown>;

  constructor(
    readonly id: number,
    private readonly fake: FakeTelegramApi,
    options: { firstName?: string; languageCode?: string } = {},
  ) {
    const firstName = options.firstName ?? "Олена";
    this.user = { id, is_bot: false, first_name: firstName, language_code: options.languageCode ?? "uk" };
    this.chat = { id, first_name: firstName, type: "private" };
  }

  get address(): string {
    return `telegram:${this.id}`;
  }

  private envelope(body: Record<string, unknown>): Record<string, unknown> {
    sharedUpdateId += 1;
    return { update_id: sharedUpdateId, ...body };
  }

  private message(fields: Record<string, unknown>): Record<string, unknown> {
    return this.envelope({
      message: {
        message_id: this.messageId++,
        from: this.user,
        chat: this.chat,
        date: Math.floor(Date.now() / 1000),
        ...fields,
      },
    });
  }

  start(payload?: string): Record<string, unknown> {
    return this.message({
      text: payload ? `/start ${payload}` : "/start",
      entities: [{ offset: 0, length: 6, type: "bot_command" }],
    });
  }

  text(text: string): Record<string, unknown> {
    return this.message({ text });
  }

  /** The request_contact button (own = true) or a card picked from the address book. */
  contact(phone: string, own: boolean): Record<string, unknown> {
    return this.message({
      contact: own
        ? { phone_number: phone, first_name: "Олена", user_id: this.id }
        : { phone_number: phone, first_name: "Петро", user_id: 5123456789 },
    });
  }

  /** A photo as Telegram sends it: several sizes, smallest first, ids derived from `name`. */
  photo(name: string, caption?: string): Record<string, unknown> {
    const sizes = [
      [90, 68],
      [320, 240],
      [1280, 960],
    ].map(([width, height]) => ({
      file_id: `${name}-${width}`,
      file_unique_id: `${name}-u${width}`,
      width,
      height,
      file_size: width! * 100,
    }));
    return this.message(caption === undefined ? { photo: sizes } : { photo: sizes, caption });
  }

  callback(data: string, messageId = 1): Record<string, unknown> {
    return this.envelope({
      callback_query: {
        id: `cq${sharedUpdateId}`,
        from: this.user,
        message: {
          message_id: messageId,
          from: { id: this.fake.bot.id, is_bot: true },
          chat: this.chat,
          date: 0,
          text: "",
        },
        chat_instance: "-3471869523402583541",
        data,
      },
    });
  }

  membership(status: "kicked" | "member"): Record<string, unknown> {
    const bot = { id: this.fake.bot.id, is_bot: true, first_name: this.fake.bot.first_name };
    return this.envelope({
      my_chat_member: {
        chat: this.chat,
        from: this.user,
        date: Math.floor(Date.now() / 1000),
        old_chat_member: { user: bot, status: status === "kicked" ? "member" : "kicked" },
        new_chat_member: { user: bot, status },
      },
    });
  }

  /** Everything the bot sent to this chat, in order. */
  received(): BotMessage[] {
    return this.fake.sentMessages(this.id).map((params, index) => ({
      message_id: index + 1,
      text: unescapeHtml(String(params.text)),
      params,
    }));
  }

  /** The keyboard the person sees now: the last reply_markup sent (Telegram keeps it until replaced). */
  keyboard(): ShownKeyboard {
    // Photos (schedule pictures) carry a keyboard too.
    const shown = this.fake.calls
      .filter(
        (call) =>
          (call.method === "sendMessage" || call.method === "sendPhoto") &&
          Number(call.params.chat_id) === this.id,
      )
      .map((call) => call.params);
    for (const params of [...shown].reverse()) {
      const markup = params.reply_markup as Record<string, unknown> | undefined;
      if (!markup) continue;
      if (Array.isArray(markup.keyboard))
        return { kind: "reply", rows: markup.keyboard as ShownKeyboard["rows"] };
      if (Array.isArray(markup.inline_keyboard)) {
        return { kind: "inline", rows: markup.inline_keyboard as ShownKeyboard["rows"] };
      }
      if (markup.remove_keyboard) return { kind: "none", rows: [] };
    }
    return { kind: "none", rows: [] };
  }

  /** Presses the reply-keyboard button with this label: Telegram sends the label as text. */
  press(label: string): Record<string, unknown> {
    const shown = this.keyboard();
    const button = shown.rows.flat().find((b) => b.text === label);
    if (shown.kind !== "reply" || !button) {
      throw new Error(`no reply button "${label}" on the keyboard: ${JSON.stringify(shown)}`);
    }
    return this.text(label);
  }
}
