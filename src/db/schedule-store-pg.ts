// The engine's schedule and address-directory ports on node-postgres (part of the engine store's
// transaction). Slots travel as 48-character strings ("0" on, "1" off, "2" maybe): see
// src/schedules/slot-codes.ts.
import type pg from "pg";
import type { EngineTx, QueueDayRecord } from "../engine/ports.js";
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

// The newest row per (queue, date): the index (queue, date, publication_id) serves it backwards.
const DAYS_SQL = `SELECT DISTINCT ON (d.date) d.queue, d.date::text AS date, d.slots, d.publication_id, p.published_at
   FROM schedule_day d JOIN schedule_publication p ON p.id = d.publication_id
   WHERE d.queue = $1 AND d.date = ANY($2::date[])
   ORDER BY d.date, d.publication_id DESC`;

export function createScheduleRepositories(
  session: ScheduleSession,
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
        const { rows } = await session.query<{
          queue: string;
          date: string;
          slots: string;
          publication_id: number;
          published_at: Date;
        }>(DAYS_SQL, [queue, dates], "engine_schedule_days");
        return rows.map((row): QueueDayRecord => ({
          queue: row.queue,
          date: row.date,
          slots: decodeSlots(row.slots),
          version: row.publication_id,
          publishedAt: row.published_at,
        }));
      },
      async mode() {
        const { rows } = await session.query<{ mode: OutageMode; message: string | null; changed_at: Date }>(
          `SELECT mode::text AS mode, message, changed_at FROM outage_mode_change ORDER BY id DESC LIMIT 1`,
          [],
          "engine_outage_mode",
        );
        const row = rows[0];
        return row
          ? { mode: row.mode, message: row.message, since: row.changed_at }
          : { mode: "schedules", message: null, since: null };
      },
      async followed(userId) {
        const { rows } = await session.query<{ queue: string; label: string | null }>(
          "SELECT queue, label FROM schedule_follow WHERE user_id = $1 ORDER BY created_at, queue",
          [userId],
          "engine_schedule_followed",
        );
        return rows;
      },
      async follow(input) {
        session.defer({
          text: `INSERT INTO schedule_follow (user_id, queue, label, created_at) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (user_id, queue) DO UPDATE SET label = EXCLUDED.label`,
          values: [input.userId, input.queue, input.label, input.at],
        });
      },
      async unfollow(userId, queue) {
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
