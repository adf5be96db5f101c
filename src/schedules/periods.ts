// Periods <-> slots: operators publish a day as periods ("08:00"-"12:30" off), the store keeps 48
// slots, customers read periods again. Validation answers with the period and field at fault.
import { parseSlotTime, slotTime } from "./kyiv-day.js";
import { SLOTS_PER_DAY, type DaySlots, type SchedulePeriod, type SlotState } from "./types.js";

export interface PeriodError {
  /** Index of the offending period in the input list. */
  index: number;
  field: "from" | "to" | "state";
  message: string;
}

export type PeriodsResult = { ok: true; slots: SlotState[] } | { ok: false; error: PeriodError };

/** A day from its not-"on" periods: everything else is on. Times on :00/:30, no overlaps. */
export function periodsToSlots(periods: readonly SchedulePeriod[]): PeriodsResult {
  const slots: SlotState[] = Array.from({ length: SLOTS_PER_DAY }, () => "on");
  const owner: (number | null)[] = Array.from({ length: SLOTS_PER_DAY }, () => null);
  for (const [index, period] of periods.entries()) {
    if (period.state !== "off" && period.state !== "maybe") {
      return { ok: false, error: { index, field: "state", message: 'must be "off" or "maybe"' } };
    }
    const from = parseSlotTime(period.from);
    if (from === null || from === SLOTS_PER_DAY) {
      return {
        ok: false,
        error: { index, field: "from", message: "must be HH:MM on :00 or :30, 00:00-23:30" },
      };
    }
    const to = parseSlotTime(period.to);
    if (to === null) {
      return {
        ok: false,
        error: { index, field: "to", message: "must be HH:MM on :00 or :30, up to 24:00" },
      };
    }
    if (to <= from) return { ok: false, error: { index, field: "to", message: "must be after from" } };
    for (let slot = from; slot < to; slot++) {
      const other = owner[slot];
      if (other !== null && other !== undefined) {
        return {
          ok: false,
          error: { index, field: "from", message: `overlaps period ${other} (${slotTime(slot)})` },
        };
      }
      owner[slot] = index;
      slots[slot] = period.state;
    }
  }
  return { ok: true, slots };
}

/** The not-"on" runs of a day, in order; adjacent equal slots form one period. */
export function slotsToPeriods(slots: DaySlots): SchedulePeriod[] {
  const periods: SchedulePeriod[] = [];
  let start = 0;
  for (let slot = 1; slot <= slots.length; slot++) {
    const state = slots[start];
    if (slot < slots.length && slots[slot] === state) continue;
    if (state === "off" || state === "maybe")
      periods.push({ from: slotTime(start), to: slotTime(slot), state });
    start = slot;
  }
  return periods;
}
