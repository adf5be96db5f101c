// Reply -> sendMessage parameters: the keyboard rule, escaping, splitting, callback_data limits.
import { describe, expect, it } from "vitest";
import {
  RenderError,
  TELEGRAM_TEXT_LIMIT,
  renderReply,
  splitText,
} from "../../../src/channels/telegram/render.js";

const chat = 7012345678n;

describe("Telegram renderer", () => {
  it("escapes HTML and sends with parse_mode HTML, no keyboard when the reply has none", () => {
    expect(renderReply(chat, { text: "Показник <день> & ніч > 0" })).toEqual([
      { chat_id: 7012345678, text: "Показник &lt;день&gt; &amp; ніч &gt; 0", parse_mode: "HTML" },
    ]);
  });

  it("renders choices as a resized reply keyboard of labels, row by row", () => {
    const [message] = renderReply(chat, {
      text: "Головне меню",
      choices: [
        [
          { id: "reading", label: "Передати показники" },
          { id: "outage", label: "Немає світла" },
        ],
        [{ id: "settings", label: "Налаштування" }],
      ],
    });
    expect(message?.reply_markup).toEqual({
      keyboard: [[{ text: "Передати показники" }, { text: "Немає світла" }], [{ text: "Налаштування" }]],
      resize_keyboard: true,
    });
  });

  it("puts the request_contact button above the choices", () => {
    const [message] = renderReply(chat, {
      text: "Поділіться номером",
      requestPhone: { label: "Надіслати мій номер" },
      choices: [[{ id: "other_way", label: "Інший спосіб" }]],
    });
    expect(message?.reply_markup).toEqual({
      keyboard: [[{ text: "Надіслати мій номер", request_contact: true }], [{ text: "Інший спосіб" }]],
      resize_keyboard: true,
    });
  });

  it("removes the keyboard when asked", () => {
    const [message] = renderReply(chat, { text: "Дякуємо", removeKeyboard: true });
    expect(message?.reply_markup).toEqual({ remove_keyboard: true });
  });

  it("renders an attached reply's choices as an inline keyboard with the ids as callback_data", () => {
    const [message] = renderReply(chat, {
      text: "Світло повернулося",
      attached: true,
      choices: [[{ id: "menu", label: "Головне меню" }]],
    });
    expect(message?.reply_markup).toEqual({
      inline_keyboard: [[{ text: "Головне меню", callback_data: "menu" }]],
    });
  });

  it("refuses callback_data over 64 bytes (Cyrillic counts twice) and empty ids", () => {
    const ok = "я".repeat(32); // 64 bytes
    expect(() =>
      renderReply(chat, { text: "x", attached: true, choices: [[{ id: ok, label: "ok" }]] }),
    ).not.toThrow();
    expect(() =>
      renderReply(chat, { text: "x", attached: true, choices: [[{ id: `${ok}a`, label: "too long" }]] }),
    ).toThrow(RenderError);
    expect(() =>
      renderReply(chat, { text: "x", attached: true, choices: [[{ id: "", label: "empty" }]] }),
    ).toThrow(RenderError);
  });

  it("refuses an attached reply that requests a phone and an empty text", () => {
    expect(() => renderReply(chat, { text: "x", attached: true, requestPhone: { label: "p" } })).toThrow(
      RenderError,
    );
    expect(() => renderReply(chat, { text: "  " })).toThrow(RenderError);
  });

  it("splits long text within 4096 characters at line breaks, keyboard on the last part", () => {
    const line = "Показник за листопад прийнято. ".repeat(3).trim();
    const text = Array.from({ length: 200 }, (_, i) => `${i + 1}. ${line}`).join("\n");
    expect(text.length).toBeGreaterThan(2 * TELEGRAM_TEXT_LIMIT);
    const messages = renderReply(chat, { text, choices: [[{ id: "menu", label: "Меню" }]] });
    expect(messages.length).toBe(Math.ceil(text.length / TELEGRAM_TEXT_LIMIT) + 0);
    for (const m of messages) expect(m.text.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
    expect(messages.map((m) => m.text).join("\n")).toBe(text);
    expect(messages.slice(0, -1).every((m) => m.reply_markup === undefined)).toBe(true);
    expect(messages.at(-1)?.reply_markup).toEqual({ keyboard: [[{ text: "Меню" }]], resize_keyboard: true });
  });

  it("counts the limit before escaping and never cuts a surrogate pair", () => {
    const escaped = renderReply(chat, { text: "<".repeat(TELEGRAM_TEXT_LIMIT) });
    expect(escaped).toHaveLength(1);
    const emoji = "⚡💡".repeat(3000); // 9000 UTF-16 units, no spaces
    const parts = splitText(emoji);
    expect(parts.join("")).toBe(emoji);
    for (const part of parts) {
      expect(part.length).toBeLessThanOrEqual(TELEGRAM_TEXT_LIMIT);
      expect(() => encodeURIComponent(part)).not.toThrow(); // a lone surrogate would throw
    }
  });
});
