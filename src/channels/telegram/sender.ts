// Sends engine replies to a Telegram chat through grammY's Api: renders them, retries 429 (after
// the retry_after Telegram asks for) and 5xx/network errors within a bounded total delay, and turns
// 403 (blocked, deactivated) into "unreachable" after marking the user blocked, so nothing more is
// sent to them. Used for replies to updates and by the outbound queue for proactive messages.
import { GrammyError, HttpError, InputFile, type Api } from "grammy";
import type { Logger } from "pino";
import type { Address } from "../../engine/events.js";
import type { Reply, SchedulePicture } from "../../engine/replies.js";
import { pictureCaption, type SchedulePictures } from "../schedule-pictures.js";
import { withoutPhoto, type SharedPhoto, type SharedPhotoStore } from "../shared-photos.js";
import type { ChannelSender, SendOutcome, UserStatusPort } from "../channel.js";
import type { RetryReason, SendFailureReason, TelegramMetrics } from "./metrics.js";
import { RenderError, renderReply, type SendMessageParams } from "./render.js";

/** Telegram's limit for a photo caption (after entity parsing). */
export const TELEGRAM_CAPTION_LIMIT = 1024;
import { chatIdFromAddress } from "./to-event.js";

export interface RetryPolicy {
  /** Attempts per message, the first included. */
  maxAttempts: number;
  /** Total time one send() may spend waiting between attempts. */
  maxTotalDelayMs: number;
  /** First backoff for 5xx/network errors; doubles each time. */
  baseDelayMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 5, maxTotalDelayMs: 10_000, baseDelayMs: 500 };

export interface TelegramSenderDeps {
  api: Api;
  userStatus: UserStatusPort;
  logger: Logger;
  metrics: TelegramMetrics;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  /** Schedule pictures: sent as photos before their reply's text (uploaded once, then by file_id). */
  pictures?: SchedulePictures;
  /** Photos the company shares (an operator's attachment): uploaded as photos. */
  photos?: SharedPhotoStore;
}

export interface SendOptions {
  paidBroadcast?: boolean;
  rateLimitedNow?: boolean;
}

export interface TelegramSender extends ChannelSender {
  readonly channel: "telegram";
  /**
   * paidBroadcast: allow_paid_broadcast (up to 1,000 messages/s, charged): fan-outs that may pay.
   * rateLimitedNow: a 429 is answered at once (rate_limited) instead of waited out here, so a paced
   * caller (the fan-out lanes) slows its whole lane instead of sending outside its slots.
   */
  send(address: Address, replies: Reply[], options?: SendOptions): Promise<SendOutcome>;
  /** Sends to a chat that is not a user conversation (a group notice): a 403 marks nobody. */
  sendToChat(chatId: bigint, replies: Reply[]): Promise<SendOutcome>;
}

type AttemptResult =
  | { kind: "sent" }
  | { kind: "retry"; reason: RetryReason; delayMs: number; error: string }
  | { kind: "final"; outcome: SendOutcome; reason: SendFailureReason };

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function describe(error: unknown): string {
  if (error instanceof GrammyError) return `${error.error_code} ${error.description}`;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * A photo's caption: the reply's text with its keyboard when it fits (one message), else a short
 * description (plain text) and the text follows as its own message.
 */
function photoOptions(text: SendMessageParams | undefined, description: string) {
  return text
    ? {
        caption: text.text,
        parse_mode: "HTML" as const,
        ...(text.reply_markup ? { reply_markup: text.reply_markup } : {}),
      }
    : { caption: description };
}

export function createTelegramSender(deps: TelegramSenderDeps): TelegramSender {
  const policy: RetryPolicy = { ...defaultRetryPolicy, ...deps.retry };
  const sleep = deps.sleep ?? defaultSleep;
  const log = deps.logger.child({ channel: "telegram" });

  /** One Bot API call: sent, worth retrying after a delay, or final. */
  async function attempt(call: () => Promise<unknown>, attemptNo: number): Promise<AttemptResult> {
    try {
      await call();
      return { kind: "sent" };
    } catch (error) {
      const backoff = policy.baseDelayMs * 2 ** (attemptNo - 1);
      if (error instanceof GrammyError) {
        if (error.error_code === 429) {
          const retryAfterMs = (error.parameters.retry_after ?? 1) * 1000;
          return { kind: "retry", reason: "rate_limited", delayMs: retryAfterMs, error: describe(error) };
        }
        if (error.error_code === 403) {
          return {
            kind: "final",
            outcome: { kind: "unreachable", reason: "blocked" },
            reason: "blocked",
          };
        }
        if (error.error_code >= 500) {
          return { kind: "retry", reason: "server_error", delayMs: backoff, error: describe(error) };
        }
        return { kind: "final", outcome: { kind: "failed", error: describe(error) }, reason: "rejected" };
      }
      if (error instanceof HttpError) {
        return { kind: "retry", reason: "network", delayMs: backoff, error: describe(error) };
      }
      throw error;
    }
  }

  /**
   * A reply's picture as a photo: by the file_id Telegram gave the first upload, else uploaded now
   * (drawn once if nobody drew it yet) and its file_id kept. When the reply's text fits a caption it
   * IS the caption (with the keyboard): one message, one API call; a longer text follows as its own
   * message under a short caption. Best effort: a picture that cannot be drawn or sent is logged and
   * the text goes out as a message anyway; only "blocked" stops the reply.
   */
  async function sendPicture(
    chatId: bigint,
    picture: SchedulePicture,
    text: SendMessageParams | undefined,
  ): Promise<{ outcome: SendOutcome | null; textSent: boolean }> {
    const pictures = deps.pictures;
    if (!pictures) return { outcome: null, textSent: false };
    const key = pictures.key(picture);
    const options = photoOptions(text, pictureCaption(picture));
    const sent = { outcome: null, textSent: text !== undefined };
    try {
      const fileId = await pictures.telegramFileId(key);
      if (fileId) {
        try {
          await deps.api.sendPhoto(Number(chatId), fileId, options);
          deps.metrics.sent.inc();
          return sent;
        } catch (error) {
          // 400: the id does not work (another bot token, a purged file): upload it again below.
          if (!(error instanceof GrammyError) || error.error_code !== 400) throw error;
          log.warn({ error: describe(error) }, "schedule picture file_id refused; uploading again");
        }
      }
      const png = await pictures.png(picture);
      if (!png) {
        log.warn(
          { queue: picture.queue },
          "schedule picture cannot be drawn (its version is gone); text only",
        );
        return { outcome: null, textSent: false };
      }
      const message = await deps.api.sendPhoto(
        Number(chatId),
        new InputFile(png, `schedule-${key}.png`),
        options,
      );
      deps.metrics.sent.inc();
      const largest = message.photo.at(-1);
      if (largest) await pictures.rememberTelegramFileId(key, largest.file_id);
      return sent;
    } catch (error) {
      if (error instanceof GrammyError && error.error_code === 403) {
        return { outcome: { kind: "unreachable", reason: "blocked" }, textSent: false };
      }
      // Also a database outage: the reply was handled and committed, so its text must still go out.
      log.warn({ error: describe(error), queue: picture.queue }, "schedule picture not sent; text only");
      return { outcome: null, textSent: false };
    }
  }

  /** A photo the company shares (Reply.photo), or null when it is gone or cannot be read now. */
  async function sharedPhoto(id: string): Promise<SharedPhoto | null> {
    if (!deps.photos) return null;
    try {
      const found = await deps.photos.photo(id);
      if (!found) log.warn({ photoId: id }, "shared photo not found; text only");
      return found;
    } catch (error) {
      // Also a database outage: the notification is sent anyway, saying the photo cannot be shown.
      log.warn({ error: describe(error), photoId: id }, "shared photo not readable; text only");
      return null;
    }
  }

  /** Sends rendered messages in order; stops at the first one that cannot be delivered. */
  async function deliver(chatId: bigint, replies: Reply[], options: SendOptions = {}): Promise<SendOutcome> {
    const paid = options.paidBroadcast ?? false;
    let rendered: { reply: Reply; messages: SendMessageParams[] }[];
    try {
      rendered = replies.map((reply) => ({ reply, messages: renderReply(chatId, reply) }));
    } catch (error) {
      if (!(error instanceof RenderError)) throw error;
      log.error({ err: error }, "reply cannot be rendered for Telegram");
      deps.metrics.failed.inc({ reason: "rejected" }, replies.length);
      return { kind: "failed", error: error.message };
    }
    const total = rendered.reduce((sum, entry) => sum + entry.messages.length, 0);
    let waitedMs = 0;
    let sent = 0;

    /** One call under the retry policy, within the send's total delay budget. */
    async function retried(call: () => Promise<unknown>): Promise<Exclude<AttemptResult, { kind: "retry" }>> {
      for (let attemptNo = 1; ; attemptNo += 1) {
        const result = await attempt(call, attemptNo);
        if (result.kind !== "retry") return result;
        const budgetLeft = policy.maxTotalDelayMs - waitedMs;
        const giveUp = result.reason === "rate_limited" && options.rateLimitedNow;
        if (giveUp || attemptNo >= policy.maxAttempts || result.delayMs > budgetLeft) {
          log.warn(
            { reason: result.reason, attempts: attemptNo, sent, error: result.error },
            "Telegram send given up",
          );
          return {
            kind: "final",
            reason: result.reason,
            outcome:
              result.reason === "rate_limited"
                ? { kind: "rate_limited", retryAfterMs: result.delayMs }
                : { kind: "failed", error: result.error },
          };
        }
        deps.metrics.retried.inc({ reason: result.reason });
        log.debug(
          { reason: result.reason, delayMs: result.delayMs, attempt: attemptNo },
          "Telegram send retried",
        );
        await sleep(result.delayMs);
        waitedMs += result.delayMs;
      }
    }

    for (const { reply, messages } of rendered) {
      let textMessages = messages;
      const [only] = messages;
      const captionable =
        messages.length === 1 && only !== undefined && reply.text.length <= TELEGRAM_CAPTION_LIMIT
          ? only
          : undefined;
      if (reply.picture) {
        const picture = await sendPicture(chatId, reply.picture, captionable);
        if (picture.outcome) {
          deps.metrics.failed.inc({ reason: "blocked" }, total - sent);
          return picture.outcome;
        }
        if (picture.textSent) {
          sent += 1;
          textMessages = [];
        }
      } else if (reply.photo) {
        const photo = reply.photo;
        const found = await sharedPhoto(photo.id);
        const result = found
          ? await retried(() =>
              deps.api.sendPhoto(
                Number(chatId),
                new InputFile(found.bytes, `photo-${photo.id}`),
                photoOptions(captionable, photo.alt),
              ),
            )
          : undefined;
        if (result?.kind === "sent") {
          deps.metrics.sent.inc();
          if (captionable) {
            sent += 1;
            textMessages = [];
          }
        } else if (result === undefined || result.reason === "rejected") {
          // Gone, or refused by Telegram (not an image it takes): the text says so instead.
          if (result) log.warn({ photoId: photo.id, reason: result.reason }, "photo not sent; text only");
          textMessages = renderReply(chatId, withoutPhoto(reply, photo));
        } else {
          deps.metrics.failed.inc({ reason: result.reason }, total - sent);
          return result.outcome;
        }
      }
      for (const params of textMessages) {
        const { chat_id, text, ...other } = params;
        const result = await retried(() =>
          deps.api.sendMessage(chat_id, text, paid ? { ...other, allow_paid_broadcast: true } : other),
        );
        if (result.kind === "final") {
          deps.metrics.failed.inc({ reason: result.reason }, total - sent);
          return result.outcome;
        }
        deps.metrics.sent.inc();
        sent += 1;
      }
    }
    return { kind: "sent", messages: sent };
  }

  return {
    channel: "telegram",
    async send(address: Address, replies: Reply[], options?: SendOptions): Promise<SendOutcome> {
      const chatId = chatIdFromAddress(address);
      if (chatId === undefined) return { kind: "failed", error: `not a Telegram address: ${address}` };
      if (replies.length === 0) return { kind: "sent", messages: 0 };
      const outcome = await deliver(chatId, replies, options);
      if (outcome.kind === "unreachable") {
        // Telegram says the person blocked the bot or deleted their account: stop talking to them
        // until a my_chat_member "member" update says they are back.
        await deps.userStatus.setStatus(address, "blocked");
        log.info({ address }, "Telegram user unreachable, marked blocked");
      }
      return outcome;
    },
    async sendToChat(chatId: bigint, replies: Reply[]): Promise<SendOutcome> {
      if (replies.length === 0) return { kind: "sent", messages: 0 };
      return deliver(chatId, replies);
    },
  };
}
