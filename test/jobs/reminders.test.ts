// Reading reminders against real Postgres: who gets one (and with which accounts), idempotent
// campaigns (twice, concurrently), quiet hours, Viber's free window, and the scheduler tick.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma } from "../../src/db/client.js";
import { kyivInstant } from "../../src/engine/reading-window.js";
import { createOutbound, type Outbound } from "../../src/jobs/outbound.js";
import type { OutboundSettings } from "../../src/jobs/outbound-settings.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { recordingSender, seedUser, silentLogger, testMetrics, testSettings, until } from "./support.js";

let db: TestDatabase;
const running: Outbound[] = [];
const clients: ReturnType<typeof createPrisma>[] = [];
const PERIOD = "2026-12";
// 29 Nov 2026 10:05 Kyiv: the window of period 2026-12 opened at 10:00.
let clock = kyivInstant(2026, 11, 29, 10, 5);

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const o of running) await o.stop();
  for (const c of clients) await c.$disconnect();
  await db.drop();
});

async function resetData() {
  await db.prisma.$executeRawUnsafe(
    "TRUNCATE outbound_message, reminder_delivery, reminder_campaign, meter_reading, account_link, account, messenger_user, outbound_rate RESTART IDENTITY CASCADE",
  );
  await db.prisma
    .$executeRawUnsafe("DELETE FROM pgboss.job WHERE name LIKE 'outbound-%'")
    .catch(() => undefined);
}

function outbound(
  options: {
    senders?: Parameters<typeof createOutbound>[0]["senders"];
    tweak?: (s: OutboundSettings) => void;
    ownClient?: boolean;
  } = {},
) {
  const settings = testSettings();
  options.tweak?.(settings);
  const prisma = options.ownClient ? createPrisma(db.url, { poolSize: 5 }) : db.prisma;
  if (options.ownClient) clients.push(prisma);
  const metrics = testMetrics();
  const o = createOutbound({
    prisma,
    databaseUrl: db.url,
    senders: options.senders ?? {},
    logger: silentLogger,
    metrics,
    settings,
    now: () => clock,
  });
  running.push(o);
  return Object.assign(o, { registry: metrics.registry });
}

async function addReading(
  accountId: number,
  period: string,
  status: "accepted" | "flagged" | "superseded" = "accepted",
) {
  await db.prisma.meterReading.create({
    data: { accountId, period, t1: 12345, takenAt: new Date(), source: "telegram", status },
  });
}

describe("reminder targeting", () => {
  it("reminds exactly the users who still owe a reading, listing only those accounts", async () => {
    await resetData();
    clock = kyivInstant(2026, 11, 29, 10, 5);
    const both = await seedUser(db.prisma, { accounts: ["Квартира", "Дача"] });
    const partly = await seedUser(db.prisma, { channel: "viber", accounts: ["Квартира", "Батьки"] });
    await addReading(partly.accountIds[0]!, PERIOD);
    const done = await seedUser(db.prisma, { accounts: ["Квартира"] });
    await addReading(done.accountIds[0]!, PERIOD, "superseded");
    await addReading(done.accountIds[0]!, PERIOD, "accepted");
    const onlySuperseded = await seedUser(db.prisma, { accounts: ["Гараж"] });
    await addReading(onlySuperseded.accountIds[0]!, PERIOD, "superseded");
    const lastMonth = await seedUser(db.prisma, { channel: "web", accounts: ["Офіс"] });
    await addReading(lastMonth.accountIds[0]!, "2026-11");
    const remindersOff = await seedUser(db.prisma, { remindersEnabled: false, accounts: ["Квартира"] });
    const blocked = await seedUser(db.prisma, { status: "blocked", accounts: ["Квартира"] });
    const unsubscribed = await seedUser(db.prisma, {
      channel: "viber",
      status: "unsubscribed",
      accounts: ["Квартира"],
    });
    const noAccounts = await seedUser(db.prisma);
    // A second messenger user managing an account whose reading someone else already submitted.
    const sharer = await db.prisma.messengerUser.create({
      data: { address: "telegram:777001", channel: "telegram" },
    });
    await db.prisma.accountLink.create({
      data: { userId: sharer.id, accountId: partly.accountIds[0]!, label: "Мамина", verifiedBy: "phone" },
    });

    const o = outbound();
    await o.start({ deliver: false, schedule: false });
    const listed: { userId: number; labels: string[] }[] = [];
    const dry = await o.runReminderCampaign({
      period: PERIOD,
      kind: "window_open",
      dryRun: true,
      onRecipient: (r) => listed.push({ userId: r.userId, labels: r.accounts.map((a) => a.label) }),
    });
    expect(dry).toMatchObject({ recipients: 4, enqueued: 0, perChannel: { telegram: 2, viber: 1, web: 1 } });
    expect(listed).toEqual([
      { userId: both.userId, labels: ["Квартира", "Дача"] },
      { userId: partly.userId, labels: ["Батьки"] },
      { userId: onlySuperseded.userId, labels: ["Гараж"] },
      { userId: lastMonth.userId, labels: ["Офіс"] },
    ]);
    expect(await db.prisma.outboundMessage.count()).toBe(0);
    expect(await db.prisma.reminderDelivery.count()).toBe(0);

    const run = await o.runReminderCampaign({ period: PERIOD, kind: "window_open" });
    expect(run).toMatchObject({ recipients: 4, enqueued: 4, perChannel: { telegram: 2, viber: 1, web: 1 } });
    const messages = await db.prisma.outboundMessage.findMany({ orderBy: { userId: "asc" } });
    expect(messages.map((m) => [m.userId, m.kind, m.state, m.quietHours])).toEqual([
      [both.userId, "reading_reminder", "queued", true],
      [partly.userId, "reading_reminder", "queued", true],
      [onlySuperseded.userId, "reading_reminder", "queued", true],
      [lastMonth.userId, "reading_reminder", "queued", true],
    ]);
    expect(messages[0]!.notification).toEqual({
      kind: "reading_reminder",
      reminder: "window_open",
      period: PERIOD,
      accounts: [
        { accountId: both.accountIds[0], label: "Квартира" },
        { accountId: both.accountIds[1], label: "Дача" },
      ],
    });
    const nobody = [done, remindersOff, blocked, unsubscribed, noAccounts]
      .map((u) => u.userId)
      .concat(sharer.id);
    expect(await db.prisma.reminderDelivery.count({ where: { userId: { in: nobody } } })).toBe(0);
    expect(
      await db.prisma.reminderCampaign.findUnique({
        where: { period_kind: { period: PERIOD, kind: "window_open" } },
      }),
    ).toMatchObject({
      enqueued: 4,
    });

    // Delivered: one message per user, to their own address.
    const telegram = recordingSender("telegram");
    const viber = recordingSender("viber");
    const web = recordingSender("web");
    const worker = outbound({ senders: { telegram, viber, web } });
    await worker.start({ schedule: false });
    await until(async () => (await o.stats()).sent === 4);
    await worker.stop();
    expect(telegram.sent.map((s) => s.address).sort()).toEqual([both.address, onlySuperseded.address].sort());
    expect(viber.sent.map((s) => s.address)).toEqual([partly.address]);
    expect(web.sent.map((s) => s.address)).toEqual([lastMonth.address]);
    await o.stop();
  });
});

describe("campaign idempotency", () => {
  it("a second run enqueues nothing; two instances at once give each user one reminder", async () => {
    await resetData();
    clock = kyivInstant(2026, 12, 3, 10, 1);
    const users = [];
    for (let i = 0; i < 120; i++) users.push(await seedUser(db.prisma, { accounts: [`Рахунок ${i}`] }));
    const a = outbound({ ownClient: true, tweak: (s) => (s.reminders.batchSize = 7) });
    const b = outbound({ ownClient: true, tweak: (s) => (s.reminders.batchSize = 11) });
    await Promise.all([
      a.start({ deliver: false, schedule: false }),
      b.start({ deliver: false, schedule: false }),
    ]);
    const [ra, rb] = await Promise.all([
      a.runReminderCampaign({ period: PERIOD, kind: "last_day" }),
      b.runReminderCampaign({ period: PERIOD, kind: "last_day" }),
    ]);
    expect(ra.enqueued + rb.enqueued).toBe(120);
    const again = await a.runReminderCampaign({ period: PERIOD, kind: "last_day" });
    expect(again.enqueued).toBe(0);
    const perUser = await db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM outbound_message GROUP BY user_id`;
    expect(perUser).toHaveLength(120);
    expect(perUser.every((r) => r.n === 1)).toBe(true);
    const jobs = await db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pgboss.job j JOIN outbound_message m ON m.job_id = j.id`;
    expect(jobs[0]!.n).toBe(120);
    // The other kind for the same period is a separate reminder.
    const windowOpen = await a.runReminderCampaign({ period: PERIOD, kind: "window_open", dryRun: true });
    expect(windowOpen.recipients).toBe(120);
    await Promise.all([a.stop(), b.stop()]);
  });

  it("a run that dies after some batches is completed by the next run, one reminder each", async () => {
    await resetData();
    clock = kyivInstant(2026, 12, 3, 10, 1);
    for (let i = 0; i < 40; i++) await seedUser(db.prisma, { accounts: [`Рахунок ${i}`] });
    const o = outbound({ tweak: (s) => (s.reminders.batchSize = 6) });
    await o.start({ deliver: false, schedule: false });
    let batches = 0;
    await expect(
      o.runReminderCampaign({
        period: PERIOD,
        kind: "last_day",
        onProgress: () => {
          if (++batches === 3) throw new Error("process died");
        },
      }),
    ).rejects.toThrow("process died");
    expect(await db.prisma.reminderDelivery.count()).toBe(18);
    expect(await db.prisma.reminderCampaign.count()).toBe(0); // not marked completed: the tick retries it
    const rest = await o.runReminderCampaign({ period: PERIOD, kind: "last_day" });
    expect(rest.enqueued).toBe(22);
    expect(await db.prisma.outboundMessage.count()).toBe(40);
    expect(await db.prisma.reminderCampaign.count()).toBe(1);
    await o.stop();
  });
});

describe("quiet hours", () => {
  it("a campaign run at night schedules its reminders for 09:00 Kyiv and nothing is sent before", async () => {
    await resetData();
    clock = kyivInstant(2026, 11, 29, 22, 30);
    const user = await seedUser(db.prisma, { accounts: ["Квартира"] });
    const telegram = recordingSender("telegram");
    const o = outbound({ senders: { telegram } });
    await o.start({ schedule: false });
    await o.runReminderCampaign({ period: PERIOD, kind: "window_open" });
    const [message] = await db.prisma.outboundMessage.findMany({ where: { userId: user.userId } });
    const [job] = await db.prisma.$queryRaw<{ start_after: Date }[]>`
      SELECT start_after FROM pgboss.job WHERE id = ${message!.jobId}::uuid`;
    expect(job!.start_after.toISOString()).toBe(kyivInstant(2026, 11, 30, 9, 0).toISOString());
    await new Promise((r) => setTimeout(r, 500));
    expect(telegram.sent).toHaveLength(0);
    await o.stop();
  });

  it("a reminder whose job comes due inside quiet hours is deferred to their end, not sent", async () => {
    await resetData();
    clock = kyivInstant(2026, 11, 29, 20, 59);
    const user = await seedUser(db.prisma, { accounts: ["Квартира"] });
    const producer = outbound();
    await producer.start({ deliver: false, schedule: false });
    await producer.runReminderCampaign({ period: PERIOD, kind: "window_open" });
    await producer.stop();
    const [before] = await db.prisma.outboundMessage.findMany({ where: { userId: user.userId } });

    clock = kyivInstant(2026, 11, 29, 21, 30);
    const telegram = recordingSender("telegram");
    const o = outbound({ senders: { telegram } });
    await o.start({ schedule: false });
    const after = await until(async () => {
      const [m] = await db.prisma.outboundMessage.findMany({ where: { userId: user.userId } });
      return m && m.jobId !== before!.jobId ? m : undefined;
    });
    expect(after.state).toBe("queued");
    const [job] = await db.prisma.$queryRaw<{ start_after: Date; state: string }[]>`
      SELECT start_after, state::text FROM pgboss.job WHERE id = ${after.jobId}::uuid`;
    expect(job).toEqual({ start_after: kyivInstant(2026, 11, 30, 9, 0), state: "created" });
    expect(telegram.sent).toHaveLength(0);
    await o.stop();
  });
});

describe("viber free window", () => {
  it("counts paid (outside 24 h) Viber reminders in metrics, or skips them when configured", async () => {
    await resetData();
    clock = kyivInstant(2026, 11, 29, 10, 5);
    const recent = await seedUser(db.prisma, {
      channel: "viber",
      lastInboundAt: new Date(clock.getTime() - 3_600_000),
      accounts: ["А"],
    });
    const stale = await seedUser(db.prisma, {
      channel: "viber",
      lastInboundAt: new Date(clock.getTime() - 48 * 3_600_000),
      accounts: ["Б"],
    });
    const never = await seedUser(db.prisma, { channel: "viber", lastInboundAt: null, accounts: ["В"] });

    const skipping = outbound({ tweak: (s) => (s.reminders.viberSkipOutsideFreeWindow = true) });
    await skipping.start({ deliver: false, schedule: false });
    const dry = await skipping.runReminderCampaign({ period: PERIOD, kind: "window_open", dryRun: true });
    expect(dry).toMatchObject({
      recipients: 1,
      viberOutsideFreeWindow: 2,
      viberSkipped: 2,
      perChannel: { viber: 1 },
    });
    await skipping.stop();

    const viber = recordingSender("viber");
    const o = outbound({ senders: { viber } });
    await o.start({ schedule: false });
    const run = await o.runReminderCampaign({ period: PERIOD, kind: "window_open" });
    expect(run).toMatchObject({ enqueued: 3, viberOutsideFreeWindow: 2, viberSkipped: 0 });
    await until(async () => (await o.stats()).sent === 3);
    await o.stop();
    expect(viber.sent.map((s) => s.address).sort()).toEqual(
      [recent.address, stale.address, never.address].sort(),
    );
    const metric = await o.registry.getSingleMetric("outbound_viber_outside_free_window_total")!.get();
    expect(metric.values).toEqual([{ value: 2, labels: { kind: "reading_reminder" } }]);
  });
});

describe("scheduler tick", () => {
  it("runs the due campaign once and marks it completed", async () => {
    await resetData();
    const user = await seedUser(db.prisma, { accounts: ["Квартира"] });
    const o = outbound();
    await o.start({ deliver: false, schedule: false });
    clock = kyivInstant(2026, 11, 29, 9, 59);
    expect(await o.tick()).toBeUndefined();
    clock = kyivInstant(2026, 11, 29, 10, 0);
    expect(await o.tick()).toMatchObject({ period: PERIOD, kind: "window_open", enqueued: 1 });
    expect(await o.tick()).toBeUndefined();
    clock = kyivInstant(2026, 12, 3, 10, 0);
    expect(await o.tick()).toMatchObject({ period: PERIOD, kind: "last_day", enqueued: 1 });
    expect(await db.prisma.outboundMessage.count({ where: { userId: user.userId } })).toBe(2);
    await o.stop();
  });
});
