// "What happens next": the next change of state and the real time to it, also across DST days.
import { describe, expect, it } from "vitest";
import { hoursMinutes, nextSwitch } from "../../src/schedules/next-switch.js";
import { periodsToSlots } from "../../src/schedules/periods.js";
import type { SchedulePeriod, SlotState } from "../../src/schedules/types.js";

function day(...periods: [string, string, "off" | "maybe"][]): SlotState[] {
  const result = periodsToSlots(periods.map(([from, to, state]): SchedulePeriod => ({ from, to, state })));
  if (!result.ok) throw new Error(result.error.message);
  return result.slots;
}

describe("nextSwitch", () => {
  it("names the next outage and the time to it", () => {
    // 13:50 Kyiv (UTC+2 in winter)
    const result = nextSwitch(new Date("2026-11-30T11:50:00Z"), day(["16:00", "18:00", "off"]), null);
    expect(result.now).toBe("on");
    expect(result.next?.state).toBe("off");
    expect(result.next?.index).toBe(32);
    expect(hoursMinutes(result.next?.inMs ?? 0)).toEqual({ hours: 2, minutes: 10 });
  });

  it("names when power is due back during an outage, and a possible outage as possible", () => {
    const today = day(["08:00", "12:30", "off"], ["12:30", "14:00", "maybe"]);
    const off = nextSwitch(new Date("2026-11-30T08:00:00Z"), today, null); // 10:00
    expect(off.now).toBe("off");
    expect(off.next).toMatchObject({ state: "maybe", index: 25 });
    const maybe = nextSwitch(new Date("2026-11-30T10:45:00Z"), today, null); // 12:45
    expect(maybe).toMatchObject({ now: "maybe", next: { state: "on", index: 28 } });
  });

  it("looks into tomorrow only when it is published", () => {
    const today = day(["08:00", "10:00", "off"]);
    const evening = new Date("2026-11-30T18:00:00Z"); // 20:00
    expect(nextSwitch(evening, today, null)).toMatchObject({
      now: "on",
      next: null,
      knownUntil: { date: "2026-11-30", index: 48 },
    });
    const withTomorrow = nextSwitch(evening, today, day(["06:00", "09:00", "off"]));
    expect(withTomorrow.next).toMatchObject({ state: "off", date: "2026-12-01", index: 12 });
    expect(hoursMinutes(withTomorrow.next?.inMs ?? 0)).toEqual({ hours: 10, minutes: 0 });
  });

  it("counts real time across the night the clocks go forward (2026-03-29: 23 hours)", () => {
    // 01:00 Kyiv (UTC+2) to 05:00 Kyiv (UTC+3): 3 real hours, not 4.
    const today = day(["05:00", "08:00", "off"]);
    const result = nextSwitch(new Date("2026-03-28T23:00:00Z"), today, null);
    expect(result.next?.at.toISOString()).toBe("2026-03-29T02:00:00.000Z");
    expect(hoursMinutes(result.next?.inMs ?? 0)).toEqual({ hours: 3, minutes: 0 });
  });

  it("counts real time across the night the clocks go back (2026-10-25: 25 hours)", () => {
    // 02:30 Kyiv (UTC+3) to 04:00 Kyiv (UTC+2): 2 h 30 min of real time, not 1 h 30 min.
    const today = day(["04:00", "06:00", "off"]);
    const result = nextSwitch(new Date("2026-10-24T23:30:00Z"), today, null);
    expect(hoursMinutes(result.next?.inMs ?? 0)).toEqual({ hours: 2, minutes: 30 });
  });

  it("rounds minutes up", () => {
    expect(hoursMinutes(30_000)).toEqual({ hours: 0, minutes: 1 });
    expect(hoursMinutes(0)).toEqual({ hours: 0, minutes: 0 });
  });
});
