// The pure rules behind readings: the window and billing period in Kyiv time, value checks
// (digits, lower, rollover, plausibility) and the average daily consumption from history.
import { describe, expect, test } from "vitest";
import { nextWorkingDays, readingWindow, showDate } from "../../src/engine/calendar.js";
import type { ReadingRecord } from "../../src/engine/ports.js";
import {
  checkedDailyPerZone,
  checkZoneValue,
  consumption,
  forecastDaily,
  historyDailyPerZone,
  usualDailyPerZone,
  zoneLimits,
} from "../../src/engine/reading-rules.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";

describe("reading window", () => {
  test.each([
    // [instant, open, period, opens, closes]
    ["2026-11-28T21:59:00Z", false, "2026-12", "29.11.2026", "03.12.2026"], // 23:59 on the 28th in Kyiv
    ["2026-11-28T22:00:00Z", true, "2026-12", "29.11.2026", "03.12.2026"], // 00:00 on the 29th in Kyiv
    ["2026-12-03T21:59:00Z", true, "2026-12", "29.11.2026", "03.12.2026"],
    ["2026-12-03T22:00:00Z", false, "2027-01", "30.12.2026", "03.01.2027"],
    ["2027-02-27T10:00:00Z", true, "2027-03", "27.02.2027", "03.03.2027"],
    ["2026-12-31T10:00:00Z", true, "2027-01", "30.12.2026", "03.01.2027"],
  ])("%s: open %s, period %s", (instant, open, period, opens, closes) => {
    const window = readingWindow(new Date(instant));
    expect(window.open).toBe(open);
    expect(window.period).toBe(period);
    expect(showDate(window.opensOn)).toBe(opens);
    expect(showDate(window.closesOn)).toBe(closes);
  });

  test("next working days skip weekends", () => {
    expect(nextWorkingDays(new Date("2026-11-27T10:00:00Z"), 3).map(showDate)).toEqual([
      "30.11.2026",
      "01.12.2026",
      "02.12.2026",
    ]);
  });
});

describe("zone values", () => {
  const limits = { expected: 200, warnAbove: 600, rejectAbove: 6000 };
  test.each([
    ["12a", 5, 1000, { kind: "not_a_number" }],
    ["-5", 5, 1000, { kind: "not_a_number" }],
    ["1.5", 5, 1000, { kind: "not_a_number" }],
    ["100000", 5, 1000, { kind: "too_many_digits", max: 99999 }],
    ["001200", 5, 1000, { kind: "ok", value: 1200, used: 200 }],
    ["1000", 5, 1000, { kind: "ok", value: 1000, used: 0 }],
    ["900", 5, 1000, { kind: "lower", last: 1000 }],
    ["100", 5, 99900, { kind: "rollover", value: 100, used: 200 }],
    ["1700", 5, 1000, { kind: "high", value: 1700, used: 700, expected: 200 }],
    ["7001", 5, 1000, { kind: "absurd", from: 1000, to: 7000 }],
    ["5", 5, null, { kind: "ok", value: 5, used: null }],
  ] as const)("%s on a %i-digit meter after %s", (raw, digits, last, expected) => {
    expect(checkZoneValue(raw, digits, last, limits)).toEqual(expected);
  });

  test("consumption across a rollover", () => {
    expect(consumption(99_950, 50, 5)).toBe(100);
    expect(consumption(100, 150, 5)).toBe(50);
  });

  test("limits scale with days since the last reading, with floors", () => {
    expect(zoneLimits(10, 30, defaultEngineSettings)).toEqual({
      expected: 300,
      warnAbove: 900,
      rejectAbove: 9000,
    });
    expect(zoneLimits(1, 0.5, defaultEngineSettings)).toEqual({
      expected: 1,
      warnAbove: 100,
      rejectAbove: 3000,
    });
  });
});

describe("average daily consumption", () => {
  const reading = (takenAt: string, t1: number, t2: number | null = null): ReadingRecord => ({
    id: 1,
    accountId: 1,
    period: "2026-01",
    t1,
    t2,
    t3: null,
    takenAt: new Date(takenAt),
    source: "billing",
    status: "accepted",
    flagReason: null,
    photoRef: null,
    inWindow: true,
  });

  test("from history, per zone, rollover-aware", () => {
    const history = [reading("2026-01-01T00:00:00Z", 99_900, 100), reading("2026-03-02T00:00:00Z", 500, 400)];
    expect(historyDailyPerZone(history, 2, 5, defaultEngineSettings)).toEqual([10, 5]);
  });

  test("short history is unknown; only the plausibility check falls back to the configured default", () => {
    const one = historyDailyPerZone([reading("2026-01-01T00:00:00Z", 1)], 2, 5, defaultEngineSettings);
    expect(one).toEqual([null, null]);
    const tooClose = [reading("2026-01-01T00:00:00Z", 1), reading("2026-01-10T00:00:00Z", 500)];
    expect(historyDailyPerZone(tooClose, 1, 5, defaultEngineSettings)).toEqual([null]);
    expect(checkedDailyPerZone(one, null, defaultEngineSettings)).toEqual([10, 10]);
    expect(forecastDaily(one, null)).toBeNull();
    expect(usualDailyPerZone(one, null)).toEqual([null, null]);
  });

  test("billing's average: the whole meter's forecast figure, a one-zone meter's usual figure", () => {
    // Two zones: billing's 7.5 a day is the forecast, not a zone's usual use; the check assumes no
    // zone uses more than the whole meter.
    expect(forecastDaily([null, null], 7.5)).toBe(7.5);
    expect(forecastDaily([10, 5], 7.5)).toBe(7.5);
    expect(forecastDaily([10, 5], null)).toBe(15);
    expect(usualDailyPerZone([null, null], 7.5)).toEqual([null, null]);
    expect(checkedDailyPerZone([null, null], 7.5, defaultEngineSettings)).toEqual([7.5, 7.5]);
    expect(usualDailyPerZone([10, 5], 7.5)).toEqual([10, 5]);
    // One zone: billing's figure is that zone's, and is preferred to the history's.
    expect(usualDailyPerZone([null], 7.5)).toEqual([7.5]);
    expect(usualDailyPerZone([12], 7.5)).toEqual([7.5]);
  });
});
