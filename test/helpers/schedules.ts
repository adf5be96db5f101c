// Publishing outage schedules straight into the tables (what the operator API stores), for tests
// of the customer's view through the channels.
import type pg from "pg";
import { encodeSlots } from "../../src/schedules/slot-codes.js";
import { periodsToSlots } from "../../src/schedules/periods.js";
import type { SchedulePeriod, SlotState } from "../../src/schedules/types.js";

export function daySlots(...periods: [string, string, "off" | "maybe"][]): SlotState[] {
  const result = periodsToSlots(periods.map(([from, to, state]): SchedulePeriod => ({ from, to, state })));
  if (!result.ok) throw new Error(result.error.message);
  return result.slots;
}

/** One publication (version) of these queue-days; returns the version. */
export async function publishDays(
  pool: pg.Pool,
  days: { queue: string; date: string; slots: SlotState[] }[],
  at = new Date("2026-11-29T18:00:00Z"),
): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    "INSERT INTO schedule_publication (published_at, source, actor) VALUES ($1, 'api', 'test') RETURNING id",
    [at],
  );
  const version = rows[0]!.id;
  for (const day of days) {
    await pool.query(
      "INSERT INTO schedule_day (queue, date, publication_id, slots) VALUES ($1, $2, $3, $4)",
      [day.queue, day.date, version, encodeSlots(day.slots)],
    );
  }
  return version;
}
