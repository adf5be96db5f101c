// Two service instances on one database, as behind a load balancer: each user's updates alternate
// between the instances (in order, one at a time, as Telegram delivers a chat), and a second group
// gets every update delivered to BOTH instances at the same moment. Per-user order must hold (the
// journey ends in the receipt with every reply in place) and nothing may be doubled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatedUser } from "../../scripts/bench/journeys.js";
import type { ServiceProcess } from "../../scripts/bench/spawn-service.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import {
  createPoster,
  deliverUntilAcknowledged,
  messagesTo,
  newDeliveryLog,
  outcome,
  query,
  report,
  seedUsers,
  serviceEnv,
  startFakes,
  startServiceProcess,
  workDir,
  type Fakes,
  noServer,
} from "./support.js";

let db: TestDatabase;
let fakes: Fakes;
let first: ServiceProcess;
let second: ServiceProcess;
let users: SimulatedUser[];

beforeAll(async () => {
  if (noServer) return;
  db = await createTestDatabase();
  fakes = await startFakes();
  const dir = await workDir();
  users = await seedUsers(db.url, dir, 40, { firstChatId: 650_000_000, viberEvery: 4 });
  // One after the other: two instances starting at the same instant on a fresh database can
  // deadlock in pg-boss's queue creation (reported to the lead); this check is about running.
  first = await startServiceProcess(serviceEnv(db.url, fakes), dir, "first");
  second = await startServiceProcess(serviceEnv(db.url, fakes), dir, "second");
});

afterAll(async () => {
  await Promise.all([first?.stop(), second?.stop()]);
  await fakes?.close();
  await db?.drop();
});

describe.skipIf(noServer)("reliability: two instances on one database", () => {
  it("keeps per-user order and doubles nothing with updates interleaved across instances", async () => {
    const posters = [createPoster(first.url, 50), createPoster(second.url, 50)] as const;
    const alternating = users.slice(0, 20);
    const both = users.slice(20);
    const log = newDeliveryLog();
    let bothAnswers = 0;
    const work = [
      ...alternating.map((user) => async () => {
        for (const [index, step] of user.steps.entries()) {
          await deliverUntilAcknowledged(() => posters[index % 2]!, step, log);
        }
      }),
      ...both.map((user) => async () => {
        for (const step of user.steps) {
          const answers = await Promise.all(posters.map((poster) => poster.post(step)));
          bothAnswers += answers.filter((a) => a.status === 200).length;
        }
      }),
    ];
    const queue = [...work];
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await job();
      }),
    );
    posters.forEach((poster) => poster.close());

    const result = await outcome(db.url, fakes, users);
    // Order: every user's last message is the receipt for their own account, and the reading stored
    // is the one they typed (an update applied out of order would store a different value or none).
    const outOfOrder = users.filter(
      (user) => !(messagesTo(fakes, user).at(-1) ?? "").includes(user.account.number),
    );
    const values = await query<{ number: string; t1: number }>(
      db.url,
      `SELECT a.number, r.t1 FROM meter_reading r JOIN account a ON a.id = r.account_id
        WHERE r.source <> 'billing' AND r.status <> 'superseded'`,
    );
    const wrongValues = values.filter((row) => {
      const user = users.find((u) => u.account.number === row.number);
      return !user || row.t1 !== (user.account.lastReadings[0] ?? 0) + 40;
    });
    report(
      "two instances, interleaved updates for the same users",
      {
        users: users.length,
        updates: result.updates,
        alternatingUsers: alternating.length,
        deliveredToBothUsers: both.length,
      },
      {
        ...result,
        outOfOrder: outOfOrder.length,
        wrongValues: wrongValues.length,
        statuses: log.statuses,
        bothAnswers,
      },
    );
    expect(result).toMatchObject({
      lostReadings: 0,
      duplicatedReadings: 0,
      lostReceipts: 0,
      duplicatedReceipts: 0,
      usersWithWrongMessageCount: 0,
    });
    expect(outOfOrder).toEqual([]);
    expect(wrongValues).toEqual([]);
    expect(bothAnswers).toBe(both.reduce((n, u) => n + u.steps.length, 0) * 2);
  }, 180_000);
});
