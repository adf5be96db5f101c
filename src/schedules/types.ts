// The vocabulary of outage schedules by queue (графіки погодинних відключень), shared by the pure
// schedule logic in this folder, the engine's schedule port, the store and the operator API.

/** A half hour as customers see it: power on, off (definite), or a possible outage ("maybe"). */
export type SlotState = "on" | "off" | "maybe";

/** A day has 48 half-hour slots by the Kyiv wall clock: slot i starts at i x 30 minutes past midnight. */
export const SLOTS_PER_DAY = 48;

/**
 * One queue's day: exactly SLOTS_PER_DAY states by wall clock. On the day clocks go forward the
 * slots of 03:00-04:00 last no time at all; on the day they go back those slots last twice as long
 * (see kyiv-day.ts, which turns slots into instants).
 */
export type DaySlots = readonly SlotState[];

/** A run of equal, not-"on" slots, as operators publish it and customers read it ("08:00"-"12:30"). */
export interface SchedulePeriod {
  /** "HH:MM" on :00 or :30. */
  from: string;
  /** "HH:MM" on :00 or :30, after `from`; "24:00" is the end of the day. */
  to: string;
  state: Exclude<SlotState, "on">;
}

/** Region-wide: schedules apply, no outages are planned, or emergency shutdowns (schedules not in force). */
export type OutageMode = "schedules" | "none" | "emergency";

export interface QueueInfo {
  /** "3.2", city-grid "1001.1". */
  code: string;
  /** Display name in Ukrainian ("Черга 3.2", "ЦЕК 1.1"). */
  name: string;
}
