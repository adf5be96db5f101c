// The assembled service for end-to-end tests: a fresh database, the fake Telegram (and, if asked,
// Viber) API, `startService` with the given settings on top of the common ones, and the Telegram
// webhook registered on the fake the way `npm run telegram:webhook -- set` does it.
import { Writable } from "node:stream";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startService, type RunningService } from "../../src/service.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../fakes/telegram-api.js";
import { startFakeViberApi, type FakeViberApi } from "../fakes/viber-api.js";
import { createTestDatabase, type TestDatabase } from "./database.js";

export interface E2EServiceOptions {
  telegramToken: string;
  webhookSecret: string;
  operatorToken: string;
  /** Also a fake Viber API and the Viber channel, with this token. */
  viberToken?: string;
  /** More settings (environment variables) for loadConfig. */
  env?: Record<string, string>;
  logLevel?: "debug" | "info" | "warn";
  /** Where the log goes (default: nowhere). */
  logSink?: Writable;
}

export interface E2EService {
  db: TestDatabase;
  telegramApi: FakeTelegramApi;
  viberApi: FakeViberApi | undefined;
  service: RunningService;
  stop(): Promise<void>;
}

export async function startE2EService(options: E2EServiceOptions): Promise<E2EService> {
  const db = await createTestDatabase();
  const telegramApi = await startFakeTelegramApi({ token: options.telegramToken });
  const viberApi = options.viberToken
    ? await startFakeViberApi({ authToken: options.viberToken })
    : undefined;
  const logLevel = options.logLevel ?? "warn";
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: "0",
    MIGRATE_ON_START: "false",
    LOG_LEVEL: logLevel,
    TELEGRAM_BOT_TOKEN: options.telegramToken,
    TELEGRAM_WEBHOOK_SECRET: options.webhookSecret,
    TELEGRAM_API_ROOT: telegramApi.apiRoot,
    ...(viberApi && options.viberToken
      ? { VIBER_AUTH_TOKEN: options.viberToken, VIBER_API_URL: viberApi.url }
      : {}),
    OPERATOR_API_TOKEN: options.operatorToken,
    REMINDERS_ENABLED: "false",
    ...options.env,
  });
  const sink = options.logSink ?? new Writable({ write: (_chunk, _enc, done) => done() });
  const service = await startService(config, createLogger({ level: logLevel, pretty: "off" }, sink));
  const set = await fetch(`${telegramApi.apiRoot}/bot${options.telegramToken}/setWebhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: `${service.url}/webhooks/telegram`, secret_token: options.webhookSecret }),
  });
  if (set.status !== 200) throw new Error(`setWebhook on the fake answered ${set.status}`);
  return {
    db,
    telegramApi,
    viberApi,
    service,
    async stop() {
      await service.stop();
      await telegramApi.close();
      await viberApi?.close();
      await db.drop();
    },
  };
}
