// The reading window and billing periods, in the company's time zone (Europe/Kyiv).
// Readings taken from two days before month end to the 3rd count as data for the 1st of the month:
// that month is the reading's billing period (YYYY-MM). A reading outside the window is still
// accepted as input data and belongs to the next period whose 1st comes after it.

export const COMPANY_TIME_ZONE = "Europe/Kyiv";
const LAST_WINDOW_DAY = 3;
const DAYS_BEFORE_MONTH_END = 2;

export interface LocalDate {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

const formatter = new Intl.DateTimeFormat("en-GB", {
  timeZone: COMPANY_TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** The wall-clock date and time in Kyiv for an instant. */
export function kyivDate(instant: Date): LocalDate {
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

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

/** The instant of a Kyiv wall-clock time (handles the DST offset of that day). */
export function kyivInstant(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  // Kyiv is UTC+2 or UTC+3: correct the guess by the offset observed at it.
  let instant = guess - 2 * 3_600_000;
  for (let i = 0; i < 2; i++) {
    const local = kyivDate(new Date(instant));
    const localAsUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
    instant += guess - localAsUtc;
  }
  return new Date(instant);
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
