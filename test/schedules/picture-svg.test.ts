// The schedule picture's SVG: colours per state, hour marks, translated texts, DST marks; and the
// PNG it renders to (fonts shipped with the code, Cyrillic included).
import { describe, expect, it } from "vitest";
import { PICTURE_COLOURS, scheduleSvg } from "../../src/schedules/picture-svg.js";
import { pictureCaption, pictureKey, renderPicture } from "../../src/channels/schedule-pictures.js";
import { periodsToSlots } from "../../src/schedules/periods.js";
import type { SlotState } from "../../src/schedules/types.js";

function day(...periods: [string, string, "off" | "maybe"][]): SlotState[] {
  const result = periodsToSlots(periods.map(([from, to, state]) => ({ from, to, state })));
  if (!result.ok) throw new Error(result.error.message);
  return result.slots;
}

const texts = {
  title: "Черга 3.2",
  off: "без світла",
  maybe: "можливе відключення",
  on: "світло є",
  dstForward: "03:00–04:00 немає",
  dstBack: "03:00–04:00 двічі",
  footer: "версія 7",
};

describe("scheduleSvg", () => {
  it("draws off, possible and on runs in their colours with hour marks and the legend", () => {
    const svg = scheduleSvg(
      [{ label: "пн, 30.11", slots: day(["08:00", "12:30", "off"], ["16:00", "18:00", "maybe"]), hours: 24 }],
      texts,
    );
    expect(svg).toContain(`fill="${PICTURE_COLOURS.off}"`);
    expect(svg).toContain('fill="url(#maybe)"');
    expect(svg).toContain(`fill="${PICTURE_COLOURS.on}"`);
    for (const hour of ["00", "03", "12", "21", "24"]) expect(svg).toContain(`>${hour}</text>`);
    for (const text of [texts.title, texts.off, texts.maybe, texts.on, texts.footer])
      expect(svg).toContain(text);
    expect(svg).toContain("пн, 30.11");
    expect(svg).not.toContain('fill="url(#dst)" stroke');
  });

  it("marks 03:00-04:00 on the days the clocks change, and escapes text", () => {
    const spring = scheduleSvg([{ label: "нд, 29.03", slots: day(), hours: 23 }], {
      ...texts,
      title: "A & <B>",
    });
    expect(spring).toContain("−1");
    expect(spring).toContain("03:00–04:00 немає");
    expect(spring).toContain("A &amp; &lt;B&gt;");
    const autumn = scheduleSvg([{ label: "нд, 25.10", slots: day(), hours: 25 }], texts);
    expect(autumn).toContain("×2");
    expect(autumn).toContain("03:00–04:00 двічі");
  });
});

describe("the picture", () => {
  const picture = {
    kind: "outage-schedule" as const,
    queue: "3.2",
    days: [{ date: "2026-11-30", version: 7 }],
    language: "uk" as const,
  };

  it("renders to a PNG with the shipped fonts", () => {
    const png = renderPicture(picture, [day(["08:00", "12:30", "off"])]);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(png.readUInt32BE(16)).toBe(960); // width from the IHDR chunk
    expect(png.length).toBeGreaterThan(5_000);
  });

  it("has one key per queue, days, versions and language", () => {
    const key = pictureKey(picture);
    expect(key).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(pictureKey({ ...picture })).toBe(key);
    expect(pictureKey({ ...picture, language: "en" })).not.toBe(key);
    expect(pictureKey({ ...picture, days: [{ date: "2026-11-30", version: 8 }] })).not.toBe(key);
    expect(pictureKey({ ...picture, queue: "3.1" })).not.toBe(key);
  });

  it("has a caption in the reader's language", () => {
    expect(pictureCaption(picture)).toBe("Черга 3.2: графік на 30.11");
    expect(pictureCaption({ ...picture, language: "en", queue: "1001.1" })).toBe(
      "City grid 1.1: schedule for 30.11",
    );
  });
});
