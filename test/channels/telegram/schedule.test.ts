// The schedule view through the Telegram webhook, end to end (real engine on Postgres, fake Bot
// API): a customer whose account has a queue taps the menu button and gets the picture as a photo
// and the hours as text; the second view re-sends the photo by Telegram's file_id, with no second
// upload and no second drawing; another version is drawn and uploaded once again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeTelegramApi, type FakeTelegramApi } from "../../fakes/telegram-api.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { daySlots, publishDays } from "../../helpers/schedules.js";
import { TEST_BOT_TOKEN } from "./helpers.js";
import {
  seedTwoZoneAccount,
  startTelegramTestService,
  WEBHOOK_SECRET,
  type TelegramTestService,
} from "./service.js";
import { TelegramUser, unescapeHtml } from "./telegram-user.js";
import { t } from "../../../src/engine/i18n/index.js";

let db: TestDatabase;
let fake: FakeTelegramApi;
let service: TelegramTestService;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegramApi({ token: TEST_BOT_TOKEN });
  service = await startTelegramTestService({
    database: db,
    fake,
    mode: "webhook",
    now: "2026-11-30T11:50:00Z",
  });
});
afterAll(async () => {
  await service.stop();
  await fake.close();
  await db.drop();
});

async function deliver(update: Record<string, unknown>): Promise<void> {
  const response = await service.app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: { "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
    payload: update,
  });
  expect(response.statusCode).toBe(200);
}

async function counter(name: string, labels = ""): Promise<number> {
  const text = await service.metrics.registry.metrics();
  const line = text.split("\n").find((row) => row.startsWith(`${name}${labels} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

describe("schedule view on Telegram", () => {
  it("sends the photo once, then by file_id, and the hours as text every time", async () => {
    const account = await seedTwoZoneAccount(db.prisma, "5550000001", "380671230001");
    await db.prisma.account.update({ where: { id: account.id }, data: { outageQueue: "3.2" } });
    await publishDays(db.enginePool, [
      {
        queue: "3.2",
        date: "2026-11-30",
        slots: daySlots(["08:00", "12:30", "off"], ["16:00", "18:00", "maybe"]),
      },
    ]);
    const user = new TelegramUser(7_600_000_001, fake);
    await deliver(user.start());
    await deliver(user.contact("380671230001", true));
    await deliver(user.text("5550000001"));
    await deliver(user.press(t("uk", "label.flat")));
    const rendersBefore = await counter("schedule_picture_renders_total");

    await deliver(user.press("🕯 Графік відключень"));
    const photos = fake.sentPhotos(user.id);
    expect(photos).toHaveLength(1);
    expect(photos[0]).toMatchObject({ photo: "upload" });
    expect(photos[0]!.uploadBytes).toBeGreaterThan(5_000);
    // The text is the photo's caption, with the keyboard: one message.
    const text = unescapeHtml(String(photos[0]!.caption));
    expect(text).toContain("Сьогодні, 30.11: 🔴 08:00–12:30 без світла · 🟡 16:00–18:00 можливе");
    expect(text).toContain("⏭ Можливе відключення о 16:00, через 2 год 10 хв.");
    expect(text).toContain("Завтра, 01.12: графік ще не опубліковано.");
    const last = fake.calls.filter((c) => Number(c.params.chat_id) === user.id).at(-1)!;
    expect(last.method).toBe("sendPhoto");
    expect(last.params.parse_mode).toBe("HTML");
    expect(JSON.stringify(last.params.reply_markup)).toContain("🔄 Оновити");
    expect(await counter("schedule_picture_renders_total")).toBe(rendersBefore + 1);

    // Second view: the same file_id, no upload, no drawing.
    await deliver(user.press("🔄 Оновити"));
    const again = fake.sentPhotos(user.id);
    expect(again).toHaveLength(2);
    expect(again[1]!.photo).toMatch(/^AgACAgIAAxkBAAPhoto\d+$/);
    expect(await counter("schedule_picture_renders_total")).toBe(rendersBefore + 1);

    // Another customer of the same queue: the same picture, by id as well.
    const other = new TelegramUser(7_600_000_002, fake);
    await deliver(other.start());
    await deliver(other.press(t("uk", "nav.menu")));
    await deliver(other.press("🕯 Графік відключень"));
    await deliver(other.press("черга 3.2"));
    expect(fake.sentPhotos(other.id).map((p) => p.photo)).toEqual([again[1]!.photo]);
    expect(await counter("schedule_picture_renders_total")).toBe(rendersBefore + 1);

    // A new version is drawn and uploaded once.
    await publishDays(db.enginePool, [
      { queue: "3.2", date: "2026-11-30", slots: daySlots(["18:00", "20:00", "off"]) },
    ]);
    await deliver(user.press("🔄 Оновити"));
    expect(fake.sentPhotos(user.id).at(-1)?.photo).toBe("upload");
    expect(await counter("schedule_picture_renders_total")).toBe(rendersBefore + 2);
    const stored = await db.enginePool.query(
      "SELECT count(*)::int AS n FROM schedule_picture WHERE telegram_file_id IS NOT NULL",
    );
    expect(stored.rows[0].n).toBe(2);
  });

  it("a refused file_id is uploaded again; a photo that fails leaves the text", async () => {
    const user = new TelegramUser(7_600_000_003, fake);
    await deliver(user.start());
    await deliver(user.press(t("uk", "nav.menu")));
    await deliver(user.press("🕯 Графік відключень"));
    await deliver(user.press("черга 3.2"));
    fake.failNext("sendPhoto", {
      kind: "bad_request",
      description: "Bad Request: wrong file identifier/HTTP URL specified",
    });
    await deliver(user.press("🔄 Оновити"));
    expect(
      fake
        .sentPhotos(user.id)
        .slice(-2)
        .map((p) => p.photo.startsWith("AgAC") || p.photo),
    ).toEqual([true, "upload"]);
    const before = fake.sentMessages(user.id).length;
    fake.failNext("sendPhoto", { kind: "server_error" });
    await deliver(user.press("🔄 Оновити"));
    expect(fake.sentMessages(user.id).length).toBe(before + 1);
    const text = fake.sentMessages(user.id).at(-1)!;
    expect(unescapeHtml(String(text.text))).toContain("черга 3.2");
    expect(JSON.stringify(text.reply_markup)).toContain("🔄 Оновити");
  });
});
