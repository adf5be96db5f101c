// The company's clock: wall-clock dates and times in Europe/Kyiv (UTC+2, UTC+3 in summer) through
// Intl, no tz library. Shared by the engine, the schedules and the jobs; imports nothing of ours.

export const COMPANY_TIME_ZONE = "Europe/Kyiv";

export interface KyivDateTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

const formatter = new Intl.DateTimeFormat("en-GB", {
  timeZone: COMPANY_TIME_ZONE,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

/** The wall-clock date and time in Kyiv for an instant. */
export function kyivDate(instant: Date): KyivDateTime {
  const parts = Object.fromEntries(formatter.formatToParts(instant).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
  };
}

/**
 * The instant of a Kyiv wall-clock time (handles the DST offset of that day). A time the clocks skip
 * (03:00-03:59 on the last Sunday of March) gives the instant the clocks jump (04:00 EEST); a time
 * they show twice (03:00-03:59 on the last Sunday of October) gives its first occurrence.
 */
export function kyivInstant(year: number, month: number, day: number, hour = 0, minute = 0): Date {
  for (let step = 0; step <= 2; step++) {
    const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute + step * 30);
    // Kyiv is UTC+3 or UTC+2: try the earlier instant first so a repeated time gives its first occurrence.
    for (const offsetHours of [3, 2]) {
      const instant = new Date(wallAsUtc - offsetHours * 3_600_000);
      const local = kyivDate(instant);
      if (Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute) === wallAsUtc)
        return instant;
    }
  }
  throw new RangeError(`no Kyiv instant for ${year}-${month}-${day} ${hour}:${minute}`);
}
