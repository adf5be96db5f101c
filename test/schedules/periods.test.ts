// Periods <-> slots: the operator's format and the stored 48 half hours.
import { describe, expect, it } from "vitest";
import { periodsToSlots, slotsToPeriods } from "../../src/schedules/periods.js";

describe("periods and slots", () => {
  it("round-trips a day with off and possible periods, to the end of the day", () => {
    const periods = [
      { from: "08:00", to: "12:30", state: "off" as const },
      { from: "16:00", to: "18:00", state: "maybe" as const },
      { from: "22:00", to: "24:00", state: "off" as const },
    ];
    const result = periodsToSlots(periods);
    if (!result.ok) throw new Error("expected slots");
    expect(result.slots.filter((s) => s === "off")).toHaveLength(13);
    expect(result.slots[16]).toBe("off");
    expect(result.slots[25]).toBe("on");
    expect(slotsToPeriods(result.slots)).toEqual(periods);
  });

  it("joins adjacent periods of one state and keeps different states apart", () => {
    const result = periodsToSlots([
      { from: "00:00", to: "02:00", state: "off" },
      { from: "02:00", to: "04:00", state: "off" },
      { from: "04:00", to: "05:00", state: "maybe" },
    ]);
    if (!result.ok) throw new Error("expected slots");
    expect(slotsToPeriods(result.slots)).toEqual([
      { from: "00:00", to: "04:00", state: "off" },
      { from: "04:00", to: "05:00", state: "maybe" },
    ]);
    expect(slotsToPeriods(Array.from({ length: 48 }, () => "on" as const))).toEqual([]);
  });

  it("names the period and field of an error", () => {
    const bad = (periods: Parameters<typeof periodsToSlots>[0]) => {
      const result = periodsToSlots(periods);
      return result.ok ? null : result.error;
    };
    expect(bad([{ from: "08:15", to: "09:00", state: "off" }])).toMatchObject({ index: 0, field: "from" });
    expect(bad([{ from: "08:00", to: "24:30", state: "off" }])).toMatchObject({ index: 0, field: "to" });
    expect(bad([{ from: "09:00", to: "08:00", state: "off" }])).toMatchObject({
      field: "to",
      message: "must be after from",
    });
    expect(
      bad([
        { from: "08:00", to: "10:00", state: "off" },
        { from: "09:30", to: "11:00", state: "maybe" },
      ]),
    ).toMatchObject({ index: 1, field: "from", message: "overlaps period 0 (09:30)" });
    expect(bad([{ from: "08:00", to: "09:00", state: "on" as never }])).toMatchObject({ field: "state" });
  });
});
