// Postgres stopped in the middle of the load (a private server this test starts itself, never the
// machine's shared one): while it is down the webhooks answer 503 so the platform redelivers; once
// it is back, the redeliveries finish every journey with nothing lost and nothing doubled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatedUser } from "../../scripts/bench/journeys.js";
import type { ServiceProcess } from "../../scripts/bench/spawn-service.js";
import { migrateDeploy } from "../../src/db/migrate.js";
import { startPrivatePostgres, type PrivatePostgres } from "../helpers/private-postgres.js";
import {
  createPoster,
  newDeliveryLog,
  outcome,
  playJourneys,
  report,
  seedUsers,
  serviceEnv,
  startFakes,
  startServiceProcess,
  workDir,
  type Fakes,
} from "./support.js";

let server: PrivatePostgres;
let url: string;
let fakes: Fakes;
let service: ServiceProcess;
let users: SimulatedUser[];

beforeAll(async () => {
  server = await startPrivatePostgres();
  url = await server.createDatabase("outage");
  await migrateDeploy(url);
  fakes = await startFakes();
  const dir = await workDir();
  users = await seedUsers(url, dir, 40, { firstChatId: 630_000_000, viberEvery: 4 });
  service = await startServiceProcess(serviceEnv(url, fakes), dir);
});

afterAll(async () => {
  await service?.stop();
  await fakes?.close();
  await server?.destroy();
});

describe("reliability: database outage", () => {
  it("answers 503 while Postgres is down and loses or doubles nothing after it is back", async () => {
    const poster = createPoster(service.url, 50);
    const log = newDeliveryLog();
    const journeys = playJourneys(users, () => poster, log, {
      concurrency: 20,
      betweenStepsMs: 30,
      retryDelayMs: 250,
    });
    // Stop Postgres once part of the load is through (not after a fixed time: a fast service would
    // finish all of it first and nothing would meet the outage).
    const stopAfter = users.length * 2;
    const waitUntil = Date.now() + 15_000;
    while ((log.statuses["200"] ?? 0) < stopAfter && Date.now() < waitUntil) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const handledBeforeStop = log.statuses["200"] ?? 0;
    await server.stop();
    // A fresh update while the database is down: the platform must be told to redeliver.
    const probeUser = users[0]!;
    const probe = await poster.post({ ...probeUser.steps[0]!, updateId: "probe" });
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const refusedWhileDown = log.statuses["503"] ?? 0;
    await server.start();
    await journeys;
    poster.close();

    const result = await outcome(url, fakes, users);
    const serverErrors = Object.entries(log.statuses).filter(
      ([status]) => status.startsWith("5") && status !== "503",
    );
    report(
      "Postgres stopped mid-load, redelivered after it is back",
      {
        users: users.length,
        updates: result.updates,
        deliveries: log.attempts,
        handledBeforeStop,
        downForMs: 2000,
      },
      { ...result, statuses: log.statuses, probeStatus: probe.status, refusedWhileDown },
    );
    expect(handledBeforeStop).toBeGreaterThan(0);
    expect(probe.status).toBe(503);
    expect(refusedWhileDown).toBeGreaterThan(0);
    expect(serverErrors).toEqual([]);
    expect(log.statuses.network ?? 0).toBe(0);
    expect(result).toMatchObject({
      lostReadings: 0,
      duplicatedReadings: 0,
      lostReceipts: 0,
      duplicatedReceipts: 0,
      usersWithWrongMessageCount: 0,
    });
  }, 180_000);
});
