// Fan-out delivery lanes. Per channel a free lane (the platform's shared rate key) and, for Telegram
// when paid broadcasts are configured, a paid lane (its own key, `telegram:paid`, and the daily
// budget). A lane loops: claim a small batch (urgent before bulk: the claim orders by priority, so an
// urgent fan-out overtakes a running bulk one at the next batch), reserve as many consecutive rate
// slots in one statement, and start each send at its slot; outcomes are buffered and written in one
// statement every flushIntervalMs (retried until the database answers). Batches span about
// batchSpanMs of the lane's rate and a lane keeps at most leadMs of sends scheduled, so urgent work
// waits well under a second behind bulk work in the same lane.
import type { Logger } from "pino";
import type { ChannelSender, SendOutcome } from "../channels/channel.js";
import type { ChannelName } from "../engine/events.js";
import { renderNotification } from "../engine/notify-render.js";
import type { Reply } from "../engine/replies.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { platformKey } from "./delivery.js";
import {
  claimBatch,
  claimPaidBatch,
  finishFanouts,
  sweepLostSends,
  writeOutcomes,
  type ClaimedRow,
  type Outcome,
} from "./fanout-store.js";
import type { OutboundMetrics } from "./outbound-metrics.js";
import {
  defaultFanoutSettings,
  PACING_HEADROOM,
  type FanoutSettings,
  type OutboundSettings,
} from "./outbound-settings.js";
import { markUnreachable } from "./outbound-store.js";
import type { RateLimit, RateLimiter } from "./rate-limiter.js";

export const PAID_RATE_KEY = "telegram:paid";
const VIBER_FREE_WINDOW_MS = 24 * 3_600_000;

/**
 * How late a send may start after its slot before it gives the slot up. Pacing at PACING_HEADROOM of
 * the platform's limit leaves (1 / headroom - 1) of a second per second for lateness, minus one
 * interval for where the window falls; half of that is for timers, half for network jitter: 9 ms at
 * 28.5/s, 25 ms at 950/s.
 */
export function lateToleranceMs(perSecond: number): number {
  return Math.max(2, (1 / PACING_HEADROOM - 1 - 1 / perSecond) * 500);
}

/**
 * The Telegram sender's options (others ignore them): allow_paid_broadcast, and a 429 answered at
 * once so the lane pauses instead of the sender retrying outside the lane's slots.
 */
type LaneSender = ChannelSender & {
  send(
    address: string,
    replies: Reply[],
    options?: { paidBroadcast?: boolean; rateLimitedNow?: boolean },
  ): Promise<SendOutcome>;
};

export interface FanoutLaneDeps {
  prisma: PrismaClient;
  senders: Partial<Record<ChannelName, ChannelSender>>;
  limiter: RateLimiter;
  logger: Logger;
  metrics: OutboundMetrics;
  settings: OutboundSettings;
}

interface Lane {
  name: string;
  channel: ChannelName;
  paid: boolean;
  rateKey: string;
  limit?: RateLimit;
  /** Local time before which nothing new starts (a 429 seen by this instance). */
  pausedUntil: number;
  /** Local time the last scheduled send of this lane starts. */
  scheduledUntil: number;
  inFlight: Set<Promise<void>>;
}

export function resolveFanoutSettings(settings: OutboundSettings): FanoutSettings {
  const defaults = defaultFanoutSettings();
  return { ...defaults, ...settings.fanout, paid: { ...defaults.paid, ...settings.fanout?.paid } };
}

/** Whether a fan-out asking for paid broadcast gets it under the configuration. */
export function paidAllowed(settings: FanoutSettings, priority: "urgent" | "bulk", asked: boolean): boolean {
  if (!asked || settings.paid.dailyBudget <= 0) return false;
  return settings.paid.mode === "all" || (settings.paid.mode === "urgent" && priority === "urgent");
}

async function withTimeout(promise: Promise<SendOutcome>, ms: number): Promise<SendOutcome | "timeout"> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function createFanoutLanes(deps: FanoutLaneDeps) {
  const { prisma, limiter, metrics, settings } = deps;
  const log = deps.logger.child({ component: "fanout" });
  const fs = resolveFanoutSettings(settings);
  const q = settings.queue;
  const maxAheadMs = fs.leadMs + 1_000;
  /** Longer than any live attempt: claim-to-slot wait, the send and its timeout, and the flushes. */
  const staleMs = maxAheadMs + fs.leadMs + q.sendTimeoutMs + 10 * fs.flushIntervalMs + 5_000;
  const count = (channel: ChannelName, outcome: string) => metrics.outcomes.inc({ channel, outcome });

  let running = false;
  let pending: Outcome[] = [];
  const loops: Promise<void>[] = [];
  const wakers = new Set<() => void>();
  let flushTimer: NodeJS.Timeout | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();
  /**
   * While the paid lane has budget, the free Telegram lane leaves paid rows to it (both lanes at once
   * would exceed the platform's total); once it is spent (or when this instance has no paid lane),
   * the free lane takes them at the free rate.
   */
  let paidBudgetLeft = 0;

  const lanes: Lane[] = [];
  for (const channel of ["telegram", "viber", "web"] as ChannelName[]) {
    if (!deps.senders[channel]) continue;
    const base = { pausedUntil: 0, scheduledUntil: 0, inFlight: new Set<Promise<void>>() };
    lanes.push({
      ...base,
      name: channel,
      channel,
      paid: false,
      rateKey: platformKey(channel),
      limit: settings.platformLimits[channel],
    });
    if (channel === "telegram" && fs.paid.mode !== "off" && fs.paid.dailyBudget > 0) {
      lanes.push({
        ...base,
        inFlight: new Set(),
        name: "telegram-paid",
        channel,
        paid: true,
        rateKey: PAID_RATE_KEY,
        limit: { perSecond: fs.paid.perSecond },
      });
    }
  }

  function nap(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(1, ms));
      wakers.add(wake);
    });
  }
  const wakeAll = () => [...wakers].forEach((w) => w());

  function record(outcome: Outcome): void {
    pending.push(outcome);
  }

  async function flush(): Promise<void> {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      await writeOutcomes(prisma, batch);
    } catch (error) {
      // The database is away (a restart): keep them; the rows stay `sending` meanwhile, so nobody
      // else sends them, and they are written when it is back.
      pending = batch.concat(pending);
      log.warn({ err: error, outcomes: batch.length }, "fan-out outcomes not written yet; retrying");
    }
  }
  const flushSoon = () => (flushing = flushing.then(flush));

  /** Policies before a send: the user still active, Viber's free window, a renderable message. */
  function prepare(lane: Lane, row: ClaimedRow): Reply | undefined {
    const now = Date.now();
    if (row.userStatus !== "active") {
      record({ id: row.id, state: "dropped", at: now, error: `user ${row.userStatus}` });
      count(lane.channel, "dropped");
      return undefined;
    }
    if (
      lane.channel === "viber" &&
      settings.reminders.viberSkipOutsideFreeWindow &&
      (row.lastInboundAt === null || now - row.lastInboundAt.getTime() > VIBER_FREE_WINDOW_MS)
    ) {
      record({ id: row.id, state: "skipped", at: now, error: "viber: outside the free 24 h window" });
      count(lane.channel, "skipped");
      return undefined;
    }
    try {
      return renderNotification(row.language, row.notification);
    } catch (error) {
      record({ id: row.id, state: "dead", at: now, error: `render: ${String(error)}` });
      count(lane.channel, "dead");
      return undefined;
    }
  }

  async function sendOne(
    lane: Lane,
    row: ClaimedRow,
    reply: Reply,
    slot: number,
    latestStart: number,
  ): Promise<void> {
    // Timers may fire a little early (libuv counts from the loop's cached time): never before the slot.
    while (Date.now() < slot) await new Promise((r) => setTimeout(r, slot - Date.now()));
    const now = Date.now();
    if (!running || now > latestStart || now < lane.pausedUntil) {
      // Woke too late (busy event loop) or the platform said "too many": nothing was sent; the row
      // goes back to the queue and takes a fresh slot.
      record({ id: row.id, state: "queued", at: now });
      count(lane.channel, now > latestStart ? "missed_slot" : "deferred");
      return;
    }
    const sender = deps.senders[lane.channel] as LaneSender;
    let outcome: SendOutcome | "timeout";
    try {
      outcome = await withTimeout(
        sender.send(row.address, [reply], { paidBroadcast: lane.paid, rateLimitedNow: true }),
        q.sendTimeoutMs,
      );
    } catch (error) {
      outcome = { kind: "failed", error: error instanceof Error ? error.message : String(error) };
    }
    const at = Date.now();
    if (outcome === "timeout") {
      record({ id: row.id, state: "uncertain", at, error: `send took longer than ${q.sendTimeoutMs} ms` });
      count(lane.channel, "uncertain");
      return;
    }
    switch (outcome.kind) {
      case "sent":
        record({ id: row.id, state: "sent", at });
        count(lane.channel, "sent");
        if (lane.paid) metrics.paidBroadcasts.inc();
        if (
          lane.channel === "viber" &&
          (row.lastInboundAt === null || at - row.lastInboundAt.getTime() > VIBER_FREE_WINDOW_MS)
        )
          metrics.viberOutsideFreeWindow.inc({ kind: row.kind });
        return;
      case "unreachable":
        count(lane.channel, "unreachable");
        try {
          // Marks the user and drops this and their other queued messages (fan-out or not).
          await markUnreachable(prisma, { id: row.id, userId: row.userId }, outcome.reason);
        } catch {
          record({ id: row.id, state: "dropped", at, error: `user ${outcome.reason}` });
        }
        return;
      case "rate_limited":
        // Slow down, never drop: back to the queue, and the lane's key paused for every instance.
        lane.pausedUntil = Math.max(lane.pausedUntil, at + outcome.retryAfterMs);
        record({ id: row.id, state: "queued", at, error: "rate limited" });
        count(lane.channel, "rate_limited");
        await limiter.pause(lane.rateKey, outcome.retryAfterMs).catch(() => undefined);
        log.warn(
          { lane: lane.name, retryAfterMs: outcome.retryAfterMs },
          "fan-out lane rate limited: pausing",
        );
        return;
      case "failed":
        if (row.attempts > q.retryLimit) {
          record({ id: row.id, state: "dead", at, error: outcome.error });
          count(lane.channel, "dead");
        } else {
          record({
            id: row.id,
            state: "queued",
            at,
            error: outcome.error,
            notBefore: at + fs.retryDelayMs * 2 ** (row.attempts - 1),
          });
          count(lane.channel, "failed");
        }
        return;
    }
  }

  function batchSize(lane: Lane): number {
    const span = lane.limit ? Math.ceil((lane.limit.perSecond * fs.batchSpanMs) / 1000) : fs.batchSize;
    return Math.max(1, Math.min(fs.batchSize, span, fs.maxInFlight - lane.inFlight.size));
  }

  async function runLane(lane: Lane): Promise<void> {
    while (running) {
      try {
        const now = Date.now();
        if (lane.scheduledUntil - now > fs.leadMs) {
          await nap(lane.scheduledUntil - now - fs.leadMs);
          continue;
        }
        if (lane.pausedUntil > now) {
          await nap(lane.pausedUntil - now);
          continue;
        }
        if (lane.inFlight.size >= fs.maxInFlight) {
          await Promise.race(lane.inFlight);
          continue;
        }
        const want = batchSize(lane);
        let rows: ClaimedRow[];
        if (lane.paid) {
          const claimed = await claimPaidBatch(prisma, want, fs.paid.dailyBudget);
          paidBudgetLeft = claimed.left;
          rows = claimed.rows;
        } else {
          const scope = lane.channel === "telegram" && paidBudgetLeft > 0 ? "unpaid" : "all";
          rows = await claimBatch(prisma, lane.channel, want, scope);
        }
        if (rows.length === 0) {
          await nap(q.pollIntervalMs);
          continue;
        }
        const ready: { row: ClaimedRow; reply: Reply }[] = [];
        for (const row of rows) {
          const reply = prepare(lane, row);
          if (reply) ready.push({ row, reply });
        }
        if (ready.length === 0) continue;
        let waitMs = 0;
        let intervalMs = 0;
        if (lane.limit) {
          const r = await limiter.reserveMany(lane.rateKey, lane.limit, ready.length, maxAheadMs);
          if (r.granted === 0) {
            for (const { row } of ready) record({ id: row.id, state: "queued", at: Date.now() });
            void flushSoon();
            await nap(r.waitMs);
            continue;
          }
          waitMs = r.waitMs;
          intervalMs = r.intervalMs;
        }
        // Never before the lane's previous batch ends: a reservation answered late (busy process or
        // database) must not pull this batch's first sends onto the previous batch's last ones.
        const t0 = Math.max(Date.now() + waitMs, lane.scheduledUntil);
        const tolerance = lane.limit ? lateToleranceMs(lane.limit.perSecond) : Number.POSITIVE_INFINITY;
        ready.forEach(({ row, reply }, i) => {
          const slot = t0 + i * intervalMs;
          const p: Promise<void> = new Promise<void>((resolve) =>
            setTimeout(resolve, Math.max(0, slot - Date.now())),
          )
            .then(() => sendOne(lane, row, reply, slot, slot + tolerance))
            .catch((error: unknown) => log.error({ err: error }, "fan-out send crashed"))
            .finally(() => lane.inFlight.delete(p));
          lane.inFlight.add(p);
        });
        lane.scheduledUntil = t0 + ready.length * intervalMs;
      } catch (error) {
        // Database trouble: whatever was claimed is recorded or stays `sending` (never re-sent).
        log.error({ err: error, lane: lane.name }, "fan-out lane step failed");
        await nap(1_000);
      }
    }
  }

  async function sweep(): Promise<void> {
    try {
      const lost = await sweepLostSends(prisma, staleMs);
      if (lost > 0) {
        metrics.fanoutLost.inc(lost);
        log.warn({ lost }, "fan-out messages lost mid-send by a dead process: uncertain, not re-sent");
      }
      await finishFanouts(prisma);
    } catch (error) {
      log.warn({ err: error }, "fan-out sweep failed");
    }
  }

  return {
    lanes: lanes.map((l) => l.name),
    start() {
      if (running || lanes.length === 0) return;
      running = true;
      // Until the paid lane's first claim says otherwise, assume the budget is there.
      paidBudgetLeft = lanes.some((l) => l.paid) ? fs.paid.dailyBudget : 0;
      for (const lane of lanes) loops.push(runLane(lane));
      flushTimer = setInterval(() => void flushSoon(), fs.flushIntervalMs);
      sweepTimer = setInterval(() => void sweep(), Math.max(500, Math.min(2_000, staleMs / 4)));
    },
    /** A fan-out was just started here: claim now instead of at the next poll. */
    poke: wakeAll,
    async stop() {
      if (!running) return;
      running = false;
      wakeAll();
      await Promise.all(loops);
      loops.length = 0;
      // Scheduled sends not yet started go back to the queue (sendOne sees !running).
      await Promise.allSettled(lanes.flatMap((l) => [...l.inFlight]));
      clearInterval(flushTimer);
      clearInterval(sweepTimer);
      for (let attempt = 0; attempt < 20 && pending.length > 0; attempt++) {
        await flushSoon();
        if (pending.length > 0) await new Promise((r) => setTimeout(r, 250));
      }
      await sweep();
    },
  };
}
