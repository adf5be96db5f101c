// The contact centre's working hours (Kyiv time, configurable): whether a person is at work now and,
// if not, when the next shift starts. Pure; "Write to a person" tells the customer either.
import { addDays, isoWeekday, toLocal } from "./calendar.js";
import { kyivInstant } from "../time/kyiv.js";

export interface ContactHours {
  /** ISO weekdays the centre works (1 Monday .. 7 Sunday). */
  days: number[];
  /** "HH:MM" Kyiv time, from inclusive. */
  from: string;
  /** "HH:MM" Kyiv time, to exclusive; "24:00" is the end of the day. */
  to: string;
}

export type ContactCentreNow = { open: true } | { open: false; opensAt: Date | null };

function minutesOf(value: string): number {
  const [hours = "0", minutes = "0"] = value.split(":");
  return Number(hours) * 60 + Number(minutes);
}

export function contactCentreNow(now: Date, hours: ContactHours): ContactCentreNow {
  const local = toLocal(now);
  const from = minutesOf(hours.from);
  const to = minutesOf(hours.to);
  const minute = local.hour * 60 + local.minute;
  if (hours.days.includes(isoWeekday(local)) && minute >= from && minute < to) return { open: true };
  for (let ahead = 0; ahead <= 7; ahead += 1) {
    const date = addDays(local, ahead);
    if (!hours.days.includes(isoWeekday(date))) continue;
    const start = kyivInstant(date.year, date.month, date.day, Math.floor(from / 60), from % 60);
    if (start.getTime() > now.getTime()) return { open: false, opensAt: start };
  }
  return { open: false, opensAt: null };
}
