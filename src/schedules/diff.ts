// What a publication changed: per queue, the runs of half hours whose state moved, with the state
// before and after. The operator's version history uses it; so will the notifications ("today's
// schedule changed: 16:00-18:00 now off").
import { slotTime } from "./kyiv-day.js";
import { SLOTS_PER_DAY, type DaySlots, type SlotState } from "./types.js";

export interface SlotChange {
  /** Slot indexes [fromSlot, toSlot) and their "HH:MM" ("24:00" at the end of the day). */
  fromSlot: number;
  toSlot: number;
  from: string;
  to: string;
  was: SlotState;
  now: SlotState;
}

export interface QueueDayChange {
  queue: string;
  /** "new": the queue had no schedule for the day (compared against all "on"); "changed": it had one. */
  kind: "new" | "changed";
  changes: SlotChange[];
}

const ALL_ON: readonly SlotState[] = Array.from({ length: SLOTS_PER_DAY }, () => "on");

/** Runs of slots that differ, one run per (was, now) pair kept together. */
export function diffSlots(before: DaySlots, after: DaySlots): SlotChange[] {
  if (before.length !== after.length) throw new RangeError("days of different lengths");
  const changes: SlotChange[] = [];
  let open: SlotChange | null = null;
  for (let slot = 0; slot <= after.length; slot++) {
    const was = before[slot];
    const now = after[slot];
    const differs = slot < after.length && was !== now;
    if (open && (!differs || open.was !== was || open.now !== now)) {
      open.toSlot = slot;
      open.to = slotTime(slot);
      changes.push(open);
      open = null;
    }
    if (differs && !open && was && now) {
      open = { fromSlot: slot, toSlot: slot + 1, from: slotTime(slot), to: slotTime(slot + 1), was, now };
    }
  }
  return changes;
}

/**
 * The queues whose day changed between two states of it (a queue absent from `before` had no
 * schedule), in `after`'s order. A queue published again unchanged is not listed; publishing an
 * all-"on" day for a queue that had none is "new" with no slot changes (it now says "no outages").
 */
export function diffDays(
  before: Readonly<Record<string, DaySlots | undefined>>,
  after: Readonly<Record<string, DaySlots>>,
): QueueDayChange[] {
  const result: QueueDayChange[] = [];
  for (const [queue, slots] of Object.entries(after)) {
    const previous = before[queue];
    if (previous === undefined) {
      result.push({ queue, kind: "new", changes: diffSlots(ALL_ON, slots) });
      continue;
    }
    const changes = diffSlots(previous, slots);
    if (changes.length > 0) result.push({ queue, kind: "changed", changes });
  }
  return result;
}
