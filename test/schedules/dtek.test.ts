// DTEK's published document -> queue-days: the seven hour values, the unix key as a Kyiv midnight
// (a DST day included), city-grid queues, the wrapper, skipped all-"yes" future days, and errors
// that name where in the document they are.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  DTEK_HOUR_VALUES,
  dtekHoursToSlots,
  dtekQueueCode,
  kyivDateOfMidnight,
  parseDtekSchedule,
} from "../../src/schedules/dtek.js";
import { slotsToPeriods } from "../../src/schedules/periods.js";
import { encodeSlots } from "../../src/schedules/slot-codes.js";

const NOW = new Date("2026-11-29T17:00:00Z");
const fixture = async () =>
  JSON.parse(await readFile(new URL("../fixtures/dtek/disconschedule.json", import.meta.url), "utf8"));

const allYes = () => Object.fromEntries(Array.from({ length: 24 }, (_, i) => [String(i + 1), "yes"]));

describe("DTEK hour values", () => {
  it("maps all seven values to two half hours", () => {
    const hours = allYes();
    const values = ["yes", "no", "maybe", "first", "second", "mfirst", "msecond"];
    values.forEach((value, index) => (hours[String(index + 1)] = value));
    const slots = dtekHoursToSlots(hours, "x");
    expect(slots.slice(0, 14)).toEqual([
      ...["on", "on"],
      ...["off", "off"],
      ...["maybe", "maybe"],
      ...["off", "on"],
      ...["on", "off"],
      ...["maybe", "on"],
      ...["on", "maybe"],
    ]);
    expect(slots.slice(14).every((slot) => slot === "on")).toBe(true);
    expect(Object.keys(DTEK_HOUR_VALUES).sort()).toEqual([...values].sort());
  });

  it("hour 1 is 00:00-01:00 and hour 24 ends the day", () => {
    const hours = { ...allYes(), "1": "no", "24": "second" };
    expect(slotsToPeriods(dtekHoursToSlots(hours, "x"))).toEqual([
      { from: "00:00", to: "01:00", state: "off" },
      { from: "23:30", to: "24:00", state: "off" },
    ]);
  });

  it("turns queue keys into codes, city grid included", () => {
    expect(dtekQueueCode("GPV3.2")).toBe("3.2");
    expect(dtekQueueCode("GPV1001.1")).toBe("1001.1");
    expect(dtekQueueCode("GPV3")).toBeNull();
    expect(dtekQueueCode("gpv3.2")).toBeNull();
  });
});

describe("the unix key as a Kyiv date", () => {
  it("accepts Kyiv midnights only, on ordinary and DST days", () => {
    expect(kyivDateOfMidnight(1795903200)).toBe("2026-11-29"); // 22:00 UTC, UTC+2
    expect(kyivDateOfMidnight(Date.parse("2026-07-01T21:00:00Z") / 1000)).toBe("2026-07-02"); // UTC+3
    // 25 October 2026 (25 hours) starts at 21:00 UTC the day before (still UTC+3) ...
    expect(kyivDateOfMidnight(1792875600)).toBe("2026-10-25");
    // ... and the next day 25 hours later, at 22:00 UTC (UTC+2).
    expect(kyivDateOfMidnight(1792875600 + 25 * 3600)).toBe("2026-10-26");
    expect(kyivDateOfMidnight(1792875600 + 24 * 3600)).toBeNull();
    // 29 March 2026 (23 hours) starts at 22:00 UTC; the next day 23 hours later.
    expect(kyivDateOfMidnight(1774735200)).toBe("2026-03-29");
    expect(kyivDateOfMidnight(1774735200 + 23 * 3600)).toBe("2026-03-30");
    // A UTC midnight is not a Kyiv one; nor is a millisecond timestamp.
    expect(kyivDateOfMidnight(Date.parse("2026-11-29T00:00:00Z") / 1000)).toBeNull();
    expect(kyivDateOfMidnight(1795903200 * 1000)).toBeNull();
  });
});

describe("parseDtekSchedule", () => {
  it("reads the fixture: two days, five queues each, names from preset, the update time", async () => {
    const result = parseDtekSchedule(await fixture(), NOW);
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    const { schedule } = result;
    expect(schedule.today).toBe("2026-11-29");
    expect(schedule.updatedAt?.toISOString()).toBe("2026-11-29T16:45:00.000Z");
    expect(schedule.skipped).toEqual([]);
    expect(schedule.days.map((day) => [day.date, Object.keys(day.queues)])).toEqual([
      ["2026-11-29", ["1.1", "1.2", "3.2", "6.2", "1001.1"]],
      ["2026-11-30", ["1.1", "1.2", "3.2", "6.2", "1001.1"]],
    ]);
    expect(schedule.names["1001.1"]).toBe("ЦЕК 1.1");
    const today = schedule.days[0]!.queues;
    expect(encodeSlots(today["3.2"]!)).toBe(
      "0".repeat(16) + "1".repeat(9) + "0".repeat(7) + "2".repeat(4) + "0".repeat(12),
    );
    expect(slotsToPeriods(today["6.2"]!)).toEqual([{ from: "18:00", to: "24:00", state: "off" }]);
  });

  it("accepts the bare document and a string `today`; falls back to now without one", async () => {
    const bare = (await fixture()).DisconSchedule;
    bare.fact.today = "1795903200";
    expect(parseDtekSchedule(bare, NOW).ok).toBe(true);
    delete bare.fact.today;
    const result = parseDtekSchedule(bare, new Date("2026-11-30T10:00:00Z"));
    expect(result.ok && result.schedule.today).toBe("2026-11-30");
  });

  it("skips a day after today that is all yes, keeps an all-yes today", async () => {
    const document = await fixture();
    const data = document.DisconSchedule.fact.data;
    for (const day of Object.keys(data))
      for (const queue of Object.keys(data[day])) data[day][queue] = allYes();
    const result = parseDtekSchedule(document, NOW);
    if (!result.ok) throw new Error("expected a schedule");
    expect(result.schedule.days.map((day) => day.date)).toEqual(["2026-11-29"]);
    expect(result.schedule.skipped).toEqual([
      { date: "2026-11-30", reason: 'all "yes" after today: not published yet' },
    ]);
  });

  it("names the place of each problem", async () => {
    const base = await fixture();
    const cases: [(doc: typeof base) => void, string][] = [
      [
        (d) => (d.DisconSchedule.fact.data["1795903200"]["GPV1.1"]["5"] = "partly"),
        "body.DisconSchedule.fact.data.1795903200.GPV1.1.5",
      ],
      [
        (d) => (d.DisconSchedule.fact.data["1795903200"]["GPV1.1"]["25"] = "yes"),
        "body.DisconSchedule.fact.data.1795903200.GPV1.1.25",
      ],
      [
        (d) => (d.DisconSchedule.fact.data["1795903200"]["GPV1.1"] = "no"),
        "body.DisconSchedule.fact.data.1795903200.GPV1.1",
      ],
      [(d) => (d.DisconSchedule.fact.data["2026-11-29"] = {}), "body.DisconSchedule.fact.data.2026-11-29"],
      [(d) => (d.DisconSchedule.fact.update = "2026-11-29 18:45"), "body.DisconSchedule.fact.update"],
      [(d) => (d.DisconSchedule.fact.today = 1795900000), "body.DisconSchedule.fact.today"],
      [(d) => delete d.DisconSchedule.fact.data, "body.DisconSchedule.fact.data"],
    ];
    for (const [mutate, path] of cases) {
      const document = structuredClone(base);
      mutate(document);
      const result = parseDtekSchedule(document, NOW);
      expect(result.ok, path).toBe(false);
      if (!result.ok) expect(result.error.path).toBe(path);
    }
    expect(parseDtekSchedule([], NOW)).toMatchObject({ ok: false, error: { path: "body" } });
  });
});
