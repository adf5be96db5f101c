// Shared parts of the reliability checks: a migrated database with imported accounts, the fake
// platform APIs, the service as a child process (so it can be SIGKILLed and run twice), simulated
// users, a "platform" that redelivers until it gets a 2xx, and the counts every check prints:
// what was tried, what was lost, what was duplicated.
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { inject } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import { importAccountsCsv } from "../../src/import/accounts-csv.js";
import {
  generateAccountsCsv,
  makeUsers,
  readAccounts,
  type Secrets,
  type SimulatedUser,
  type WebhookRequest,
} from "../../scripts/bench/journeys.js";
import { createPoster, type Answer, type Poster } from "../../scripts/bench/load.js";
import { spawnService, type ServiceProcess } from "../../scripts/bench/spawn-service.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../fakes/telegram-api.js";
import { startFakeViberApi, type FakeViberApi } from "../fakes/viber-api.js";

/**
 * These checks are about a Postgres server under concurrency, restarts and several processes; the
 * embedded PGlite (one transaction at a time, owned by the test runner) is not that, so without a
 * server (TEST_DATABASE_URL / DATABASE_URL, as CI has) they are skipped, saying so.
 */
export const noServer = inject("testDb").mode === "embedded";
if (noServer)
  console.log(
    "[reliability] skipped: no Postgres server (set TEST_DATABASE_URL); embedded PGlite is not what these checks measure",
  );

export const secrets: Secrets = {
  telegramSecret: "reliability-webhook-secret-42",
  viberAuthToken: "4453b6ac12345678-e02c5f12174805f9-reliability00000",
};
export const TELEGRAM_TOKEN = "987654321:AAreliabilityreliabilityreliability";

export interface Fakes {
  telegram: FakeTelegramApi;
  viber: FakeViberApi;
  close(): Promise<void>;
}

export async function startFakes(): Promise<Fakes> {
  const telegram = await startFakeTelegramApi({ token: TELEGRAM_TOKEN });
  const viber = await startFakeViberApi({ authToken: secrets.viberAuthToken });
  return { telegram, viber, close: async () => void (await Promise.all([telegram.close(), viber.close()])) };
}

export function serviceEnv(
  databaseUrl: string,
  fakes: Fakes,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
    LOG_PRETTY: "off",
    MIGRATE_ON_START: "false",
    DEMO_DATA: "off",
    WEB_CHAT: "off",
    REMINDERS_ENABLED: "false",
    DB_POOL_SIZE: "5",
    TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
    TELEGRAM_MODE: "webhook",
    TELEGRAM_WEBHOOK_SECRET: secrets.telegramSecret,
    TELEGRAM_API_ROOT: fakes.telegram.apiRoot,
    VIBER_AUTH_TOKEN: secrets.viberAuthToken,
    VIBER_API_URL: fakes.viber.url,
    ...extra,
  };
}

export async function workDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "reliability-"));
  await mkdir(dir, { recursive: true });
  return dir;
}

export async function startServiceProcess(
  env: Record<string, string>,
  dir: string,
  name = "service",
): Promise<ServiceProcess> {
  return spawnService({ env, logFile: path.join(dir, `${name}.log`), startTimeoutMs: 90_000 });
}

/** Imports `count` generated accounts and returns simulated users for them. */
export async function seedUsers(
  databaseUrl: string,
  dir: string,
  count: number,
  options: { firstChatId: number; viberEvery?: number; seed?: number } = { firstChatId: 610_000_000 },
): Promise<SimulatedUser[]> {
  const csv = path.join(dir, `accounts-${count}.csv`);
  await generateAccountsCsv(csv, count);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  try {
    const report = await importAccountsCsv(pool, createReadStream(csv));
    if (report.imported !== count) throw new Error(`imported ${report.imported} of ${count} accounts`);
  } finally {
    await pool.end();
  }
  return makeUsers(await readAccounts(csv, 0, count), secrets, {
    firstChatId: options.firstChatId,
    viberEvery: options.viberEvery ?? 4,
  });
}

export async function query<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

export interface DeliveryLog {
  attempts: number;
  /** Answers by status code ("network" for a failed connection). */
  statuses: Record<string, number>;
}

/**
 * Delivers one update the way the platform does: POST, and on anything but a 2xx (or no answer at
 * all) try again after a pause, until it is acknowledged. `target` may change between attempts
 * (a restarted service has a new port), so it is a function.
 */
export async function deliverUntilAcknowledged(
  target: () => Poster,
  request: WebhookRequest,
  log: DeliveryLog,
  options: { retryDelayMs?: number; giveUpAfterMs?: number } = {},
): Promise<Answer> {
  const deadline = Date.now() + (options.giveUpAfterMs ?? 60_000);
  for (;;) {
    log.attempts += 1;
    let answer: Answer | undefined;
    try {
      answer = await target().post(request);
    } catch {
      log.statuses.network = (log.statuses.network ?? 0) + 1;
    }
    if (answer) {
      log.statuses[String(answer.status)] = (log.statuses[String(answer.status)] ?? 0) + 1;
      if (answer.status >= 200 && answer.status < 300) return answer;
    }
    if (Date.now() > deadline) throw new Error(`update ${request.updateId} never acknowledged`);
    await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 200));
  }
}

export function newDeliveryLog(): DeliveryLog {
  return { attempts: 0, statuses: {} };
}

/** Each user walks their journey one acknowledged update at a time; users run concurrently. */
export async function playJourneys(
  users: SimulatedUser[],
  target: () => Poster,
  log: DeliveryLog,
  options: { concurrency?: number; betweenStepsMs?: number; retryDelayMs?: number } = {},
): Promise<void> {
  const queue = [...users];
  const worker = async () => {
    for (let user = queue.shift(); user; user = queue.shift()) {
      for (const step of user.steps) {
        await deliverUntilAcknowledged(target, step, log, { retryDelayMs: options.retryDelayMs ?? 200 });
        if (options.betweenStepsMs)
          await new Promise((resolve) => setTimeout(resolve, options.betweenStepsMs));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 20 }, () => worker()));
}

/** What the platforms received for one user: Telegram sendMessage texts, or Viber send_message texts. */
export function messagesTo(fakes: Fakes, user: SimulatedUser): string[] {
  if (user.channel === "telegram") {
    const chatId = Number(user.address.slice("telegram:".length));
    return fakes.telegram.sentMessages(chatId).map((params) => String(params.text));
  }
  const receiver = user.address.slice("viber:".length);
  return fakes.viber
    .callsOf("send_message")
    .filter((call) => call.body.receiver === receiver)
    .map((call) => String(call.body.text));
}

export interface Outcome {
  users: number;
  updates: number;
  /** Users whose reading is not stored. */
  lostReadings: number;
  /** Readings stored more than once for one user (counting, not superseded). */
  duplicatedReadings: number;
  /** Users who never got the receipt. */
  lostReceipts: number;
  /** Users who got the receipt more than once. */
  duplicatedReceipts: number;
  /** Users whose message count differs from an undisturbed journey's. */
  usersWithWrongMessageCount: number;
  /** For diagnosis: who, expected vs received message count, and the last text they got. */
  wrong: { address: string; expected: number; received: number; last: string }[];
}

/** Readings submitted through the bot (not billing), per account number, counting only valid ones. */
export async function storedReadings(url: string): Promise<Map<string, number>> {
  const rows = await query<{ number: string; n: string }>(
    url,
    `SELECT a.number, count(*) AS n FROM meter_reading r JOIN account a ON a.id = r.account_id
      WHERE r.source <> 'billing' AND r.status <> 'superseded' GROUP BY a.number`,
  );
  return new Map(rows.map((row) => [row.number, Number(row.n)]));
}

/** Messages an undisturbed journey produces: Telegram 1 per update; Viber's welcome is the HTTP answer. */
export function expectedMessages(user: SimulatedUser): number {
  return user.channel === "telegram" ? user.steps.length : user.steps.length - 1;
}

/** The receipt's fixed beginning, from the catalogue (everything before its first parameter). */
const RECEIPT_PREFIX =
  t("uk", "reading.receipt", { label: "\u0000", number: "", period: "" }).split("\u0000")[0] ?? "";

export async function outcome(url: string, fakes: Fakes, users: SimulatedUser[]): Promise<Outcome> {
  const readings = await storedReadings(url);
  const result: Outcome = {
    users: users.length,
    updates: users.reduce((sum, user) => sum + user.steps.length, 0),
    lostReadings: 0,
    duplicatedReadings: 0,
    lostReceipts: 0,
    duplicatedReceipts: 0,
    usersWithWrongMessageCount: 0,
    wrong: [],
  };
  for (const user of users) {
    const stored = readings.get(user.account.number) ?? 0;
    if (stored === 0) result.lostReadings += 1;
    if (stored > 1) result.duplicatedReadings += stored - 1;
    const messages = messagesTo(fakes, user);
    const receipts = messages.filter((text) => text.startsWith(RECEIPT_PREFIX)).length;
    if (receipts === 0) result.lostReceipts += 1;
    if (receipts > 1) result.duplicatedReceipts += receipts - 1;
    if (messages.length !== expectedMessages(user)) {
      result.usersWithWrongMessageCount += 1;
      result.wrong.push({
        address: user.address,
        expected: expectedMessages(user),
        received: messages.length,
        last: (messages.at(-1) ?? "").slice(0, 60),
      });
    }
  }
  return result;
}

export function report(check: string, tried: Record<string, unknown>, result: Record<string, unknown>): void {
  console.log(
    `[reliability] ${check}\n  tried: ${JSON.stringify(tried)}\n  result: ${JSON.stringify(result)}`,
  );
}

export { createPoster };
