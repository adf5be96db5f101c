// Publishing outage schedules straight into the tables (what the operator API stores), for tests
// of the customer's view through the channels.
import type pg from "pg";
import { addDays, slotAt, slotStart } from "../../src/schedules/kyiv-day.js";
import { encodeSlots } from "../../src/schedules/slot-codes.js";
import { periodsToSlots } from "../../src/schedules/periods.js";
import { SLOTS_PER_DAY, type SchedulePeriod, type SlotState } from "../../src/schedules/types.js";

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

/**
 * The first half-hour boundary at least a minute after `from` (so within 31 minutes): its Kyiv date,
 * slot index and instant. For tests that need a period starting soon, whatever the time of day.
 */
export function nextSlotBoundary(from: Date): { date: string; index: number; start: Date } {
  const here = slotAt(new Date(from.getTime() + 60_000));
  if (here.index + 1 < SLOTS_PER_DAY) {
    return { date: here.date, index: here.index + 1, start: slotStart(here.date, here.index + 1) };
  }
  const date = addDays(here.date, 1);
  return { date, index: 0, start: slotStart(date, 0) };
}
