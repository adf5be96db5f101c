// kyivDate (cached offset per UTC hour) agrees with Intl on every hour of two years, across DST.
import { describe, expect, it } from "vitest";
import { kyivDate, kyivInstant } from "../../src/time/kyiv.js";

const intl = new Intl.DateTimeFormat("en-GB", {
  timeZone: "Europe/Kyiv",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

describe("Kyiv time", () => {
  it("matches Intl at every 20 minutes of 2025-2026, DST changes included", () => {
    const start = Date.UTC(2025, 0, 1);
    const end = Date.UTC(2027, 0, 1);
    for (let ms = start; ms < end; ms += 20 * 60_000) {
      const parts = Object.fromEntries(intl.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
      const local = kyivDate(new Date(ms + 59_000));
      expect([local.year, local.month, local.day, local.hour, local.minute]).toEqual([
        Number(parts.year),
        Number(parts.month),
        Number(parts.day),
        Number(parts.hour),
        Number(parts.minute),
      ]);
    }
  });

  it("finds the instant of a wall-clock time, skipped and repeated hours included", () => {
    expect(kyivInstant(2026, 11, 29, 8, 0).toISOString()).toBe("2026-11-29T06:00:00.000Z");
    expect(kyivInstant(2026, 7, 1, 8, 0).toISOString()).toBe("2026-07-01T05:00:00.000Z");
    expect(kyivInstant(2026, 3, 29, 3, 30).toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(kyivInstant(2026, 10, 25, 3, 30).toISOString()).toBe("2026-10-25T00:30:00.000Z");
  });
});
