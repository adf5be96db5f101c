// One user flooding (100 updates within a second) is answered at a bounded rate with one short
// "slow down" notice, while other users walk their journeys; their latency is compared with a run
// without the flood. The limit lives on the conversation row in Postgres, so it holds across
// instances; every flooded update is still acknowledged (200), so nothing is redelivered forever.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TELEGRAM_PATH, type SimulatedUser, type WebhookRequest } from "../../scripts/bench/journeys.js";
import { percentile, type Poster } from "../../scripts/bench/load.js";
import type { ServiceProcess } from "../../scripts/bench/spawn-service.js";
import { t } from "../../src/engine/i18n/index.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import {
  createPoster,
  deliverUntilAcknowledged,
  newDeliveryLog,
  outcome,
  report,
  secrets,
  seedUsers,
  serviceEnv,
  startFakes,
  startServiceProcess,
  workDir,
  type Fakes,
  noServer,
} from "./support.js";

const FLOODER = 670_999_999;

let db: TestDatabase;
let fakes: Fakes;
let service: ServiceProcess;
let users: SimulatedUser[];

beforeAll(async () => {
  if (noServer) return;
  db = await createTestDatabase();
  fakes = await startFakes();
  const dir = await workDir();
  users = await seedUsers(db.url, dir, 40, { firstChatId: 670_000_000, viberEvery: 0 });
  service = await startServiceProcess(serviceEnv(db.url, fakes), dir);
});

afterAll(async () => {
  await service?.stop();
  await fakes?.close();
  await db?.drop();
});

function floodUpdate(index: number): WebhookRequest {
  const from = { id: FLOODER, is_bot: false, first_name: "Flood", language_code: "uk" };
  const updateId = 870_000_000 + index;
  const text = index === 0 ? "/start" : `повідомлення ${index}`;
  return {
    path: TELEGRAM_PATH,
    updateId: String(updateId),
    headers: {
      "content-type": "application/json",
      "x-telegram-bot-api-secret-token": secrets.telegramSecret,
    },
    body: JSON.stringify({
      update_id: updateId,
      message: {
        message_id: index + 1,
        from,
        chat: { id: FLOODER, type: "private" },
        date: 1_764_496_800,
        text,
      },
    }),
  };
}

/** Plays journeys and returns each update's latency (ms). */
async function timedJourneys(group: SimulatedUser[], poster: Poster): Promise<number[]> {
  const latencies: number[] = [];
  const log = newDeliveryLog();
  const queue = [...group];
  await Promise.all(
    Array.from({ length: 5 }, async () => {
      for (let user = queue.shift(); user; user = queue.shift()) {
        for (const step of user.steps) {
          const started = performance.now();
          await deliverUntilAcknowledged(() => poster, step, log);
          latencies.push(performance.now() - started);
        }
      }
    }),
  );
  return latencies.sort((a, b) => a - b);
}

describe.skipIf(noServer)("reliability: one user flooding", () => {
  it("answers a flooding user at a bounded rate with one notice and keeps others' latency", async () => {
    const poster = createPoster(service.url, 50);
    const floodPoster = createPoster(service.url, 50);
    const { maxUpdates, windowSeconds } = defaultEngineSettings.flood;
    const baseline = await timedJourneys(users.slice(0, 20), poster);

    // 100 updates from one chat within one second, sent without waiting for answers.
    const floodStatuses: number[] = [];
    const flood = (async () => {
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 100; i += 1) {
        sends.push(floodPoster.post(floodUpdate(i)).then((answer) => void floodStatuses.push(answer.status)));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await Promise.all(sends);
    })();
    const during = await timedJourneys(users.slice(20), poster);
    await flood;
    poster.close();
    floodPoster.close();

    const toFlooder = fakes.telegram.sentMessages(FLOODER).map((params) => String(params.text));
    const notices = toFlooder.filter((text) => text === t("uk", "flood.slowDown")).length;
    const others = await outcome(db.url, fakes, users);
    const p95 = {
      baseline: Math.round(percentile(baseline, 95)),
      duringFlood: Math.round(percentile(during, 95)),
    };
    report(
      "one user flooding 100 updates in a second",
      { floodUpdates: 100, limit: `${maxUpdates} per ${windowSeconds} s`, otherUsers: users.length },
      {
        floodAnswered200: floodStatuses.filter((s) => s === 200).length,
        messagesToFlooder: toFlooder.length,
        slowDownNotices: notices,
        othersP95Ms: p95,
        othersLost: others.lostReadings + others.lostReceipts,
        othersDuplicated: others.duplicatedReadings + others.duplicatedReceipts,
      },
    );
    expect(floodStatuses).toHaveLength(100);
    expect(floodStatuses.every((status) => status === 200)).toBe(true);
    expect(notices).toBe(1);
    // Every answered update gets one message (the limit counts updates, not messages) + the notice.
    expect(toFlooder.length).toBe(maxUpdates + 1);
    expect(others).toMatchObject({
      lostReadings: 0,
      duplicatedReadings: 0,
      lostReceipts: 0,
      duplicatedReceipts: 0,
    });
    // The machine is shared: allow noise, but a flood that starved others would blow far past this.
    expect(p95.duringFlood).toBeLessThanOrEqual(p95.baseline * 3 + 100);
  }, 180_000);
});
