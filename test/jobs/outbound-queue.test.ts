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

function outbound(senders: Parameters<typeof createOutbound>[0]["senders"], queue = {}) {
  const o = createOutbound({
    prisma: db.prisma,
    databaseUrl: db.url,
    senders,
    logger: silentLogger,
    metrics: testMetrics(),
    settings: testSettings(queue),
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
    await db.prisma.$transaction((tx) => o.notifyInTransaction(tx, [{ userId: user.userId, notification: status(13) }]));
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
    await producer.notifier.notify([1, 2, 3].map((i) => ({ userId: user.userId, notification: status(40 + i) })));
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
    await db.prisma.$executeRaw`UPDATE outbound_message SET state = 'sending', sending_at = now() - interval '1 minute' WHERE id = ${message!.id}`;
    await db.prisma.$executeRaw`UPDATE pgboss.job SET state = 'active', started_on = now() - interval '1 minute' WHERE id = ${message!.jobId}::uuid`;
    const o = outbound({ telegram });
    await o.start({ schedule: false });
    await until(async () => (await messageStates(user.userId))[0]?.state === "uncertain", 20_000);
    await o.stop();
    expect(telegram.calls.get(user.address)).toBeUndefined();
  }, 30_000);
});
