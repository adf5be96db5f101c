// What a publication changed: runs of half hours per (was, now), new queues against all "on",
// unchanged queues left out.
import { describe, expect, it } from "vitest";
import { diffDays, diffSlots } from "../../src/schedules/diff.js";
import { periodsToSlots } from "../../src/schedules/periods.js";
import type { SchedulePeriod, SlotState } from "../../src/schedules/types.js";

function day(periods: SchedulePeriod[]): SlotState[] {
  const result = periodsToSlots(periods);
  if (!result.ok) throw new Error(result.error.message);
  return result.slots;
}

describe("diffSlots", () => {
  it("is empty for equal days", () => {
    const slots = day([{ from: "08:00", to: "12:00", state: "off" }]);
    expect(diffSlots(slots, [...slots])).toEqual([]);
  });

  it("gives one run per (was, now) pair, with times up to 24:00", () => {
    const before = day([{ from: "08:00", to: "12:00", state: "off" }]);
    const after = day([
      { from: "10:00", to: "14:00", state: "off" },
      { from: "22:00", to: "24:00", state: "maybe" },
    ]);
    expect(diffSlots(before, after)).toEqual([
      { fromSlot: 16, toSlot: 20, from: "08:00", to: "10:00", was: "off", now: "on" },
      { fromSlot: 24, toSlot: 28, from: "12:00", to: "14:00", was: "on", now: "off" },
      { fromSlot: 44, toSlot: 48, from: "22:00", to: "24:00", was: "on", now: "maybe" },
    ]);
  });

  it("splits adjacent runs whose states differ", () => {
    const before = day([{ from: "00:00", to: "02:00", state: "maybe" }]);
    const after = day([
      { from: "00:00", to: "01:00", state: "off" },
      { from: "01:00", to: "03:00", state: "off" },
    ]);
    expect(diffSlots(before, after).map((c) => [c.from, c.to, c.was, c.now])).toEqual([
      ["00:00", "02:00", "maybe", "off"],
      ["02:00", "03:00", "on", "off"],
    ]);
  });
});

describe("diffDays", () => {
  it("lists changed and new queues in the order published, not the unchanged ones", () => {
    const off = day([{ from: "08:00", to: "12:00", state: "off" }]);
    const changes = diffDays(
      { "3.2": off, "1.1": off },
      { "1.1": off, "3.2": day([]), "6.2": day([]), "5.1": off },
    );
    expect(changes).toEqual([
      {
        queue: "3.2",
        kind: "changed",
        changes: [{ fromSlot: 16, toSlot: 24, from: "08:00", to: "12:00", was: "off", now: "on" }],
      },
      { queue: "6.2", kind: "new", changes: [] },
      {
        queue: "5.1",
        kind: "new",
        changes: [{ fromSlot: 16, toSlot: 24, from: "08:00", to: "12:00", was: "on", now: "off" }],
      },
    ]);
  });
});
