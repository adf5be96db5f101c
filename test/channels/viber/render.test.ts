// The renderer: keyboard geometry (rows of 6 columns, at most 12 rows), choice ids in ActionBody,
// share-phone with min_api_version 3, the keyboard on every message, 7000-character splitting.
import { describe, expect, it } from "vitest";
import type { Choice, Reply } from "../../../src/engine/replies.js";
import {
  KEYBOARD_COLOURS,
  renderReplies,
  renderWelcome,
  splitText,
  VIBER_TEXT_LIMIT,
  type ViberKeyboard,
} from "../../../src/channels/viber/render.js";

const level3 = { apiLevel3: true };

function choices(count: number, prefix = "c"): Choice[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i + 1}`, label: `Пункт ${i + 1}` }));
}

/** Groups buttons into visual rows by summing Columns to 6. */
function rowsOf(keyboard: ViberKeyboard): number[][] {
  const rows: number[][] = [];
  let current: number[] = [];
  let sum = 0;
  for (const button of keyboard.Buttons) {
    current.push(button.Columns);
    sum += button.Columns;
    if (sum === 6) {
      rows.push(current);
      current = [];
      sum = 0;
    }
  }
  expect(current, "buttons left over in an unfinished row").toEqual([]);
  return rows;
}

describe("renderReplies", () => {
  it("renders choices as reply buttons with the prefixed id as ActionBody, one colour scheme", () => {
    const [message] = renderReplies(
      [
        {
          text: "Головне меню",
          choices: [
            [{ id: "menu.reading", label: "Передати показники" }],
            [
              { id: "menu.outage", label: "Немає світла" },
              { id: "menu.service", label: "Замовити послугу" },
            ],
          ],
        },
      ],
      level3,
    );
    expect(message).toEqual({
      text: "Головне меню",
      keyboard: {
        Type: "keyboard",
        DefaultHeight: false,
        BgColor: KEYBOARD_COLOURS.keyboard,
        InputFieldState: "regular",
        Buttons: [
          {
            Columns: 6,
            Rows: 1,
            ActionType: "reply",
            ActionBody: "choice:menu.reading",
            Text: "Передати показники",
            BgColor: KEYBOARD_COLOURS.choice,
            TextSize: "regular",
            TextHAlign: "center",
            TextVAlign: "middle",
            Silent: true,
          },
          {
            Columns: 3,
            Rows: 1,
            ActionType: "reply",
            ActionBody: "choice:menu.outage",
            Text: "Немає світла",
            BgColor: KEYBOARD_COLOURS.choice,
            TextSize: "regular",
            TextHAlign: "center",
            TextVAlign: "middle",
            Silent: true,
          },
          {
            Columns: 3,
            Rows: 1,
            ActionType: "reply",
            ActionBody: "choice:menu.service",
            Text: "Замовити послугу",
            BgColor: KEYBOARD_COLOURS.choice,
            TextSize: "regular",
            TextHAlign: "center",
            TextVAlign: "middle",
            Silent: true,
          },
        ],
      },
    });
  });

  it("fills every row to exactly 6 columns with equal-width buttons for any row length", () => {
    for (let n = 1; n <= 9; n += 1) {
      const [message] = renderReplies([{ text: "x", choices: [choices(n)] }], level3);
      const rows = rowsOf(message!.keyboard!);
      for (const row of rows) expect(new Set(row).size).toBe(1);
      expect(rows.flat().length).toBe(n);
    }
    const [four] = renderReplies([{ text: "x", choices: [choices(4)] }], level3);
    expect(rowsOf(four!.keyboard!)).toEqual([
      [3, 3],
      [3, 3],
    ]);
    const [five] = renderReplies([{ text: "x", choices: [choices(5)] }], level3);
    expect(rowsOf(five!.keyboard!)).toEqual([
      [2, 2, 2],
      [3, 3],
    ]);
  });

  it("never uses more than 12 rows: packs choices three to a row when the engine's rows do not fit", () => {
    const many = Array.from({ length: 15 }, (_, i) => [{ id: `a${i}`, label: `Рахунок ${i}` }]);
    const [message] = renderReplies(
      [{ text: "x", choices: many, requestPhone: { label: "Поділитися номером" } }],
      level3,
    );
    const rows = rowsOf(message!.keyboard!);
    expect(rows.length).toBeLessThanOrEqual(12);
    expect(rows[0]).toEqual([6]); // the share-phone row stays on top
    expect(
      message!.keyboard!.Buttons.filter((b) => b.ActionType === "reply").map((b) => b.ActionBody),
    ).toEqual(many.flat().map((c) => `choice:${c.id}`));
  });

  it("puts a share-phone button above the choices and sets min_api_version 3", () => {
    const [message] = renderReplies(
      [
        {
          text: "Поділіться номером",
          requestPhone: { label: "📱 Поділитися номером" },
          choices: [[{ id: "verify.no_phone", label: "Без номера" }]],
        },
      ],
      level3,
    );
    expect(message!.minApiVersion).toBe(3);
    expect(message!.keyboard!.Buttons.map((b) => [b.ActionType, b.ActionBody, b.Text, b.Columns])).toEqual([
      ["share-phone", "share-phone", "📱 Поділитися номером", 6],
      ["reply", "choice:verify.no_phone", "Без номера", 6],
    ]);
    expect(message!.keyboard!.Buttons[0]!.BgColor).toBe(KEYBOARD_COLOURS.sharePhone);
  });

  it("drops the share-phone button and min_api_version without API level 3", () => {
    const [message] = renderReplies(
      [
        {
          text: "Поділіться номером",
          requestPhone: { label: "Поділитися" },
          choices: [[{ id: "verify.no_phone", label: "Без номера" }]],
        },
      ],
      { apiLevel3: false },
    );
    expect(message!.minApiVersion).toBeUndefined();
    expect(message!.keyboard!.Buttons.map((b) => b.ActionType)).toEqual(["reply"]);
  });

  it("gives every message the keyboard: a reply without choices carries the one the batch ends with", () => {
    const replies: Reply[] = [
      { text: "Показники прийнято" },
      { text: "Головне меню", choices: [[{ id: "menu.reading", label: "Показники" }]] },
    ];
    const messages = renderReplies(replies, level3);
    expect(messages).toHaveLength(2);
    expect(messages[0]!.keyboard).toEqual(messages[1]!.keyboard);
    expect(messages[0]!.keyboard!.Buttons[0]!.ActionBody).toBe("choice:menu.reading");
  });

  it("keeps each reply's own keyboard when several replies have one", () => {
    const messages = renderReplies(
      [
        { text: "a", choices: [[{ id: "one", label: "1" }]] },
        { text: "b", choices: [[{ id: "two", label: "2" }]] },
      ],
      level3,
    );
    expect(messages.map((m) => m.keyboard!.Buttons[0]!.ActionBody)).toEqual(["choice:one", "choice:two"]);
  });

  it("sends no keyboard after removeKeyboard", () => {
    const messages = renderReplies([{ text: "Бувайте", removeKeyboard: true }], level3);
    expect(messages).toEqual([{ text: "Бувайте" }]);
  });

  it("splits a text over 7000 characters into messages that each carry the keyboard", () => {
    const paragraph = "Рядок історії показників. ".repeat(40).trim();
    const text = Array.from({ length: 12 }, () => paragraph).join("\n\n");
    expect(text.length).toBeGreaterThan(VIBER_TEXT_LIMIT);
    const messages = renderReplies([{ text, choices: [[{ id: "menu", label: "Меню" }]] }], level3);
    expect(messages.length).toBe(2);
    for (const message of messages) {
      expect(message.text.length).toBeLessThanOrEqual(VIBER_TEXT_LIMIT);
      expect(message.keyboard!.Buttons[0]!.ActionBody).toBe("choice:menu");
    }
    expect(messages.map((m) => m.text).join("\n\n")).toBe(text);
  });
});

describe("splitText", () => {
  it("cuts text without separators at the limit without breaking a surrogate pair", () => {
    const text = "a".repeat(6999) + "😀" + "b".repeat(10);
    const pieces = splitText(text, 7000);
    expect(pieces).toEqual(["a".repeat(6999), "😀" + "b".repeat(10)]);
  });

  it("prefers a line break to a space", () => {
    expect(splitText("aaaa bbbb\ncccc dddd", 12)).toEqual(["aaaa bbbb", "cccc dddd"]);
  });
});

describe("renderWelcome", () => {
  it("joins several replies into the single message a welcome may be, with the final keyboard", () => {
    const welcome = renderWelcome(
      [
        { text: "Вітаємо!" },
        {
          text: "Поділіться номером",
          requestPhone: { label: "Поділитися" },
          choices: [[{ id: "menu", label: "Меню" }]],
        },
      ],
      level3,
    );
    expect(welcome).toMatchObject({ text: "Вітаємо!\n\nПоділіться номером", minApiVersion: 3 });
    expect(welcome!.keyboard!.Buttons.map((b) => b.ActionType)).toEqual(["share-phone", "reply"]);
    expect(renderWelcome([], level3)).toBeUndefined();
  });
});

describe("schedule pictures", () => {
  const reply: Reply = {
    text: "🕯 черга 3.2",
    choices: [[{ id: "m:sched", label: "🔄 Оновити" }]],
    picture: {
      kind: "outage-schedule",
      queue: "3.2",
      days: [{ date: "2026-11-30", version: 7 }],
      language: "uk",
    },
  };

  it("sends a picture message before the text, with the same keyboard, when the picture has a URL", () => {
    const messages = renderReplies([reply], {
      apiLevel3: true,
      pictureFor: () => ({ url: "https://bot.example.org/media/schedules/k.png", caption: "x".repeat(200) }),
    });
    expect(messages).toHaveLength(2);
    expect(messages[0]?.picture).toEqual({ media: "https://bot.example.org/media/schedules/k.png" });
    expect(messages[0]?.text).toHaveLength(120);
    expect(messages[0]?.keyboard).toEqual(messages[1]?.keyboard);
    expect(messages[1]).toMatchObject({ text: "🕯 черга 3.2" });
  });

  it("sends the text alone without a URL", () => {
    expect(renderReplies([reply], { apiLevel3: true }).map((m) => m.picture)).toEqual([undefined]);
  });
});
