// When schedule notices are due, from the schedule in force (pure; src/jobs/schedule-notices.ts runs
// it every minute and turns what is due into fan-outs). Periods are runs of equal not-"on" slots over
// consecutive Kyiv days, joined across midnight, with real instants from slotStart (kyiv-day.ts), so
// lead times are true on the 23- and 25-hour days too.
import { addDays, slotStart } from "./kyiv-day.js";
import { SLOTS_PER_DAY, type DaySlots, type SlotState } from "./types.js";

/** The lead times a subscriber may choose (schedule_subscription.lead_minutes; 0 = no warnings). */
export const NOTICE_LEADS = [15, 30, 60] as const;

export interface DayInForce {
  /** Kyiv date "YYYY-MM-DD". */
  date: string;
  slots: DaySlots;
  /** When the version in force of this day was published. */
  publishedAt: Date;
}

export interface PlannedPeriod {
  state: "off" | "maybe";
  from: Date;
  to: Date;
  /** The state just before the period ("on" when unknown: the first known slot). */
  before: SlotState;
  /** The state just after it, or null when the period runs to the end of what is published. */
  after: SlotState | null;
  /** When the version that ends the period (the day of its last slot) was published. */
  endPublishedAt: Date;
}

/**
 * The not-"on" periods of the given days, in order. Days must be distinct; a run stops where the
 * next calendar day is missing (nothing is assumed past what is published). A run that lasts no
 * time at all (only the hour the clocks skip) is left out.
 */
export function periodsInForce(days: readonly DayInForce[]): PlannedPeriod[] {
  const sorted = [...days].sort((a, b) => a.date.localeCompare(b.date));
  const periods: PlannedPeriod[] = [];
  let open: { state: "off" | "maybe"; from: Date; before: SlotState } | null = null;
  let last: { date: string; index: number; publishedAt: Date } | null = null;
  let previousState: SlotState = "on";
  const close = (end: Date, after: SlotState | null, publishedAt: Date) => {
    if (open && end.getTime() > open.from.getTime()) {
      periods.push({ ...open, to: end, after, endPublishedAt: publishedAt });
    }
    open = null;
  };
  for (const [position, day] of sorted.entries()) {
    const prior = sorted[position - 1];
    if (prior && addDays(prior.date, 1) !== day.date) {
      // A gap: what follows the earlier day is not known.
      if (last) close(slotStart(last.date, SLOTS_PER_DAY), null, last.publishedAt);
      previousState = "on";
    }
    for (let index = 0; index < SLOTS_PER_DAY; index++) {
      const state = day.slots[index] ?? "on";
      const openNow = open as { state: "off" | "maybe"; from: Date; before: SlotState } | null;
      if (openNow && openNow.state !== state) {
        close(slotStart(day.date, index), state, last?.publishedAt ?? day.publishedAt);
      }
      if (state !== "on" && !open) {
        open = { state, from: slotStart(day.date, index), before: previousState };
      }
      previousState = state;
      last = { date: day.date, index, publishedAt: day.publishedAt };
    }
  }
  if (last) close(slotStart(last.date, SLOTS_PER_DAY), null, last.publishedAt);
  return periods;
}

export interface DueBeforeNotice {
  period: PlannedPeriod;
  lead: number;
}

/**
 * Warnings due at `now`: for each period starting after `now` and each lead L with start - L <= now.
 * A period published later than start - L is therefore due at once (late rather than never); one
 * that already started is not. A period right after an off period is not announced (the power is
 * already off); a definite outage right after a possible one is.
 */
export function dueBeforeNotices(
  now: Date,
  periods: readonly PlannedPeriod[],
  leads: readonly number[] = NOTICE_LEADS,
): DueBeforeNotice[] {
  const due: DueBeforeNotice[] = [];
  for (const period of periods) {
    if (period.from.getTime() <= now.getTime() || period.before === "off") continue;
    for (const lead of leads) {
      if (period.from.getTime() - lead * 60_000 <= now.getTime()) due.push({ period, lead });
    }
  }
  return due;
}

/**
 * "Power should be back" notices due at `now`: off periods followed by "on" that ended within
 * `windowMs` before `now` (a tick late or a restart still tells; an old end is not news) and whose
 * end was published before it came (a schedule published after the fact announces nothing).
 */
export function duePowerBack(
  now: Date,
  periods: readonly PlannedPeriod[],
  windowMs: number,
): PlannedPeriod[] {
  return periods.filter(
    (period) =>
      period.state === "off" &&
      period.after === "on" &&
      period.to.getTime() <= now.getTime() &&
      period.to.getTime() > now.getTime() - windowMs &&
      period.endPublishedAt.getTime() <= period.to.getTime(),
  );
}

export interface ToldDay {
  slots: string;
}

export interface CurrentDay {
  slots: string;
  publishedAt: Date;
}

/**
 * Whether subscribers should hear about a day now: what is in force differs from what they were last
 * told (nothing yet: "published"; something else: "changed"), and the newest publication of that
 * day is at least `debounceMs` old, so several quick edits give one message with the final state.
 */
export function dayNoticeDue(
  now: Date,
  told: ToldDay | null,
  current: CurrentDay,
  debounceMs: number,
): "published" | "changed" | null {
  if (told && told.slots === current.slots) return null;
  if (current.publishedAt.getTime() > now.getTime() - debounceMs) return null;
  return told ? "changed" : "published";
}
