// The reading window and billing periods, in the company's time zone (Europe/Kyiv).
// Readings taken from two days before month end to the 3rd count as data for the 1st of the month:
// that month is the reading's billing period (YYYY-MM). A reading outside the window is still
// accepted as input data and belongs to the next period whose 1st comes after it.

import { kyivDate, kyivInstant, type KyivDateTime } from "../time/kyiv.js";

export { COMPANY_TIME_ZONE, kyivDate, kyivInstant } from "../time/kyiv.js";
export type LocalDate = KyivDateTime;

const LAST_WINDOW_DAY = 3;
const DAYS_BEFORE_MONTH_END = 2;

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

export function formatPeriod(year: number, month: number): string {
  return `${year}-${String(month).padStart(2, "0")}`;
}

export function parsePeriod(period: string): { year: number; month: number } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(period);
  if (!match) throw new RangeError(`not a period: ${period}`);
  return { year: Number(match[1]), month: Number(match[2]) };
}

export function nextPeriod(period: string): string {
  const { year, month } = parsePeriod(period);
  return month === 12 ? formatPeriod(year + 1, 1) : formatPeriod(year, month + 1);
}

export function previousPeriod(period: string): string {
  const { year, month } = parsePeriod(period);
  return month === 1 ? formatPeriod(year - 1, 12) : formatPeriod(year, month - 1);
}

/** The window of a billing period: opens two days before the previous month ends, closes after the 3rd. */
export function readingWindow(period: string): { opensAt: Date; closesAt: Date } {
  const { year, month } = parsePeriod(period);
  const prev = parsePeriod(previousPeriod(period));
  const openDay = daysInMonth(prev.year, prev.month) - DAYS_BEFORE_MONTH_END + 1;
  return {
    opensAt: kyivInstant(prev.year, prev.month, openDay),
    closesAt: kyivInstant(year, month, LAST_WINDOW_DAY + 1),
  };
}

/** The billing period a reading taken at `instant` counts for, and whether it is inside the window. */
export function billingPeriodAt(instant: Date): { period: string; inWindow: boolean } {
  const local = kyivDate(instant);
  const current = formatPeriod(local.year, local.month);
  if (local.day <= LAST_WINDOW_DAY) return { period: current, inWindow: true };
  const openDay = daysInMonth(local.year, local.month) - DAYS_BEFORE_MONTH_END + 1;
  return { period: nextPeriod(current), inWindow: local.day >= openDay };
}
