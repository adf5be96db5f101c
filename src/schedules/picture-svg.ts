// The picture of a queue's days as SVG: one 24-hour bar per day (48 half-hour cells by the Kyiv wall
// clock), off / possible / on in clearly different colours (and, for possible, a pattern, so it
// reads without colour too), hour marks 0..24, a title, the day labels and a legend in the reader's
// language. On the days the clocks change, 03:00-04:00 is marked: skipped in spring, twice in
// autumn. Pure: texts come in already translated; rendering to PNG happens elsewhere.
import { SLOTS_PER_DAY, type DaySlots } from "./types.js";

export interface PictureDay {
  /** "пн, 30.11". */
  label: string;
  slots: DaySlots;
  /** 23, 24 or 25 (dayHours of the date). */
  hours: number;
}

export interface PictureTexts {
  title: string;
  off: string;
  maybe: string;
  on: string;
  dstForward: string;
  dstBack: string;
  /** Small print at the bottom ("версія 12"). */
  footer: string;
}

export const PICTURE_COLOURS = {
  off: "#D93025",
  maybe: "#F4B400",
  on: "#CDEBD3",
  grid: "#5F6368",
  text: "#202124",
  muted: "#5F6368",
  background: "#FFFFFF",
  dst: "#1A73E8",
} as const;

export const PICTURE_FONT_FAMILY = "DejaVu Sans";

const WIDTH = 960;
const MARGIN = 24;
const LABEL_WIDTH = 132;
const BAR_X = MARGIN + LABEL_WIDTH;
const BAR_WIDTH = WIDTH - BAR_X - MARGIN; // 780: 16.25 px a half hour
const BAR_HEIGHT = 44;
const ROW_HEIGHT = 96;
const TOP = 64;

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function cellX(slot: number): number {
  return BAR_X + (BAR_WIDTH * slot) / SLOTS_PER_DAY;
}

/** The SVG document; its size is WIDTH x a height that grows with the number of days. */
export function scheduleSvg(days: readonly PictureDay[], texts: PictureTexts): string {
  const c = PICTURE_COLOURS;
  const dst = days.find((day) => day.hours !== 24);
  const height = TOP + days.length * ROW_HEIGHT + 64 + (dst ? 32 : 0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${PICTURE_FONT_FAMILY}">`,
    `<defs><pattern id="maybe" width="8" height="8" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="8" height="8" fill="${c.maybe}"/><rect width="3" height="8" fill="#FFFFFF" fill-opacity="0.55"/></pattern>`,
    `<pattern id="dst" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(-45)"><rect width="2" height="6" fill="${c.dst}" fill-opacity="0.6"/></pattern></defs>`,
    `<rect width="${WIDTH}" height="${height}" fill="${c.background}"/>`,
    `<text x="${MARGIN}" y="40" font-size="26" font-weight="bold" fill="${c.text}">${escapeXml(texts.title)}</text>`,
  ];
  days.forEach((day, row) => {
    const top = TOP + row * ROW_HEIGHT;
    const barTop = top + 14;
    parts.push(
      `<text x="${MARGIN}" y="${barTop + BAR_HEIGHT / 2 + 7}" font-size="20" font-weight="bold" fill="${c.text}">${escapeXml(day.label)}</text>`,
    );
    // Runs of equal slots as one rectangle each (fewer shapes, no hairlines between cells).
    let start = 0;
    for (let slot = 1; slot <= SLOTS_PER_DAY; slot += 1) {
      const state = day.slots[start] ?? "on";
      if (slot < SLOTS_PER_DAY && day.slots[slot] === state) continue;
      const fill = state === "off" ? c.off : state === "maybe" ? "url(#maybe)" : c.on;
      parts.push(
        `<rect x="${cellX(start).toFixed(1)}" y="${barTop}" width="${(cellX(slot) - cellX(start)).toFixed(1)}" height="${BAR_HEIGHT}" fill="${fill}"/>`,
      );
      start = slot;
    }
    if (day.hours !== 24) {
      // 03:00-04:00 by the wall clock: skipped (23-hour day) or shown twice (25-hour day).
      const x = cellX(6);
      const w = cellX(8) - x;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${barTop}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="url(#dst)" stroke="${c.dst}" stroke-width="2"/>`,
        `<text x="${(x + w / 2).toFixed(1)}" y="${barTop - 3}" font-size="13" font-weight="bold" text-anchor="middle" fill="${c.dst}">${day.hours === 23 ? "−1" : "×2"}</text>`,
      );
    }
    parts.push(
      `<rect x="${BAR_X}" y="${barTop}" width="${BAR_WIDTH}" height="${BAR_HEIGHT}" fill="none" stroke="${c.grid}" stroke-width="1.5"/>`,
    );
    for (let hour = 0; hour <= 24; hour += 1) {
      const x = cellX(hour * 2).toFixed(1);
      const long = hour % 3 === 0;
      parts.push(
        `<line x1="${x}" y1="${barTop + BAR_HEIGHT}" x2="${x}" y2="${barTop + BAR_HEIGHT + (long ? 9 : 5)}" stroke="${c.grid}" stroke-width="1.2"/>`,
      );
      if (hour > 0 && hour < 24) {
        parts.push(
          `<line x1="${x}" y1="${barTop}" x2="${x}" y2="${barTop + BAR_HEIGHT}" stroke="#FFFFFF" stroke-opacity="0.7" stroke-width="1"/>`,
        );
      }
      if (long) {
        parts.push(
          `<text x="${x}" y="${barTop + BAR_HEIGHT + 26}" font-size="15" text-anchor="middle" fill="${c.muted}">${String(hour).padStart(2, "0")}</text>`,
        );
      }
    }
  });
  // Legend and the DST explanation when a day needs one.
  const legendY = TOP + days.length * ROW_HEIGHT + 20;
  const legend: [string, string][] = [
    [c.off, texts.off],
    ["url(#maybe)", texts.maybe],
    [c.on, texts.on],
  ];
  if (dst) legend.push(["url(#dst)", dst.hours === 23 ? texts.dstForward : texts.dstBack]);
  let x = MARGIN;
  let y = legendY;
  for (const [index, [fill, label]] of legend.entries()) {
    if (index === 3) {
      // The DST explanation is long: a line of its own.
      x = MARGIN;
      y += 32;
    }
    parts.push(
      `<rect x="${x}" y="${y}" width="22" height="22" fill="${fill}" stroke="${c.grid}" stroke-width="1"/>`,
      `<text x="${x + 30}" y="${y + 17}" font-size="16" fill="${c.text}">${escapeXml(label)}</text>`,
    );
    x += 30 + label.length * 9 + 28;
  }
  parts.push(
    `<text x="${WIDTH - MARGIN}" y="${height - 8}" font-size="12" text-anchor="end" fill="${c.muted}">${escapeXml(texts.footer)}</text>`,
    "</svg>",
  );
  return parts.join("");
}
