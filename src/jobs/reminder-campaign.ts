// A reading-reminder campaign for one (period, kind): every active user with reminders on who has a
// linked account without a reading for the period gets one message listing those accounts by label.
// Idempotent per (period, kind, user): the reminder_delivery row, the outbound_message and its pg-boss
// job are inserted in one transaction per batch, and the row's primary key lets only one campaign
// (or one of two instances running it at once) claim a user. A run killed mid-way loses at most the
// uncommitted batch, which the next run picks up.
import type PgBoss from "pg-boss";
import type { ChannelName } from "../engine/events.js";
import type { Notification } from "../engine/notifications.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { enqueueMessages, type JobDefaults } from "./outbound-store.js";
import { quietHoursEnd, type QuietHours } from "./quiet-hours.js";
import type { ReminderKind } from "./reminder-schedule.js";

export interface CampaignOptions {
  period: string;
  kind: ReminderKind;
  /** Only count and list; enqueue nothing. */
  dryRun?: boolean;
  /** Called after each batch (the script shows progress on a TTY). */
  onProgress?: (progress: { scanned: number; enqueued: number }) => void;
  /** Called for each would-be recipient in a dry run. */
  onRecipient?: (recipient: ReminderRecipient) => void;
}

export interface ReminderRecipient {
  userId: number;
  channel: ChannelName;
  language: "uk" | "en";
  accounts: { accountId: number; label: string }[];
  /** Viber user more than 24 h after their last message: a paid message. */
  outsideViberWindow: boolean;
}

export interface CampaignResult {
  period: string;
  kind: ReminderKind;
  dryRun: boolean;
  /** Users who still needed this reminder when the run looked (dry run: would get it). */
  recipients: number;
  /** Reminders this run enqueued (0 in a dry run; fewer than recipients if another run claimed some). */
  enqueued: number;
  perChannel: Partial<Record<ChannelName, number>>;
  /** Viber recipients outside the free window (charged; skipped when the setting says so). */
  viberOutsideFreeWindow: number;
  /** Of those, skipped by the setting. */
  viberSkipped: number;
}

export interface CampaignDeps {
  prisma: PrismaClient;
  boss: PgBoss | undefined;
  quietHours: QuietHours;
  viberSkipOutsideFreeWindow: boolean;
  batchSize: number;
  jobDefaults: JobDefaults;
  now?: () => Date;
  onEnqueued?: (channel: ChannelName, kind: ReminderKind) => void;
}

interface CandidateRow {
  user_id: number;
  channel: ChannelName;
  language: "uk" | "en";
  accounts: { accountId: number; label: string }[];
  outside_viber_window: boolean;
}

const VIBER_FREE_WINDOW_HOURS = 24;

/** One batch of users (by id, after `afterUserId`) who still need this reminder. */
async function candidates(
  db: PrismaClient | Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0],
  period: string,
  kind: string,
  afterUserId: number,
  limit: number,
  now: Date,
): Promise<CandidateRow[]> {
  return db.$queryRaw<CandidateRow[]>`
    SELECT u.id AS user_id, u.channel::text AS channel, u.language::text AS language,
           json_agg(json_build_object('accountId', l.account_id, 'label', l.label) ORDER BY l.created_at, l.id) AS accounts,
           (u.channel = 'viber' AND (u.last_inbound_at IS NULL
             OR u.last_inbound_at < ${now}::timestamptz - ${VIBER_FREE_WINDOW_HOURS} * interval '1 hour')) AS outside_viber_window
      FROM messenger_user u
      JOIN account_link l ON l.user_id = u.id
     WHERE u.id > ${afterUserId}
       AND u.status = 'active'
       AND u.reminders_enabled
       AND NOT EXISTS (SELECT 1 FROM meter_reading r
                        WHERE r.account_id = l.account_id AND r.period = ${period} AND r.status <> 'superseded')
       AND NOT EXISTS (SELECT 1 FROM reminder_delivery d
                        WHERE d.period = ${period} AND d.kind = ${kind} AND d.user_id = u.id)
     GROUP BY u.id
     ORDER BY u.id
     LIMIT ${limit}`;
}

export async function runReminderCampaign(
  deps: CampaignDeps,
  options: CampaignOptions,
): Promise<CampaignResult> {
  const { prisma } = deps;
  const now = (deps.now ?? (() => new Date()))();
  const dryRun = options.dryRun ?? false;
  if (!dryRun && !deps.boss) throw new Error("the outbound queue is not started: cannot enqueue reminders");
  const result: CampaignResult = {
    period: options.period,
    kind: options.kind,
    dryRun,
    recipients: 0,
    enqueued: 0,
    perChannel: {},
    viberOutsideFreeWindow: 0,
    viberSkipped: 0,
  };
  // Everything enqueued now waits for the end of quiet hours (the worker checks again at send time).
  const startAfter = quietHoursEnd(now, deps.quietHours);
  let cursor = 0;
  let scanned = 0;
  for (;;) {
    const batch = await prisma.$transaction(
      async (tx) => {
        const rows = await candidates(tx, options.period, options.kind, cursor, deps.batchSize, now);
        if (rows.length === 0) return { rows, claimed: [] as CandidateRow[] };
        const wanted = rows.filter((r) => !(r.outside_viber_window && deps.viberSkipOutsideFreeWindow));
        if (dryRun || wanted.length === 0) return { rows, claimed: wanted };
        const ids = wanted.map((r) => r.user_id);
        // The claim: a concurrent run's committed (or in-flight) row makes this one skip the user.
        const claimedRows = await tx.$queryRaw<{ user_id: number }[]>`
          INSERT INTO reminder_delivery (period, kind, user_id)
          SELECT ${options.period}, ${options.kind}, unnest(${ids}::int[])
          ON CONFLICT DO NOTHING
          RETURNING user_id`;
        const claimedIds = new Set(claimedRows.map((r) => r.user_id));
        const claimed = wanted.filter((r) => claimedIds.has(r.user_id));
        await enqueueMessages(
          deps.boss!,
          tx,
          claimed.map((r) => ({
            userId: r.user_id,
            notification: {
              kind: "reading_reminder",
              reminder: options.kind,
              period: options.period,
              accounts: r.accounts,
            } satisfies Notification,
          })),
          {
            quietHours: true,
            startAfter: startAfter > now ? startAfter : undefined,
            defaults: deps.jobDefaults,
          },
        );
        return { rows, claimed };
      },
      { timeout: 60_000, maxWait: 10_000 },
    );
    if (batch.rows.length === 0) break;
    cursor = batch.rows[batch.rows.length - 1]!.user_id;
    scanned += batch.rows.length;
    for (const row of batch.rows) {
      const skipped = row.outside_viber_window && deps.viberSkipOutsideFreeWindow;
      if (row.outside_viber_window) result.viberOutsideFreeWindow++;
      if (skipped) result.viberSkipped++;
      else {
        result.recipients++;
        if (dryRun) {
          result.perChannel[row.channel] = (result.perChannel[row.channel] ?? 0) + 1;
          options.onRecipient?.({
            userId: row.user_id,
            channel: row.channel,
            language: row.language,
            accounts: row.accounts,
            outsideViberWindow: row.outside_viber_window,
          });
        }
      }
    }
    for (const row of dryRun ? [] : batch.claimed) {
      result.enqueued++;
      result.perChannel[row.channel] = (result.perChannel[row.channel] ?? 0) + 1;
      deps.onEnqueued?.(row.channel, options.kind);
    }
    options.onProgress?.({ scanned, enqueued: result.enqueued });
  }
  if (!dryRun) {
    await prisma.$executeRaw`
      INSERT INTO reminder_campaign (period, kind, completed_at, enqueued)
      VALUES (${options.period}, ${options.kind}, clock_timestamp(), ${result.enqueued})
      ON CONFLICT (period, kind) DO UPDATE SET completed_at = clock_timestamp(), enqueued = EXCLUDED.enqueued`;
  }
  return result;
}

/** Whether a campaign already ran to the end (the scheduler does not start it again). */
export async function campaignCompleted(
  prisma: PrismaClient,
  period: string,
  kind: ReminderKind,
): Promise<boolean> {
  const rows = await prisma.$queryRaw<{ done: boolean }[]>`
    SELECT completed_at IS NOT NULL AS done FROM reminder_campaign WHERE period = ${period} AND kind = ${kind}`;
  return rows[0]?.done ?? false;
}
