// `npm run bench -- fanout [--phase ceiling|free|paid|all]`: fan-out delivery (src/jobs/fanout.ts).
//   ceiling  in this process, a sender that answers at once, no rate limit: messages/s of the
//            per-message path (one pg-boss job each) vs the fan-out lanes, --ceiling-messages 5000
//   free     --free-recipients 10000 Telegram users, one bulk fan-out, the real service against a
//            fake Bot API answering 429 above 30 messages/s: rate, 429s, doubles
//   paid     --paid-recipients 200000 users, one bulk fan-out with paid broadcast, the fake enforcing
//            1,000 messages/s (and 30/s for unpaid ones); meanwhile every --urgent-every 15 s an
//            operator publishes an off period starting within half an hour for one of 40 queues of
//            100 subscribers each (lead 60 min) and the schedule notices' planner tick starts its
//            urgent "before outage" fan-out: time to enqueue, time to notify all, peak RSS, and each
//            warning's lateness (the tick to its last message accepted)
// The fan-outs are started from this process (its own outbound instance, not delivering); the service
// child delivers. Results in bench-results/fanout-<time>.json.
import { performance } from "node:perf_hooks";
import path from "node:path";
import pg from "pg";
import { pino } from "pino";
import { Registry } from "prom-client";
import type { ChannelSender } from "../../src/channels/channel.js";
import { createPrisma } from "../../src/db/client.js";
import { createOutbound, type Outbound } from "../../src/jobs/outbound.js";
import { publishDay } from "../../src/operator/schedules.js";
import { slotTime } from "../../src/schedules/kyiv-day.js";
import { nextSlotBoundary } from "../../test/helpers/schedules.js";
import { defaultQueueSettings, type OutboundSettings } from "../../src/jobs/outbound-settings.js";
import { startRateLimitedTelegram } from "./rate-limited-telegram.js";
import { spawnService } from "./spawn-service.js";

export interface FanoutBenchContext {
  option(name: string, fallback: string): string;
  createBenchDatabase(): Promise<{ url: string; drop(): Promise<void> }>;
  /** The service's environment for a database (the other fakes, secrets) minus Telegram's API root. */
  serviceEnv(databaseUrl: string): Promise<{ env: Record<string, string>; close(): Promise<void> }>;
  saveJson(name: string, data: unknown): Promise<string>;
  machine(): unknown;
  resultsDir: string;
  token: string;
}

const AUDIENCE = `
  SELECT u.id, jsonb_build_object('kind', 'known_outage_update', 'accountLabel', 'Дім', 'outageId', $3::int,
                                  'change', 'expected_end_changed', 'expectedEndAt', '2026-11-30T16:00:00Z')
    FROM messenger_user u WHERE u.id BETWEEN $1 AND $2`;
const CHAT_BASE = 910_000_000;

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** n Telegram users with chat ids CHAT_BASE + 1.. ; returns the id range. */
async function seedUsers(url: string, from: number, n: number): Promise<{ first: number; last: number }> {
  const [row] = await query<{ first: number; last: number }>(
    url,
    `WITH ins AS (
       INSERT INTO messenger_user (address, channel, telegram_chat_id, status, language, last_inbound_at, state, state_version, state_updated_at, created_at, updated_at)
       SELECT 'telegram:' || ($1::bigint + g), 'telegram', $1::bigint + g, 'active', 'uk', now(), '{}', 0, now(), now(), now()
         FROM generate_series($2::int, $3::int) g
       RETURNING id)
     SELECT min(id)::int AS first, max(id)::int AS last FROM ins`,
    [CHAT_BASE, from, from + n - 1],
  );
  return row!;
}

/** The queue of urgent group `g` ("70.1".."70.40"): its 100 users follow it with a 60-minute lead. */
const urgentQueue = (group: number) => `70.${group + 1}`;

/** Configures the urgent groups' queues and subscribes each group's users (night: any hour). */
async function subscribeUrgentGroups(
  url: string,
  first: number,
  groups: number,
  size: number,
): Promise<void> {
  await query(
    url,
    `INSERT INTO outage_queue (code, name, sort)
     SELECT '70.' || g, 'Черга 70.' || g, 7000 + g FROM generate_series(1, $1::int) g`,
    [groups],
  );
  await query(
    url,
    `INSERT INTO schedule_subscription (user_id, queue, lead_minutes, night, updated_at)
     SELECT u, '70.' || ((u - $1::int) / $2::int + 1), 60, true, now()
       FROM generate_series($1::int, $1::int + $2::int * $3::int - 1) u`,
    [first, size, groups],
  );
}

/** An outbound instance on `url` with benchmark settings (no reminders, no quiet hours). */
function instance(
  url: string,
  options: {
    senders?: Record<string, ChannelSender>;
    poolSize?: number;
    settings?: Partial<OutboundSettings>;
  } = {},
): { outbound: Outbound; close(): Promise<void> } {
  const prisma = createPrisma(url, { poolSize: options.poolSize ?? 4 });
  const outbound = createOutbound({
    prisma,
    databaseUrl: url,
    senders: options.senders ?? {},
    logger: pino({ level: "warn" }),
    metrics: { registry: new Registry() },
    settings: {
      reminders: {
        enabled: false,
        windowOpenTime: "10:00",
        lastDayTime: "10:00",
        quietHours: { from: "00:00", to: "00:00" },
        viberSkipOutsideFreeWindow: false,
        batchSize: 500,
      },
      quietHoursForNotifications: false,
      platformLimits: {},
      chatLimits: {},
      queue: { ...defaultQueueSettings(), pollIntervalMs: 100 },
      tickCron: "* * * * *",
      ...options.settings,
    },
  });
  return {
    outbound,
    close: async () => {
      await outbound.stop();
      await prisma.$disconnect();
    },
  };
}

/** The instance that starts fan-outs (it delivers nothing). */
const producer = (url: string, settings?: Partial<OutboundSettings>) => instance(url, { settings });

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024);

/** Per-message pg-boss jobs vs fan-out lanes, no rate limit, a sender that answers at once. */
async function ceiling(ctx: FanoutBenchContext) {
  const messages = Number(ctx.option("ceiling-messages", "5000"));
  const result: Record<string, unknown> = { messages };
  for (const path of ["per-message", "fanout"] as const) {
    const db = await ctx.createBenchDatabase();
    try {
      const users = await seedUsers(db.url, 1, messages);
      let sent = 0;
      const sender: ChannelSender = {
        channel: "telegram",
        send: async () => {
          sent += 1;
          return { kind: "sent", messages: 1 };
        },
      };
      const p = producer(db.url);
      await p.outbound.start({ deliver: false, schedule: false });
      const enqueueStart = performance.now();
      if (path === "fanout") {
        await p.outbound.fanout.start({
          key: "ceiling",
          priority: "bulk",
          audienceSql: AUDIENCE,
          params: [users.first, users.last, 1],
        });
      } else {
        for (let from = users.first; from <= users.last; from += 1000) {
          const items = [];
          for (let id = from; id < Math.min(from + 1000, users.last + 1); id++)
            items.push({
              userId: id,
              notification: {
                kind: "known_outage_update" as const,
                accountLabel: "Дім",
                outageId: 1,
                change: "expected_end_changed" as const,
              },
            });
          await p.outbound.notifier.notify(items);
        }
      }
      const enqueueSeconds = (performance.now() - enqueueStart) / 1000;
      await p.close();
      const worker = instance(db.url, { senders: { telegram: sender }, poolSize: 10 });
      const started = performance.now();
      await worker.outbound.start({ schedule: false });
      await worker.outbound.waitUntilDrained({ timeoutMs: 600_000, pollMs: 100 });
      const seconds = (performance.now() - started) / 1000;
      await worker.close();
      result[path] = {
        enqueueSeconds: Math.round(enqueueSeconds * 100) / 100,
        deliverSeconds: Math.round(seconds * 10) / 10,
        perSecond: Math.round(sent / seconds),
        sent,
      };
      console.log(`  ${path}: ${JSON.stringify(result[path])}`);
    } finally {
      await db.drop();
    }
  }
  return result;
}

/** The slowest full 10-second window between the first and the last arrival, per second. */
function slowestWindow(times: number[]): number | null {
  const first = times[0];
  const last = times.at(-1);
  if (first === undefined || last === undefined) return null;
  let slowest = Number.POSITIVE_INFINITY;
  let j = 0;
  let k = 0;
  for (let from = first; from + 10_000 <= last; from += 1_000) {
    while (j < times.length && times[j]! < from) j++;
    while (k < times.length && times[k]! < from + 10_000) k++;
    slowest = Math.min(slowest, (k - j) / 10);
  }
  return Number.isFinite(slowest) ? slowest : null;
}

async function delivery(ctx: FanoutBenchContext, kind: "free" | "paid") {
  const recipients = Number(ctx.option(`${kind}-recipients`, kind === "free" ? "10000" : "200000"));
  const urgentEveryS = Number(ctx.option("urgent-every", "15"));
  const urgentSize = 100;
  const urgentGroups = kind === "paid" ? 40 : 0;
  const db = await ctx.createBenchDatabase();
  const urgentStarted = new Map<number, number>();
  const urgentLast = new Map<number, number>();
  /** How long each planner tick took (it runs every minute in the service). */
  const tickMs: number[] = [];
  const chatGroup = (chat: number) => Math.floor((chat - CHAT_BASE - recipients - 1) / urgentSize);
  const telegram = await startRateLimitedTelegram({
    token: ctx.token,
    perSecond: 30,
    ...(kind === "paid" ? { paidPerSecond: 1000 } : {}),
    onAccepted: (chat, at) => {
      const n = Number(chat);
      if (n > CHAT_BASE + recipients) {
        const group = chatGroup(n);
        urgentLast.set(group, Math.max(urgentLast.get(group) ?? 0, at));
      }
    },
  });
  const base = await ctx.serviceEnv(db.url);
  try {
    const bulk = await seedUsers(db.url, 1, recipients);
    const urgent = urgentGroups
      ? await seedUsers(db.url, recipients + 1, urgentGroups * urgentSize)
      : undefined;
    if (urgent) await subscribeUrgentGroups(db.url, urgent.first, urgentGroups, urgentSize);
    const env = {
      ...base.env,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      LOG_LEVEL: "warn",
      TELEGRAM_PROACTIVE_PER_SECOND: "30",
      // The warnings are planned from this process; the service only delivers.
      SCHEDULE_NOTICES_ENABLED: "false",
      ...(kind === "paid"
        ? {
            TELEGRAM_PAID_BROADCAST: "all",
            TELEGRAM_PAID_BROADCAST_PER_SECOND: "1000",
            TELEGRAM_PAID_BROADCAST_DAILY_BUDGET: "1000000",
          }
        : {}),
    };
    const service = await spawnService({
      env,
      logFile: path.join(ctx.resultsDir, `service-fanout-${kind}.log`),
    });
    let servicePeak = 0;
    const sampler = setInterval(() => {
      void service.memory().then(
        (m) => (servicePeak = Math.max(servicePeak, m.peakRssMb)),
        () => undefined,
      );
    }, 1000);
    // The instance that starts fan-outs decides whether they may pay: it needs the service's settings.
    // Its planner plans the warnings only (no day notices: the debounce outlasts the run).
    const p = producer(db.url, {
      scheduleNotices: { debounceMs: 24 * 3_600_000 },
      ...(kind === "paid"
        ? { fanout: { paid: { mode: "all" as const, perSecond: 950, dailyBudget: 1_000_000 } } }
        : {}),
    });
    const prisma = createPrisma(db.url, { poolSize: 2 });
    try {
      await p.outbound.start({ deliver: false, schedule: false });
      const rssBefore = peakRssMb();
      const t0 = Date.now();
      const started = await p.outbound.fanout.start({
        key: `bench-${kind}`,
        priority: "bulk",
        paid: kind === "paid",
        audienceSql: AUDIENCE,
        params: [bulk.first, bulk.last, 1],
      });
      const enqueueSeconds = (Date.now() - t0) / 1000;
      // The enqueue's own memory: RSS right after it (the peak below also holds the fake Bot API).
      const rssAfterEnqueue = Math.round(process.memoryUsage().rss / 2 ** 20);
      console.log(`  ${kind}: ${started.total} messages enqueued in ${enqueueSeconds.toFixed(1)} s`);
      const total = recipients + urgentGroups * urgentSize;
      let group = 0;
      let nextUrgent = Date.now() + urgentEveryS * 1000;
      let last = -1;
      let stalledSince = Date.now();
      while (telegram.acceptedAt.length < total) {
        await new Promise((r) => setTimeout(r, 250));
        if (
          urgent &&
          group < urgentGroups &&
          Date.now() >= nextUrgent &&
          telegram.acceptedAt.length < recipients
        ) {
          // An off period starting at the next half hour (within 31 minutes): due for the
          // 60-minute subscribers at once; the planner's tick starts their warning.
          const slot = nextSlotBoundary(new Date());
          await publishDay(
            prisma,
            slot.date,
            {
              [urgentQueue(group)]: [
                { from: slotTime(slot.index), to: slotTime(slot.index + 1), state: "off" },
              ],
            },
            { source: "api", actor: "bench" },
          );
          urgentStarted.set(group, Date.now());
          const tickStart = performance.now();
          const report = await p.outbound.scheduleNotices.tick();
          tickMs.push(Math.round(performance.now() - tickStart));
          const warning = report.started.find((s) => s.kind === "before_off");
          if (warning?.total !== urgentSize)
            throw new Error(`planner started ${JSON.stringify(report.started)}`);
          group += 1;
          nextUrgent += urgentEveryS * 1000;
        }
        if (urgent && telegram.acceptedAt.length >= recipients && group < urgentGroups) break;
        const n = telegram.acceptedAt.length;
        if (n !== last) {
          if (
            Math.floor(n / 10_000) !== Math.floor(last / 10_000) ||
            (kind === "free" && n % 1000 < 10 && n !== last)
          )
            console.log(
              `    ${n} delivered, ${telegram.tooManyRequests} x 429, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
            );
          last = n;
          stalledSince = Date.now();
        } else if (Date.now() - stalledSince > 60_000) break;
      }
      // The urgent fan-outs started: wait for their messages too.
      const expected = recipients + group * urgentSize;
      const waitUntil = Date.now() + 60_000;
      while (telegram.acceptedAt.length < expected && Date.now() < waitUntil)
        await new Promise((r) => setTimeout(r, 250));
      clearInterval(sampler);
      const times = telegram.acceptedAt;
      const lastAt = times.at(-1) ?? t0;
      const counts = [...telegram.perChat.values()];
      const lateness = [...urgentStarted.entries()].map(([g, at]) => (urgentLast.get(g) ?? Number.NaN) - at);
      const sortedLateness = [...lateness].sort((a, b) => a - b);
      const [{ states }] = [
        {
          states: await query<{ state: string; n: number }>(
            db.url,
            "SELECT state::text, count(*)::int AS n FROM outbound_message GROUP BY state",
          ),
        },
      ];
      const result = {
        recipients,
        urgentFanouts: group,
        urgentSize,
        delivered: times.length,
        expected,
        uniqueChats: telegram.perChat.size,
        missing: expected - telegram.perChat.size,
        duplicates: counts.filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0),
        tooManyRequests: telegram.tooManyRequests,
        enqueueSeconds: Math.round(enqueueSeconds * 10) / 10,
        secondsToNotifyAll: Math.round((lastAt - t0) / 100) / 10,
        floorSeconds: kind === "paid" ? expected / 1000 : expected / 30,
        averageRate: Math.round(((times.length - 1) / ((lastAt - (times[0] ?? t0)) / 1000)) * 10) / 10,
        slowest10sWindowRate: slowestWindow(times),
        urgentLatenessMs: {
          max: sortedLateness.at(-1) ?? null,
          median: sortedLateness[Math.floor(sortedLateness.length / 2)] ?? null,
          all: lateness,
        },
        plannerTickMs: tickMs,
        servicePeakRssMb: Math.round(servicePeak),
        producerPeakRssMb: peakRssMb(),
        producerRssBeforeEnqueueMb: rssBefore,
        producerRssAfterEnqueueMb: rssAfterEnqueue,
        states: Object.fromEntries(states.map((s) => [s.state, s.n])),
      };
      console.log(result);
      return result;
    } finally {
      clearInterval(sampler);
      await p.close();
      await prisma.$disconnect();
      await service.stop();
    }
  } finally {
    await base.close();
    await telegram.close();
    await db.drop();
  }
}

export async function benchFanout(ctx: FanoutBenchContext): Promise<void> {
  const phase = ctx.option("phase", "all");
  const result: Record<string, unknown> = {};
  if (phase === "ceiling" || phase === "all") result.ceiling = await ceiling(ctx);
  if (phase === "free" || phase === "all") result.free = await delivery(ctx, "free");
  if (phase === "paid" || phase === "all") result.paid = await delivery(ctx, "paid");
  const file = await ctx.saveJson("fanout", { machine: ctx.machine(), phase, ...result });
  console.log(`wrote ${path.relative(path.dirname(ctx.resultsDir), file)}`);
}
