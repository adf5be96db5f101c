// One Telegram update, start to finish, for both webhook and polling: validate, map, let the engine
// handle it (dedupe, state, records), send its replies, answer the callback query. The error
// boundary of the channel lives here: an application failure sends the engine's apology and counts
// as handled; only a store outage escapes, so the caller can ask Telegram to redeliver.
import type { Api } from "grammy";
import type { Logger } from "pino";
import { StoreUnavailableError, UpdateFailedError } from "../../engine/errors.js";
import { languageFromCode, t } from "../../engine/i18n/index.js";
import type { EngineHandle, SendOutcome } from "../channel.js";
import type { TelegramSender } from "./sender.js";
import { telegramUpdateSchema, toEvent } from "./to-event.js";
import { apiErrorForLog } from "./log-safe.js";

export type UpdateOutcome = (
  | { kind: "handled"; sent: SendOutcome }
  | { kind: "duplicate" }
  | { kind: "ignored"; reason: string }
  | { kind: "group_notice"; sent: SendOutcome }
  /** The application failed on it; the user got an apology (or nothing, if there was none). */
  | { kind: "failed" }
) & {
  /** The button tap the caller must still answer (given only when it asked to answer it itself). */
  callbackQueryToAnswer?: string;
};

export interface HandleUpdateOptions {
  /**
   * The caller answers the button's callback query itself: the webhook does, in its response to
   * Telegram (a webhook reply: one Bot API call less per tap). Polling has no response to carry it.
   */
  answersCallbackQuery?: boolean;
}

export class InvalidUpdateError extends Error {
  override readonly name = "InvalidUpdateError";
}

export interface UpdateHandlerDeps {
  engine: EngineHandle;
  sender: TelegramSender;
  api: Api;
  logger: Logger;
}

export type UpdateHandler = (update: unknown, options?: HandleUpdateOptions) => Promise<UpdateOutcome>;

export function createUpdateHandler(deps: UpdateHandlerDeps): UpdateHandler {
  async function answerCallbackQuery(id: string, log: Logger): Promise<void> {
    // Always answered so the button stops spinning; a failure here (query too old) loses nothing.
    try {
      await deps.api.answerCallbackQuery(id);
    } catch (error) {
      log.warn({ error: apiErrorForLog(error) }, "answerCallbackQuery failed");
    }
  }

  return async function handleUpdate(
    raw: unknown,
    options: HandleUpdateOptions = {},
  ): Promise<UpdateOutcome> {
    const parsed = telegramUpdateSchema.safeParse(raw);
    if (!parsed.success) {
      throw new InvalidUpdateError(`not a Telegram update: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    }
    const update = parsed.data;
    const mapped = toEvent(update);
    // One child logger per update, with everything known before the engine runs.
    const log = deps.logger.child(
      mapped.kind === "event"
        ? {
            channel: "telegram",
            updateId: update.update_id,
            address: mapped.address,
            event: mapped.event.type,
          }
        : { channel: "telegram", updateId: update.update_id },
    );

    if (mapped.kind === "ignored") {
      log.debug({ reason: mapped.reason }, "update ignored");
      if (mapped.callbackQueryId && options.answersCallbackQuery) {
        return { kind: "ignored", reason: mapped.reason, callbackQueryToAnswer: mapped.callbackQueryId };
      }
      if (mapped.callbackQueryId) await answerCallbackQuery(mapped.callbackQueryId, log);
      return { kind: "ignored", reason: mapped.reason };
    }

    if (mapped.kind === "group_notice") {
      // Nobody's conversation: no engine call, no row; the sender's language hint picks the catalogue.
      const text = t(languageFromCode(mapped.languageCode), "channel.groupNotice");
      const sent = await deps.sender.sendToChat(mapped.chatId, [{ text }]);
      log.info({ sent: sent.kind }, "group message answered with the private-chat notice");
      return { kind: "group_notice", sent };
    }

    // The button's spinner is stopped by the caller's answer to Telegram when it offered to (the
    // webhook), else while the replies go out (not after them): one Bot API round trip less in the
    // answer's time. Always answered, whatever happens below.
    const tap = mapped.callbackQueryId;
    const deferred = tap !== undefined && options.answersCallbackQuery === true;
    const toAnswer = deferred ? { callbackQueryToAnswer: tap } : {};
    let answered: Promise<void> | undefined;
    const answer = (): void => {
      if (tap !== undefined && !deferred) answered ??= answerCallbackQuery(tap, log);
    };
    try {
      const result = await deps.engine.handle(mapped.address, mapped.event, mapped.meta);
      answer();
      if (result.duplicate) {
        log.info("duplicate update dropped");
        return { kind: "duplicate", ...toAnswer };
      }
      const sent = await deps.sender.send(mapped.address, result.replies);
      if (sent.kind === "sent") log.info({ ...result.trace, replies: sent.messages }, "update handled");
      else log.warn({ sent }, "update handled, replies not delivered");
      return { kind: "handled", sent, ...toAnswer };
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        // Telegram is asked to redeliver, and the webhook's answer carries no method then: the tap is
        // answered here so the spinner stops meanwhile.
        if (tap !== undefined) answered ??= answerCallbackQuery(tap, log);
        throw error;
      }
      log.error({ err: error }, "update failed");
      // The engine's apology is in the user's stored language; a failure outside the engine falls
      // back to the messenger's language hint.
      const apology =
        error instanceof UpdateFailedError
          ? error.apology
          : { text: t(languageFromCode(mapped.meta.languageCode), "error.apology") };
      const sent = await deps.sender.send(mapped.address, [apology]);
      if (sent.kind !== "sent") log.warn({ sent }, "apology not delivered");
      return { kind: "failed", ...toAnswer };
    } finally {
      answer();
      await answered;
    }
  };
}
