// Kyiv calendar days and their half-hour slots as instants, right on the days with 23 and 25 hours.
// Dates are "YYYY-MM-DD" strings of the Kyiv calendar; slot indexes run 0..48 (48 = the next midnight).
import { kyivDate, kyivInstant } from "../time/kyiv.js";
import { SLOTS_PER_DAY } from "./types.js";

const pad = (value: number): string => String(value).padStart(2, "0");

function parts(date: string): [number, number, number] {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) throw new RangeError(`not a date: ${date}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** Whether the string is a real calendar date "YYYY-MM-DD". */
export function isIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const utc = new Date(Date.UTC(y, m - 1, d));
  return utc.getUTCFullYear() === y && utc.getUTCMonth() === m - 1 && utc.getUTCDate() === d;
}

/** The Kyiv calendar date of an instant. */
export function kyivIsoDate(instant: Date): string {
  const local = kyivDate(instant);
  return `${local.year}-${pad(local.month)}-${pad(local.day)}`;
}

export function addDays(date: string, days: number): string {
  const [y, m, d] = parts(date);
  const utc = new Date(Date.UTC(y, m - 1, d + days));
  return `${utc.getUTCFullYear()}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}`;
}

/**
 * The instant slot `index` of a Kyiv day starts (index 48 = the next day's midnight). A slot in the
 * hour the clocks skip starts (and ends) at the jump; in the hour shown twice, at its first showing.
 */
export function slotStart(date: string, index: number): Date {
  if (!Number.isInteger(index) || index < 0 || index > SLOTS_PER_DAY) throw new RangeError(`slot ${index}`);
  if (index === SLOTS_PER_DAY) return dayStart(addDays(date, 1));
  const [y, m, d] = parts(date);
  return kyivInstant(y, m, d, Math.floor(index / 2), (index % 2) * 30);
}

/** The instant a Kyiv day starts (its midnight). */
export function dayStart(date: string): Date {
  const [y, m, d] = parts(date);
  return kyivInstant(y, m, d);
}

const hoursByDate = new Map<string, number>();
const DATES_KEPT = 10_000;

/** Hours in a Kyiv day: 24, or 23 / 25 on the days the clocks change (worked out once per date). */
export function dayHours(date: string): number {
  let hours = hoursByDate.get(date);
  if (hours === undefined) {
    hours = (dayStart(addDays(date, 1)).getTime() - dayStart(date).getTime()) / 3_600_000;
    if (hoursByDate.size >= DATES_KEPT) hoursByDate.clear();
    hoursByDate.set(date, hours);
  }
  return hours;
}

/** The last answer of todayAndTomorrow(): its UTC hour and the dates. */
let lastDays: { hour: number; dates: readonly [string, string] } | null = null;

/**
 * The Kyiv dates of an instant and of the day after. Kyiv's midnight is always on a whole UTC hour,
 * so the answer is kept for the UTC hour it was worked out in (every schedule view asks for it).
 */
export function todayAndTomorrow(instant: Date): readonly [string, string] {
  const hour = Math.floor(instant.getTime() / 3_600_000);
  if (lastDays?.hour !== hour) {
    const today = kyivIsoDate(instant);
    lastDays = { hour, dates: [today, addDays(today, 1)] };
  }
  return lastDays.dates;
}

/** The Kyiv day and wall-clock slot an instant falls in. */
export function slotAt(instant: Date): { date: string; index: number } {
  const local = kyivDate(instant);
  return {
    date: `${local.year}-${pad(local.month)}-${pad(local.day)}`,
    index: local.hour * 2 + (local.minute >= 30 ? 1 : 0),
  };
}

/** "HH:MM" of a slot boundary (48 -> "24:00"). */
export function slotTime(index: number): string {
  return `${pad(Math.floor(index / 2))}:${index % 2 === 0 ? "00" : "30"}`;
}

/** The slot boundary of "HH:MM" on :00 or :30 ("24:00" -> 48), or null for anything else. */
export function parseSlotTime(value: string): number | null {
  const match = /^(\d{2}):(00|30)$/.exec(value);
  if (!match) return null;
  const index = Number(match[1]) * 2 + (match[2] === "30" ? 1 : 0);
  return index <= SLOTS_PER_DAY ? index : null;
}
