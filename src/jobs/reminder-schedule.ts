// When reading reminders are due, in Kyiv time: "window_open" when the reading window of a billing
// period opens (two days before month end) and "last_day" on its last day (the 3rd), each at a
// configurable time of day. Pure: the tick job and tests ask it with an explicit instant.
import {
  billingPeriodAt,
  kyivDate,
  kyivInstant,
  parsePeriod,
  readingWindow,
} from "../engine/reading-window.js";

export type ReminderKind = "window_open" | "last_day";

export interface ReminderTimes {
  /** "HH:MM" Kyiv time on the window's first day. */
  windowOpenTime: string;
  /** "HH:MM" Kyiv time on the window's last day (the 3rd). */
  lastDayTime: string;
}

const LAST_DAY = 3;

function hm(time: string): [number, number] {
  const [h = "0", m = "0"] = time.split(":");
  return [Number(h), Number(m)];
}

/** The instants both reminders of a period are scheduled for, and when the window closes. */
export function reminderInstants(
  period: string,
  times: ReminderTimes,
): Record<ReminderKind, Date> & { closesAt: Date } {
  const window = readingWindow(period);
  const open = kyivDate(window.opensAt);
  const { year, month } = parsePeriod(period);
  return {
    window_open: kyivInstant(open.year, open.month, open.day, ...hm(times.windowOpenTime)),
    last_day: kyivInstant(year, month, LAST_DAY, ...hm(times.lastDayTime)),
    closesAt: window.closesAt,
  };
}

/**
 * The reminder due at `now`, if any: the latest whose time has come while the window is open. Only
 * one kind is returned, so a service that was down when the window opened sends the last-day nudge
 * alone rather than both on the same day.
 */
export function dueReminder(
  now: Date,
  times: ReminderTimes,
): { period: string; kind: ReminderKind } | undefined {
  const { period } = billingPeriodAt(now);
  const at = reminderInstants(period, times);
  if (now >= at.closesAt) return undefined;
  if (now >= at.last_day) return { period, kind: "last_day" };
  if (now >= at.window_open) return { period, kind: "window_open" };
  return undefined;
}

/** The reminder a manual run means by default: the one due now, or the next one of the current period. */
export function defaultReminder(now: Date, times: ReminderTimes): { period: string; kind: ReminderKind } {
  const due = dueReminder(now, times);
  if (due) return due;
  const { period } = billingPeriodAt(now);
  return { period, kind: kyivDate(now).day <= LAST_DAY ? "last_day" : "window_open" };
}
