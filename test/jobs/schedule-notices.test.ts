// Schedule notices against real Postgres: the planner tick (pinned clocks) starts one keyed fan-out
// per notice from the schedule in force — warnings per lead time (late rather than never; a removed
// or moved period is not announced, a queued notice of it is cancelled), day notices debounced to one
// message with the final state, night and quiet hours, mode changes, power back — and the lanes
// deliver them: urgent before a running bulk fan-out, each person once across ticks, instances and a
// restart.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import type { Notification } from "../../src/engine/notifications.js";
import { createOutbound, type Outbound } from "../../src/jobs/outbound.js";
import type { OutboundSettings } from "../../src/jobs/outbound-settings.js";
import { addDays, kyivIsoDate, slotTime } from "../../src/schedules/kyiv-day.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { daySlots, nextSlotBoundary, publishDays } from "../helpers/schedules.js";
import { recordingSender, seedUser, silentLogger, testMetrics, testSettings, until } from "./support.js";

let db: TestDatabase;
let running: Outbound[] = [];
const realServer = inject("testDb").mode === "server";
const onServer = it.skipIf(!realServer);

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  for (const o of running) await o.stop();
  running = [];
  await db.prisma.$executeRawUnsafe(
    "TRUNCATE outbound_message, fanout, schedule_day_notice, schedule_subscription, schedule_day, schedule_publication, outage_mode_change, outbound_rate, messenger_user RESTART IDENTITY CASCADE",
  );
});
afterAll(async () => {
  await db.drop();
});

function outbound(
  tweak?: (s: OutboundSettings) => void,
  senders: Parameters<typeof createOutbound>[0]["senders"] = {},
) {
  const settings = testSettings();
  settings.scheduleNotices = { debounceMs: 120_000 };
  tweak?.(settings);
  const metrics = testMetrics();
  const o = createOutbound({
    prisma: db.prisma,
    databaseUrl: db.url,
    senders,
    logger: silentLogger,
    metrics,
    settings,
  });
  running.push(o);
  return Object.assign(o, { registry: metrics.registry });
}

type Period = [string, string, "off" | "maybe"];

/** A publication at `at` of the given queue-days, as the operator service stores it. */
const publish = (at: string | Date, date: string, queues: Record<string, Period[]>): Promise<number> =>
  publishDays(
    db.enginePool,
    Object.entries(queues).map(([queue, periods]) => ({ queue, date, slots: daySlots(...periods) })),
    new Date(at),
  );

interface Sub {
  lead?: number;
  maybe?: boolean;
  night?: boolean;
  back?: boolean;
  label?: string | null;
}

/** A user subscribed to queues (one row per queue, as the engine stores them). */
async function subscriber(queues: Record<string, Sub>, status: "active" | "blocked" = "active") {
  const user = await seedUser(db.prisma, { status });
  for (const [queue, sub] of Object.entries(queues)) {
    await db.prisma.$executeRaw`
      INSERT INTO schedule_subscription (user_id, queue, label, lead_minutes, include_maybe, night, power_back, updated_at)
      VALUES (${user.userId}, ${queue}, ${sub.label === undefined ? "Дім" : sub.label}, ${sub.lead ?? 30},
              ${sub.maybe ?? true}, ${sub.night ?? false}, ${sub.back ?? false}, now())`;
  }
  return user;
}

/** Every schedule message per user: [kind, notification, state, fan-out key]. */
async function messages(userId?: number) {
  return db.prisma.$queryRaw<
    { userId: number; kind: string; notification: Notification; state: string; key: string }[]
  >`
    SELECT m.user_id AS "userId", m.kind, m.notification, m.state::text AS state, f.key
      FROM outbound_message m JOIN fanout f ON f.id = m.fanout_id
     WHERE (${userId ?? null}::int IS NULL OR m.user_id = ${userId ?? null})
     ORDER BY m.id`;
}

const DATE = "2026-11-30"; // Kyiv is UTC+2: 16:00 Kyiv = 14:00Z
const TOMORROW = "2026-12-01";
const at = (iso: string) => new Date(iso);

describe("schedule notices: planning", () => {
  it("warns each lead time's subscribers once, from the schedule in force; ticks and instances add nothing", async () => {
    const a = await subscriber({ "3.2": { lead: 30 } });
    const b = await subscriber({ "3.2": { lead: 60, label: null } });
    const c = await subscriber({ "3.2": { lead: 15 } });
    const none = await subscriber({ "3.2": { lead: 0 } });
    const other = await subscriber({ "4.1": { lead: 30 } });
    const blocked = await subscriber({ "3.2": { lead: 30 } }, "blocked");
    await publish("2026-11-30T08:00:00Z", DATE, { "3.2": [["16:00", "18:00", "off"]], "4.1": [] });
    const o = outbound();
    const o2 = outbound();

    const first = await o.scheduleNotices.tick(at("2026-11-30T13:00:00Z")); // 15:00 Kyiv
    expect(first.started.filter((s) => s.kind === "before_off")).toEqual([
      {
        kind: "before_off",
        key: "sched:before:3.2:off:2026-11-30T14:00:00.000Z:2026-11-30T16:00:00.000Z:60:day",
        total: 1,
      },
    ]);
    const before = async (userId: number) =>
      (await messages(userId)).filter((m) => m.kind === "schedule_before_off").map((m) => m.notification);
    expect(await before(b.userId)).toEqual([
      {
        kind: "schedule_before_off",
        queue: "3.2",
        state: "off",
        from: "2026-11-30T14:00:00.000Z",
        to: "2026-11-30T16:00:00.000Z",
      },
    ]);
    // 15:30: the 30-minute subscribers; the same tick on two instances at once adds nothing more.
    const both = await Promise.all([
      o.scheduleNotices.tick(at("2026-11-30T13:30:00Z")),
      o2.scheduleNotices.tick(at("2026-11-30T13:30:00Z")),
    ]);
    expect(both.flatMap((r) => r.started).filter((s) => s.kind === "before_off")).toHaveLength(1);
    await o.scheduleNotices.tick(at("2026-11-30T13:31:00Z"));
    await o.scheduleNotices.tick(at("2026-11-30T13:45:00Z"));
    await o2.scheduleNotices.tick(at("2026-11-30T13:59:00Z"));
    await o.scheduleNotices.tick(at("2026-11-30T14:01:00Z"));
    expect(await before(a.userId)).toEqual([
      {
        kind: "schedule_before_off",
        queue: "3.2",
        label: "Дім",
        state: "off",
        from: "2026-11-30T14:00:00.000Z",
        to: "2026-11-30T16:00:00.000Z",
      },
    ]);
    expect(await before(b.userId)).toHaveLength(1);
    expect(await before(c.userId)).toHaveLength(1);
    expect(await before(none.userId)).toHaveLength(0);
    expect(await before(other.userId)).toHaveLength(0);
    expect(await messages(blocked.userId)).toEqual([]);
    // The day itself was announced once to each subscriber of each queue ("no outages" for 4.1).
    const days = (await messages()).filter((m) => m.kind === "schedule_day");
    expect(days.map((m) => m.userId).sort()).toEqual([a, b, c, none, other].map((u) => u.userId).sort());
    expect(days.find((m) => m.userId === other.userId)?.notification).toMatchObject({
      queue: "4.1",
      date: DATE,
      change: "published",
      periods: [],
    });
    expect(await o.registry.getSingleMetric("schedule_notices_planned_total")?.get()).toMatchObject({
      values: expect.arrayContaining([expect.objectContaining({ labels: { kind: "before_off" }, value: 3 })]),
    });
  });

  it("a period published later than its lead time is told at once, late rather than never", async () => {
    const a = await subscriber({ "3.2": { lead: 30 } });
    const b = await subscriber({ "3.2": { lead: 60 } });
    const c = await subscriber({ "3.2": { lead: 15 } });
    const o = outbound();
    await publish("2026-11-30T13:55:00Z", DATE, { "3.2": [["16:00", "17:00", "off"]] }); // 15:55 Kyiv
    const report = await o.scheduleNotices.tick(at("2026-11-30T13:55:30Z"));
    expect(
      report.started.filter((s) => s.kind === "before_off").map((s) => s.key.split(":").slice(-2).join(":")),
    ).toEqual(["15:day", "30:day", "60:day"]);
    for (const user of [a, b, c]) {
      expect((await messages(user.userId)).filter((m) => m.kind === "schedule_before_off")).toHaveLength(1);
    }
  });

  it("a removed or moved period is not announced, and the queued notice of a moved one is cancelled", async () => {
    const a = await subscriber({ "3.2": { lead: 30 } });
    const b = await subscriber({ "3.2": { lead: 60 } });
    const o = outbound();
    await publish("2026-11-30T08:00:00Z", DATE, {
      "3.2": [
        ["16:00", "18:00", "off"],
        ["20:00", "21:00", "off"],
      ],
    });
    await o.scheduleNotices.tick(at("2026-11-30T13:00:00Z")); // b's 16:00 notice: queued (no lanes here)
    // Moved to 17:00 before it went out; 20:00 removed.
    await publish("2026-11-30T13:10:00Z", DATE, { "3.2": [["17:00", "19:00", "off"]] });
    const moved = await o.scheduleNotices.tick(at("2026-11-30T13:10:00Z"));
    expect(moved.cancelled).toEqual([
      { key: "sched:before:3.2:off:2026-11-30T14:00:00.000Z:2026-11-30T16:00:00.000Z:60:day", skipped: 1 },
    ]);
    for (const minute of ["13:30", "14:00", "14:30", "14:45"]) {
      await o.scheduleNotices.tick(at(`2026-11-30T${minute}:00Z`));
    }
    const told = async (userId: number) =>
      (await messages(userId))
        .filter((m) => m.kind === "schedule_before_off")
        .map((m) => [(m.notification as { from: string }).from, m.state]);
    expect(await told(a.userId)).toEqual([["2026-11-30T15:00:00.000Z", "queued"]]);
    expect(await told(b.userId)).toEqual([
      ["2026-11-30T14:00:00.000Z", "skipped"],
      ["2026-11-30T15:00:00.000Z", "queued"],
    ]);
  });

  it("a period whose end moved after the notice went out is not told again", async () => {
    const a = await subscriber({ "3.2": { lead: 30 } });
    const o = outbound();
    await publish("2026-11-30T08:00:00Z", DATE, { "3.2": [["16:00", "18:00", "off"]] });
    await o.scheduleNotices.tick(at("2026-11-30T13:30:00Z"));
    await db.prisma
      .$executeRaw`UPDATE outbound_message SET state = 'sent' WHERE kind = 'schedule_before_off'`;
    await publish("2026-11-30T13:35:00Z", DATE, { "3.2": [["16:00", "19:00", "off"]] });
    await o.scheduleNotices.tick(at("2026-11-30T13:36:00Z"));
    expect((await messages(a.userId)).filter((m) => m.kind === "schedule_before_off")).toHaveLength(1);
  });

  it("three quick publications give one 'changed' message with the final state, after the debounce", async () => {
    const a = await subscriber({ "3.2": { lead: 0 } });
    const o = outbound();
    await publish("2026-11-30T16:00:00Z", TOMORROW, { "3.2": [["08:00", "12:00", "off"]] });
    await o.scheduleNotices.tick(at("2026-11-30T16:01:00Z")); // within the debounce: nothing yet
    expect(await messages(a.userId)).toEqual([]);
    await o.scheduleNotices.tick(at("2026-11-30T16:02:00Z"));
    await publish("2026-11-30T16:10:00Z", TOMORROW, { "3.2": [["09:00", "12:00", "off"]] });
    await publish("2026-11-30T16:10:40Z", TOMORROW, { "3.2": [["10:00", "12:00", "off"]] });
    await publish("2026-11-30T16:11:20Z", TOMORROW, { "3.2": [["10:00", "14:00", "off"]] });
    for (const minute of ["16:11", "16:12", "16:13"])
      await o.scheduleNotices.tick(at(`2026-11-30T${minute}:00Z`));
    expect(await messages(a.userId)).toHaveLength(1);
    await o.scheduleNotices.tick(at("2026-11-30T16:14:00Z"));
    await o.scheduleNotices.tick(at("2026-11-30T16:15:00Z"));
    expect((await messages(a.userId)).map((m) => m.notification)).toEqual([
      {
        kind: "schedule_day",
        queue: "3.2",
        label: "Дім",
        date: TOMORROW,
        change: "published",
        periods: [{ from: "08:00", to: "12:00", state: "off" }],
      },
      {
        kind: "schedule_day",
        queue: "3.2",
        label: "Дім",
        date: TOMORROW,
        change: "changed",
        periods: [{ from: "10:00", to: "14:00", state: "off" }],
        previous: [{ from: "08:00", to: "12:00", state: "off" }],
      },
    ]);
    // Published back to what they were told: nothing to tell.
    await publish("2026-11-30T16:20:00Z", TOMORROW, {
      "3.2": [
        ["10:00", "14:00", "off"],
        ["20:00", "21:00", "maybe"],
      ],
    });
    await publish("2026-11-30T16:20:30Z", TOMORROW, { "3.2": [["10:00", "14:00", "off"]] });
    await o.scheduleNotices.tick(at("2026-11-30T16:25:00Z"));
    expect(await messages(a.userId)).toHaveLength(2);
  });

  it("night: quiet hours hold notices for night=false subscribers; the day is told in the morning, once, as it then stands", async () => {
    const night = await subscriber({ "3.2": { lead: 30, night: true } });
    const day = await subscriber({ "3.2": { lead: 30, night: false } });
    const o = outbound(); // quiet hours 21:00-09:00 Kyiv
    // Tomorrow published at 23:00 Kyiv, changed at 01:30, with a period at 03:30 and one at 10:00.
    await publish("2026-11-30T21:00:00Z", TOMORROW, { "3.2": [["03:30", "05:00", "off"]] });
    await o.scheduleNotices.tick(at("2026-11-30T21:03:00Z"));
    await publish("2026-11-30T23:30:00Z", TOMORROW, {
      "3.2": [
        ["03:30", "05:00", "off"],
        ["10:00", "12:00", "off"],
      ],
    });
    for (const time of ["2026-11-30T23:33:00Z", "2026-12-01T01:00:00Z", "2026-12-01T01:15:00Z"]) {
      await o.scheduleNotices.tick(at(time));
    }
    const kinds = async (userId: number) =>
      (await messages(userId)).map((m) => [
        m.kind,
        (m.notification as { change?: string }).change ?? (m.notification as { from?: string }).from,
      ]);
    expect(await kinds(night.userId)).toEqual([
      ["schedule_day", "published"],
      ["schedule_day", "changed"],
      ["schedule_before_off", "2026-12-01T01:30:00.000Z"],
    ]);
    expect(await kinds(day.userId)).toEqual([]);
    // 09:00 Kyiv: the day is told to them once with what is in force; the 03:30 warning is not sent.
    await o.scheduleNotices.tick(at("2026-12-01T07:00:00Z"));
    await o.scheduleNotices.tick(at("2026-12-01T07:01:00Z"));
    const morning = (await messages(day.userId)).map((m) => m.notification);
    expect(morning).toEqual([
      {
        kind: "schedule_day",
        queue: "3.2",
        label: "Дім",
        date: TOMORROW,
        change: "published",
        periods: [
          { from: "03:30", to: "05:00", state: "off" },
          { from: "10:00", to: "12:00", state: "off" },
        ],
      },
    ]);
    // 09:30 Kyiv: both are warned of 10:00.
    await o.scheduleNotices.tick(at("2026-12-01T07:30:00Z"));
    expect((await messages(day.userId)).filter((m) => m.kind === "schedule_before_off")).toHaveLength(1);
    expect((await messages(night.userId)).filter((m) => m.kind === "schedule_before_off")).toHaveLength(2);
  });

  it("possible periods only for those who chose them; power back at the end of an off period, once", async () => {
    const maybe = await subscriber({ "3.2": { lead: 15, maybe: true, back: true } });
    const definite = await subscriber({ "3.2": { lead: 15, maybe: false } });
    const o = outbound();
    await publish("2026-11-30T08:00:00Z", DATE, {
      "3.2": [
        ["12:00", "13:00", "maybe"],
        ["16:00", "17:00", "off"],
      ],
    });
    await o.scheduleNotices.tick(at("2026-11-30T09:45:00Z"));
    await o.scheduleNotices.tick(at("2026-11-30T13:45:00Z"));
    await o.scheduleNotices.tick(at("2026-11-30T15:00:00Z")); // 17:00: the off period ended
    await o.scheduleNotices.tick(at("2026-11-30T15:04:00Z"));
    const of = async (userId: number) =>
      (await messages(userId)).filter((m) => m.kind !== "schedule_day").map((m) => m.notification);
    expect(await of(maybe.userId)).toEqual([
      expect.objectContaining({
        kind: "schedule_before_off",
        state: "maybe",
        from: "2026-11-30T10:00:00.000Z",
      }),
      expect.objectContaining({
        kind: "schedule_before_off",
        state: "off",
        from: "2026-11-30T14:00:00.000Z",
      }),
      { kind: "schedule_power_back", queue: "3.2", label: "Дім", at: "2026-11-30T15:00:00.000Z" },
    ]);
    expect(await of(definite.userId)).toEqual([
      expect.objectContaining({ kind: "schedule_before_off", state: "off" }),
    ]);
  });

  it("a mode change is told once to every subscriber; in emergency no warnings, and queued ones are cancelled", async () => {
    const two = await subscriber({ "3.2": { lead: 60 }, "4.1": { lead: 60 } });
    const one = await subscriber({ "4.1": { lead: 60, night: true } });
    const o = outbound();
    await publish("2026-11-30T08:00:00Z", DATE, {
      "3.2": [["16:00", "18:00", "off"]],
      "4.1": [["17:00", "18:00", "off"]],
    });
    await o.scheduleNotices.tick(at("2026-11-30T13:00:00Z")); // two: warned of 16:00 (queued)
    await db.prisma.$executeRaw`
      INSERT INTO outage_mode_change (mode, message, actor, changed_at) VALUES ('emergency', 'Аварія в енергосистемі', 'test', ${at("2026-11-30T13:20:00Z")})`;
    const emergency = await o.scheduleNotices.tick(at("2026-11-30T13:21:00Z"));
    expect(emergency.cancelled.map((c) => c.skipped)).toEqual([1]);
    await o.scheduleNotices.tick(at("2026-11-30T14:00:00Z")); // 4.1's 17:00 would be due: not in emergency
    await db.prisma.$executeRaw`
      INSERT INTO outage_mode_change (mode, actor, changed_at) VALUES ('schedules', 'test', ${at("2026-11-30T14:30:00Z")})`;
    await o.scheduleNotices.tick(at("2026-11-30T14:31:00Z"));
    await o.scheduleNotices.tick(at("2026-11-30T14:32:00Z"));
    const modes = (await messages()).filter((m) => m.kind === "schedule_mode");
    const emergencyNotice = { kind: "schedule_mode", mode: "emergency", message: "Аварія в енергосистемі" };
    expect(modes.map((m) => [m.userId, m.notification])).toEqual([
      [one.userId, emergencyNotice],
      [two.userId, emergencyNotice],
      [one.userId, { kind: "schedule_mode", mode: "schedules" }],
      [two.userId, { kind: "schedule_mode", mode: "schedules" }],
    ]);
    // After the emergency ended, 4.1's 17:00 (15:00Z) is warned of again (60 min: due since 14:00Z).
    const warned = (await messages()).filter((m) => m.kind === "schedule_before_off");
    expect(warned.map((m) => [m.userId, (m.notification as { queue: string }).queue, m.state])).toEqual([
      [two.userId, "3.2", "skipped"],
      [one.userId, "4.1", "queued"],
      [two.userId, "4.1", "queued"],
    ]);
  });
});

describe("schedule notices: delivery", () => {
  onServer(
    "a due warning overtakes a running bulk day fan-out",
    async () => {
      const sender = recordingSender("telegram");
      const o = outbound(
        (s) => {
          s.platformLimits = { telegram: { perSecond: 300 } };
          s.scheduleNotices = { debounceMs: 0 };
        },
        { telegram: sender },
      );
      await o.start({ schedule: false });
      // 1,500 night subscribers of 3.2 and 20 of 4.1 (night: the test may run in quiet hours).
      const users = await db.prisma.$queryRaw<{ id: number; address: string }[]>`
        INSERT INTO messenger_user (address, channel, telegram_chat_id, status, language, last_inbound_at, updated_at)
        SELECT 'telegram:' || (9100000000 + g), 'telegram', 9100000000 + g, 'active', 'uk', now(), now()
          FROM generate_series(1, 1520) g RETURNING id, address`;
      await db.prisma.$executeRaw`
        INSERT INTO schedule_subscription (user_id, queue, lead_minutes, night, updated_at)
        SELECT id, CASE WHEN id <= ${users[1499]!.id} THEN '3.2' ELSE '4.1' END, 60, true, now()
          FROM messenger_user WHERE id BETWEEN ${users[0]!.id} AND ${users.at(-1)!.id}`;
      const now = new Date();
      await publish(now, addDays(kyivIsoDate(now), 1), { "3.2": [["08:00", "12:00", "off"]] });
      await o.scheduleNotices.tick();
      await until(async () => sender.sent.length >= 200, 20_000, 20);
      // A 4.1 period starting at the next half hour: due for 60-minute subscribers now.
      const slot = nextSlotBoundary(new Date());
      await publish(new Date(), slot.date, {
        "4.1": [[slotTime(slot.index), slotTime(slot.index + 1), "off"]],
      });
      const startedAt = Date.now();
      const report = await o.scheduleNotices.tick();
      expect(report.started.find((s) => s.kind === "before_off")?.total).toBe(20);
      const urgent = new Set(users.slice(1500).map((u) => u.address));
      const warnings = () =>
        sender.sent.filter((s) => urgent.has(s.address) && s.replies[0]!.text.startsWith("🔴"));
      await until(async () => warnings().length === 20, 10_000, 20);
      const lateness = Math.max(...warnings().map((s) => s.at)) - startedAt;
      const day = (await o.fanout.list(20)).find((f) => f.key.startsWith("sched:day:3.2:"))!;
      expect((await o.fanout.progress(day.key))!.queued).toBeGreaterThan(0); // still running
      console.log(`[schedule-notices] warning lateness behind a bulk day fan-out: ${lateness} ms`);
      expect(lateness).toBeLessThan(1_000);
      expect(warnings()[0]!.replies[0]!.text).toMatch(
        /^🔴 Черга 4\.1: світло вимкнуть о \d\d:\d\d \(через \d+ хв\), до \d\d:\d\d\.$/,
      );
    },
    60_000,
  );

  onServer(
    "each subscriber once across ticks, two instances and a restart; a blocked user is skipped and marked",
    async () => {
      const blockedAddress: string[] = [];
      const senders = () =>
        recordingSender("telegram", (address) =>
          blockedAddress.includes(address)
            ? { kind: "unreachable", reason: "blocked" }
            : { kind: "sent", messages: 1 },
        );
      const s1 = senders();
      const s2 = senders();
      const tweak = (s: OutboundSettings) => {
        s.platformLimits = { telegram: { perSecond: 200 } };
        s.scheduleNotices = { debounceMs: 0 };
      };
      const o1 = outbound(tweak, { telegram: s1 });
      const o2 = outbound(tweak, { telegram: s2 });
      await Promise.all([o1.start({ schedule: false }), o2.start({ schedule: false })]);
      const subs = [];
      for (let i = 0; i < 30; i++)
        subs.push(await subscriber({ "3.2": { lead: 60, night: true, label: null } }));
      blockedAddress.push(subs[7]!.address);
      const slot = nextSlotBoundary(new Date());
      await publish(new Date(), slot.date, {
        "3.2": [[slotTime(slot.index), slotTime(slot.index + 1), "off"]],
      });
      await Promise.all([o1.scheduleNotices.tick(), o2.scheduleNotices.tick(), o1.scheduleNotices.tick()]);
      await o2.stop(); // "restart": a fresh instance ticks again
      running = running.filter((o) => o !== o2);
      const s3 = senders();
      const o3 = outbound(tweak, { telegram: s3 });
      await o3.start({ schedule: false });
      await Promise.all([o3.scheduleNotices.tick(), o1.scheduleNotices.tick()]);
      await until(
        async () => {
          const rows = await messages();
          return rows.length > 0 && rows.every((m) => !["queued", "sending"].includes(m.state));
        },
        20_000,
        100,
      );
      const delivered = [...s1.sent, ...s2.sent, ...s3.sent];
      const perAddress = new Map<string, string[]>();
      for (const d of delivered)
        perAddress.set(d.address, [...(perAddress.get(d.address) ?? []), d.replies[0]!.text]);
      expect(perAddress.size).toBe(29);
      for (const texts of perAddress.values()) {
        // One warning and one "published" day notice, each once.
        expect(texts.filter((t) => t.startsWith("🔴"))).toHaveLength(1);
        expect(texts.filter((t) => t.startsWith("🗓"))).toHaveLength(1);
      }
      expect(perAddress.has(subs[7]!.address)).toBe(false);
      const blocked = await db.prisma.messengerUser.findUniqueOrThrow({ where: { id: subs[7]!.userId } });
      expect(blocked.status).toBe("blocked");
    },
    60_000,
  );
});
