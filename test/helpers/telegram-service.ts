// The whole service on a test database with its Telegram channel on the fake Bot API, the webhook
// registered as `npm run telegram:webhook -- set` would: for tests that drive a customer through
// Telegram and watch the operator's side ("Write to a person").
import { Writable } from "node:stream";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startService, type RunningService } from "../../src/service.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../fakes/telegram-api.js";
import type { TestDatabase } from "./database.js";

export async function startTelegramService(
  db: TestDatabase,
  options: {
    token: string;
    secret: string;
    env?: Record<string, string>;
    logLevel?: "debug" | "info" | "warn";
    /** Where the log goes (default: nowhere). */
    logSink?: Writable;
  },
): Promise<{ service: RunningService; telegram: FakeTelegramApi }> {
  const logLevel = options.logLevel ?? "warn";
  const telegram = await startFakeTelegramApi({ token: options.token });
  const config = loadConfig({
    DATABASE_URL: db.url,
    PORT: "0",
    MIGRATE_ON_START: "false",
    LOG_LEVEL: logLevel,
    TELEGRAM_BOT_TOKEN: options.token,
    TELEGRAM_WEBHOOK_SECRET: options.secret,
    TELEGRAM_API_ROOT: telegram.apiRoot,
    QUIET_HOURS: "00:00-00:00",
    REMINDERS_ENABLED: "false",
    ...options.env,
  });
  const sink = options.logSink ?? new Writable({ write: (_chunk, _enc, done) => done() });
  const service = await startService(config, createLogger({ level: logLevel, pretty: "off" }, sink));
  const set = await fetch(`${telegram.apiRoot}/bot${options.token}/setWebhook`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ url: `${service.url}/webhooks/telegram`, secret_token: options.secret }),
  });
  if (set.status !== 200) throw new Error(`setWebhook answered ${set.status}`);
  return { service, telegram };
}
