// When schedule notices are due: periods in force as real instants (joined across midnight, true on
// the DST days), warnings per lead time (late rather than never, never after the start), "power
// back" within its window, and the debounce of day notices.
import { describe, expect, it } from "vitest";
import {
  dayNoticeDue,
  dueBeforeNotices,
  duePowerBack,
  periodsInForce,
  type DayInForce,
} from "../../src/schedules/notice-plan.js";
import { periodsToSlots } from "../../src/schedules/periods.js";
import { encodeSlots } from "../../src/schedules/slot-codes.js";
import type { SchedulePeriod, SlotState } from "../../src/schedules/types.js";

function slots(...periods: [string, string, "off" | "maybe"][]): SlotState[] {
  const result = periodsToSlots(periods.map(([from, to, state]): SchedulePeriod => ({ from, to, state })));
  if (!result.ok) throw new Error(result.error.message);
  return result.slots;
}

const published = new Date("2026-11-01T00:00:00Z");
const day = (date: string, ...periods: [string, string, "off" | "maybe"][]): DayInForce => ({
  date,
  slots: slots(...periods),
  publishedAt: published,
});
const iso = (d: Date) => d.toISOString();

describe("periodsInForce", () => {
  it("turns a day's runs into instants (Kyiv is UTC+2 in winter) with the states around them", () => {
    const periods = periodsInForce([
      day("2026-11-30", ["16:00", "18:00", "off"], ["18:00", "20:00", "maybe"]),
    ]);
    expect(periods.map((p) => [p.state, iso(p.from), iso(p.to), p.before, p.after])).toEqual([
      ["off", "2026-11-30T14:00:00.000Z", "2026-11-30T16:00:00.000Z", "on", "maybe"],
      ["maybe", "2026-11-30T16:00:00.000Z", "2026-11-30T18:00:00.000Z", "off", "on"],
    ]);
  });

  it("joins a period across midnight and leaves its end open when the next day is not published", () => {
    const joined = periodsInForce([
      day("2026-12-01", ["00:00", "02:00", "off"]),
      day("2026-11-30", ["22:00", "24:00", "off"]),
    ]);
    expect(joined.map((p) => [iso(p.from), iso(p.to), p.after])).toEqual([
      ["2026-11-30T20:00:00.000Z", "2026-12-01T00:00:00.000Z", "on"],
    ]);
    const open = periodsInForce([day("2026-11-30", ["22:00", "24:00", "off"])]);
    expect(open.map((p) => [iso(p.to), p.after])).toEqual([["2026-11-30T22:00:00.000Z", null]]);
    // A missing day in between: nothing is assumed across it.
    const gap = periodsInForce([
      day("2026-11-29", ["22:00", "24:00", "off"]),
      day("2026-12-01", ["00:00", "01:00", "off"]),
    ]);
    expect(gap.map((p) => [iso(p.from), p.after, p.before])).toEqual([
      ["2026-11-29T20:00:00.000Z", null, "on"],
      ["2026-11-30T22:00:00.000Z", "on", "on"],
    ]);
  });

  it("uses real instants on the DST days and drops a period that is only the skipped hour", () => {
    // 29.03.2026: 03:00 EET becomes 04:00 EEST. 02:00-06:00 lasts three real hours.
    const spring = periodsInForce([day("2026-03-29", ["02:00", "06:00", "off"])]);
    expect(spring.map((p) => [iso(p.from), iso(p.to)])).toEqual([
      ["2026-03-29T00:00:00.000Z", "2026-03-29T03:00:00.000Z"],
    ]);
    expect(periodsInForce([day("2026-03-29", ["03:00", "04:00", "off"])])).toEqual([]);
    // 25.10.2026: 04:00 EEST becomes 03:00 EET. 02:00-05:00 lasts four real hours.
    const autumn = periodsInForce([day("2026-10-25", ["02:00", "05:00", "off"])]);
    expect(autumn.map((p) => [iso(p.from), iso(p.to)])).toEqual([
      ["2026-10-24T23:00:00.000Z", "2026-10-25T03:00:00.000Z"],
    ]);
  });
});

describe("dueBeforeNotices", () => {
  const periods = periodsInForce([day("2026-11-30", ["16:00", "18:00", "off"])]); // 14:00Z
  const due = (at: string) => dueBeforeNotices(new Date(at), periods).map((d) => d.lead);

  it("is due from start minus the lead until the start, for each lead", () => {
    expect(due("2026-11-30T12:59:59Z")).toEqual([]);
    expect(due("2026-11-30T13:00:00Z")).toEqual([60]);
    expect(due("2026-11-30T13:30:00Z")).toEqual([30, 60]);
    expect(due("2026-11-30T13:45:00Z")).toEqual([15, 30, 60]);
    // Published late (one minute before): every lead is due at once, late rather than never.
    expect(due("2026-11-30T13:59:00Z")).toEqual([15, 30, 60]);
    // Started: nothing to warn about.
    expect(due("2026-11-30T14:00:00Z")).toEqual([]);
  });

  it("counts the lead in real time on the DST days", () => {
    // Spring: 05:00 EEST = 02:00Z; an hour before is 01:00Z = 04:00 EEST (03:00-04:00 does not exist),
    // not the wall clock's "04:00 - 1 h = 03:00".
    const spring = periodsInForce([day("2026-03-29", ["05:00", "06:00", "off"])]);
    expect(dueBeforeNotices(new Date("2026-03-29T00:59:00Z"), spring)).toEqual([]);
    expect(dueBeforeNotices(new Date("2026-03-29T01:00:00Z"), spring).map((d) => d.lead)).toEqual([60]);
    // Autumn: 04:00 EET = 02:00Z; an hour before is 01:00Z (the clocks go back then), not 00:00Z.
    const autumn = periodsInForce([day("2026-10-25", ["04:00", "06:00", "off"])]);
    expect(iso(autumn[0]!.from)).toBe("2026-10-25T02:00:00.000Z");
    expect(dueBeforeNotices(new Date("2026-10-25T00:59:00Z"), autumn)).toEqual([]);
    expect(dueBeforeNotices(new Date("2026-10-25T01:00:00Z"), autumn).map((d) => d.lead)).toEqual([60]);
  });

  it("warns of a definite outage after a possible one, not of anything right after an off period", () => {
    const mixed = periodsInForce([
      day("2026-11-30", ["10:00", "12:00", "maybe"], ["12:00", "14:00", "off"], ["14:00", "15:00", "maybe"]),
    ]);
    expect(mixed.map((p) => [p.state, p.before])).toEqual([
      ["maybe", "on"],
      ["off", "maybe"],
      ["maybe", "off"],
    ]);
    // A minute before each start: the possible and the definite outage are told, the possible
    // outage right after the off period is not (the power is already off).
    const told = mixed.map((p) => dueBeforeNotices(new Date(p.from.getTime() - 60_000), [p]).length);
    expect(told).toEqual([3, 3, 0]);
  });
});

describe("duePowerBack", () => {
  const periods = periodsInForce([
    day("2026-11-30", ["16:00", "18:00", "off"], ["20:00", "21:00", "off"], ["21:00", "22:00", "maybe"]),
  ]);
  const window = 10 * 60_000;

  it("is due at the end of an off period followed by power, within the window", () => {
    expect(duePowerBack(new Date("2026-11-30T15:59:00Z"), periods, window)).toEqual([]);
    expect(duePowerBack(new Date("2026-11-30T16:00:00Z"), periods, window).map((p) => iso(p.to))).toEqual([
      "2026-11-30T16:00:00.000Z",
    ]);
    expect(duePowerBack(new Date("2026-11-30T16:10:00Z"), periods, window)).toEqual([]);
    // 21:00 ends an off period but a possible outage follows: no "power is back".
    expect(duePowerBack(new Date("2026-11-30T19:01:00Z"), periods, window)).toEqual([]);
  });

  it("says nothing of a period whose end was published after it came", () => {
    const late = periodsInForce([
      { ...day("2026-11-30", ["16:00", "18:00", "off"]), publishedAt: new Date("2026-11-30T16:03:00Z") },
    ]);
    expect(duePowerBack(new Date("2026-11-30T16:05:00Z"), late, window)).toEqual([]);
  });
});

describe("dayNoticeDue", () => {
  const now = new Date("2026-11-30T18:00:00Z");
  const a = encodeSlots(slots(["08:00", "12:00", "off"]));
  const b = encodeSlots(slots(["10:00", "14:00", "off"]));
  const debounce = 120_000;

  it("published when nothing was told, changed when something else was, nothing when the same", () => {
    const old = new Date(now.getTime() - 180_000);
    expect(dayNoticeDue(now, null, { slots: a, publishedAt: old }, debounce)).toBe("published");
    expect(dayNoticeDue(now, { slots: a }, { slots: b, publishedAt: old }, debounce)).toBe("changed");
    expect(dayNoticeDue(now, { slots: b }, { slots: b, publishedAt: old }, debounce)).toBeNull();
  });

  it("waits until the newest publication is older than the debounce", () => {
    const recent = new Date(now.getTime() - 119_000);
    expect(dayNoticeDue(now, { slots: a }, { slots: b, publishedAt: recent }, debounce)).toBeNull();
    const settled = new Date(now.getTime() - 120_000);
    expect(dayNoticeDue(now, { slots: a }, { slots: b, publishedAt: settled }, debounce)).toBe("changed");
  });
});
