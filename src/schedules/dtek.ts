// DTEK's published schedule document (DisconSchedule) -> our queue-days. Pure: the operator service
// decides what to store. Every problem names where in the document it is ("body.fact.data.<key>...").
//
// Shape: { fact: { data: { "<unix seconds of a Kyiv midnight>": { "GPV3.2": { "1": "yes", ...,
// "24": "no" } } }, update: "dd.MM.yyyy HH:mm", today: <unix seconds> }, preset: { sch_names: {
// "GPV3.2": "Черга 3.2" }, ... } }, bare or wrapped as { DisconSchedule: {...} }. Hour "1" is
// 00:00-01:00 by the Kyiv wall clock; `preset`'s weekly template is not used.
import { kyivInstant } from "../time/kyiv.js";
import { dayStart, isIsoDate, kyivIsoDate } from "./kyiv-day.js";
import { SLOTS_PER_DAY, type SlotState } from "./types.js";

/** DTEK's hour values and the two half hours each stands for. */
export const DTEK_HOUR_VALUES: Readonly<Record<string, readonly [SlotState, SlotState]>> = {
  yes: ["on", "on"],
  no: ["off", "off"],
  maybe: ["maybe", "maybe"],
  first: ["off", "on"],
  second: ["on", "off"],
  mfirst: ["maybe", "on"],
  msecond: ["on", "maybe"],
};

/** "GPV3.2" -> "3.2", "GPV1001.1" -> "1001.1". */
const GPV_KEY = /^GPV(\d{1,4}\.\d{1,2})$/;

export interface DtekDay {
  /** Kyiv date "YYYY-MM-DD". */
  date: string;
  /** Queue code -> 48 slots. */
  queues: Record<string, SlotState[]>;
}

export interface DtekSchedule {
  days: DtekDay[];
  /** Days left out: all "yes" for every queue after `today` ("not published yet"). */
  skipped: { date: string; reason: string }[];
  /** Queue code -> DTEK's display name (preset.sch_names), for queues that are not configured yet. */
  names: Record<string, string>;
  /** `fact.update` as an instant (Kyiv wall clock), when the document has one. */
  updatedAt: Date | null;
  /** `fact.today` as a Kyiv date. */
  today: string;
}

export interface DtekProblem {
  path: string;
  message: string;
}

export type DtekResult = { ok: true; schedule: DtekSchedule } | { ok: false; error: DtekProblem };

class Problem extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The queue code of a DTEK key, or null. */
export function dtekQueueCode(key: string): string | null {
  return GPV_KEY.exec(key)?.[1] ?? null;
}

/**
 * The Kyiv date whose midnight is this unix time (seconds), or null when it is not a Kyiv midnight
 * (so a UTC midnight, or a key off by an hour on a DST day, is refused rather than misfiled).
 */
export function kyivDateOfMidnight(unixSeconds: number): string | null {
  // Years 2000-2099 only: a millisecond timestamp or garbage is refused, not read as year 58879.
  if (!Number.isSafeInteger(unixSeconds) || unixSeconds < 946_684_800 || unixSeconds >= 4_102_444_800)
    return null;
  const instant = new Date(unixSeconds * 1000);
  const date = kyivIsoDate(instant);
  return dayStart(date).getTime() === instant.getTime() ? date : null;
}

/** One queue's 24 hours as 48 slots. */
export function dtekHoursToSlots(hours: unknown, path: string): SlotState[] {
  if (!isObject(hours)) throw new Problem(path, 'must be an object of hours "1".."24"');
  const slots: SlotState[] = [];
  for (let hour = 1; hour <= SLOTS_PER_DAY / 2; hour++) {
    const value = hours[String(hour)];
    if (value === undefined) throw new Problem(`${path}.${hour}`, "is missing");
    const halves = typeof value === "string" ? DTEK_HOUR_VALUES[value] : undefined;
    if (!halves) {
      throw new Problem(`${path}.${hour}`, `must be one of ${Object.keys(DTEK_HOUR_VALUES).join(", ")}`);
    }
    slots.push(...halves);
  }
  const extra = Object.keys(hours).find((key) => !/^([1-9]|1\d|2[0-4])$/.test(key));
  if (extra !== undefined) throw new Problem(`${path}.${extra}`, 'is not an hour "1".."24"');
  return slots;
}

function unixSeconds(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : null;
  if (typeof value === "string" && /^\d{1,12}$/.test(value)) return Number(value);
  return null;
}

/** "dd.MM.yyyy HH:mm" on the Kyiv wall clock. */
function parseUpdate(value: unknown, path: string): Date | null {
  if (value === undefined || value === null || value === "") return null;
  const match = typeof value === "string" ? /^(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})$/.exec(value) : null;
  if (!match) throw new Problem(path, 'must be "dd.MM.yyyy HH:mm"');
  const [day, month, year, hour, minute] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
  ];
  const iso = `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
  if (!isIsoDate(iso) || hour > 23 || minute > 59) throw new Problem(path, "is not a real date and time");
  return kyivInstant(year, month, day, hour, minute);
}

function convert(input: unknown, now: Date): DtekSchedule {
  if (!isObject(input)) throw new Problem("body", "must be DTEK's schedule object");
  const wrapped = isObject(input.DisconSchedule);
  const document = wrapped ? (input.DisconSchedule as Record<string, unknown>) : input;
  const base = wrapped ? "body.DisconSchedule" : "body";
  const fact = document.fact;
  if (!isObject(fact)) throw new Problem(`${base}.fact`, "is required (an object with data, update, today)");
  const data = fact.data;
  if (!isObject(data)) throw new Problem(`${base}.fact.data`, "is required (days by unix time)");

  let today = kyivIsoDate(now);
  if (fact.today !== undefined && fact.today !== null) {
    const seconds = unixSeconds(fact.today);
    const date = seconds === null ? null : kyivDateOfMidnight(seconds);
    if (date === null) throw new Problem(`${base}.fact.today`, "must be the unix time of a Kyiv midnight");
    today = date;
  }
  const updatedAt = parseUpdate(fact.update, `${base}.fact.update`);

  const names: Record<string, string> = {};
  const preset = document.preset;
  if (isObject(preset) && isObject(preset.sch_names)) {
    for (const [key, name] of Object.entries(preset.sch_names)) {
      const code = dtekQueueCode(key);
      if (code !== null && typeof name === "string" && name.trim() !== "")
        names[code] = name.trim().slice(0, 64);
    }
  }

  const days: DtekDay[] = [];
  const skipped: DtekSchedule["skipped"] = [];
  const seen = new Set<string>();
  for (const [key, queues] of Object.entries(data)) {
    const path = `${base}.fact.data.${key}`;
    const seconds = unixSeconds(key);
    const date = seconds === null ? null : kyivDateOfMidnight(seconds);
    if (date === null) throw new Problem(path, "must be the unix time (seconds) of a Kyiv midnight");
    if (seen.has(date)) throw new Problem(path, `is a second entry for ${date}`);
    seen.add(date);
    if (!isObject(queues)) throw new Problem(path, 'must be an object of queues ("GPV3.2": hours)');
    const day: DtekDay = { date, queues: {} };
    for (const [queueKey, hours] of Object.entries(queues)) {
      const code = dtekQueueCode(queueKey);
      if (code === null) throw new Problem(`${path}.${queueKey}`, 'is not a queue key like "GPV3.2"');
      day.queues[code] = dtekHoursToSlots(hours, `${path}.${queueKey}`);
    }
    if (Object.keys(day.queues).length === 0) {
      skipped.push({ date, reason: "no queues" });
      continue;
    }
    const allOn = Object.values(day.queues).every((slots) => slots.every((slot) => slot === "on"));
    if (allOn && date > today) {
      skipped.push({ date, reason: 'all "yes" after today: not published yet' });
      continue;
    }
    days.push(day);
  }
  days.sort((a, b) => a.date.localeCompare(b.date));
  return { days, skipped, names, updatedAt, today };
}

/**
 * Reads DTEK's document. `now` stands in for `fact.today` when the document has none. A day after
 * `today` that is all "yes" for every queue is skipped: DTEK shows tomorrow that way until it is
 * published.
 */
export function parseDtekSchedule(input: unknown, now: Date): DtekResult {
  try {
    return { ok: true, schedule: convert(input, now) };
  } catch (error) {
    if (error instanceof Problem) return { ok: false, error: { path: error.path, message: error.reason } };
    throw error;
  }
}
