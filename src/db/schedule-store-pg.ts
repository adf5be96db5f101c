// The engine's schedule and address-directory ports on node-postgres (part of the engine store's
// transaction). Slots travel as 48-character strings ("0" on, "1" off, "2" maybe): see
// src/schedules/slot-codes.ts.
import type pg from "pg";
import type {
  EngineTx,
  FollowedQueue,
  OutageModeRecord,
  QueueDayRecord,
  ScheduleSubscriptionRecord,
} from "../engine/ports.js";
import { addressKey } from "../schedules/address-key.js";
import { decodeSlots } from "../schedules/slot-codes.js";
import type { OutageMode } from "../schedules/types.js";

interface Statement {
  name?: string;
  text: string;
  values: unknown[];
}

/** What these repositories need of the engine store's session. */
export interface ScheduleSession {
  query<R extends object>(text: string, values?: unknown[], name?: string): Promise<pg.QueryResult<R>>;
  defer(statement: Statement): void;
}

/**
 * What the schedule view needs, read with the conversation (engine-store-pg's open() when the engine
 * hints a schedule view): valid for the rest of the transaction, except what it writes itself.
 */
export interface ScheduleReadAhead {
  mode: OutageModeRecord | null;
  /** The saved queues of this user (null: not read, or changed in this transaction). */
  followed: { userId: number; rows: FollowedQueue[] } | null;
  /** Queues whose days were read for `dates` (a queue with no rows has none published). */
  queues: Set<string>;
  dates: Set<string>;
  days: QueueDayRecord[];
  /** The user's schedule subscriptions (null: not read, or changed in this transaction). */
  subscriptions: { userId: number; rows: ScheduleSubscriptionRecord[] } | null;
}

export function emptyScheduleReadAhead(): ScheduleReadAhead {
  return { mode: null, followed: null, queues: new Set(), dates: new Set(), days: [], subscriptions: null };
}

interface DayRow {
  queue: string;
  date: string;
  slots: string;
  publication_id: number;
  published_at: Date;
}

interface ModeRow {
  mode: OutageMode;
  message: string | null;
  changed_at: Date;
}

const MODE_SQL = `SELECT mode::text AS mode, message, changed_at FROM outage_mode_change ORDER BY id DESC LIMIT 1`;

/**
 * Everything the schedule view reads besides the conversation, as one JSON object (keys as in
 * ScheduleViewRow): the mode, the saved queues, the days of the queues of the user's accounts and saved
 * queues for the view's dates (the newest version of each), and the subscriptions. `userId` and `dates`
 * are SQL expressions (the engine store's conversation read puts this next to the conversation's row,
 * so the view costs no statement of its own). Keys inside are the column names of the separate reads
 * (DayRow, ModeRow, the subscription store's rows).
 */
export function scheduleViewSql(userId: string, dates: string): string {
  return `json_build_object(
     'mode', (SELECT json_build_object('mode', mode::text, 'message', message, 'changed_at', changed_at)
                FROM outage_mode_change ORDER BY id DESC LIMIT 1),
     'followed', (SELECT coalesce(json_agg(json_build_object('queue', f.queue, 'label', f.label)
                                           ORDER BY f.created_at, f.queue), '[]'::json)
                    FROM schedule_follow f WHERE f.user_id = ${userId}),
     'days', (SELECT coalesce(json_agg(json_build_object('queue', v.queue, 'date', v.date, 'slots', v.slots,
                                                         'publication_id', v.publication_id,
                                                         'published_at', v.published_at)
                                       ORDER BY v.queue, v.date), '[]'::json)
                FROM (SELECT DISTINCT ON (d.queue, d.date) d.queue, d.date::text AS date, d.slots, d.publication_id,
                             p.published_at
                      FROM schedule_day d JOIN schedule_publication p ON p.id = d.publication_id
                      WHERE d.date = ANY(${dates}) AND d.queue IN (
                        SELECT a.outage_queue FROM account_link l JOIN account a ON a.id = l.account_id
                          WHERE l.user_id = ${userId} AND a.outage_queue IS NOT NULL
                        UNION
                        SELECT queue FROM schedule_follow WHERE user_id = ${userId})
                      ORDER BY d.queue, d.date, d.publication_id DESC) v),
     'subscriptions', (SELECT coalesce(json_agg(json_build_object('queue', s.queue, 'queue_name', q.name,
                                                                  'label', s.label, 'lead_minutes', s.lead_minutes,
                                                                  'include_maybe', s.include_maybe, 'night', s.night,
                                                                  'power_back', s.power_back)
                                                ORDER BY s.created_at, s.queue), '[]'::json)
                         FROM schedule_subscription s JOIN outage_queue q ON q.code = s.queue
                         WHERE s.user_id = ${userId}))`;
}

/** The object of scheduleViewSql() (timestamps arrive as JSON strings). */
export interface ScheduleViewRow {
  mode: (Omit<ModeRow, "changed_at"> & { changed_at: string }) | null;
  followed: FollowedQueue[];
  days: (Omit<DayRow, "published_at"> & { published_at: string })[];
  /** Rows in the subscription store's shape (toSubscriptionRecords). */
  subscriptions: unknown[];
}

/**
 * Keeps the answer of scheduleViewSql() for the user, except the subscriptions (the
 * subscription store's records; the caller keeps them): `linkQueues` are the queues of the accounts
 * read with the same batch (the days cover them and the saved queues).
 */
export function keepScheduleView(
  target: ScheduleReadAhead,
  userId: number,
  dates: string[],
  linkQueues: (string | null)[],
  row: ScheduleViewRow | undefined,
): void {
  const mode = row?.mode ?? undefined;
  target.mode = toMode(mode && { ...mode, changed_at: new Date(mode.changed_at) });
  const followed = row?.followed ?? [];
  target.followed = { userId, rows: followed };
  target.dates = new Set(dates);
  target.queues = new Set([
    ...linkQueues.filter((queue): queue is string => queue !== null),
    ...followed.map((entry) => entry.queue),
  ]);
  target.days = (row?.days ?? []).map((day) => toDay({ ...day, published_at: new Date(day.published_at) }));
}

function toDay(row: DayRow): QueueDayRecord {
  return {
    queue: row.queue,
    date: row.date,
    slots: decodeSlots(row.slots),
    version: row.publication_id,
    publishedAt: row.published_at,
  };
}

function toMode(row: ModeRow | undefined): OutageModeRecord {
  return row
    ? { mode: row.mode, message: row.message, since: row.changed_at }
    : { mode: "schedules", message: null, since: null };
}

// The newest row per (queue, date): the index (queue, date, publication_id) serves it backwards.
const DAYS_SQL = `SELECT DISTINCT ON (d.date) d.queue, d.date::text AS date, d.slots, d.publication_id, p.published_at
   FROM schedule_day d JOIN schedule_publication p ON p.id = d.publication_id
   WHERE d.queue = $1 AND d.date = ANY($2::date[])
   ORDER BY d.date, d.publication_id DESC`;

export function createScheduleRepositories(
  session: ScheduleSession,
  readAhead: ScheduleReadAhead = emptyScheduleReadAhead(),
): Pick<EngineTx, "schedules" | "addresses"> {
  return {
    schedules: {
      async queues() {
        const { rows } = await session.query<{ code: string; name: string }>(
          "SELECT code, name FROM outage_queue ORDER BY sort, code",
          [],
          "engine_schedule_queues",
        );
        return rows;
      },
      async days(queue, dates) {
        if (dates.length === 0) return [];
        if (readAhead.queues.has(queue) && dates.every((date) => readAhead.dates.has(date))) {
          const wanted = new Set(dates);
          // Sorted by date like DAYS_SQL (the read-ahead is ordered by queue, date).
          return readAhead.days
            .filter((day) => day.queue === queue && wanted.has(day.date))
            .map((day) => ({ ...day, slots: [...day.slots] }));
        }
        const { rows } = await session.query<DayRow>(DAYS_SQL, [queue, dates], "engine_schedule_days");
        return rows.map(toDay);
      },
      async mode() {
        if (readAhead.mode) return { ...readAhead.mode };
        const { rows } = await session.query<ModeRow>(MODE_SQL, [], "engine_outage_mode");
        return toMode(rows[0]);
      },
      async followed(userId) {
        if (readAhead.followed?.userId === userId) return readAhead.followed.rows.map((row) => ({ ...row }));
        const { rows } = await session.query<{ queue: string; label: string | null }>(
          "SELECT queue, label FROM schedule_follow WHERE user_id = $1 ORDER BY created_at, queue",
          [userId],
          "engine_schedule_followed",
        );
        return rows;
      },
      async follow(input) {
        readAhead.followed = null;
        session.defer({
          text: `INSERT INTO schedule_follow (user_id, queue, label, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id, queue) DO UPDATE SET label = EXCLUDED.label`,
          values: [input.userId, input.queue, input.label, input.at],
        });
      },
      async unfollow(userId, queue) {
        readAhead.followed = null;
        session.defer({
          text: "DELETE FROM schedule_follow WHERE user_id = $1 AND queue = $2",
          values: [userId, queue],
        });
      },
    },
    addresses: {
      async settlements() {
        const { rows } = await session.query<{ settlement: string }>(
          `SELECT DISTINCT ON (settlement_key) settlement FROM address_queue ORDER BY settlement_key, settlement`,
          [],
        );
        return rows.map((row) => row.settlement);
      },
      async streets(settlement) {
        const { rows } = await session.query<{ street: string }>(
          `SELECT DISTINCT ON (street_key) street FROM address_queue WHERE settlement_key = $1
           ORDER BY street_key, street`,
          [addressKey(settlement)],
        );
        return rows.map((row) => row.street);
      },
      async buildings(settlement, street) {
        const { rows } = await session.query<{ building: string; queue: string }>(
          `SELECT building, queue FROM address_queue WHERE settlement_key = $1 AND street_key = $2
           ORDER BY building_key`,
          [addressKey(settlement), addressKey(street)],
        );
        return rows;
      },
    },
  };
}
