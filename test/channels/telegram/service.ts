// The Telegram channel assembled for end-to-end tests the way main.ts assembles it: real engine on
// the pg engine store in a fresh Postgres database, the user-status store, buildServer with the
// channel's route, and grammY pointed at the fake Bot API. The engine is wrapped only to record
// what it was asked and answered (the contract suite reads that); it is not replaced.
import type { FastifyInstance } from "fastify";
import { createTelegramChannel, type TelegramChannel } from "../../../src/channels/telegram/index.js";
import type { EngineHandle } from "../../../src/channels/channel.js";
import { createPgEngineStore } from "../../../src/db/engine-store-pg.js";
import { createUserStatusStore } from "../../../src/db/user-status-store.js";
import { createEngine } from "../../../src/engine/engine.js";
import { defaultEngineSettings } from "../../../src/engine/settings.js";
import { createMetrics, type Metrics } from "../../../src/http/metrics.js";
import { buildServer } from "../../../src/http/server.js";
import type pg from "pg";
import type { PrismaClient } from "../../../src/db/client.js";
import type { EngineCall } from "../../channels/contract.js";
import type { FakeTelegramApi } from "../../fakes/telegram-api.js";
import { TEST_BOT_TOKEN, silentLogger } from "./helpers.js";
import { createSchedulePictures, type SchedulePictures } from "../../../src/channels/schedule-pictures.js";
import { createSchedulePictureStore } from "../../../src/db/schedule-picture-store.js";
import { pollUntil } from "../../helpers/until.js";

export const WEBHOOK_SECRET = "webhook_secret_for_tests_0123456789";

/** A clock the tests pin: the reading window is open on 30 November. */
export class TestClock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
}

export interface TelegramTestService {
  app: FastifyInstance;
  channel: TelegramChannel;
  metrics: Metrics;
  clock: TestClock;
  /** Schedule pictures as the service wires them (Postgres cache, counters on `metrics`). */
  pictures: SchedulePictures;
  /** Every engine call, in order. */
  engineCalls: EngineCall[];
  stop(): Promise<void>;
}

export function recordingEngine(engine: EngineHandle, calls: EngineCall[]): EngineHandle {
  return {
    async handle(address, event, meta) {
      const result = await engine.handle(address, event, meta);
      calls.push({ address, event, meta, result });
      return result;
    },
  };
}

export async function startTelegramTestService(options: {
  /** Prisma for the user-status store, a pg pool for the engine store (a TestDatabase fits). */
  database: { prisma: PrismaClient; enginePool: pg.Pool };
  fake: FakeTelegramApi;
  mode: "webhook" | "polling";
  now?: string;
  retry?: { maxAttempts?: number; maxTotalDelayMs?: number; baseDelayMs?: number };
}): Promise<TelegramTestService> {
  const logger = silentLogger();
  const metrics = createMetrics({ defaultMetrics: false });
  const clock = new TestClock(new Date(options.now ?? "2026-11-30T10:00:00Z"));
  const engineCalls: EngineCall[] = [];
  const pictures = createSchedulePictures({
    store: createSchedulePictureStore(options.database.enginePool),
    registry: metrics.registry,
  });
  const engine = createEngine({
    store: createPgEngineStore(options.database.enginePool),
    clock,
    settings: defaultEngineSettings,
  });
  const channel = createTelegramChannel({
    config: {
      token: TEST_BOT_TOKEN,
      mode: options.mode,
      webhookSecret: options.mode === "webhook" ? WEBHOOK_SECRET : undefined,
      apiRoot: options.fake.apiRoot,
    },
    engine: recordingEngine(engine, engineCalls),
    userStatus: createUserStatusStore(options.database.prisma),
    logger,
    metrics: metrics.registry,
    identityRetry: { initialDelayMs: 50, maxDelayMs: 200 },
    pictures,
    polling: { timeoutSeconds: 1, retryDelayMs: 100, maxRetryDelayMs: 400 },
    ...(options.retry ? { retry: options.retry } : {}),
  });
  const app = await buildServer({
    logger,
    metrics,
    readiness: async () => ({
      ready: channel.ready(),
      checks: { telegram: channel.ready() ? "ok" : "bot identity unknown" },
    }),
    plugins: channel.plugin ? [channel.plugin] : [],
  });
  await channel.start();
  return {
    app,
    channel,
    metrics,
    clock,
    pictures,
    engineCalls,
    async stop() {
      await channel.stop();
      await app.close();
    },
  };
}

/** Polls until the condition holds (tests of asynchronous loops), failing after timeoutMs. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  await pollUntil(condition, { timeoutMs, pollMs: 10 });
}

/** A two-zone, five-digit account with the phone on file and a billing reading on 1 November. */
export async function seedTwoZoneAccount(
  prisma: PrismaClient,
  number = "1234567890",
  phone = "380671234567",
) {
  const account = await prisma.account.create({
    data: {
      number,
      holderName: "Коваленко Олена Петрівна",
      phones: [phone],
      settlement: "Дніпро",
      street: "вул. Набережна Перемоги",
      building: "12",
      apartment: "34",
      areaCode: "DNP-07",
      meterSerial: "NK0012345",
      meterDigits: 5,
      zones: 2,
    },
  });
  await prisma.meterReading.create({
    data: {
      accountId: account.id,
      period: "2026-11",
      t1: 12200,
      t2: 6100,
      takenAt: new Date("2026-11-01T09:00:00Z"),
      source: "billing",
    },
  });
  return account;
}
