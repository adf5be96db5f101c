// How a day's slots are stored: one character per half hour ("0" on, "1" off, "2" maybe), 48 in all.
import { SLOTS_PER_DAY, type DaySlots, type SlotState } from "./types.js";

const CODE: Record<SlotState, string> = { on: "0", off: "1", maybe: "2" };
const STATE: Record<string, SlotState> = { "0": "on", "1": "off", "2": "maybe" };

export function encodeSlots(slots: DaySlots): string {
  if (slots.length !== SLOTS_PER_DAY)
    throw new RangeError(`a day has ${SLOTS_PER_DAY} slots, got ${slots.length}`);
  return slots.map((state) => CODE[state]).join("");
}

export function decodeSlots(stored: string): SlotState[] {
  if (stored.length !== SLOTS_PER_DAY) throw new RangeError(`stored day has ${stored.length} slots`);
  return [...stored].map((code) => {
    const state = STATE[code];
    if (!state) throw new RangeError(`unknown slot code ${code}`);
    return state;
  });
}
