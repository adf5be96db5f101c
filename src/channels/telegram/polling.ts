// Long polling (TELEGRAM_MODE=polling, for development): getUpdates through grammY's Api feeding the
// same handler as the webhook, one update at a time in order. An update is confirmed (the next
// offset) only once handled; when the store is down the loop waits and asks for it again, which is
// what a webhook 503 achieves. stop() aborts the pending long poll and waits for the current update.
import { GrammyError, type Api } from "grammy";
import type { Logger } from "pino";
import { StoreUnavailableError } from "../../engine/errors.js";
import { abortableSleep, grammySignal } from "./abort.js";
import type { UpdateHandler } from "./handle-update.js";
import { apiErrorForLog } from "./log-safe.js";

export const ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"] as const;

export interface PollingOptions {
  api: Api;
  handleUpdate: UpdateHandler;
  logger: Logger;
  /** Long-poll timeout in seconds (Telegram holds the request this long when idle). */
  timeoutSeconds?: number;
  /** Wait after a failed getUpdates or a store outage, doubled up to maxRetryDelayMs. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
}

export interface Polling {
  start(): void;
  stop(): Promise<void>;
  readonly running: boolean;
}

export function createPolling(options: PollingOptions): Polling {
  const log = options.logger.child({ channel: "telegram", mode: "polling" });
  const timeout = options.timeoutSeconds ?? 30;
  const baseDelay = options.retryDelayMs ?? 1000;
  const maxDelay = options.maxRetryDelayMs ?? 30_000;
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  let offset: number | undefined;

  async function run(signal: AbortSignal): Promise<void> {
    let delay = baseDelay;
    const backOff = async () => {
      await abortableSleep(delay, signal);
      delay = Math.min(delay * 2, maxDelay);
    };
    // getUpdates answers 409 while a webhook is set; polling is the development mode, so take over
    // as grammY's bot.start() does, keeping pending updates.
    while (!signal.aborted) {
      try {
        await options.api.deleteWebhook({ drop_pending_updates: false }, grammySignal(signal));
        break;
      } catch (error) {
        if (signal.aborted) return;
        log.warn({ error: apiErrorForLog(error) }, "deleteWebhook failed; retrying");
        await backOff();
      }
    }
    delay = baseDelay;
    while (!signal.aborted) {
      let updates: Awaited<ReturnType<Api["getUpdates"]>>;
      try {
        updates = await options.api.getUpdates(
          { offset, timeout, allowed_updates: [...ALLOWED_UPDATES] },
          grammySignal(signal),
        );
      } catch (error) {
        if (signal.aborted) break;
        const conflict = error instanceof GrammyError && error.error_code === 409;
        log.warn({ error: apiErrorForLog(error), conflict }, "getUpdates failed; retrying");
        await backOff();
        continue;
      }
      delay = baseDelay;
      for (const update of updates) {
        // Finish the update in hand even when stopping: it is confirmed only by the next offset.
        try {
          await options.handleUpdate(update);
        } catch (error) {
          if (error instanceof StoreUnavailableError) {
            log.error(
              { err: error, updateId: update.update_id },
              "store unavailable; will ask for the update again",
            );
            await backOff();
            break;
          }
          // Anything else is not going to succeed on a retry: skip it rather than stall the bot.
          log.error({ err: error, updateId: update.update_id }, "update handling crashed; skipped");
        }
        offset = update.update_id + 1;
        delay = baseDelay;
        if (signal.aborted) break;
      }
    }
  }

  return {
    get running() {
      return loop !== undefined;
    },
    start() {
      if (loop) return;
      controller = new AbortController();
      log.info("long polling started");
      loop = run(controller.signal).catch((error: unknown) => {
        log.error({ err: error }, "long polling stopped by an unexpected error");
      });
    },
    async stop() {
      if (!loop || !controller) return;
      controller.abort();
      await loop;
      loop = undefined;
      controller = undefined;
      if (offset !== undefined) {
        // Confirm what was handled so a restart does not fetch it again (it would be a duplicate).
        try {
          await options.api.getUpdates(
            { offset, limit: 1, timeout: 0 },
            grammySignal(AbortSignal.timeout(5000)),
          );
        } catch (error) {
          log.warn({ error: apiErrorForLog(error) }, "could not confirm the last handled update");
        }
      }
      log.info("long polling stopped");
    },
  };
}
