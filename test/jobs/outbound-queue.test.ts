// The durable outbound queue against real Postgres and pg-boss: delivery, surviving a restart,
// retries with backoff into the dead-letter queue, unreachable users, inactive users.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { createOutbound, type Outbound } from "../../src/jobs/outbound.js";
import { DEAD_LETTER_QUEUE } from "../../src/jobs/outbound-store.js";
import type { Notification } from "../../src/engine/notifications.js";
import { recordingSender, seedUser, silentLogger, testMetrics, testSettings, until } from "./support.js";

let db: TestDatabase;
const running: Outbound[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  for (const o of running) await o.stop();
  await db.drop();
});

const status = (reportId: number): Notification => ({
  kind: "outage_report_status",
  accountLabel: "Квартира",
  reportId,
  status: "crew_dispatched",
});

function outbound(
  senders: Parameters<typeof createOutbound>[0]["senders"],
  queue = {},
  telegramPerSecond?: number,
) {
  const settings = testSettings(queue);
  if (telegramPerSecond) settings.platformLimits = { telegram: { perSecond: telegramPerSecond } };
  const o = createOutbound({
    prisma: db.prisma,
    databaseUrl: db.url,
    senders,
    logger: silentLogger,
    metrics: testMetrics(),
    settings,
  });
  running.push(o);
  return o;
}

async function messageStates(userId: number) {
  return db.prisma.outboundMessage.findMany({ where: { userId }, orderBy: { id: "asc" } });
}

describe("outbound queue", () => {
  it("delivers a notification rendered in the user's language, once", async () => {
    const telegram = recordingSender("telegram");
    const o = outbound({ telegram });
    await o.start({ schedule: false });
    const user = await seedUser(db.prisma, { language: "en" });
    await o.notifier.notify([{ userId: user.userId, notification: status(11) }]);
    await until(async () => telegram.sent.length === 1);
    await until(async () => (await messageStates(user.userId))[0]?.state === "sent");
    expect(telegram.sent[0]!.address).toBe(user.address);
    expect(telegram.sent[0]!.replies).toHaveLength(1);
    expect(telegram.sent[0]!.replies[0]!.attached).toBe(true);
    await o.stop();
    expect(telegram.sent).toHaveLength(1);
  });

  it("enqueues inside the caller's transaction: a rollback leaves no message and no job", async () => {
    const o = outbound({});
    await o.start({ deliver: false, schedule: false });
    const user = await seedUser(db.prisma);
    await expect(
      db.prisma.$transaction(async (tx) => {
        await o.notifyInTransaction(tx, [{ userId: user.userId, notification: status(12) }]);
        throw new Error("caller fails after enqueueing");
      }),
    ).rejects.toThrow("caller fails");
    expect(await messageStates(user.userId)).toHaveLength(0);
    const jobs = await db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'outbound-telegram' AND data->>'messageId' IS NOT NULL
        AND data->>'messageId' NOT IN (SELECT id::text FROM outbound_message)`;
    expect(jobs[0]!.n).toBe(0);
    await db.prisma.$transaction((tx) =>
      o.notifyInTransaction(tx, [{ userId: user.userId, notification: status(13) }]),
    );
    const [message] = await messageStates(user.userId);
    expect(message?.state).toBe("queued");
    const job = await db.prisma.$queryRaw<{ state: string }[]>`
      SELECT state::text FROM pgboss.job WHERE id = ${message!.jobId}::uuid`;
    expect(job[0]?.state).toBe("created");
    await o.stop();
  });

  it("survives a restart: a job enqueued by a stopped instance is delivered once by a new one", async () => {
    const producer = outbound({});
    await producer.start({ deliver: false, schedule: false });
    const user = await seedUser(db.prisma);
    await producer.notifier.notify([{ userId: user.userId, notification: status(21) }]);
    await producer.stop();

    const telegram = recordingSender("telegram");
    const consumer = outbound({ telegram });
    await consumer.start({ schedule: false });
    await until(async () => (await messageStates(user.userId))[0]?.state === "sent");
    await consumer.stop();
    expect(telegram.sent.filter((s) => s.address === user.address)).toHaveLength(1);
  });

  it("retries a failing send with backoff, then dead-letters it", async () => {
    const user = await seedUser(db.prisma);
    const attempts: number[] = [];
    const telegram = recordingSender("telegram", (address) => {
      if (address === user.address) attempts.push(Date.now());
      return { kind: "failed", error: "HTTP 502" };
    });
    const o = outbound({ telegram }, { retryLimit: 2, retryDelaySeconds: 1 });
    await o.start({ schedule: false });
    await o.notifier.notify([{ userId: user.userId, notification: status(31) }]);
    const [dead] = await until(async () => {
      const rows = await messageStates(user.userId);
      return rows[0]?.state === "dead" ? rows : undefined;
    }, 30_000);
    expect(attempts).toHaveLength(3); // first try + retryLimit
    expect(dead!.attempts).toBe(3);
    expect(dead!.lastError).toBe("HTTP 502");
    // Exponential backoff: the second gap is longer than the first base delay, each at least 1 s.
    const gaps = [attempts[1]! - attempts[0]!, attempts[2]! - attempts[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(900);
    expect(gaps[1]).toBeGreaterThanOrEqual(1_900);
    // pg-boss copies the job to the dead-letter queue when its last attempt fails.
    const letters = await until(async () => {
      const rows = await db.prisma.$queryRaw<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pgboss.job WHERE name = ${DEAD_LETTER_QUEUE} AND data->>'messageId' = ${dead!.id.toString()}`;
      return rows[0]!.n > 0 ? rows[0]!.n : undefined;
    });
    expect(letters).toBe(1);
    await o.stop();
  }, 40_000);

  it("marks an unreachable user blocked on the first 403, drops their other messages, no retries", async () => {
    const user = await seedUser(db.prisma);
    const telegram = recordingSender("telegram", (address) =>
      address === user.address ? { kind: "unreachable", reason: "blocked" } : { kind: "sent", messages: 1 },
    );
    // Enqueue three messages before any worker runs, so two are still pending when the first fails.
    const producer = outbound({});
    await producer.start({ deliver: false, schedule: false });
    await producer.notifier.notify(
      [1, 2, 3].map((i) => ({ userId: user.userId, notification: status(40 + i) })),
    );
    await producer.stop();
    const o = outbound({ telegram }, { concurrency: 1 });
    await o.start({ schedule: false });
    await until(async () => (await messageStates(user.userId)).every((m) => m.state === "dropped"));
    await o.stop();
    expect(telegram.calls.get(user.address)).toBe(1);
    const row = await db.prisma.messengerUser.findUniqueOrThrow({ where: { id: user.userId } });
    expect(row.status).toBe("blocked");
    const jobs = await db.prisma.$queryRaw<{ state: string }[]>`
      SELECT j.state::text FROM pgboss.job j JOIN outbound_message m ON m.job_id = j.id WHERE m.user_id = ${user.userId}`;
    expect(jobs.map((j) => j.state).sort()).toEqual(["cancelled", "cancelled", "completed"]);
    // A later notification to the blocked user is not even queued.
    await o.start({ schedule: false });
    await o.notifier.notify([{ userId: user.userId, notification: status(49) }]);
    expect(await messageStates(user.userId)).toHaveLength(3);
    await o.stop();
  }, 30_000);

  it("a send lost mid-way (message left in 'sending') is never sent again", async () => {
    const telegram = recordingSender("telegram");
    const producer = outbound({});
    await producer.start({ deliver: false, schedule: false });
    const user = await seedUser(db.prisma);
    await producer.notifier.notify([{ userId: user.userId, notification: status(51) }]);
    await producer.stop();
    // What a process killed after the gate leaves behind: the row in "sending", its job active.
    const [message] = await messageStates(user.userId);
    await db.prisma
      .$executeRaw`UPDATE outbound_message SET state = 'sending', sending_at = now() - interval '1 minute' WHERE id = ${message!.id}`;
    await db.prisma
      .$executeRaw`UPDATE pgboss.job SET state = 'active', started_on = now() - interval '1 minute' WHERE id = ${message!.jobId}::uuid`;
    const o = outbound({ telegram });
    await o.start({ schedule: false });
    await until(async () => (await messageStates(user.userId))[0]?.state === "uncertain", 20_000);
    await o.stop();
    expect(telegram.calls.get(user.address)).toBeUndefined();
  }, 30_000);

  it("stops promptly while jobs wait out a platform pause; their messages go to fresh jobs, sent once later", async () => {
    const users = [await seedUser(db.prisma), await seedUser(db.prisma)];
    await db.prisma.$executeRaw`
      INSERT INTO outbound_rate (key, next_slot_at, paused_until) VALUES ('telegram', now(), now() + interval '60 seconds')
      ON CONFLICT (key) DO UPDATE SET paused_until = EXCLUDED.paused_until`;
    const telegram = recordingSender("telegram");
    const settings = { expireInSeconds: 120, sendTimeoutMs: 1_000 };
    const o = outbound({ telegram }, settings, 30);
    await o.start({ schedule: false });
    await o.notifier.notify(users.map((u, i) => ({ userId: u.userId, notification: status(60 + i) })));
    const before = await db.prisma.outboundMessage.findMany({
      where: { userId: { in: users.map((u) => u.userId) } },
    });
    await new Promise((r) => setTimeout(r, 500)); // the jobs now sleep until the 60 s pause ends (within their time)
    const t0 = Date.now();
    await o.stop();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(telegram.sent).toHaveLength(0);
    const after = await db.prisma.outboundMessage.findMany({
      where: { userId: { in: users.map((u) => u.userId) } },
    });
    expect(after.map((m) => m.state)).toEqual(["queued", "queued"]);
    expect(after.every((m, i) => m.jobId !== before[i]!.jobId)).toBe(true);
    // Handed over for at once (not for the end of the pause): any instance may take them now.
    const fresh = await db.prisma.$queryRaw<{ due: boolean }[]>`
      SELECT start_after <= now() + interval '2 seconds' AS due FROM pgboss.job
       WHERE id = ANY(${after.map((m) => m.jobId!)}::uuid[])`;
    expect(fresh).toEqual([{ due: true }, { due: true }]);

    await db.prisma.$executeRaw`UPDATE outbound_rate SET paused_until = NULL WHERE key = 'telegram'`;
    const next = outbound({ telegram }, settings, 30);
    await next.start({ schedule: false });
    await until(async () => telegram.sent.length === 2);
    await next.stop();
    expect(telegram.sent.map((x) => x.address).sort()).toEqual(users.map((u) => u.address).sort());
  }, 30_000);

  it("registers the reminder tick and the schedule notices' tick as pg-boss cron schedules in Kyiv time", async () => {
    const o = outbound({});
    await o.start({ deliver: false, schedule: true });
    const schedules = await db.prisma.$queryRaw<{ name: string; cron: string; timezone: string }[]>`
      SELECT name, cron, timezone FROM pgboss.schedule ORDER BY name`;
    expect(schedules).toEqual([
      { name: "reminders-tick", cron: "* * * * *", timezone: "Europe/Kyiv" },
      { name: "schedule-notices-tick", cron: "* * * * *", timezone: "Europe/Kyiv" },
    ]);
    await o.stop();
  });
});
