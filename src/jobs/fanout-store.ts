// All SQL of fan-outs: one notification to many users. A fan-out is a `fanout` row (unique key) and
// one outbound_message per recipient, inserted together by one INSERT ... SELECT in one transaction
// (no rows pass through Node); the key makes a repeated start add nothing. The lanes (fanout.ts) claim
// small batches of its messages straight from outbound_message (queued -> sending, committed before
// the platform is called: the same never-twice gate as single messages) and write the outcomes back
// in one statement per flush.
import type { ChannelName } from "../engine/events.js";
import type { Notification } from "../engine/notifications.js";
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";

export type FanoutPriority = "urgent" | "bulk";
/** Lane order: lower is claimed first. */
export const PRIORITY_RANK: Record<FanoutPriority, number> = { urgent: 0, bulk: 1 };

export interface FanoutRequest {
  /** Idempotence key (e.g. "schedule:2026-11-30:v3"): a second start with it adds nothing. */
  key: string;
  priority: FanoutPriority;
  /** Ask for Telegram paid broadcast (used only when TELEGRAM_PAID_BROADCAST allows it). */
  paid?: boolean;
  /**
   * A SELECT returning exactly two columns, (user_id int, notification jsonb): one row per
   * recipient, the Notification built in SQL. $1..$n refer to `params`. Inactive users are left out;
   * a user listed twice gets one message.
   */
  audienceSql: string;
  params?: unknown[];
}

export interface FanoutStarted {
  key: string;
  /** false: a fan-out with this key already existed; nothing was added. */
  created: boolean;
  total: number;
  paid: boolean;
}

/** A Prisma interactive transaction (the caller's, when a fan-out must commit with its own writes). */
export type FanoutTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** Options of a transaction that may insert a large fan-out (200,000 rows take seconds). */
export const FANOUT_TRANSACTION = { timeout: 15 * 60_000, maxWait: 30_000 } as const;

export async function insertFanout(
  prisma: PrismaClient,
  request: FanoutRequest,
  paid: boolean,
): Promise<FanoutStarted> {
  return prisma.$transaction((tx) => insertFanoutIn(tx, request, paid), FANOUT_TRANSACTION);
}

/** insertFanout inside the caller's transaction: the fan-out exists iff the caller commits. */
export async function insertFanoutIn(
  tx: FanoutTx,
  request: FanoutRequest,
  paid: boolean,
): Promise<FanoutStarted> {
  const params = request.params ?? [];
  const n = params.length;
  const [row] = await tx.$queryRaw<{ id: number }[]>`
    INSERT INTO fanout (key, priority, paid) VALUES (${request.key}, ${request.priority}, ${paid})
    ON CONFLICT (key) DO NOTHING RETURNING id`;
  if (!row) {
    const [existing] = await tx.$queryRaw<{ total: number; paid: boolean }[]>`
      SELECT total, paid FROM fanout WHERE key = ${request.key}`;
    return {
      key: request.key,
      created: false,
      total: existing?.total ?? 0,
      paid: existing?.paid ?? false,
    };
  }
  const total = await tx.$executeRawUnsafe(
    `INSERT INTO outbound_message (user_id, channel, kind, notification, fanout_id, fanout_priority, fanout_paid)
     SELECT DISTINCT ON (a.user_id) u.id, u.channel, (a.notification::jsonb)->>'kind', a.notification::jsonb,
            $${n + 1}::int, $${n + 2}::smallint, ($${n + 3}::boolean AND u.channel = 'telegram')
       FROM (${request.audienceSql}) AS a(user_id, notification)
       JOIN messenger_user u ON u.id = a.user_id AND u.status = 'active'
      ORDER BY a.user_id`,
    ...params,
    row.id,
    PRIORITY_RANK[request.priority],
    paid,
  );
  await tx.$executeRaw`
    UPDATE fanout SET total = ${total}, finished_at = CASE WHEN ${total}::int = 0 THEN clock_timestamp() END
     WHERE id = ${row.id}`;
  return { key: request.key, created: true, total, paid };
}

export interface ClaimedRow {
  id: bigint;
  userId: number;
  kind: string;
  notification: Notification;
  paid: boolean;
  attempts: number;
  address: string;
  language: "uk" | "en";
  userStatus: "active" | "blocked" | "unsubscribed";
  lastInboundAt: Date | null;
}

type Db = Pick<PrismaClient, "$queryRaw">;

/** Which messages a claim takes: all, only those marked paid, or only the others. */
export type ClaimScope = "all" | "paid" | "unpaid";

const scopeFilter: Record<ClaimScope, Prisma.Sql> = {
  all: Prisma.sql``,
  // Equality on fanout_paid: the (state, channel, fanout_paid, fanout_priority, id) index gives order.
  paid: Prisma.sql`AND fanout_paid = true`,
  unpaid: Prisma.sql`AND fanout_paid = false`,
};

/** The gate for a batch: up to `limit` queued fan-out messages of a channel -> sending, urgent first. */
async function claim(db: Db, channel: ChannelName, limit: number, scope: ClaimScope): Promise<ClaimedRow[]> {
  return db.$queryRaw<ClaimedRow[]>`
    WITH picked AS (
      SELECT id FROM outbound_message
       WHERE state = 'queued' AND channel = ${channel}::"Channel" AND fanout_priority IS NOT NULL
         ${scopeFilter[scope]}
         AND (not_before IS NULL OR not_before <= clock_timestamp())
       ORDER BY fanout_priority, id
       LIMIT ${limit}
         FOR UPDATE SKIP LOCKED
    )
    UPDATE outbound_message m
       SET state = 'sending', sending_at = clock_timestamp(), attempts = m.attempts + 1
      FROM picked, messenger_user u
     WHERE m.id = picked.id AND u.id = m.user_id
    RETURNING m.id, m.user_id AS "userId", m.kind, m.notification, m.fanout_paid AS paid, m.attempts,
              u.address, u.language::text AS language, u.status::text AS "userStatus",
              u.last_inbound_at AS "lastInboundAt"`;
}

/** The free lane's claim; "unpaid" while the paid lane still has budget (paid rows wait for it). */
export function claimBatch(
  prisma: PrismaClient,
  channel: ChannelName,
  limit: number,
  scope: ClaimScope = "all",
): Promise<ClaimedRow[]> {
  return claim(prisma, channel, limit, scope);
}

/**
 * The paid lane's claim: takes today's budget (Kyiv day) and the rows in one transaction, so
 * instances together never claim more paid messages a day than the budget.
 */
export async function claimPaidBatch(
  prisma: PrismaClient,
  limit: number,
  dailyBudget: number,
): Promise<{ rows: ClaimedRow[]; left: number }> {
  return prisma.$transaction(async (tx) => {
    const [budget] = await tx.$queryRaw<{ used: number }[]>`
      INSERT INTO fanout_paid_budget AS b (day, used)
      VALUES ((clock_timestamp() AT TIME ZONE 'Europe/Kyiv')::date, 0)
      ON CONFLICT (day) DO UPDATE SET used = b.used
      RETURNING used`;
    const left = dailyBudget - (budget?.used ?? 0);
    if (left <= 0) return { rows: [], left: 0 };
    const rows = await claim(tx, "telegram", Math.min(limit, left), "paid");
    if (rows.length > 0) {
      await tx.$executeRaw`
        UPDATE fanout_paid_budget SET used = used + ${rows.length}
         WHERE day = (clock_timestamp() AT TIME ZONE 'Europe/Kyiv')::date`;
    }
    return { rows, left: left - rows.length };
  });
}

/** Paid messages left today (for the gauge). */
export async function paidBudgetLeft(prisma: PrismaClient, dailyBudget: number): Promise<number> {
  const [row] = await prisma.$queryRaw<{ used: number }[]>`
    SELECT used FROM fanout_paid_budget WHERE day = (clock_timestamp() AT TIME ZONE 'Europe/Kyiv')::date`;
  return Math.max(0, dailyBudget - (row?.used ?? 0));
}

export interface Outcome {
  id: bigint;
  state: "queued" | "sent" | "dropped" | "skipped" | "dead" | "uncertain";
  /** When it happened (ms since epoch): finished_at of a final state. */
  at: number;
  error?: string;
  /** For state queued: not claimed again before this time (ms since epoch). */
  notBefore?: number;
}

/** Writes a lane's outcomes in one statement; only rows still `sending` change. */
export async function writeOutcomes(prisma: PrismaClient, outcomes: Outcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  const ids = outcomes.map((o) => o.id.toString());
  const states = outcomes.map((o) => o.state);
  const ats = outcomes.map((o) => o.at);
  const errors = outcomes.map((o) => o.error ?? null);
  const notBefore = outcomes.map((o) => o.notBefore ?? 0);
  await prisma.$executeRaw`
    UPDATE outbound_message m
       SET state = o.state::"OutboundState",
           finished_at = CASE WHEN o.state = 'queued' THEN NULL ELSE to_timestamp(o.at / 1000.0) END,
           last_error = COALESCE(o.error, m.last_error),
           not_before = CASE WHEN o.not_before > 0 THEN to_timestamp(o.not_before / 1000.0) END
      FROM unnest(${ids}::bigint[], ${states}::text[], ${ats}::float8[], ${errors}::text[], ${notBefore}::float8[])
           AS o(id, state, at, error, not_before)
     WHERE m.id = o.id AND m.state = 'sending'`;
}

/**
 * Fan-out messages left in `sending` longer than any live attempt can take: their process died
 * between the gate and recording the outcome. They may have been delivered, so they are never sent
 * again: uncertain.
 */
export async function sweepLostSends(prisma: PrismaClient, staleMs: number): Promise<number> {
  return prisma.$executeRaw`
    UPDATE outbound_message
       SET state = 'uncertain', finished_at = clock_timestamp(), last_error = 'fan-out attempt lost mid-send'
     WHERE state = 'sending' AND fanout_priority IS NOT NULL
       AND sending_at < clock_timestamp() - ${staleMs}::float8 * interval '1 millisecond'`;
}

/**
 * Stops a fan-out: its messages still queued become `skipped` ("fan-out cancelled"); those already
 * sending or sent are not touched. For a notice made stale by a newer schedule version. Returns how
 * many were skipped (0 for an unknown key).
 */
export async function cancelFanout(prisma: PrismaClient, key: string): Promise<number> {
  return prisma.$executeRaw`
    UPDATE outbound_message m
       SET state = 'skipped', finished_at = clock_timestamp(), last_error = 'fan-out cancelled'
      FROM fanout f
     WHERE f.key = ${key} AND m.fanout_id = f.id AND m.state = 'queued'`;
}

/** Marks fan-outs with nothing queued or sending as finished. */
export async function finishFanouts(prisma: PrismaClient): Promise<number> {
  return prisma.$executeRaw`
    UPDATE fanout f SET finished_at = clock_timestamp()
     WHERE f.finished_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM outbound_message m
                        WHERE m.fanout_id = f.id AND m.state IN ('queued', 'sending'))`;
}

export interface FanoutProgress {
  key: string;
  priority: FanoutPriority;
  paid: boolean;
  total: number;
  queued: number;
  sending: number;
  sent: number;
  /** dead or uncertain: not delivered, or not known to be. */
  failed: number;
  /** The user had blocked the bot or unsubscribed. */
  dropped: number;
  /** Skipped by policy (Viber outside the free window with VIBER_SKIP_OUTSIDE_FREE_WINDOW). */
  skipped: number;
  createdAt: string;
  finishedAt: string | null;
  /** Messages sent in the last 30 s, per second. */
  sentPerSecond: number;
  /** Seconds until everything left is sent at the recent rate; 0 when finished, null when unknown. */
  etaSeconds: number | null;
}

interface ProgressRow {
  key: string;
  priority: FanoutPriority;
  paid: boolean;
  total: number;
  created_at: Date;
  finished_at: Date | null;
  queued: number;
  sending: number;
  sent: number;
  failed: number;
  dropped: number;
  skipped: number;
  recent: number;
}

const RECENT_SECONDS = 30;

function toProgress(r: ProgressRow): FanoutProgress {
  const left = r.queued + r.sending;
  const rate = r.recent / RECENT_SECONDS;
  return {
    key: r.key,
    priority: r.priority,
    paid: r.paid,
    total: r.total,
    queued: r.queued,
    sending: r.sending,
    sent: r.sent,
    failed: r.failed,
    dropped: r.dropped,
    skipped: r.skipped,
    createdAt: r.created_at.toISOString(),
    finishedAt: r.finished_at?.toISOString() ?? null,
    sentPerSecond: Math.round(rate * 10) / 10,
    etaSeconds: left === 0 ? 0 : rate > 0 ? Math.ceil(left / rate) : null,
  };
}

/**
 * Progress of fan-outs: one by key, or the latest `limit` (unfinished ones and those finished within
 * `finishedWithinMs`, when given).
 */
export async function fanoutProgress(
  prisma: PrismaClient,
  filter: { key?: string; limit?: number; finishedWithinMs?: number } = {},
): Promise<FanoutProgress[]> {
  const rows = await prisma.$queryRaw<ProgressRow[]>`
    SELECT f.key, f.priority, f.paid, f.total, f.created_at, f.finished_at,
           count(m.id) FILTER (WHERE m.state = 'queued')::int AS queued,
           count(m.id) FILTER (WHERE m.state = 'sending')::int AS sending,
           count(m.id) FILTER (WHERE m.state = 'sent')::int AS sent,
           count(m.id) FILTER (WHERE m.state IN ('dead', 'uncertain'))::int AS failed,
           count(m.id) FILTER (WHERE m.state = 'dropped')::int AS dropped,
           count(m.id) FILTER (WHERE m.state = 'skipped')::int AS skipped,
           count(m.id) FILTER (WHERE m.state = 'sent'
             AND m.finished_at > clock_timestamp() - ${RECENT_SECONDS} * interval '1 second')::int AS recent
      FROM fanout f LEFT JOIN outbound_message m ON m.fanout_id = f.id
     WHERE (${filter.key ?? null}::text IS NULL OR f.key = ${filter.key ?? null})
       AND (${filter.finishedWithinMs ?? null}::float8 IS NULL OR f.finished_at IS NULL
            OR f.finished_at > clock_timestamp() - ${filter.finishedWithinMs ?? null}::float8 * interval '1 millisecond')
     GROUP BY f.id
     ORDER BY f.created_at DESC, f.id DESC
     LIMIT ${filter.limit ?? 50}`;
  return rows.map(toProgress);
}
