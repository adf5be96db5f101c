// Platform rate limits shared by every service instance: a GCRA schedule (generic cell rate
// algorithm) per key in table outbound_rate. A sender atomically reserves the next free slot with one
// UPDATE, then sleeps until it. Because the schedule lives in Postgres and every reservation is a
// row-locked read-modify-write, N instances together never start more than `perSecond` sends a
// second on a key (plus `burst`), and nobody polls: each sender learns its exact start time. The
// database clock (clock_timestamp()) is the only clock, so instance clock skew does not matter.
import type { PrismaClient } from "../generated/prisma/client.js";

export interface RateLimit {
  /** Sends started per second on this key. */
  perSecond: number;
  /** Sends that may start back to back after an idle period (1 = evenly spaced). */
  burst?: number;
}

export type Reservation =
  /** A slot is ours: start sending after waitMs (0 when it is already due); startsAt by the database clock. */
  | { granted: true; waitMs: number; startsAt: Date }
  /** The next slot is more than maxAheadMs away: nothing reserved; ask again after about waitMs. */
  | { granted: false; waitMs: number; startsAt: Date };

/** Several consecutive slots: the i-th (0-based) starts waitMs + i * intervalMs from now. */
export interface BatchReservation {
  /** Slots taken (0 when the first one lies more than maxAheadMs away; then ask again after waitMs). */
  granted: number;
  waitMs: number;
  intervalMs: number;
}

export interface RateLimiter {
  /** Reserves the next slot of `key`, unless it lies more than maxAheadMs in the future. */
  reserve(key: string, limit: RateLimit, maxAheadMs: number): Promise<Reservation>;
  /**
   * Reserves up to `count` consecutive slots of `key` in one statement (the fan-out lanes: one round
   * trip per batch instead of per message). Same schedule as reserve(), so both share a key fairly.
   */
  reserveMany(key: string, limit: RateLimit, count: number, maxAheadMs: number): Promise<BatchReservation>;
  /** Nobody starts a send on `key` before now + ms (the platform said "too many requests"). */
  pause(key: string, ms: number): Promise<void>;
  /** Deletes per-chat rows whose schedule is long past (they carry no information any more). */
  prune(prefix: string, idleMs: number): Promise<number>;
}

export function createRateLimiter(prisma: PrismaClient): RateLimiter {
  return {
    async reserve(key, limit, maxAheadMs) {
      const intervalMs = 1000 / limit.perSecond;
      const burstMs = Math.max(0, (limit.burst ?? 1) - 1) * intervalMs;
      // `base` is the schedule's next slot (never in the past, never inside a pause); a burst lets the
      // slot start up to burstMs before it. The UPDATE only happens when the slot is near enough.
      const rows = await prisma.$queryRaw<{ granted: boolean; wait_ms: number; start_at: Date }[]>`
        WITH cur AS (
          SELECT key,
                 GREATEST(next_slot_at, COALESCE(paused_until, '-infinity'), clock_timestamp()) AS base,
                 GREATEST(next_slot_at - ${burstMs}::float8 * interval '1 millisecond',
                          COALESCE(paused_until, '-infinity'), clock_timestamp()) AS start
            FROM outbound_rate WHERE key = ${key}
             FOR UPDATE
        ), taken AS (
          UPDATE outbound_rate r
             SET next_slot_at = cur.base + ${intervalMs}::float8 * interval '1 millisecond'
            FROM cur
           WHERE r.key = cur.key
             AND cur.start <= clock_timestamp() + ${maxAheadMs}::float8 * interval '1 millisecond'
          RETURNING r.key
        )
        SELECT EXISTS (SELECT 1 FROM taken) AS granted, cur.start AS start_at,
               (EXTRACT(EPOCH FROM (cur.start - clock_timestamp())) * 1000)::float8 AS wait_ms
          FROM cur`;
      const row = rows[0];
      if (!row) {
        // First use of this key: create its schedule and ask again.
        await prisma.$executeRaw`
          INSERT INTO outbound_rate (key, next_slot_at) VALUES (${key}, clock_timestamp()) ON CONFLICT (key) DO NOTHING`;
        return this.reserve(key, limit, maxAheadMs);
      }
      const waitMs = Math.max(0, row.wait_ms);
      return row.granted
        ? { granted: true, waitMs, startsAt: row.start_at }
        : { granted: false, waitMs: Math.max(1, waitMs - maxAheadMs), startsAt: row.start_at };
    },

    async reserveMany(key, limit, count, maxAheadMs) {
      const intervalMs = 1000 / limit.perSecond;
      const n = Math.max(1, Math.floor(count));
      const rows = await prisma.$queryRaw<{ granted: boolean; wait_ms: number }[]>`
        WITH cur AS (
          SELECT key, GREATEST(next_slot_at, COALESCE(paused_until, '-infinity'), clock_timestamp()) AS base
            FROM outbound_rate WHERE key = ${key}
             FOR UPDATE
        ), taken AS (
          UPDATE outbound_rate r
             SET next_slot_at = cur.base + ${n * intervalMs}::float8 * interval '1 millisecond'
            FROM cur
           WHERE r.key = cur.key
             AND cur.base <= clock_timestamp() + ${maxAheadMs}::float8 * interval '1 millisecond'
          RETURNING r.key
        )
        SELECT EXISTS (SELECT 1 FROM taken) AS granted,
               (EXTRACT(EPOCH FROM (cur.base - clock_timestamp())) * 1000)::float8 AS wait_ms
          FROM cur`;
      const row = rows[0];
      if (!row) {
        await prisma.$executeRaw`
          INSERT INTO outbound_rate (key, next_slot_at) VALUES (${key}, clock_timestamp()) ON CONFLICT (key) DO NOTHING`;
        return this.reserveMany(key, limit, count, maxAheadMs);
      }
      const waitMs = Math.max(0, row.wait_ms);
      return row.granted
        ? { granted: n, waitMs, intervalMs }
        : { granted: 0, waitMs: Math.max(1, waitMs - maxAheadMs), intervalMs };
    },

    async pause(key, ms) {
      await prisma.$executeRaw`
        INSERT INTO outbound_rate AS r (key, next_slot_at, paused_until)
        VALUES (${key}, clock_timestamp(), clock_timestamp() + ${ms}::float8 * interval '1 millisecond')
        ON CONFLICT (key) DO UPDATE
          SET paused_until = GREATEST(COALESCE(r.paused_until, '-infinity'), EXCLUDED.paused_until)`;
    },

    async prune(prefix, idleMs) {
      return prisma.$executeRaw`
        DELETE FROM outbound_rate
         WHERE starts_with(key, ${prefix})
           AND next_slot_at < clock_timestamp() - ${idleMs}::float8 * interval '1 millisecond'
           AND (paused_until IS NULL OR paused_until < clock_timestamp())`;
    },
  };
}
