// The channel's life: identity from getMe with backoff while Telegram is unreachable (not ready,
// never a crash), readiness through /readyz, a clean stop in the middle of a long poll, and the
// configuration rule that webhook mode needs a secret.
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelegramChannel } from "../../../src/channels/telegram/index.js";
import { createPgEngineStore } from "../../../src/db/engine-store-pg.js";
import { createUserStatusStore } from "../../../src/db/user-status-store.js";
import { createEngine } from "../../../src/engine/engine.js";
import { defaultEngineSettings } from "../../../src/engine/settings.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../../fakes/telegram-api.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { TEST_BOT_TOKEN, silentLogger } from "./helpers.js";
import { startTelegramTestService, waitUntil } from "./service.js";
import { TelegramUser } from "./telegram-user.js";

let db: TestDatabase;
let fake: FakeTelegramApi;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegramApi({ token: TEST_BOT_TOKEN });
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

const realEngine = () =>
  createEngine({
    store: createPgEngineStore(db.enginePool),
    clock: { now: () => new Date() },
    settings: defaultEngineSettings,
  });

describe("Telegram channel lifecycle", () => {
  it("keeps retrying getMe with backoff while Telegram is unreachable and reports not ready meanwhile", async () => {
    fake.reset();
    fake.failNext("getMe", { kind: "disconnect" }, 2);
    fake.failNext("getMe", { kind: "server_error", status: 502 });
    const service = await startTelegramTestService({ database: db, fake, mode: "webhook" });
    try {
      expect(service.channel.ready()).toBe(false);
      const notReady = await service.app.inject({ method: "GET", url: "/readyz" });
      expect(notReady.statusCode).toBe(503);
      expect(notReady.json()).toEqual({ status: "not_ready", checks: { telegram: "bot identity unknown" } });

      await waitUntil(() => service.channel.ready());
      const attempts = fake.callsTo("getMe");
      expect(attempts).toHaveLength(4);
      // 50 ms, 100 ms, 200 ms apart (the test's backoff settings), growing.
      const gaps = attempts.slice(1).map((call, i) => call.at - attempts[i]!.at);
      expect(gaps[0]!).toBeGreaterThanOrEqual(45);
      expect(gaps[1]!).toBeGreaterThanOrEqual(95);
      expect(gaps[2]!).toBeGreaterThanOrEqual(190);
      expect(service.channel.identity()?.username).toBe("dtek_dnem_test_bot");
      expect((await service.app.inject({ method: "GET", url: "/readyz" })).statusCode).toBe(200);
      await service.channel.stop();
      expect(service.channel.ready()).toBe(false);
    } finally {
      await service.stop();
    }
  });

  it("stops cleanly while getMe is still failing", async () => {
    fake.reset();
    fake.failNext("getMe", { kind: "server_error", status: 500 }, 100);
    const service = await startTelegramTestService({ database: db, fake, mode: "polling" });
    await fake.waitForCalls("getMe", 2);
    const started = Date.now();
    await service.stop();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(service.channel.ready()).toBe(false);
    expect(fake.callsTo("getUpdates")).toEqual([]);
  });

  it("stops polling in the middle of a long poll and confirms the handled update", async () => {
    fake.reset();
    const channel = createTelegramChannel({
      config: { token: TEST_BOT_TOKEN, mode: "polling", webhookSecret: undefined, apiRoot: fake.apiRoot },
      engine: realEngine(),
      userStatus: createUserStatusStore(db.prisma),
      logger: silentLogger(),
      metrics: new Registry(),
      polling: { timeoutSeconds: 30 },
    });
    await channel.start();
    await waitUntil(() => channel.ready());
    const user = new TelegramUser(7_300_000_001, fake);
    const update = user.start();
    fake.pushUpdate(update);
    await waitUntil(() => fake.pendingUpdates() === 0 && user.received().length === 1);
    await fake.waitForCalls("getUpdates", 2); // the long poll that confirmed it is now waiting

    const started = Date.now();
    await channel.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(channel.ready()).toBe(false);
    expect(fake.callsTo("getUpdates").at(-1)?.params).toEqual({
      offset: (update.update_id as number) + 1,
      limit: 1,
      timeout: 0,
    });
    const callsAfterStop = fake.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(fake.calls.length).toBe(callsAfterStop);
  });

  it("refuses webhook mode without a secret", () => {
    expect(() =>
      createTelegramChannel({
        config: { token: TEST_BOT_TOKEN, mode: "webhook", webhookSecret: undefined, apiRoot: fake.apiRoot },
        engine: realEngine(),
        userStatus: createUserStatusStore(db.prisma),
        logger: silentLogger(),
        metrics: new Registry(),
      }),
    ).toThrow("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook");
  });
});

describe("Telegram channel logs", () => {
  function capturingLogger() {
    const lines: string[] = [];
    const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(line) });
    return { logger, lines };
  }

  it("never logs the bot token when Telegram is unreachable", async () => {
    const { logger, lines } = capturingLogger();
    const channel = createTelegramChannel({
      // Nothing listens on port 1: the fetch error names the URL, which contains the token.
      config: {
        token: TEST_BOT_TOKEN,
        mode: "polling",
        webhookSecret: undefined,
        apiRoot: "http://127.0.0.1:1",
      },
      engine: realEngine(),
      userStatus: createUserStatusStore(db.prisma),
      logger,
      metrics: new Registry(),
      identityRetry: { initialDelayMs: 20, maxDelayMs: 40 },
    });
    await channel.start();
    await waitUntil(() => lines.filter((l) => l.includes("getMe failed")).length >= 2);
    await channel.stop();
    expect(channel.ready()).toBe(false);
    const text = lines.join("\n");
    expect(text).toContain("Network request for 'getMe' failed!");
    expect(text).not.toContain(TEST_BOT_TOKEN);
    expect(text).not.toContain(TEST_BOT_TOKEN.split(":")[1]);
  });

  it("logs each update with its id and never the phone number or the text", async () => {
    fake.reset();
    const { logger, lines } = capturingLogger();
    const channel = createTelegramChannel({
      config: {
        token: TEST_BOT_TOKEN,
        mode: "webhook",
        webhookSecret: "x".repeat(24),
        apiRoot: fake.apiRoot,
      },
      engine: realEngine(),
      userStatus: createUserStatusStore(db.prisma),
      logger,
      metrics: new Registry(),
    });
    const user = new TelegramUser(7_300_000_002, fake);
    await channel.handleUpdate(user.start());
    const contact = user.contact("380679998877", true);
    await channel.handleUpdate(contact);
    await channel.handleUpdate(user.text("Секретний текст 4455"));
    const text = lines.join("\n");
    expect(lines.some((l) => JSON.parse(l).updateId === contact.update_id)).toBe(true);
    expect(text).not.toContain("9998877");
    expect(text).not.toContain("Секретний");
    expect(text).not.toContain("4455");
  });
});
