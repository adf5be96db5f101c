// Delivers one outbound job: load its message, apply the policies (active user, quiet hours, Viber's
// free window), wait for a rate-limit slot, pass the never-twice gate, send, and record the outcome.
// Also the fetch loop that keeps `concurrency` jobs in flight per channel queue.
import type PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { ChannelSender, SendOutcome } from "../channels/channel.js";
import type { ChannelName } from "../engine/events.js";
import { renderNotification } from "../engine/notify-render.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import type { OutboundMetrics } from "./outbound-metrics.js";
import type { OutboundSettings } from "./outbound-settings.js";
import {
  claimForSending,
  deferMessage,
  finish,
  loadMessage,
  markUnreachable,
  queueFor,
  releaseToQueue,
  type MessageRow,
  type OutboundJobData,
} from "./outbound-store.js";
import { isQuiet, quietHoursEnd } from "./quiet-hours.js";
import type { RateLimiter } from "./rate-limiter.js";

const VIBER_FREE_WINDOW_MS = 24 * 3_600_000;
/** Time kept in reserve before pg-boss would expire the job, so a handler never outlives its job. */
const expiryMarginMs = (expireInSeconds: number) => Math.min(10_000, (expireInSeconds * 1000) / 4);

export interface DeliveryDeps {
  prisma: PrismaClient;
  boss: PgBoss;
  senders: Partial<Record<ChannelName, ChannelSender>>;
  limiter: RateLimiter;
  logger: Logger;
  metrics: OutboundMetrics;
  settings: OutboundSettings;
  now?: () => Date;
  /** Aborted when the instance stops: jobs waiting for a slot hand their message to a new job. */
  stopping?: AbortSignal;
}

/** What the fetch loop does with the job afterwards. */
export type JobVerdict = { complete: true } | { complete: false; error: string };

/** Sleeps, or returns early when the instance is stopping. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", wake);
      resolve();
    }, ms);
    signal?.addEventListener("abort", wake, { once: true });
  });
}

class SendTimeout extends Error {}

async function withTimeout(promise: Promise<SendOutcome>, ms: number): Promise<SendOutcome> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new SendTimeout(`send took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function platformKey(channel: ChannelName): string {
  return channel;
}
export function chatKey(address: string): string {
  return `chat:${address}`;
}

export function createDelivery(deps: DeliveryDeps) {
  const { prisma, boss, limiter, logger, metrics, settings } = deps;
  const now = deps.now ?? (() => new Date());
  const q = settings.queue;
  const jobDefaults = {
    retryLimit: q.retryLimit,
    retryDelaySeconds: q.retryDelaySeconds,
    expireInSeconds: q.expireInSeconds,
  };
  const marginMs = expiryMarginMs(q.expireInSeconds);
  const count = (channel: ChannelName, outcome: string) => metrics.outcomes.inc({ channel, outcome });

  /**
   * Waits for the platform's next slot; "defer" when the wait would outlive the job. `latestStart` is
   * the local time after which the slot counts as missed (one interval after it).
   */
  async function waitForPlatformSlot(
    message: MessageRow,
    deadline: number,
  ): Promise<{ go: true; latestStart: number } | { go: false; deferUntil: Date }> {
    const limit = settings.platformLimits[message.channel];
    if (deps.stopping?.aborted) return { go: false, deferUntil: new Date() };
    if (!limit) return { go: true, latestStart: Infinity };
    for (;;) {
      // The database computed the wait somewhere between asking and hearing back: counting it from the
      // moment we asked puts the slot no later than it really is, so the "missed" test errs on the safe side.
      const asked = Date.now();
      const reservation = await limiter.reserve(platformKey(message.channel), limit, q.maxReserveAheadMs);
      if (Date.now() + reservation.waitMs > deadline) {
        return { go: false, deferUntil: new Date(Date.now() + reservation.waitMs) };
      }
      const startAt = asked + reservation.waitMs;
      await sleep(reservation.waitMs, deps.stopping);
      if (deps.stopping?.aborted) return { go: false, deferUntil: new Date() };
      if (reservation.granted) return { go: true, latestStart: startAt + 1000 / limit.perSecond };
    }
  }

  async function defer(message: MessageRow, until: Date, why: string): Promise<JobVerdict> {
    await deferMessage(prisma, boss, message, until, jobDefaults);
    count(message.channel, "deferred");
    logger.debug({ messageId: message.id.toString(), until, why }, "outbound message deferred");
    return { complete: true };
  }

  async function deliver(job: PgBoss.JobWithMetadata<OutboundJobData>): Promise<JobVerdict> {
    // Waiting for a slot must end early enough for the send (up to sendTimeoutMs) to finish before
    // pg-boss would consider the job lost.
    const deadline = Date.now() + q.expireInSeconds * 1000 - marginMs - q.sendTimeoutMs;
    const messageId = BigInt(job.data.messageId);
    const log = logger.child({ messageId: job.data.messageId, jobId: job.id });
    for (;;) {
      const message = await loadMessage(prisma, messageId);
      if (!message) return { complete: true };
      // A deferral handed the message to a newer job: this one has nothing left to do.
      if (message.jobId !== null && message.jobId !== job.id) return { complete: true };
      if (message.state === "sending") {
        const age = message.sendingAt ? Date.now() - message.sendingAt.getTime() : Infinity;
        if (age < q.sendTimeoutMs + marginMs) {
          return { complete: false, error: "another attempt is sending this message" };
        }
        // An earlier attempt died between the gate and recording the result: it may have been
        // delivered, so it is never sent again.
        if (await finish(prisma, messageId, ["sending"], "uncertain", "attempt lost mid-send")) {
          count(message.channel, "uncertain");
          log.warn(
            { userId: message.userId },
            "outbound message uncertain after a lost attempt; not re-sent",
          );
        }
        return { complete: true };
      }
      if (message.state !== "queued") return { complete: true };

      const sender = deps.senders[message.channel];
      if (!sender) return { complete: false, error: `no sender for channel ${message.channel}` };
      if (message.userStatus !== "active") {
        if (await finish(prisma, messageId, ["queued"], "dropped", `user ${message.userStatus}`)) {
          count(message.channel, "dropped");
        }
        return { complete: true };
      }
      const at = now();
      if (message.quietHours && isQuiet(at, settings.reminders.quietHours)) {
        return defer(message, quietHoursEnd(at, settings.reminders.quietHours), "quiet hours");
      }
      const outsideViberWindow =
        message.channel === "viber" &&
        (message.lastInboundAt === null ||
          at.getTime() - message.lastInboundAt.getTime() > VIBER_FREE_WINDOW_MS);
      if (
        outsideViberWindow &&
        message.kind === "reading_reminder" &&
        settings.reminders.viberSkipOutsideFreeWindow
      ) {
        if (await finish(prisma, messageId, ["queued"], "skipped", "viber: outside the free 24 h window")) {
          count(message.channel, "skipped");
        }
        return { complete: true };
      }

      let reply;
      try {
        reply = renderNotification(message.language, message.notification);
      } catch (error) {
        // Rendering is deterministic: retrying cannot help.
        await finish(prisma, messageId, ["queued"], "dead", `render: ${String(error)}`);
        count(message.channel, "dead");
        log.error({ err: error }, "outbound message could not be rendered");
        return { complete: true };
      }

      // Platform slot first, then (in the gate's statement) the chat's slot: taking the chat slot at
      // the real send time keeps its spacing true however long the platform wait was. A busy chat,
      // which is rare, costs one platform slot.
      const slot = await waitForPlatformSlot(message, deadline);
      if (!slot.go) return defer(message, slot.deferUntil, "rate limit wait too long");
      if (Date.now() > slot.latestStart) {
        count(message.channel, "missed_slot"); // woke too late: see below; the chat slot stays free
        continue;
      }
      const chatLimit = settings.chatLimits[message.channel];
      const claim = await claimForSending(
        prisma,
        messageId,
        chatLimit ? { key: chatKey(message.address), intervalMs: 1000 / chatLimit.perSecond } : undefined,
      );
      if (claim.kind === "chat_busy") {
        if (Date.now() + claim.waitMs > deadline) {
          return defer(message, new Date(Date.now() + claim.waitMs), "chat rate limit");
        }
        await sleep(claim.waitMs, deps.stopping);
        if (deps.stopping?.aborted) return defer(message, new Date(), "instance stopping");
        continue;
      }
      if (claim.kind === "not_claimed") continue; // changed meanwhile: look again
      if (Date.now() > slot.latestStart) {
        // Woken too late (a busy event loop or database): sending now would crowd the next slots, so
        // give this one up and queue for a fresh one. Nothing was sent.
        await releaseToQueue(prisma, messageId);
        count(message.channel, "missed_slot");
        continue;
      }
      let outcome: SendOutcome;
      try {
        outcome = await withTimeout(sender.send(message.address, [reply]), q.sendTimeoutMs);
      } catch (error) {
        if (error instanceof SendTimeout) {
          await finish(prisma, messageId, ["sending"], "uncertain", error.message);
          count(message.channel, "uncertain");
          log.warn({ userId: message.userId }, "outbound send timed out; marked uncertain, not re-sent");
          return { complete: true };
        }
        outcome = { kind: "failed", error: error instanceof Error ? error.message : String(error) };
      }

      switch (outcome.kind) {
        case "sent":
          await finish(prisma, messageId, ["sending"], "sent");
          count(message.channel, "sent");
          if (outsideViberWindow) metrics.viberOutsideFreeWindow.inc({ kind: message.kind });
          return { complete: true };
        case "unreachable": {
          const others = await markUnreachable(prisma, message, outcome.reason);
          count(message.channel, "unreachable");
          for (const other of others) {
            await boss.cancel(queueFor(other.channel), other.jobId);
          }
          log.info(
            { userId: message.userId, reason: outcome.reason, dropped: others.length },
            "user unreachable",
          );
          return { complete: true };
        }
        case "rate_limited":
          await releaseToQueue(prisma, messageId, "rate limited");
          await deps.limiter.pause(platformKey(message.channel), outcome.retryAfterMs);
          count(message.channel, "rate_limited");
          log.warn(
            { channel: message.channel, retryAfterMs: outcome.retryAfterMs },
            "platform rate limit: pausing",
          );
          continue; // the next platform slot lies after the pause (or the message is deferred past it)
        case "failed": {
          const last = job.retryCount >= job.retryLimit;
          if (last) {
            await finish(prisma, messageId, ["sending"], "dead", outcome.error);
            count(message.channel, "dead");
            log.error(
              { userId: message.userId, error: outcome.error },
              "outbound message dead after every attempt",
            );
          } else {
            await releaseToQueue(prisma, messageId, outcome.error);
            count(message.channel, "failed");
            log.warn(
              { error: outcome.error, attempt: job.retryCount + 1 },
              "outbound send failed; will retry",
            );
          }
          return { complete: false, error: outcome.error };
        }
      }
    }
  }

  /**
   * Dead-letter jobs: pg-boss moves a job here when its last attempt failed, including attempts it
   * expired itself (a process that died, again and again). Settle the message so it never waits
   * forever: still queued -> dead; caught in sending -> uncertain.
   */
  async function settleDeadLetter(job: PgBoss.Job<OutboundJobData>): Promise<void> {
    const id = BigInt(job.data.messageId);
    const message = await loadMessage(prisma, id);
    if (!message) return;
    if (await finish(prisma, id, ["queued"], "dead", "attempts exhausted")) count(message.channel, "dead");
    else if (await finish(prisma, id, ["sending"], "uncertain", "attempts exhausted mid-send"))
      count(message.channel, "uncertain");
  }

  return { deliver, settleDeadLetter };
}

/**
 * Keeps up to `concurrency` jobs of one queue in flight, completing or failing each on its own (a batch
 * handler of pg-boss would complete or fail them together).
 */
export function createQueuePump(options: {
  boss: PgBoss;
  queue: string;
  concurrency: number;
  pollIntervalMs: number;
  handle: (job: PgBoss.JobWithMetadata<OutboundJobData>) => Promise<JobVerdict>;
  logger: Logger;
}) {
  const { boss, queue, concurrency, logger } = options;
  const inFlight = new Set<Promise<void>>();
  let running = false;
  let loop: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => {
      wake = undefined;
    });

  async function run(job: PgBoss.JobWithMetadata<OutboundJobData>): Promise<void> {
    try {
      const verdict = await options.handle(job);
      if (verdict.complete) await boss.complete(queue, job.id);
      else await boss.fail(queue, job.id, { message: verdict.error });
    } catch (error) {
      // Database trouble mid-job: leave the job to fail now (or expire) and be retried.
      logger.error({ err: error, jobId: job.id, queue }, "outbound job crashed");
      await boss.fail(queue, job.id, { message: String(error) }).catch(() => undefined);
    }
  }

  async function pump(): Promise<void> {
    while (running) {
      const free = concurrency - inFlight.size;
      // Refill in chunks, not one fetch per finished job.
      if (free < Math.max(1, Math.floor(concurrency / 4)) && inFlight.size > 0) {
        await Promise.race(inFlight);
        continue;
      }
      let jobs: PgBoss.JobWithMetadata<OutboundJobData>[] = [];
      try {
        jobs = await boss.fetch<OutboundJobData>(queue, { batchSize: free, includeMetadata: true });
      } catch (error) {
        logger.error({ err: error, queue }, "outbound fetch failed");
      }
      for (const job of jobs) {
        const p: Promise<void> = run(job).finally(() => {
          inFlight.delete(p);
          wake?.();
        });
        inFlight.add(p);
      }
      if (jobs.length === 0) await nap(options.pollIntervalMs);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = pump();
    },
    /** Wakes the loop now (a job was just enqueued by this process). */
    poke() {
      wake?.();
    },
    /** Stops fetching and waits for jobs in flight. */
    async stop() {
      running = false;
      wake?.();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
    get inFlight() {
      return inFlight.size;
    },
  };
}
