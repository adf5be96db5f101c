// The schedule editor's form, pure: a queue's day as the operator types it ("08:00-12:30,
// 18:00-20:00?": off, "?" = maybe) <-> periods, and a multipart/form-data body (the DTEK file
// input) -> fields. assets/schedules.js writes the same text when cells are clicked.
import { periodsToSlots, slotsToPeriods } from "../../schedules/periods.js";
import type { SchedulePeriod, SlotState } from "../../schedules/types.js";

/**
 * Why a queue's text was refused: a catalogue key under `schedules.error.` and the period (1-based);
 * "stale": the row was edited over a version published since the page was loaded (`period` = it).
 */
export interface PeriodsTextError {
  problem: "format" | "time" | "order" | "overlap" | "stale";
  period: number;
}

export type PeriodsTextResult =
  { ok: true; periods: SchedulePeriod[]; slots: SlotState[] } | { ok: false; error: PeriodsTextError };

const ITEM = /^(\d{1,2}:\d{2})\s*[-–—]\s*(\d{1,2}:\d{2})\s*(\?)?$/;
const pad = (time: string) => (time.length === 4 ? `0${time}` : time);

/** "08:00-12:30, 18:00-20:00?" -> periods and the day's 48 slots (checked as the service checks). */
export function parsePeriodsText(text: string): PeriodsTextResult {
  const items = text
    .split(/[,;\n]+/)
    .map((item) => item.trim())
    .filter((item) => item !== "");
  const periods: SchedulePeriod[] = [];
  for (const [index, item] of items.entries()) {
    const match = ITEM.exec(item);
    if (!match) return { ok: false, error: { problem: "format", period: index + 1 } };
    periods.push({ from: pad(match[1]!), to: pad(match[2]!), state: match[3] ? "maybe" : "off" });
  }
  const result = periodsToSlots(periods);
  if (!result.ok) {
    const { index, field, message } = result.error;
    const problem = message.startsWith("overlaps")
      ? "overlap"
      : field === "to" && message.includes("after")
        ? "order"
        : "time";
    return { ok: false, error: { problem, period: index + 1 } };
  }
  return { ok: true, periods, slots: result.slots };
}

/** Periods -> the editor's text. */
export function periodsText(periods: readonly SchedulePeriod[]): string {
  return periods.map((p) => `${p.from}-${p.to}${p.state === "maybe" ? "?" : ""}`).join(", ");
}

/** The stored 48 characters ("0" on, "1" off, "2" maybe) -> the editor's text. */
export function slotCodesText(codes: string): string {
  const states: SlotState[] = [...codes].map((c) => (c === "1" ? "off" : c === "2" ? "maybe" : "on"));
  return periodsText(slotsToPeriods(states));
}

export interface MultipartField {
  name: string;
  filename?: string;
  value: Buffer;
}

/** A multipart/form-data body -> its fields (small forms only: the whole body is in memory). */
export function parseMultipart(body: Buffer, contentType: string): MultipartField[] | null {
  const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const marker = boundary?.[1] ?? boundary?.[2];
  if (!marker) return null;
  const delimiter = Buffer.from(`--${marker}`);
  const fields: MultipartField[] = [];
  let at = body.indexOf(delimiter);
  if (at < 0) return null;
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === "--") return fields;
    const headersEnd = body.indexOf("\r\n\r\n", at);
    const next = body.indexOf(delimiter, at);
    if (headersEnd < 0 || next < 0 || headersEnd > next) return null;
    const headers = body.subarray(at, headersEnd).toString("utf8");
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    // The part's content ends with the CRLF before the next delimiter.
    const value = body.subarray(headersEnd + 4, next - 2);
    if (name !== undefined) fields.push({ name, ...(filename !== undefined ? { filename } : {}), value });
    at = next;
  }
}
