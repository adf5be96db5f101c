// "What happens next" at a glance: from an instant and the published slots of today and tomorrow,
// the next change of state (power goes off / possibly off / comes back) with the real time to it.
// Durations come from slotStart (kyiv-day.ts), so they are true across the 23- and 25-hour days.
import { slotAt, slotStart, addDays } from "./kyiv-day.js";
import { SLOTS_PER_DAY, type DaySlots, type SlotState } from "./types.js";

export interface NextSwitch {
  /** The state now by the schedule. */
  now: SlotState;
  /**
   * The next different state and when it starts, or null when the known slots (today, and tomorrow
   * when published) end without a change.
   */
  next: {
    state: SlotState;
    /** Kyiv date and wall-clock slot of the change. */
    date: string;
    index: number;
    at: Date;
    /** Real milliseconds from `from` to `at`. */
    inMs: number;
  } | null;
  /** When nothing changes: the instant the known schedule ends (a midnight). */
  knownUntil: { date: string; index: number };
}

/**
 * The next switch after `from`. `today` must be the schedule of `from`'s Kyiv day; `tomorrow` is
 * the next day's, or null when it is not published (then nothing past midnight is assumed).
 */
export function nextSwitch(from: Date, today: DaySlots, tomorrow: DaySlots | null): NextSwitch {
  const here = slotAt(from);
  const days: { date: string; slots: DaySlots }[] = [{ date: here.date, slots: today }];
  if (tomorrow) days.push({ date: addDays(here.date, 1), slots: tomorrow });
  const now = today[here.index] ?? "on";
  for (const [dayIndex, day] of days.entries()) {
    for (let index = dayIndex === 0 ? here.index + 1 : 0; index < SLOTS_PER_DAY; index += 1) {
      const state = day.slots[index] ?? "on";
      if (state === now) continue;
      const at = slotStart(day.date, index);
      // A slot of the skipped hour (the spring day) starts at the jump itself, like the next one.
      return {
        now,
        next: { state, date: day.date, index, at, inMs: at.getTime() - from.getTime() },
        knownUntil: { date: day.date, index },
      };
    }
  }
  const last = days[days.length - 1] ?? { date: here.date };
  return { now, next: null, knownUntil: { date: last.date, index: SLOTS_PER_DAY } };
}

/** Whole hours and minutes of a duration, minutes rounded up (a change in 30 s is "in 1 min"). */
export function hoursMinutes(ms: number): { hours: number; minutes: number } {
  const total = Math.max(0, Math.ceil(ms / 60_000));
  return { hours: Math.floor(total / 60), minutes: total % 60 };
}
