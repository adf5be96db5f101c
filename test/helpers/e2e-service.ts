// The assembled service for end-to-end tests: a fresh database, and startTelegramService (the fake
// Telegram API, the service, the webhook registered) with the operator token and, if asked, the fake
// Viber API and its channel.
import type { Writable } from "node:stream";
import type { RunningService } from "../../src/service.js";
import type { FakeTelegramApi } from "../fakes/telegram-api.js";
import { startFakeViberApi, type FakeViberApi } from "../fakes/viber-api.js";
import { createTestDatabase, type TestDatabase } from "./database.js";
import { startTelegramService } from "./telegram-service.js";

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
  const viberApi = options.viberToken
    ? await startFakeViberApi({ authToken: options.viberToken })
    : undefined;
  const { service, telegram } = await startTelegramService(db, {
    token: options.telegramToken,
    secret: options.webhookSecret,
    env: {
      ...(viberApi && options.viberToken
        ? { VIBER_AUTH_TOKEN: options.viberToken, VIBER_API_URL: viberApi.url }
        : {}),
      OPERATOR_API_TOKEN: options.operatorToken,
      ...options.env,
    },
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
    ...(options.logSink ? { logSink: options.logSink } : {}),
  });
  return {
    db,
    telegramApi: telegram,
    viberApi,
    service,
    async stop() {
      await service.stop();
      await telegram.close();
      await viberApi?.close();
      await db.drop();
    },
  };
}
