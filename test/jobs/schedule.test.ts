// Pure time rules in Kyiv time: quiet hours (across midnight and DST) and when reminders are due.
import { describe, expect, it } from "vitest";
import { kyivInstant } from "../../src/engine/reading-window.js";
import { isQuiet, quietHoursEnd } from "../../src/jobs/quiet-hours.js";
import { defaultReminder, dueReminder, reminderInstants } from "../../src/jobs/reminder-schedule.js";

const quiet = { from: "21:00", to: "09:00" };
const times = { windowOpenTime: "10:00", lastDayTime: "10:00" };

describe("quiet hours", () => {
  it("spans midnight: 21:00 inclusive to 09:00 exclusive", () => {
    expect(isQuiet(kyivInstant(2026, 11, 29, 20, 59), quiet)).toBe(false);
    expect(isQuiet(kyivInstant(2026, 11, 29, 21, 0), quiet)).toBe(true);
    expect(isQuiet(kyivInstant(2026, 11, 30, 3, 0), quiet)).toBe(true);
    expect(isQuiet(kyivInstant(2026, 11, 30, 8, 59), quiet)).toBe(true);
    expect(isQuiet(kyivInstant(2026, 11, 30, 9, 0), quiet)).toBe(false);
  });

  it("ends at the next 09:00 Kyiv, across month and year ends, and in summer time", () => {
    expect(quietHoursEnd(kyivInstant(2026, 11, 30, 23, 10), quiet)).toEqual(kyivInstant(2026, 12, 1, 9, 0));
    expect(quietHoursEnd(kyivInstant(2026, 12, 31, 22, 0), quiet)).toEqual(kyivInstant(2027, 1, 1, 9, 0));
    expect(quietHoursEnd(kyivInstant(2026, 12, 1, 2, 0), quiet)).toEqual(kyivInstant(2026, 12, 1, 9, 0));
    // 1 July: Kyiv is UTC+3, so 09:00 local is 06:00 UTC.
    expect(quietHoursEnd(kyivInstant(2026, 7, 1, 23, 0), quiet).toISOString()).toBe(
      "2026-07-02T06:00:00.000Z",
    );
    const day = kyivInstant(2026, 11, 30, 12, 0);
    expect(quietHoursEnd(day, quiet)).toBe(day);
  });

  it("a daytime range and an empty range work too", () => {
    const lunch = { from: "13:00", to: "14:00" };
    expect(isQuiet(kyivInstant(2026, 11, 30, 13, 30), lunch)).toBe(true);
    expect(isQuiet(kyivInstant(2026, 11, 30, 14, 0), lunch)).toBe(false);
    expect(quietHoursEnd(kyivInstant(2026, 11, 30, 13, 30), lunch)).toEqual(kyivInstant(2026, 11, 30, 14, 0));
    expect(isQuiet(kyivInstant(2026, 11, 30, 3, 0), { from: "00:00", to: "00:00" })).toBe(false);
  });
});

describe("reminder schedule", () => {
  it("window_open two days before month end, last_day on the 3rd, at the configured times", () => {
    const at = reminderInstants("2026-12", times);
    expect(at.window_open).toEqual(kyivInstant(2026, 11, 29, 10, 0));
    expect(at.last_day).toEqual(kyivInstant(2026, 12, 3, 10, 0));
    // February 2027 has 28 days: the March window opens on the 27th.
    expect(reminderInstants("2027-03", { windowOpenTime: "11:30", lastDayTime: "18:00" })).toMatchObject({
      window_open: kyivInstant(2027, 2, 27, 11, 30),
      last_day: kyivInstant(2027, 3, 3, 18, 0),
    });
  });

  it("is due from its time until the window closes, the latest kind only", () => {
    expect(dueReminder(kyivInstant(2026, 11, 28, 12, 0), times)).toBeUndefined();
    expect(dueReminder(kyivInstant(2026, 11, 29, 9, 59), times)).toBeUndefined();
    expect(dueReminder(kyivInstant(2026, 11, 29, 10, 0), times)).toEqual({
      period: "2026-12",
      kind: "window_open",
    });
    expect(dueReminder(kyivInstant(2026, 12, 2, 15, 0), times)).toEqual({
      period: "2026-12",
      kind: "window_open",
    });
    expect(dueReminder(kyivInstant(2026, 12, 3, 10, 0), times)).toEqual({
      period: "2026-12",
      kind: "last_day",
    });
    expect(dueReminder(kyivInstant(2026, 12, 3, 23, 59), times)).toEqual({
      period: "2026-12",
      kind: "last_day",
    });
    expect(dueReminder(kyivInstant(2026, 12, 4, 0, 0), times)).toBeUndefined();
    expect(dueReminder(kyivInstant(2026, 12, 15, 10, 0), times)).toBeUndefined();
  });

  it("a manual run defaults to the reminder due now, else the next of the current period", () => {
    expect(defaultReminder(kyivInstant(2026, 12, 3, 11, 0), times)).toEqual({
      period: "2026-12",
      kind: "last_day",
    });
    expect(defaultReminder(kyivInstant(2026, 12, 15, 11, 0), times)).toEqual({
      period: "2027-01",
      kind: "window_open",
    });
    expect(defaultReminder(kyivInstant(2026, 12, 2, 8, 0), times)).toEqual({
      period: "2026-12",
      kind: "window_open",
    });
  });
});
