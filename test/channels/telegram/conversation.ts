// The acceptance conversation, shared by the webhook and polling end-to-end tests: /start -> share
// own phone -> account number -> verified (label) -> submit a two-zone reading -> receipt, checking
// the exact sendMessage payload of every step (texts from the catalogue, keyboards, request_contact).
import { expect } from "vitest";
import { t } from "../../../src/engine/i18n/index.js";
import type { TelegramUser } from "./telegram-user.js";

type Button = string | { text: string; request_contact: true };

export function replyKeyboard(rows: Button[][]) {
  return {
    keyboard: rows.map((row) => row.map((b) => (typeof b === "string" ? { text: b } : b))),
    resize_keyboard: true,
  };
}

const uk = (key: Parameters<typeof t>[1], params?: Parameters<typeof t>[2]) => t("uk", key, params);

const mainMenu = replyKeyboard([
  [uk("menu.reading")],
  [uk("sched.menu")],
  [uk("menu.outage"), uk("menu.order")],
  [uk("menu.requests"), uk("menu.history")],
  [uk("menu.accounts")],
  [uk("menu.person")],
  [uk("menu.settings"), uk("menu.help")],
]);

/** Delivers one update and resolves once it is fully handled (replies sent). */
export type Deliver = (update: Record<string, unknown>) => Promise<void>;

/** The updates sent, by step, so tests can replay them. */
export interface ConversationUpdates {
  start: Record<string, unknown>;
  contact: Record<string, unknown>;
  confirm: Record<string, unknown>;
}

export async function verifyAndSubmitReading(
  user: TelegramUser,
  deliver: Deliver,
  account: { number: string; phone: string },
): Promise<ConversationUpdates> {
  const chat_id = user.id;
  const message = (text: string, reply_markup: unknown) => ({
    chat_id,
    text,
    parse_mode: "HTML",
    reply_markup,
  });
  let seen = user.received().length;
  async function step(update: Record<string, unknown>, expected: unknown[]) {
    await deliver(update);
    const fresh = user
      .received()
      .slice(seen)
      .map((m) => m.params);
    seen += fresh.length;
    expect(fresh).toEqual(expected);
  }

  const start = user.start();
  await step(start, [
    message(
      `${uk("welcome.new")}\n\n${uk("verify.askPhone")}`,
      replyKeyboard([
        [{ text: uk("verify.sharePhoneButton"), request_contact: true }],
        [uk("verify.otherWay")],
        [uk("nav.menu")],
      ]),
    ),
  ]);

  const contact = user.contact(account.phone, true);
  await step(contact, [
    message(
      `${uk("verify.phoneSaved")}\n\n${uk("verify.askAccount")}`,
      replyKeyboard([[uk("verify.otherWay")], [uk("nav.back"), uk("nav.menu")]]),
    ),
  ]);

  await step(user.text(account.number), [
    message(
      `${uk("verify.linked", { number: account.number })}\n\n${uk("label.ask")}`,
      replyKeyboard([
        [uk("label.flat"), uk("label.house"), uk("label.cottage")],
        [uk("label.skip")],
        [uk("nav.menu")],
      ]),
    ),
  ]);

  const label = uk("label.flat");
  // One billing reading and no billing average: nothing to forecast from, so no number is shown.
  await deliver(user.press(label));
  const menu = user
    .received()
    .slice(seen)
    .map((m) => m.params);
  seen += menu.length;
  expect(menu).toHaveLength(1);
  expect(menu).toEqual([
    message(
      [
        uk("label.saved", { label }),
        "",
        uk("menu.title"),
        uk("menu.readingMissing", { label, period: "12.2026" }),
      ].join("\n"),
      mainMenu,
    ),
  ]);

  const zoneKeyboard = replyKeyboard([[uk("reading.sameAsLast")], [uk("nav.back"), uk("nav.menu")]]);
  await step(user.press(uk("menu.reading")), [
    message(
      [
        uk("reading.intro", { label, number: account.number }),
        uk("reading.last", { date: "01.11.2026" }),
        uk("reading.zoneValue", { zone: uk("zone.day"), value: 12200 }),
        uk("reading.zoneValue", { zone: uk("zone.night"), value: 6100 }),
        uk("reading.windowOpen", { closes: "03.12.2026", period: "12.2026" }),
        "",
        uk("reading.askZone", { zone: uk("zone.day"), digits: 5 }),
      ].join("\n"),
      zoneKeyboard,
    ),
  ]);

  await step(user.text("12400"), [
    message(uk("reading.askZone", { zone: uk("zone.night"), digits: 5 }), zoneKeyboard),
  ]);

  await step(user.text("6150"), [
    message(
      [
        uk("reading.summary", { label, number: account.number, period: "12.2026" }),
        uk("reading.zoneValueUsed", { zone: uk("zone.day"), value: 12400, used: 200 }),
        uk("reading.zoneValueUsed", { zone: uk("zone.night"), value: 6150, used: 50 }),
        uk("reading.summaryAsk"),
      ].join("\n"),
      replyKeyboard([[uk("common.confirm"), uk("common.fix")], [uk("nav.menu")]]),
    ),
  ]);

  const confirm = user.press(uk("common.confirm"));
  await step(confirm, [
    message(
      [
        uk("reading.receipt", { label, number: account.number, period: "12.2026" }),
        uk("reading.zoneValue", { zone: uk("zone.day"), value: 12400 }),
        uk("reading.zoneValue", { zone: uk("zone.night"), value: 6150 }),
        "",
        uk("menu.title"),
        uk("menu.readingIn", { label, period: "12.2026" }),
      ].join("\n"),
      mainMenu,
    ),
  ]);
  return { start, contact, confirm };
}
