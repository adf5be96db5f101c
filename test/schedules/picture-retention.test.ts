// Schedule pictures of past days are deleted; those that show yesterday, today or tomorrow stay.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneSchedulePictures } from "../../src/db/retention.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe("pruneSchedulePictures", () => {
  it("deletes pictures whose every day ended before yesterday (Kyiv)", async () => {
    const picture = (key: string, dates: string[]) => ({
      key,
      queue: "3.2",
      days: dates.map((date) => ({ date, version: 1 })),
      language: "uk",
      png: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
    });
    await db.prisma.schedulePicture.createMany({
      data: [
        picture("old", ["2026-11-25", "2026-11-26"]),
        picture("day-before-yesterday", ["2026-11-27"]),
        picture("yesterday-today", ["2026-11-28", "2026-11-29"]),
        picture("today-tomorrow", ["2026-11-29", "2026-11-30"]),
      ],
    });
    // 29 Nov 2026, 00:30 Kyiv (22:30 UTC the day before): the Kyiv date decides, not UTC's.
    const deleted = await pruneSchedulePictures(db.prisma, new Date("2026-11-28T22:30:00Z"));
    expect(deleted).toBe(2);
    const left = await db.prisma.schedulePicture.findMany({ select: { key: true }, orderBy: { key: "asc" } });
    expect(left.map((p) => p.key)).toEqual(["today-tomorrow", "yesterday-today"]);
  });
});
