// POST /webhooks/telegram. Telegram redelivers on any non-2xx and holds back that chat's later
// updates meanwhile, so: the secret header is checked before the body is even parsed (401, nothing
// processed); the update is processed and its replies sent before answering; application errors
// still answer 200 (a poison update must not block a chat); 503 only when the store is down and a
// redelivery is wanted. A button tap is answered in the 200's body (a webhook reply carrying
// answerCallbackQuery); the outcome is in the X-Update-Outcome header.
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyPluginAsync } from "fastify";
import type { Logger } from "pino";
import { StoreUnavailableError } from "../../engine/errors.js";
import { InvalidUpdateError, type UpdateHandler } from "./handle-update.js";

export const TELEGRAM_WEBHOOK_PATH = "/webhooks/telegram";
export const TELEGRAM_SECRET_HEADER = "x-telegram-bot-api-secret-token";
/** Response header naming the update's outcome (handled, duplicate, ignored, failed, group_notice). */
export const TELEGRAM_OUTCOME_HEADER = "x-update-outcome";

export interface TelegramRoutesOptions {
  secret: string;
  handleUpdate: UpdateHandler;
  logger: Logger;
}

/**
 * Constant-time comparison; hashing first makes the lengths equal and hides the secret's length. The
 * secret's own digest is worked out once (secretMatcher), not per request.
 */
export function secretMatcher(secret: string): (received: string | string[] | undefined) => boolean {
  const expected = createHash("sha256").update(secret).digest();
  return (received) => {
    if (typeof received !== "string") return false;
    return timingSafeEqual(createHash("sha256").update(received).digest(), expected);
  };
}

export function telegramRoutes(options: TelegramRoutesOptions): FastifyPluginAsync {
  if (options.secret.length === 0) throw new Error("the Telegram webhook needs a secret");
  const matches = secretMatcher(options.secret);
  return async (app) => {
    app.post(
      TELEGRAM_WEBHOOK_PATH,
      {
        onRequest: async (request, reply) => {
          if (!matches(request.headers[TELEGRAM_SECRET_HEADER])) {
            options.logger.warn(
              { channel: "telegram", ip: request.ip },
              "webhook call with a wrong or missing secret",
            );
            return reply.code(401).send({ error: "unauthorized" });
          }
        },
      },
      async (request, reply) => {
        try {
          const outcome = await options.handleUpdate(request.body, { answersCallbackQuery: true });
          // What became of the update, for logs and tests; Telegram reads only the body.
          reply.header(TELEGRAM_OUTCOME_HEADER, outcome.kind);
          // A tap is answered in the response itself (Telegram's webhook reply): Telegram makes the
          // call, one Bot API request less for us; its result is not needed.
          if (outcome.callbackQueryToAnswer !== undefined) {
            return reply
              .code(200)
              .send({ method: "answerCallbackQuery", callback_query_id: outcome.callbackQueryToAnswer });
          }
          return reply.code(200).send({ ok: true, outcome: outcome.kind });
        } catch (error) {
          if (error instanceof StoreUnavailableError) {
            options.logger.error(
              { channel: "telegram", err: error },
              "store unavailable; Telegram will redeliver",
            );
            return reply.code(503).send({ error: "store_unavailable" });
          }
          if (error instanceof InvalidUpdateError) {
            options.logger.warn({ channel: "telegram", err: error }, "webhook body is not a Telegram update");
            return reply.code(400).send({ error: "invalid_update" });
          }
          // A bug in the channel itself: still 200, or the chat's later updates would be held back.
          options.logger.error({ channel: "telegram", err: error }, "update handling crashed");
          return reply.code(200).send({ ok: false });
        }
      },
    );
  };
}
