// The rules a submitted meter value must pass (notes/domain.md), as pure functions: whole number,
// fits the meter's digits, not below the last reading unless the meter rolled over, plausible
// against the average daily consumption (history, billing's average, else a configured default).
// Outcomes are values, never exceptions. A figure shown to a customer comes from their history or
// from billing, never from the default.
import { daysBetween } from "./calendar.js";
import type { ReadingRecord } from "./ports.js";
import type { EngineSettings } from "./settings.js";

export function zoneValue(reading: ReadingRecord, zone: number): number | null {
  return zone === 0 ? reading.t1 : zone === 1 ? reading.t2 : reading.t3;
}

/** Consumption between two register values of a meter with `digits` digits (a lower value means a rollover). */
export function consumption(previous: number, current: number, digits: number): number {
  return current >= previous ? current - previous : current + 10 ** digits - previous;
}

/**
 * The customer's own average daily consumption per zone from the counting readings (any order):
 * null for every zone when the history is too short (fewer than two readings or spanning too few
 * days), and for a zone some reading has no value for.
 */
export function historyDailyPerZone(
  readings: ReadingRecord[],
  zones: number,
  digits: number,
  settings: EngineSettings,
): (number | null)[] {
  const unknown = Array.from({ length: zones }, (): number | null => null);
  const sorted = [...readings].sort((a, b) => a.takenAt.getTime() - b.takenAt.getTime());
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last || sorted.length < 2) return unknown;
  const days = daysBetween(first.takenAt, last.takenAt);
  if (days < settings.plausibility.minHistoryDays) return unknown;
  return unknown.map((_, zone) => {
    let total = 0;
    for (let index = 1; index < sorted.length; index += 1) {
      const before = sorted[index - 1];
      const after = sorted[index];
      const a = before ? zoneValue(before, zone) : null;
      const b = after ? zoneValue(after, zone) : null;
      if (a === null || b === null) return null;
      total += consumption(a, b, digits);
    }
    return total / days;
  });
}

/**
 * The customer's usual daily consumption per zone as their data or the company's tells it:
 * billing's average (`avg_daily_kwh`, the figure a forecast bill uses) for a one-zone meter, else
 * their own history; null where neither does. Only these figures are shown to a customer.
 */
export function usualDailyPerZone(
  historyDaily: (number | null)[],
  billingDaily: number | null,
): (number | null)[] {
  if (historyDaily.length === 1 && billingDaily !== null) return [billingDaily];
  return historyDaily;
}

/**
 * The daily consumption per zone the plausibility check assumes: the usual figure; else billing's
 * average of the whole meter (no zone uses more than the whole meter); else the configured default.
 */
export function checkedDailyPerZone(
  usualDaily: (number | null)[],
  billingDaily: number | null,
  settings: EngineSettings,
): number[] {
  return usualDaily.map((value) => value ?? billingDaily ?? settings.plausibility.defaultDailyKwh);
}

/** The whole meter's daily consumption a forecast bill uses: billing's, else the history's; null when unknown. */
export function forecastDaily(historyDaily: (number | null)[], billingDaily: number | null): number | null {
  if (billingDaily !== null) return billingDaily;
  let total = 0;
  for (const value of historyDaily) {
    if (value === null) return null;
    total += value;
  }
  return historyDaily.length > 0 ? total : null;
}

export type ZoneCheck =
  | { kind: "not_a_number" }
  | { kind: "too_many_digits"; max: number }
  | { kind: "lower"; last: number }
  | { kind: "rollover"; value: number; used: number }
  | { kind: "absurd"; from: number; to: number }
  | { kind: "high"; value: number; used: number; expected: number }
  | { kind: "ok"; value: number; used: number | null };

export interface ZoneLimits {
  /** Consumption above this asks to confirm (and for a photo). */
  warnAbove: number;
  /** Consumption above this is rejected. */
  rejectAbove: number;
  expected: number;
}

export function zoneLimits(
  averageDaily: number,
  daysSinceLast: number,
  settings: EngineSettings,
): ZoneLimits {
  const expected = averageDaily * Math.max(1, daysSinceLast);
  const { warnFactor, warnFloorKwh, absurdFactor, absurdFloorKwh } = settings.plausibility;
  return {
    expected: Math.round(expected),
    warnAbove: Math.round(Math.max(expected * warnFactor, warnFloorKwh)),
    rejectAbove: Math.round(Math.max(expected * absurdFactor, absurdFloorKwh)),
  };
}

/** Checks typed text as the value of one zone against the last counting value of that zone. */
export function checkZoneValue(
  raw: string,
  digits: number,
  last: number | null,
  limits: ZoneLimits,
): ZoneCheck {
  const compact = raw.replace(/[\s\u00a0]/g, "");
  if (!/^\d+$/.test(compact)) return { kind: "not_a_number" };
  const max = 10 ** digits - 1;
  const value = Number(compact.replace(/^0+(?=\d)/, ""));
  if (compact.replace(/^0+(?=\d)/, "").length > digits || value > max)
    return { kind: "too_many_digits", max };
  if (last === null) return { kind: "ok", value, used: null };
  const range = { from: last, to: (last + limits.rejectAbove) % (max + 1) };
  if (value < last) {
    const used = consumption(last, value, digits);
    if (used <= limits.rejectAbove) return { kind: "rollover", value, used };
    return { kind: "lower", last };
  }
  const used = value - last;
  if (used > limits.rejectAbove) return { kind: "absurd", ...range };
  if (used > limits.warnAbove) return { kind: "high", value, used, expected: limits.expected };
  return { kind: "ok", value, used };
}

/** After a confirmed rollover: still far above the forecast? */
export function isHigh(used: number, limits: ZoneLimits): boolean {
  return used > limits.warnAbove;
}
