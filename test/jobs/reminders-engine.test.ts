// A reminder end to end with the real engine on Postgres: the delivered reminder carries a "Submit
// reading" button per account and a "Stop reminders" button; tapping them (global choices, whatever
// the conversation is doing) starts the reading journey for that account / turns reminders off, and
// the next campaign leaves the user out.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgEngineStore } from "../../src/db/engine-store-pg.js";
import { createEngine } from "../../src/engine/engine.js";
import { GLOBAL_CHOICES, submitReadingChoice } from "../../src/engine/global-choices.js";
import { t } from "../../src/engine/i18n/index.js";
import { kyivInstant } from "../../src/engine/reading-window.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";
import { createOutbound } from "../../src/jobs/outbound.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { recordingSender, silentLogger, testMetrics, testSettings, until } from "./support.js";

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe("reminder buttons through the engine", () => {
  it("Submit reading starts the journey for that account; Stop reminders turns them off for good", async () => {
    const now = kyivInstant(2026, 11, 29, 10, 30);
    const engine = createEngine({
      store: createPgEngineStore(db.enginePool),
      clock: { now: () => now },
      settings: defaultEngineSettings,
    });
    const address = "telegram:5550001";
    let update = 0;
    const say = (event: Parameters<typeof engine.handle>[1]) =>
      engine.handle(address, event, {
        channel: "telegram",
        updateId: `e2e-${++update}`,
        languageCode: "uk",
        telegramChatId: 5550001n,
      });
    await say({ type: "start" });
    const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
    const account = await db.prisma.account.create({
      data: {
        number: "5550001",
        holderName: "Тест",
        phones: [],
        settlement: "Дніпро",
        street: "Тестова",
        building: "1",
        areaCode: "DNP-01",
        meterSerial: "E2E001",
        meterDigits: 6,
        zones: 1,
      },
    });
    await db.prisma.accountLink.create({
      data: { userId: user.id, accountId: account.id, label: "Квартира", verifiedBy: "phone" },
    });

    const telegram = recordingSender("telegram");
    const outbound = createOutbound({
      prisma: db.prisma,
      databaseUrl: db.url,
      senders: { telegram },
      logger: silentLogger,
      metrics: testMetrics(),
      settings: testSettings(),
      now: () => now,
    });
    await outbound.start({ schedule: false });
    const run = await outbound.runReminderCampaign({ period: "2026-12", kind: "window_open" });
    expect(run.enqueued).toBe(1);
    await until(async () => telegram.sent.length === 1);
    const [reminder] = telegram.sent[0]!.replies;
    expect(reminder!.attached).toBe(true);
    expect(reminder!.text).toContain("Квартира");
    expect(reminder!.choices?.map((row) => row.map((c) => c.id))).toEqual([
      [submitReadingChoice(account.id)],
      [GLOBAL_CHOICES.stopReminders],
    ]);

    // "Submit reading" from the reminder: the reading journey for that account begins.
    await say({ type: "choice", id: submitReadingChoice(account.id) });
    const reading = await db.prisma.messengerUser.findUniqueOrThrow({ where: { id: user.id } });
    expect(JSON.stringify(reading.state)).toContain(`"accountId":${account.id}`);

    // "Stop reminders" from the reminder, in the middle of that journey.
    const stop = await say({ type: "choice", id: GLOBAL_CHOICES.stopReminders });
    expect(stop.replies[0]!.text).toContain(t("uk", "settings.remindersOff"));
    expect(
      (await db.prisma.messengerUser.findUniqueOrThrow({ where: { id: user.id } })).remindersEnabled,
    ).toBe(false);
    const next = await outbound.runReminderCampaign({ period: "2026-12", kind: "last_day", dryRun: true });
    expect(next.recipients).toBe(0);
    await outbound.stop();
  });
});
