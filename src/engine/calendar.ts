// Dates as the company sees them: local dates in Europe/Kyiv (through Intl, no tz library), the
// monthly reading window and the billing period a reading counts for. The window rules themselves
// live in reading-window.ts (shared with the reminder jobs); this file adapts them for the flows.
import {
  billingPeriodAt,
  daysInMonth,
  kyivDate,
  kyivInstant,
  readingWindow as windowOfPeriod,
} from "./reading-window.js";

export { daysInMonth };

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

/** The company's wall-clock date and time of an instant. */
export function toLocal(instant: Date): LocalDate & { hour: number; minute: number } {
  return kyivDate(instant);
}

export function addMonths(date: LocalDate, months: number): LocalDate {
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return { year, month, day: Math.min(date.day, daysInMonth(year, month)) };
}

export function addDays(date: LocalDate, days: number): LocalDate {
  const utc = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: utc.getUTCFullYear(), month: utc.getUTCMonth() + 1, day: utc.getUTCDate() };
}

/** ISO weekday of a calendar date (1 Monday .. 7 Sunday). */
export function isoWeekday(date: LocalDate): number {
  const day = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return day === 0 ? 7 : day;
}

const pad = (value: number): string => String(value).padStart(2, "0");

/** YYYY-MM */
export function periodOf(date: LocalDate): string {
  return `${date.year}-${pad(date.month)}`;
}

/** YYYY-MM-DD */
export function isoDate(date: LocalDate): string {
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

export function parseIsoDate(value: string): LocalDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  return { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
}

/** DD.MM.YYYY */
export function showDate(date: LocalDate): string {
  return `${pad(date.day)}.${pad(date.month)}.${date.year}`;
}

/** DD.MM */
export function showDayMonth(date: LocalDate): string {
  return `${pad(date.day)}.${pad(date.month)}`;
}

/** MM.YYYY for a YYYY-MM period. */
export function showPeriod(period: string): string {
  const [year, month] = period.split("-");
  return `${month}.${year}`;
}

/** DD.MM.YYYY HH:MM in the company's zone. */
export function showInstant(instant: Date): string {
  const local = toLocal(instant);
  return `${showDate(local)} ${pad(local.hour)}:${pad(local.minute)}`;
}

export function showLocalDay(instant: Date): string {
  return showDate(toLocal(instant));
}

/** Whole days from `from` to `to` (fractions count: 36 h is 1.5 days). */
export function daysBetween(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / 86_400_000;
}

/** The instant a company-local day starts. */
export function startOfLocalDay(date: LocalDate): Date {
  return kyivInstant(date.year, date.month, date.day);
}

export interface ReadingWindow {
  /** Whether readings taken now fall inside the window. */
  open: boolean;
  /** The billing period (YYYY-MM) a reading taken now counts for. */
  period: string;
  /** First and last local day of the window for that period. */
  opensOn: LocalDate;
  closesOn: LocalDate;
}

/** The window a reading taken now belongs to (rules in reading-window.ts, shared with reminders). */
export function readingWindow(now: Date): ReadingWindow {
  const { period, inWindow } = billingPeriodAt(now);
  const { opensAt, closesAt } = windowOfPeriod(period);
  return {
    open: inWindow,
    period,
    opensOn: toLocal(opensAt),
    closesOn: toLocal(new Date(closesAt.getTime() - 1)),
  };
}

/** The next `count` working days (Monday-Friday) after today. */
export function nextWorkingDays(now: Date, count: number): LocalDate[] {
  const days: LocalDate[] = [];
  let cursor: LocalDate = toLocal(now);
  while (days.length < count) {
    cursor = addDays(cursor, 1);
    if (isoWeekday(cursor) <= 5) days.push(cursor);
  }
  return days;
}
