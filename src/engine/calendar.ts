// Dates as the company sees them: local dates in its time zone (Europe/Kyiv, through Intl, no tz
// library), the monthly reading window and the billing period a reading counts for.
//
// Billing rule (notes/domain.md): readings taken from the last days of a month to the 3rd of the next
// count as data for the 1st of that next month, so the period is the month that starts. A reading
// outside the window is kept as input data for the upcoming period.
import type { EngineSettings } from "./settings.js";

export interface LocalDate {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
}

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-GB", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      weekday: "short",
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

export interface LocalDateTime extends LocalDate {
  hour: number;
  minute: number;
  /** 1 Monday .. 7 Sunday */
  isoWeekday: number;
}

const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function toLocal(instant: Date, timeZone: string): LocalDateTime {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const get = (type: string): string => parts.find((part) => part.type === type)?.value ?? "";
  return {
    year: Number(get("year")),
    month: Number(get("month")),
    day: Number(get("day")),
    hour: Number(get("hour")),
    minute: Number(get("minute")),
    isoWeekday: weekdays[get("weekday")] ?? 1,
  };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
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
export function showInstant(instant: Date, timeZone: string): string {
  const local = toLocal(instant, timeZone);
  return `${showDate(local)} ${pad(local.hour)}:${pad(local.minute)}`;
}

export function showLocalDay(instant: Date, timeZone: string): string {
  return showDate(toLocal(instant, timeZone));
}

/** Whole days from `from` to `to` (fractions count: 36 h is 1.5 days). */
export function daysBetween(from: Date, to: Date): number {
  return (to.getTime() - from.getTime()) / 86_400_000;
}

/** The instant a local midnight happens in the zone (a DST-safe approximation good to the minute). */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  const guess = Date.UTC(date.year, date.month - 1, date.day);
  const local = toLocal(new Date(guess), timeZone);
  const shownAsUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  return new Date(guess - (shownAsUtc - guess));
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

export function readingWindow(now: Date, settings: EngineSettings): ReadingWindow {
  const today = toLocal(now, settings.timeZone);
  const { opensDaysBeforeMonthEnd, closesOnDay } = settings.readingWindow;
  const openDayOf = (date: LocalDate): number => daysInMonth(date.year, date.month) - opensDaysBeforeMonthEnd;
  const thisMonth: LocalDate = { year: today.year, month: today.month, day: 1 };
  const nextMonth = addMonths(thisMonth, 1);
  if (today.day >= openDayOf(today)) {
    return {
      open: true,
      period: periodOf(nextMonth),
      opensOn: { ...thisMonth, day: openDayOf(thisMonth) },
      closesOn: { ...nextMonth, day: closesOnDay },
    };
  }
  if (today.day <= closesOnDay) {
    const previousMonth = addMonths(thisMonth, -1);
    return {
      open: true,
      period: periodOf(thisMonth),
      opensOn: { ...previousMonth, day: openDayOf(previousMonth) },
      closesOn: { ...thisMonth, day: closesOnDay },
    };
  }
  return {
    open: false,
    period: periodOf(nextMonth),
    opensOn: { ...thisMonth, day: openDayOf(thisMonth) },
    closesOn: { ...nextMonth, day: closesOnDay },
  };
}

/** The next `count` working days (Monday-Friday) after today. */
export function nextWorkingDays(now: Date, count: number, timeZone: string): LocalDate[] {
  const days: LocalDate[] = [];
  let cursor: LocalDate = toLocal(now, timeZone);
  while (days.length < count) {
    cursor = addDays(cursor, 1);
    if (isoWeekday(cursor) <= 5) days.push(cursor);
  }
  return days;
}
