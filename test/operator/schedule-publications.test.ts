// Publications through the service layer (what the console calls): concurrent publications never
// interleave, so the same day published at once by several operators makes one version, and each
// version's diff follows the one before.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listDayVersions, publicationChanges, publishDay } from "../../src/operator/schedules.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

describe("publishDay under concurrency", () => {
  it("makes one version when the same day is published four times at once", async () => {
    const periods = { "2.2": [{ from: "10:00", to: "14:00", state: "off" as const }] };
    const results = await Promise.all(
      ["anna", "petro", "olena", "ivan"].map((actor) =>
        publishDay(db.prisma, "2026-12-20", periods, { source: "console", actor }),
      ),
    );
    expect(results.filter((r) => r.changed.length > 0)).toHaveLength(1);
    expect(new Set(results.map((r) => r.version)).size).toBe(1);
    expect(await db.prisma.schedulePublication.count()).toBe(1);
    expect(await db.prisma.scheduleDay.count({ where: { queue: "2.2" } })).toBe(1);
  });

  it("chains different publications made at once: every change starts from the version before", async () => {
    const hours = ["08:00", "09:00", "10:00", "11:00", "12:00", "13:00"];
    await Promise.all(
      hours.map((from, index) =>
        publishDay(
          db.prisma,
          "2026-12-21",
          { "2.1": [{ from, to: "18:00", state: index % 2 === 0 ? "off" : "maybe" }] },
          { source: "api", actor: `op-${index}` },
        ),
      ),
    );
    const versions = (await listDayVersions(db.prisma, "2026-12-21")).reverse();
    expect(versions).toHaveLength(hours.length);
    const rows = await db.prisma.scheduleDay.findMany({
      where: { queue: "2.1", date: new Date("2026-12-21") },
      orderBy: { publicationId: "asc" },
    });
    // Replaying the recorded changes over the stored rows reproduces each next row.
    const previous = "0".repeat(48).split("");
    for (const [index, version] of versions.entries()) {
      const [queue] = version.queues;
      expect(queue?.kind).toBe(index === 0 ? "new" : "changed");
      const code = { on: "0", off: "1", maybe: "2" } as const;
      for (const change of queue!.changes) {
        for (let slot = change.fromSlot; slot < change.toSlot; slot++) {
          expect(previous[slot]).toBe(code[change.was]);
          previous[slot] = code[change.now];
        }
      }
      expect(previous.join("")).toBe(rows[index]!.slots);
    }
  });
});

describe("publicationChanges", () => {
  it("lists what one version changed on each date and queue, against the version before it", async () => {
    const first = await publishDay(
      db.prisma,
      "2026-12-22",
      { "3.1": [{ from: "08:00", to: "12:00", state: "off" }] },
      { source: "api", actor: "anna" },
    );
    const second = await publishDay(
      db.prisma,
      "2026-12-22",
      { "3.1": [{ from: "08:00", to: "10:00", state: "off" }], "3.2": [] },
      { source: "console", actor: "petro" },
    );
    expect(await publicationChanges(db.prisma, second.version!)).toMatchObject({
      version: second.version,
      source: "console",
      actor: "petro",
      days: [
        {
          date: "2026-12-22",
          queues: [
            {
              queue: "3.1",
              kind: "changed",
              changes: [{ from: "10:00", to: "12:00", was: "off", now: "on" }],
            },
            { queue: "3.2", kind: "new", changes: [] },
          ],
        },
      ],
    });
    expect((await publicationChanges(db.prisma, first.version!))?.days[0]?.queues).toEqual([
      {
        queue: "3.1",
        kind: "new",
        changes: [{ fromSlot: 16, toSlot: 24, from: "08:00", to: "12:00", was: "on", now: "off" }],
      },
    ]);
    expect(await publicationChanges(db.prisma, 999_999)).toBeNull();
  });
});
