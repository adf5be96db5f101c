// The Telegram channel assembled: grammY's Api pointed at the configured Bot API server, the sender,
// the update handler, the webhook route (webhook mode) or the long-polling loop (polling mode), and
// the bot identity from getMe. start() never throws and never blocks the process: while Telegram
// is unreachable it keeps retrying getMe with backoff and ready() stays false.
import { Api } from "grammy";
import type { UserFromGetMe } from "grammy/types";
import type { FastifyPluginAsync } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { EngineHandle, UserStatusPort } from "../channel.js";
import { abortableSleep, grammySignal } from "./abort.js";
import { createUpdateHandler, type UpdateHandler } from "./handle-update.js";
import { createTelegramMetrics } from "./metrics.js";
import { jsonFetch } from "./json-fetch.js";
import { createPolling, type Polling } from "./polling.js";
import { telegramRoutes } from "./routes.js";
import { createTelegramSender, type RetryPolicy, type TelegramSender } from "./sender.js";
import { apiErrorForLog } from "./log-safe.js";
import type { SchedulePictures } from "../schedule-pictures.js";
import type { SharedPhotoStore } from "../shared-photos.js";

/** The Telegram part of the service configuration (Config["telegram"] when enabled). */
export interface TelegramChannelConfig {
  token: string;
  mode: "webhook" | "polling";
  /** Required in webhook mode: without it anyone could post updates. */
  webhookSecret: string | undefined;
  /** Bot API server root without a trailing slash (TELEGRAM_API_ROOT). */
  apiRoot: string;
}

export interface TelegramChannelDeps {
  config: TelegramChannelConfig;
  engine: EngineHandle;
  userStatus: UserStatusPort;
  logger: Logger;
  metrics: Registry;
  retry?: Partial<RetryPolicy>;
  /** Schedule pictures (sent as photos; without them schedule replies go as text only). */
  pictures?: SchedulePictures;
  /** Photos the company shares (an operator's attachment), uploaded as photos. */
  photos?: SharedPhotoStore;
  /** getMe backoff: first delay and cap (ms). */
  identityRetry?: { initialDelayMs: number; maxDelayMs: number };
  /** Polling tuning (tests shorten it): long-poll timeout and the backoff after failures. */
  polling?: { timeoutSeconds?: number; retryDelayMs?: number; maxRetryDelayMs?: number };
}

export interface TelegramChannel {
  /** The webhook route; register it only in webhook mode (undefined in polling mode). */
  plugin: FastifyPluginAsync | undefined;
  sender: TelegramSender;
  handleUpdate: UpdateHandler;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** True once the bot identity is known (and polling runs, in polling mode), until stop(). */
  ready(): boolean;
  identity(): UserFromGetMe | undefined;
}

export function createTelegramChannel(deps: TelegramChannelDeps): TelegramChannel {
  const { config } = deps;
  if (config.mode === "webhook" && !config.webhookSecret) {
    throw new Error("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_MODE=webhook");
  }
  const log = deps.logger.child({ channel: "telegram" });
  const api = new Api(config.token, {
    apiRoot: config.apiRoot,
    timeoutSeconds: 60,
    // grammY reads only json() of what fetch answers (see json-fetch.ts).
    fetch: jsonFetch as unknown as typeof fetch,
  });
  const metrics = createTelegramMetrics(deps.metrics);
  const senderDeps: Parameters<typeof createTelegramSender>[0] = {
    api,
    userStatus: deps.userStatus,
    logger: deps.logger,
    metrics,
  };
  if (deps.retry) senderDeps.retry = deps.retry;
  if (deps.pictures) senderDeps.pictures = deps.pictures;
  if (deps.photos) senderDeps.photos = deps.photos;
  const sender = createTelegramSender(senderDeps);
  const handleUpdate = createUpdateHandler({
    engine: deps.engine,
    sender,
    api,
    logger: deps.logger,
  });
  const plugin =
    config.mode === "webhook" && config.webhookSecret
      ? telegramRoutes({ secret: config.webhookSecret, handleUpdate, logger: deps.logger })
      : undefined;

  let polling: Polling | undefined;
  if (config.mode === "polling") {
    polling = createPolling({ ...deps.polling, api, handleUpdate, logger: deps.logger });
  }

  const initialDelay = deps.identityRetry?.initialDelayMs ?? 1000;
  const maxDelay = deps.identityRetry?.maxDelayMs ?? 60_000;
  let botInfo: UserFromGetMe | undefined;
  let startup: Promise<void> | undefined;
  let stopping: AbortController | undefined;
  let stopped = false;

  async function fetchIdentity(signal: AbortSignal): Promise<void> {
    let delay = initialDelay;
    for (let attempt = 1; !signal.aborted; attempt += 1) {
      try {
        botInfo = await api.getMe(grammySignal(signal));
        log.info({ botId: botInfo.id, username: botInfo.username }, "Telegram bot identity known");
        return;
      } catch (error) {
        if (signal.aborted) return;
        // Unreachable or refusing: keep the service up (web chat, operator API) and try again.
        log.warn(
          { error: apiErrorForLog(error), attempt, retryInMs: delay },
          "getMe failed; Telegram not ready",
        );
        await abortableSleep(delay, signal);
        delay = Math.min(delay * 2, maxDelay);
      }
    }
  }

  return {
    plugin,
    sender,
    handleUpdate,
    async start() {
      if (startup) return;
      stopped = false;
      stopping = new AbortController();
      const signal = stopping.signal;
      startup = fetchIdentity(signal)
        .then(() => {
          if (!signal.aborted && polling) polling.start();
        })
        .catch((error: unknown) => {
          log.error({ error: apiErrorForLog(error) }, "Telegram channel start failed");
        });
    },
    async stop() {
      stopped = true;
      stopping?.abort();
      if (startup) await startup;
      if (polling) await polling.stop();
      startup = undefined;
    },
    ready() {
      return !stopped && botInfo !== undefined && (polling === undefined || polling.running);
    },
    identity: () => botInfo,
  };
}
