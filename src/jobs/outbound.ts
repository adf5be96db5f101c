// The outbound queue: every proactive message (status notifications, outage news, reading reminders)
// goes through pg-boss jobs in Postgres, paced by shared per-platform rate limits and delivered at most
// once. main.ts wires createOutbound(...) and hands `notifier` to the producers.
import { setMaxListeners } from "node:events";
import PgBoss from "pg-boss";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { ChannelSender } from "../channels/channel.js";
import type { ChannelName } from "../engine/events.js";
import type { Notifier } from "../engine/notifications.js";
import { COMPANY_TIME_ZONE } from "../engine/reading-window.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { createDelivery, createQueuePump } from "./delivery.js";
import { createFanoutLanes, paidAllowed, resolveFanoutSettings } from "./fanout.js";
import {
  cancelFanout,
  fanoutProgress,
  insertFanout,
  paidBudgetLeft,
  type FanoutProgress,
  insertFanoutIn,
  type FanoutRequest,
  type FanoutStarted,
  type FanoutTx,
} from "./fanout-store.js";
import { createOutboundMetrics, registerFanoutGauges } from "./outbound-metrics.js";
import { defaultScheduleNoticeSettings, type OutboundSettings } from "./outbound-settings.js";
import {
  countByState,
  DEAD_LETTER_QUEUE,
  enqueueMessages,
  queueFor,
  type EnqueueItem,
  type OutboundJobData,
  type Tx,
} from "./outbound-store.js";
import { createRateLimiter } from "./rate-limiter.js";
import {
  campaignCompleted,
  runReminderCampaign,
  type CampaignOptions,
  type CampaignResult,
} from "./reminder-campaign.js";
import { dueReminder } from "./reminder-schedule.js";
import { quietHoursEnd } from "./quiet-hours.js";
import { createScheduleNotices, type NoticeTickReport } from "./schedule-notices.js";

export const REMINDER_TICK_QUEUE = "reminders-tick";
export const SCHEDULE_NOTICE_TICK_QUEUE = "schedule-notices-tick";
const CHANNELS: ChannelName[] = ["telegram", "viber", "web"];

export interface OutboundDeps {
  prisma: PrismaClient;
  /** pg-boss keeps its own small pool on this database (its schema: pgboss). */
  databaseUrl: string;
  /** Senders of the configured channels; messages for a channel without one wait in its queue. */
  senders: Partial<Record<ChannelName, ChannelSender>>;
  logger: Logger;
  metrics: { registry: Registry };
  settings: OutboundSettings;
  /** Time source (tests pin it); the rate limiter always uses the database clock. */
  now?: () => Date;
}

export interface StartOptions {
  /** Run delivery workers (default true; the reminders script only enqueues). */
  deliver?: boolean;
  /**
   * Schedule the reminder tick. Default: settings.reminders.enabled, and when that is false the
   * cluster's schedule is removed. false: neither schedule nor unschedule (scripts, tests).
   */
  schedule?: boolean;
  /**
   * Schedule the schedule notices' planner tick. Default: settings.scheduleNotices.enabled (false
   * there removes the cluster's schedule) unless `schedule` is false, which leaves it alone.
   */
  scheduleNotices?: boolean;
}

export interface Outbound {
  /** Enqueues in its own transaction: durable once notify() resolves. */
  notifier: Notifier;
  /** Enqueues inside the caller's Prisma transaction: the messages exist iff the caller commits. */
  notifyInTransaction(tx: Tx, items: EnqueueItem[]): Promise<number>;
  start(options?: StartOptions): Promise<void>;
  stop(): Promise<void>;
  runReminderCampaign(options: CampaignOptions): Promise<CampaignResult>;
  /** One scheduler tick: runs the reminder campaign due now unless it already completed. */
  tick(): Promise<CampaignResult | undefined>;
  /** Resolves when no message created since `since` is queued or sending (benchmark, tests). */
  waitUntilDrained(options?: {
    since?: Date;
    timeoutMs?: number;
    pollMs?: number;
  }): Promise<Record<string, number>>;
  /** Bulk notifications to many users (fanout.ts); delivered by the lanes start() runs. */
  fanout: FanoutApi;
  /** The schedule notices' planner (schedule-notices.ts); tick() runs one planning pass now. */
  scheduleNotices: { tick(at?: Date): Promise<NoticeTickReport> };
  /** Messages per state created since `since`. */
  stats(since?: Date): Promise<Record<string, number>>;
  /**
   * For the benchmark: states of the messages created since `since`, and the sustained send rate
   * (sent messages over the span between the first and the last send, by their database timestamps).
   */
  deliveryReport(since: Date): Promise<DeliveryReport>;
}

export interface FanoutApi {
  /**
   * Creates a fan-out: one INSERT ... SELECT of every recipient of `audienceSql` in one transaction.
   * Idempotent per key (a repeated start adds nothing, whatever restarts or instances). Durable when
   * it resolves; the lanes of every instance deliver it, urgent fan-outs before bulk ones. With `tx`,
   * inside the caller's transaction: the fan-out exists iff the caller commits.
   */
  start(request: FanoutRequest, tx?: FanoutTx): Promise<FanoutStarted>;
  progress(key: string): Promise<FanoutProgress | undefined>;
  list(limit?: number): Promise<FanoutProgress[]>;
  /** Skips what is still queued of a fan-out (a superseded notice); returns how many. */
  cancel(key: string): Promise<number>;
}

export interface DeliveryReport {
  states: Record<string, number>;
  sent: number;
  firstSentAt: Date | null;
  lastSentAt: Date | null;
  sentPerSecond: number | null;
}

export function createOutbound(deps: OutboundDeps): Outbound {
  const { prisma, logger, settings } = deps;
  const log = logger.child({ component: "outbound" });
  const now = deps.now ?? (() => new Date());
  const metrics = createOutboundMetrics(deps.metrics.registry);
  const limiter = createRateLimiter(prisma);
  const q = settings.queue;
  const jobDefaults = {
    retryLimit: q.retryLimit,
    retryDelaySeconds: q.retryDelaySeconds,
    expireInSeconds: q.expireInSeconds,
  };
  let boss: PgBoss | undefined;
  let pumps: ReturnType<typeof createQueuePump>[] = [];
  const fanoutSettings = resolveFanoutSettings(settings);
  let lanes: ReturnType<typeof createFanoutLanes> | undefined;
  const paidOn = fanoutSettings.paid.mode !== "off" && fanoutSettings.paid.dailyBudget > 0;
  registerFanoutGauges(deps.metrics.registry, {
    progress: () => fanoutProgress(prisma, { limit: 200, finishedWithinMs: 10 * 60_000 }),
    paidBudgetLeft: async () =>
      paidOn ? paidBudgetLeft(prisma, fanoutSettings.paid.dailyBudget) : undefined,
  });
  const fanout: FanoutApi = {
    async start(request, tx) {
      const paid = paidAllowed(fanoutSettings, request.priority, request.paid ?? false);
      const started = tx
        ? await insertFanoutIn(tx, request, paid)
        : await insertFanout(prisma, request, paid);
      lanes?.poke();
      log.info(started, started.created ? "fan-out created" : "fan-out already exists; nothing added");
      return started;
    },
    async progress(key) {
      return (await fanoutProgress(prisma, { key }))[0];
    },
    list: (limit) => fanoutProgress(prisma, { limit }),
    async cancel(key) {
      const skipped = await cancelFanout(prisma, key);
      log.info({ key, skipped }, "fan-out cancelled");
      return skipped;
    },
  };
  let stopping = new AbortController();
  const noticeSettings = { ...defaultScheduleNoticeSettings(), ...settings.scheduleNotices };
  const scheduleNotices = createScheduleNotices({
    prisma,
    fanout,
    logger: log,
    quietHours: settings.reminders.quietHours,
    settings: noticeSettings,
    now,
    onPlanned: (kind, messages) => metrics.scheduleNotices.inc({ kind }, messages),
  });

  function requireBoss(): PgBoss {
    if (!boss) throw new Error("the outbound queue is not started");
    return boss;
  }

  async function enqueue(tx: Tx, items: EnqueueItem[]): Promise<number> {
    if (items.length === 0) return 0;
    const at = now();
    const end = settings.quietHoursForNotifications ? quietHoursEnd(at, settings.reminders.quietHours) : at;
    const created = await enqueueMessages(requireBoss(), tx, items, {
      quietHours: settings.quietHoursForNotifications,
      startAfter: end > at ? end : undefined,
      defaults: jobDefaults,
    });
    return created.length;
  }

  const notifier: Notifier = {
    async notify(items) {
      const created = await prisma.$transaction((tx) => enqueue(tx, items));
      for (const pump of pumps) pump.poke();
      if (created < items.length)
        log.info({ requested: items.length, created }, "notifications for inactive users skipped");
    },
  };

  const campaign = (options: CampaignOptions) =>
    runReminderCampaign(
      {
        prisma,
        boss,
        quietHours: settings.reminders.quietHours,
        viberSkipOutsideFreeWindow: settings.reminders.viberSkipOutsideFreeWindow,
        batchSize: settings.reminders.batchSize,
        jobDefaults,
        now,
        onEnqueued: (channel, kind) => metrics.remindersEnqueued.inc({ channel, kind }),
      },
      options,
    );

  async function tick(): Promise<CampaignResult | undefined> {
    await limiter.prune("chat:", 10 * 60_000);
    const due = dueReminder(now(), settings.reminders);
    if (!due || (await campaignCompleted(prisma, due.period, due.kind))) return undefined;
    log.info(due, "reminder campaign starting");
    const result = await campaign({ period: due.period, kind: due.kind });
    log.info(
      { ...due, enqueued: result.enqueued, perChannel: result.perChannel },
      "reminder campaign enqueued",
    );
    return result;
  }

  return {
    notifier,
    notifyInTransaction: enqueue,
    tick,
    runReminderCampaign: campaign,
    fanout,
    scheduleNotices,

    async start(options = {}) {
      if (boss) return;
      const marginMs = Math.min(10_000, (q.expireInSeconds * 1000) / 4);
      if (q.sendTimeoutMs + marginMs >= q.expireInSeconds * 1000) {
        throw new Error("outbound settings: expireInSeconds must leave room for sendTimeoutMs plus a margin");
      }
      const instance = new PgBoss({
        connectionString: deps.databaseUrl,
        max: 4,
        application_name: "power-bot-outbound",
        maintenanceIntervalSeconds: q.maintenanceIntervalSeconds,
      });
      instance.on("error", (error) => log.error({ err: error }, "pg-boss error"));
      await instance.start();
      // Instances starting at the same moment on a fresh database can deadlock in pg-boss's queue
      // creation (40P01); creating a queue is idempotent, so the loser simply tries again.
      for (let attempt = 1; ; attempt++) {
        try {
          await instance.createQueue(DEAD_LETTER_QUEUE);
          for (const channel of CHANNELS) {
            await instance.createQueue(queueFor(channel), {
              name: queueFor(channel),
              retryLimit: q.retryLimit,
              retryDelay: q.retryDelaySeconds,
              retryBackoff: true,
              expireInSeconds: q.expireInSeconds,
              deadLetter: DEAD_LETTER_QUEUE,
            });
          }
          // "stately": at most one tick running and one waiting cluster-wide, so a long campaign never
          // overlaps the next minute's tick and ticks do not pile up behind it.
          await instance.createQueue(REMINDER_TICK_QUEUE, {
            name: REMINDER_TICK_QUEUE,
            policy: "stately",
            expireInSeconds: 1800,
            retryLimit: 0,
          });
          await instance.createQueue(SCHEDULE_NOTICE_TICK_QUEUE, {
            name: SCHEDULE_NOTICE_TICK_QUEUE,
            policy: "stately",
            expireInSeconds: 1800,
            retryLimit: 0,
          });
          break;
        } catch (error) {
          if ((error as { code?: string }).code !== "40P01" || attempt >= 5) throw error;
          log.warn({ attempt }, "deadlock while creating the outbound queues; retrying");
          await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.random() * 200));
        }
      }
      boss = instance;

      if (options.deliver ?? true) {
        stopping = new AbortController();
        // Every job in flight waits on this signal.
        setMaxListeners(0, stopping.signal);
        const delivery = createDelivery({
          prisma,
          boss,
          senders: deps.senders,
          limiter,
          logger: log,
          metrics,
          settings,
          now,
          stopping: stopping.signal,
        });
        pumps = CHANNELS.filter((c) => deps.senders[c]).map((channel) =>
          createQueuePump({
            boss: instance,
            queue: queueFor(channel),
            concurrency: q.concurrency,
            pollIntervalMs: q.pollIntervalMs,
            handle: delivery.deliver,
            logger: log,
          }),
        );
        for (const pump of pumps) pump.start();
        lanes = createFanoutLanes({ prisma, senders: deps.senders, limiter, logger: log, metrics, settings });
        lanes.start();
        await instance.work<OutboundJobData>(DEAD_LETTER_QUEUE, { batchSize: 20 }, async (jobs) => {
          for (const job of jobs) await delivery.settleDeadLetter(job);
        });
      }
      if (options.schedule ?? settings.reminders.enabled) {
        await instance.schedule(REMINDER_TICK_QUEUE, settings.tickCron, {}, { tz: COMPANY_TIME_ZONE });
        await instance.work(REMINDER_TICK_QUEUE, async () => {
          try {
            await tick();
          } catch (error) {
            log.error({ err: error }, "reminder tick failed");
            throw error;
          }
        });
      } else if (options.schedule === undefined) {
        // Reminders switched off in this deployment: stop the cluster's cron as well. (An explicit
        // schedule: false, as the reminders script passes, leaves the schedule alone.)
        await instance.unschedule(REMINDER_TICK_QUEUE);
      }
      if (options.schedule !== false && (options.scheduleNotices ?? noticeSettings.enabled)) {
        await instance.schedule(
          SCHEDULE_NOTICE_TICK_QUEUE,
          noticeSettings.cron,
          {},
          { tz: COMPANY_TIME_ZONE },
        );
        await instance.work(SCHEDULE_NOTICE_TICK_QUEUE, async () => {
          try {
            await scheduleNotices.tick();
          } catch (error) {
            log.error({ err: error }, "schedule notices tick failed");
            throw error;
          }
        });
      } else if (options.schedule === undefined && options.scheduleNotices === undefined) {
        await instance.unschedule(SCHEDULE_NOTICE_TICK_QUEUE);
      }
      log.info({ channels: CHANNELS.filter((c) => deps.senders[c]) }, "outbound queue started");
    },

    async stop() {
      const instance = boss;
      if (!instance) return;
      // Jobs waiting for a rate-limit slot hand their message to a fresh job (another instance takes
      // it at once) instead of holding the shutdown; sends already under way finish.
      stopping.abort();
      await Promise.all([...pumps.map((p) => p.stop()), lanes?.stop()]);
      pumps = [];
      lanes = undefined;
      await instance.stop({ graceful: true, wait: true, timeout: 10_000 });
      boss = undefined;
    },

    stats: (since) => countByState(prisma, since),

    async deliveryReport(since) {
      const states = await countByState(prisma, since);
      const [span] = await prisma.$queryRaw<{ n: number; first: Date | null; last: Date | null }[]>`
        SELECT count(*)::int AS n, min(finished_at) AS first, max(finished_at) AS last
          FROM outbound_message WHERE state = 'sent' AND created_at >= ${since}`;
      const seconds = span?.first && span.last ? (span.last.getTime() - span.first.getTime()) / 1000 : 0;
      return {
        states,
        sent: span?.n ?? 0,
        firstSentAt: span?.first ?? null,
        lastSentAt: span?.last ?? null,
        sentPerSecond: seconds > 0 ? ((span?.n ?? 1) - 1) / seconds : null,
      };
    },

    async waitUntilDrained(options = {}) {
      const deadline = Date.now() + (options.timeoutMs ?? 60_000);
      for (;;) {
        const counts = await countByState(prisma, options.since);
        if (!counts.queued && !counts.sending) return counts;
        if (Date.now() > deadline) throw new Error(`outbound not drained: ${JSON.stringify(counts)}`);
        await new Promise((r) => setTimeout(r, options.pollMs ?? 200));
      }
    },
  };
}
