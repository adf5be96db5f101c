// The picture cache: drawn once per name however the views arrive (together, after a restart of the
// process with the database keeping it), never for a version that is gone; Telegram's file id kept.
import { describe, expect, it } from "vitest";
import { createSchedulePictures, type SchedulePictureStore } from "../../src/channels/schedule-pictures.js";
import type { SchedulePicture } from "../../src/engine/replies.js";
import { daySlots } from "../helpers/schedules.js";

function slowStore(): SchedulePictureStore & { rows: Map<string, { png: Buffer; fileId: string | null }> } {
  const rows = new Map<string, { png: Buffer; fileId: string | null }>();
  const later = <T>(value: T, ms: number) =>
    new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
  let calls = 0;
  return {
    rows,
    async find(key, withPng) {
      // Lookups answer at different speeds, as a busy database does.
      calls += 1;
      const row = rows.get(key);
      return later(
        row ? { png: withPng ? row.png : null, telegramFileId: row.fileId } : null,
        calls % 3 === 0 ? 30 : 1,
      );
    },
    async put(key, _picture, png) {
      if (!rows.has(key)) rows.set(key, { png, fileId: null });
    },
    async setTelegramFileId(key, fileId) {
      const row = rows.get(key);
      if (row) row.fileId = fileId;
    },
    async slots(queue, _date, version) {
      return queue === "3.2" && version === 7 ? daySlots(["08:00", "12:30", "off"]) : null;
    },
  };
}

const picture: SchedulePicture = {
  kind: "outage-schedule",
  queue: "3.2",
  days: [{ date: "2026-11-30", version: 7 }],
  language: "uk",
};

describe("schedule pictures", () => {
  it("draws a picture once for views that arrive together, and not again after a restart", async () => {
    const store = slowStore();
    let drawn = 0;
    const render = () => {
      drawn += 1;
      return Buffer.from("png");
    };
    const pictures = createSchedulePictures({ store, render });
    const results = await Promise.all(Array.from({ length: 20 }, () => pictures.png(picture)));
    expect(results.every((png) => png?.toString() === "png")).toBe(true);
    expect(await pictures.ensure(picture)).toBe(true);
    expect(drawn).toBe(1);
    // A new process: the database has it.
    const restarted = createSchedulePictures({ store, render });
    expect(await restarted.ensure(picture)).toBe(true);
    expect((await restarted.pngByKey(restarted.key(picture)))?.toString()).toBe("png");
    expect(drawn).toBe(1);
  });

  it("draws nothing for a version that is gone, and keeps Telegram's file id", async () => {
    const store = slowStore();
    const pictures = createSchedulePictures({ store, render: () => Buffer.from("png") });
    expect(await pictures.png({ ...picture, days: [{ date: "2026-11-30", version: 8 }] })).toBeNull();
    expect(await pictures.pngByKey("not a key")).toBeNull();
    const key = pictures.key(picture);
    expect(await pictures.telegramFileId(key)).toBeNull();
    await pictures.png(picture);
    await pictures.rememberTelegramFileId(key, "AgAC-file");
    expect(await pictures.telegramFileId(key)).toBe("AgAC-file");
    expect(await createSchedulePictures({ store }).telegramFileId(key)).toBe("AgAC-file");
  });
});
