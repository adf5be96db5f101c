// Every update delivered three times at once must have exactly one effect: one stored reading, one
// set of replies, one processed-update row. A control group with single delivery gives the counts
// an undisturbed journey produces. The same end-to-end run's log is then searched for anything
// private: phone numbers, the bot token, the webhook secret, the Viber token, holders' names.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SimulatedUser } from "../../scripts/bench/journeys.js";
import type { ServiceProcess } from "../../scripts/bench/spawn-service.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import {
  createPoster,
  messagesTo,
  newDeliveryLog,
  outcome,
  playJourneys,
  query,
  report,
  secrets,
  seedUsers,
  serviceEnv,
  startFakes,
  startServiceProcess,
  TELEGRAM_TOKEN,
  workDir,
  type Fakes,
  noServer,
} from "./support.js";

let db: TestDatabase;
let fakes: Fakes;
let service: ServiceProcess;
let dir: string;
let users: SimulatedUser[];

beforeAll(async () => {
  if (noServer) return;
  db = await createTestDatabase();
  fakes = await startFakes();
  dir = await workDir();
  users = await seedUsers(db.url, dir, 60, { firstChatId: 620_000_000, viberEvery: 4 });
  service = await startServiceProcess(serviceEnv(db.url, fakes), dir);
});

afterAll(async () => {
  await service?.stop();
  await fakes?.close();
  await db?.drop();
});

describe.skipIf(noServer)("reliability: exactly once", () => {
  it("delivers every update three times concurrently and sees one effect each", async () => {
    const poster = createPoster(service.url, 100);
    const control = users.slice(0, 20);
    const tripled = users.slice(20);
    await playJourneys(control, () => poster, newDeliveryLog(), { concurrency: 10 });

    const answers = { handled: 0, duplicate: 0, other: 0, non2xx: 0, viberWelcomes: 0 };
    const queue = [...tripled];
    const worker = async () => {
      for (let user = queue.shift(); user; user = queue.shift()) {
        for (const step of user.steps) {
          const three = await Promise.all([poster.post(step), poster.post(step), poster.post(step)]);
          for (const answer of three) {
            if (answer.status !== 200) answers.non2xx += 1;
            else if (step.path.endsWith("/telegram")) {
              const kind = answer.outcome;
              if (kind === "handled") answers.handled += 1;
              else if (kind === "duplicate") answers.duplicate += 1;
              else answers.other += 1;
            } else if (answer.body.includes('"text"')) answers.viberWelcomes += 1;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: 10 }, () => worker()));
    poster.close();

    const controlOutcome = await outcome(db.url, fakes, control);
    const tripledOutcome = await outcome(db.url, fakes, tripled);
    const telegramSteps = tripled
      .filter((u) => u.channel === "telegram")
      .reduce((n, u) => n + u.steps.length, 0);
    const viberUsers = tripled.filter((u) => u.channel === "viber").length;
    const processed = await query<{ n: string }>(db.url, "SELECT count(*) AS n FROM processed_update");
    const uniqueUpdates = users.reduce((n, u) => n + u.steps.length, 0);
    report(
      "every update delivered three times, concurrently",
      {
        users: tripled.length,
        updates: tripledOutcome.updates,
        deliveries: tripledOutcome.updates * 3,
        controlUsers: control.length,
      },
      { ...tripledOutcome, answers, processedUpdateRows: Number(processed[0]?.n), uniqueUpdates },
    );
    // The control group shows what an undisturbed journey produces.
    expect(controlOutcome).toMatchObject({ lostReadings: 0, lostReceipts: 0, usersWithWrongMessageCount: 0 });
    expect(tripledOutcome).toMatchObject({
      lostReadings: 0,
      duplicatedReadings: 0,
      lostReceipts: 0,
      duplicatedReceipts: 0,
      usersWithWrongMessageCount: 0,
    });
    expect(answers.non2xx).toBe(0);
    expect(answers.handled).toBe(telegramSteps);
    expect(answers.duplicate).toBe(telegramSteps * 2);
    expect(answers.viberWelcomes).toBe(viberUsers);
    expect(Number(processed[0]?.n)).toBe(uniqueUpdates);
    for (const user of tripled) expect(messagesTo(fakes, user).at(-1)).toContain(user.account.number);
  }, 180_000);

  it("logs of the whole run carry no phone number, token, secret or holder name", async () => {
    const log = await readFile(path.join(dir, "service.log"), "utf8");
    const lines = log.split("\n").filter(Boolean);
    const holders = await query<{ holder_name: string; phones: string[] }>(
      db.url,
      "SELECT holder_name, phones FROM account",
    );
    const needles: { kind: string; value: string }[] = [
      { kind: "telegram token", value: TELEGRAM_TOKEN },
      { kind: "telegram token secret part", value: TELEGRAM_TOKEN.split(":")[1] ?? "" },
      { kind: "webhook secret", value: secrets.telegramSecret },
      { kind: "viber token", value: secrets.viberAuthToken },
    ];
    for (const holder of holders) {
      needles.push({ kind: "holder name", value: holder.holder_name });
      for (const phone of holder.phones) {
        const digits = phone.replace(/\D/g, "");
        needles.push({ kind: "phone", value: digits }, { kind: "phone (national)", value: digits.slice(2) });
      }
    }
    const found = needles.filter((needle) => needle.value.length > 0 && log.includes(needle.value));
    report(
      "logs of a full end-to-end run",
      { logLines: lines.length, searchedFor: needles.length },
      { leaks: found.length, kinds: [...new Set(found.map((f) => f.kind))] },
    );
    expect(lines.length).toBeGreaterThan(users.length);
    expect(found).toEqual([]);
  });
});
