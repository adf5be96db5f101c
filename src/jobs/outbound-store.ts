// The outbound_message rows: creating them together with their pg-boss jobs in one transaction, and
// the state transitions that make delivery at-most-once. All SQL of the outbox lives here.
import { randomUUID } from "node:crypto";
import type PgBoss from "pg-boss";
import type { Prisma, PrismaClient } from "../generated/prisma/client.js";
import type { ChannelName } from "../engine/events.js";
import type { Notification } from "../engine/notifications.js";

export type Tx = Prisma.TransactionClient;

/** The pg-boss queue that carries one channel's messages (a paused platform holds up only its own). */
export const queueFor = (channel: ChannelName): string => `outbound-${channel}`;
export const DEAD_LETTER_QUEUE = "outbound-dead";

export interface OutboundJobData {
  /** outbound_message.id as a decimal string (bigint). */
  messageId: string;
}

export interface MessageRow {
  id: bigint;
  userId: number;
  channel: ChannelName;
  kind: string;
  notification: Notification;
  state: "queued" | "sending" | "sent" | "dropped" | "skipped" | "dead" | "uncertain";
  quietHours: boolean;
  jobId: string | null;
  sendingAt: Date | null;
  address: string;
  language: "uk" | "en";
  userStatus: "active" | "blocked" | "unsubscribed";
  lastInboundAt: Date | null;
}

/** Runs pg-boss statements on a Prisma transaction so jobs commit or roll back with the caller's work. */
export function bossDbFor(tx: Tx): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      const rows = await tx.$queryRawUnsafe<unknown[]>(text, ...values);
      return { rows };
    },
  };
}

export interface JobDefaults {
  retryLimit: number;
  retryDelaySeconds: number;
  expireInSeconds: number;
}

export interface NewJob {
  jobId: string;
  channel: ChannelName;
  messageId: bigint;
  startAfter?: Date;
}

/** Inserts pg-boss jobs inside `tx` (uses pg-boss's own insert statement through its `db` option). */
export async function insertJobs(boss: PgBoss, tx: Tx, jobs: NewJob[], defaults: JobDefaults): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(
    jobs.map((j) => ({
      id: j.jobId,
      name: queueFor(j.channel),
      data: { messageId: j.messageId.toString() } satisfies OutboundJobData,
      retryLimit: defaults.retryLimit,
      retryDelay: defaults.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: defaults.expireInSeconds,
      deadLetter: DEAD_LETTER_QUEUE,
      ...(j.startAfter ? { startAfter: j.startAfter.toISOString() } : {}),
    })),
    { db: bossDbFor(tx) },
  );
}

export interface EnqueueItem {
  userId: number;
  notification: Notification;
}

/**
 * Creates one outbound_message per item whose user exists and is active, and its job, inside `tx`.
 * Returns the created messages (users who are not active get nothing).
 */
export async function enqueueMessages(
  boss: PgBoss,
  tx: Tx,
  items: EnqueueItem[],
  options: { quietHours: boolean; startAfter?: Date; defaults: JobDefaults },
): Promise<{ messageId: bigint; userId: number; channel: ChannelName; jobId: string }[]> {
  if (items.length === 0) return [];
  const userIds = items.map((i) => i.userId);
  const notifications = items.map((i) => JSON.stringify(i.notification));
  const rows = await tx.$queryRaw<{ id: bigint; user_id: number; channel: ChannelName; job_id: string }[]>`
    INSERT INTO outbound_message (user_id, channel, kind, notification, quiet_hours, job_id)
    SELECT u.id, u.channel, (item.n::jsonb)->>'kind', item.n::jsonb, ${options.quietHours}, gen_random_uuid()
      FROM unnest(${userIds}::int[], ${notifications}::text[]) WITH ORDINALITY AS item(user_id, n, ord)
      JOIN messenger_user u ON u.id = item.user_id AND u.status = 'active'
     ORDER BY item.ord
    RETURNING id, user_id, channel, job_id::text`;
  await insertJobs(
    boss,
    tx,
    rows.map((r) => ({
      jobId: r.job_id,
      channel: r.channel,
      messageId: r.id,
      startAfter: options.startAfter,
    })),
    options.defaults,
  );
  return rows.map((r) => ({ messageId: r.id, userId: r.user_id, channel: r.channel, jobId: r.job_id }));
}

export async function loadMessage(prisma: PrismaClient, id: bigint): Promise<MessageRow | undefined> {
  const rows = await prisma.$queryRaw<MessageRow[]>`
    SELECT m.id, m.user_id AS "userId", m.channel, m.kind, m.notification, m.state,
           m.quiet_hours AS "quietHours", m.job_id::text AS "jobId", m.sending_at AS "sendingAt",
           u.address, u.language, u.status AS "userStatus", u.last_inbound_at AS "lastInboundAt"
      FROM outbound_message m JOIN messenger_user u ON u.id = m.user_id
     WHERE m.id = ${id}`;
  return rows[0];
}

export type Claim =
  | { kind: "claimed" }
  /** The message is no longer queued (or its user is no longer active): look at it again. */
  | { kind: "not_claimed" }
  /** The chat's own limit: its next send may start only after waitMs. Nothing was changed. */
  | { kind: "chat_busy"; waitMs: number };

/**
 * The never-twice gate: queued -> sending, for exactly one caller, and only while the user is active;
 * it commits before the platform is called. With a per-chat limit the same statement also takes the
 * chat's slot (due now, or nothing happens), so between the platform slot and the send there is a
 * single round trip.
 */
export async function claimForSending(
  prisma: PrismaClient,
  id: bigint,
  chat?: { key: string; intervalMs: number },
): Promise<Claim> {
  if (!chat) {
    const n = await prisma.$executeRaw`
      UPDATE outbound_message m
         SET state = 'sending', sending_at = clock_timestamp(), attempts = attempts + 1
       WHERE m.id = ${id} AND m.state = 'queued'
         AND EXISTS (SELECT 1 FROM messenger_user u WHERE u.id = m.user_id AND u.status = 'active')`;
    return n === 1 ? { kind: "claimed" } : { kind: "not_claimed" };
  }
  const rows = await prisma.$queryRaw<{ chat_ok: boolean; claimed: boolean; chat_wait_ms: number | null }[]>`
    WITH chat AS (
      INSERT INTO outbound_rate AS r (key, next_slot_at)
      VALUES (${chat.key}, clock_timestamp() + ${chat.intervalMs}::float8 * interval '1 millisecond')
      ON CONFLICT (key) DO UPDATE
        SET next_slot_at = clock_timestamp() + ${chat.intervalMs}::float8 * interval '1 millisecond'
        WHERE r.next_slot_at <= clock_timestamp()
          AND (r.paused_until IS NULL OR r.paused_until <= clock_timestamp())
      RETURNING 1
    ), claim AS (
      UPDATE outbound_message m
         SET state = 'sending', sending_at = clock_timestamp(), attempts = attempts + 1
       WHERE m.id = ${id} AND m.state = 'queued' AND EXISTS (SELECT 1 FROM chat)
         AND EXISTS (SELECT 1 FROM messenger_user u WHERE u.id = m.user_id AND u.status = 'active')
      RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM chat) AS chat_ok, EXISTS (SELECT 1 FROM claim) AS claimed,
           -- the statement's snapshot: the chat's schedule as it was before this statement
           (SELECT (EXTRACT(EPOCH FROM (GREATEST(next_slot_at, COALESCE(paused_until, '-infinity')) - clock_timestamp())) * 1000)::float8
              FROM outbound_rate WHERE key = ${chat.key}) AS chat_wait_ms`;
  const row = rows[0]!;
  if (row.claimed) return { kind: "claimed" };
  if (row.chat_ok) return { kind: "not_claimed" };
  return { kind: "chat_busy", waitMs: Math.max(1, row.chat_wait_ms ?? 1) };
}

type FinalState = "sent" | "dropped" | "skipped" | "dead" | "uncertain";

/** Moves a message to a final state, from any of the given states. */
export async function finish(
  prisma: PrismaClient | Tx,
  id: bigint,
  from: MessageRow["state"][],
  to: FinalState,
  error?: string,
): Promise<boolean> {
  const n = await prisma.$executeRaw`
    UPDATE outbound_message
       SET state = ${to}::"OutboundState", finished_at = clock_timestamp(),
           last_error = COALESCE(${error ?? null}::text, last_error)
     WHERE id = ${id} AND state::text = ANY(${from}::text[])`;
  return n === 1;
}

/** sending -> queued: the platform certainly did not take it (rate limited, or a failure to retry). */
export async function releaseToQueue(prisma: PrismaClient, id: bigint, error?: string): Promise<void> {
  await prisma.$executeRaw`
    UPDATE outbound_message SET state = 'queued', last_error = COALESCE(${error ?? null}::text, last_error)
     WHERE id = ${id} AND state = 'sending'`;
}

/** Hands a queued message to a new job that starts later (quiet hours, a long platform pause). */
export async function deferMessage(
  prisma: PrismaClient,
  boss: PgBoss,
  message: { id: bigint; channel: ChannelName },
  startAfter: Date,
  defaults: JobDefaults,
): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const jobId = randomUUID();
    const n = await tx.$executeRaw`
      UPDATE outbound_message SET job_id = ${jobId}::uuid WHERE id = ${message.id} AND state = 'queued'`;
    if (n !== 1) return false;
    await insertJobs(
      boss,
      tx,
      [{ jobId, channel: message.channel, messageId: message.id, startAfter }],
      defaults,
    );
    return true;
  });
}

/**
 * The platform says the user cannot be reached: mark the user, drop this and every other message still
 * queued for them, and return the pg-boss jobs to cancel (dropping the rows already stops them).
 */
export async function markUnreachable(
  prisma: PrismaClient,
  message: { id: bigint; userId: number },
  status: "blocked" | "unsubscribed",
): Promise<{ channel: ChannelName; jobId: string }[]> {
  return prisma.$transaction(async (tx) => {
    await tx.$executeRaw`
      UPDATE messenger_user SET status = ${status}::"UserStatus", updated_at = clock_timestamp()
       WHERE id = ${message.userId}`;
    await finish(tx, message.id, ["sending"], "dropped", status);
    return tx.$queryRaw<{ channel: ChannelName; jobId: string }[]>`
      UPDATE outbound_message
         SET state = 'dropped', finished_at = clock_timestamp(), last_error = ${`user ${status}`}
       WHERE user_id = ${message.userId} AND state = 'queued'
      RETURNING channel, job_id::text AS "jobId"`;
  });
}

/** Counts of messages per state (for the benchmark, tests and operators). */
export async function countByState(prisma: PrismaClient, since?: Date): Promise<Record<string, number>> {
  const rows = await prisma.$queryRaw<{ state: string; n: number }[]>`
    SELECT state::text AS state, count(*)::int AS n FROM outbound_message
     WHERE created_at >= ${since ?? new Date(0)} GROUP BY state`;
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}
