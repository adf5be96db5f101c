// Kyiv days and half-hour slots as instants, including the days with 23 and 25 hours.
import { describe, expect, it } from "vitest";
import {
  addDays,
  dayHours,
  isIsoDate,
  kyivIsoDate,
  parseSlotTime,
  slotAt,
  slotStart,
  slotTime,
  todayAndTomorrow,
} from "../../src/schedules/kyiv-day.js";

describe("Kyiv days", () => {
  it("has 24 hours on an ordinary day, 23 when the clocks go forward and 25 when they go back", () => {
    expect(dayHours("2026-11-29")).toBe(24);
    expect(dayHours("2026-03-29")).toBe(23);
    expect(dayHours("2026-10-25")).toBe(25);
  });

  it("turns slots into instants in winter and summer time", () => {
    expect(slotStart("2026-11-29", 0).toISOString()).toBe("2026-11-28T22:00:00.000Z");
    expect(slotStart("2026-11-29", 17).toISOString()).toBe("2026-11-29T06:30:00.000Z");
    expect(slotStart("2026-07-01", 16).toISOString()).toBe("2026-07-01T05:00:00.000Z");
    expect(slotStart("2026-11-29", 48).toISOString()).toBe("2026-11-29T22:00:00.000Z");
  });

  it("gives the skipped hour's slots the instant of the jump, and the repeated hour its first showing", () => {
    // 29 March 2026: 03:00 EET becomes 04:00 EEST at 01:00 UTC.
    expect(slotStart("2026-03-29", 6).toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(slotStart("2026-03-29", 7).toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(slotStart("2026-03-29", 8).toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(slotStart("2026-03-29", 5).toISOString()).toBe("2026-03-29T00:30:00.000Z");
    // 25 October 2026: 04:00 EEST becomes 03:00 EET at 01:00 UTC; 03:00-04:00 is shown twice.
    expect(slotStart("2026-10-25", 6).toISOString()).toBe("2026-10-25T00:00:00.000Z");
    expect(slotStart("2026-10-25", 8).toISOString()).toBe("2026-10-25T02:00:00.000Z");
  });

  it("finds the day and slot of an instant", () => {
    expect(slotAt(new Date("2026-11-29T06:45:00Z"))).toEqual({ date: "2026-11-29", index: 17 });
    expect(slotAt(new Date("2026-11-28T22:10:00Z"))).toEqual({ date: "2026-11-29", index: 0 });
    expect(kyivIsoDate(new Date("2026-11-28T21:59:00Z"))).toBe("2026-11-28");
  });

  it("reads and writes slot times and dates", () => {
    expect(parseSlotTime("08:00")).toBe(16);
    expect(parseSlotTime("12:30")).toBe(25);
    expect(parseSlotTime("24:00")).toBe(48);
    expect(parseSlotTime("08:15")).toBeNull();
    expect(parseSlotTime("24:30")).toBeNull();
    expect(parseSlotTime("8:00")).toBeNull();
    expect(slotTime(25)).toBe("12:30");
    expect(slotTime(48)).toBe("24:00");
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(isIsoDate("2026-02-29")).toBe(false);
    expect(isIsoDate("2028-02-29")).toBe(true);
  });

  it("gives today and tomorrow of an instant, right at Kyiv's midnight in winter and summer time", () => {
    // Asked again and again within an hour and across hours (the answer is kept per UTC hour).
    const cases: [string, string, string][] = [
      ["2026-11-30T21:59:59.999Z", "2026-11-30", "2026-12-01"],
      ["2026-11-30T22:00:00.000Z", "2026-12-01", "2026-12-02"],
      ["2026-11-30T21:00:00.000Z", "2026-11-30", "2026-12-01"],
      ["2026-07-01T20:59:59.999Z", "2026-07-01", "2026-07-02"],
      ["2026-07-01T21:00:00.000Z", "2026-07-02", "2026-07-03"],
      ["2026-03-28T22:30:00.000Z", "2026-03-29", "2026-03-30"],
      ["2026-12-31T22:00:00.000Z", "2027-01-01", "2027-01-02"],
    ];
    for (let round = 0; round < 2; round += 1) {
      for (const [instant, today, tomorrow] of cases) {
        expect(todayAndTomorrow(new Date(instant))).toEqual([today, tomorrow]);
        expect(kyivIsoDate(new Date(instant))).toBe(today);
      }
    }
  });
});
