// Quiet hours in the company's time zone (Europe/Kyiv): proactive messages that respect them wait
// until the quiet period ends instead of waking people at night.
import { kyivDate, kyivInstant } from "../engine/reading-window.js";

export interface QuietHours {
  /** "HH:MM" Kyiv time the quiet period starts (e.g. "21:00"). */
  from: string;
  /** "HH:MM" Kyiv time it ends (e.g. "09:00"); may be earlier than `from` (spans midnight). */
  to: string;
}

function minutesOf(time: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new RangeError(`not a time of day: ${time}`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** Whether `instant` falls inside the quiet period. Equal bounds mean "no quiet hours". */
export function isQuiet(instant: Date, quiet: QuietHours): boolean {
  const from = minutesOf(quiet.from);
  const to = minutesOf(quiet.to);
  if (from === to) return false;
  const local = kyivDate(instant);
  const now = local.hour * 60 + local.minute;
  return from < to ? now >= from && now < to : now >= from || now < to;
}

/** The first instant at or after `instant` outside quiet hours (the instant itself when not quiet). */
export function quietHoursEnd(instant: Date, quiet: QuietHours): Date {
  if (!isQuiet(instant, quiet)) return instant;
  const to = minutesOf(quiet.to);
  const local = kyivDate(instant);
  const now = local.hour * 60 + local.minute;
  // Before `to` on the same local day, or after `from` and so `to` is tomorrow (Date.UTC rolls day+1 over).
  const day = now < to ? local.day : local.day + 1;
  return kyivInstant(local.year, local.month, day, Math.floor(to / 60), to % 60);
}
