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

/**
 * Kyiv's UTC offset (ms) per UTC hour, from Intl. Offsets change only on whole UTC hours (01:00 UTC
 * on the DST Sundays), so one lookup per hour is exact; formatToParts cost ~1 % of the service's CPU
 * when every call used it.
 */
const offsetByHour = new Map<number, number>();
const MAX_CACHED_HOURS = 100_000;

function offsetAt(ms: number): number {
  const hour = Math.floor(ms / 3_600_000);
  let offset = offsetByHour.get(hour);
  if (offset === undefined) {
    const at = new Date(hour * 3_600_000);
    const parts = Object.fromEntries(formatter.formatToParts(at).map((p) => [p.type, p.value]));
    const wallAsUtc = Date.UTC(
      Number(parts.year),
      Number(parts.month) - 1,
      Number(parts.day),
      Number(parts.hour),
      Number(parts.minute),
    );
    offset = wallAsUtc - at.getTime();
    if (offsetByHour.size >= MAX_CACHED_HOURS) offsetByHour.clear();
    offsetByHour.set(hour, offset);
  }
  return offset;
}

/** The wall-clock date and time in Kyiv for an instant. */
export function kyivDate(instant: Date): KyivDateTime {
  const wall = new Date(instant.getTime() + offsetAt(instant.getTime()));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
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
