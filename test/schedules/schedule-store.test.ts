// The engine's schedule and address ports on Postgres: the newest publication per queue and day is
// in force, the mode's newest change, follows, and the address directory matched by its keys.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgEngineStore } from "../../src/db/engine-store-pg.js";
import type { EngineStore } from "../../src/engine/ports.js";
import { addressKey, buildingKey } from "../../src/schedules/address-key.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

let db: TestDatabase;
let store: EngineStore;
beforeAll(async () => {
  db = await createTestDatabase();
  store = createPgEngineStore(db.enginePool);
});
afterAll(async () => {
  await db.drop();
});

const slots = (off: [number, number]) =>
  "0".repeat(off[0]) + "1".repeat(off[1] - off[0]) + "0".repeat(48 - off[1]);

describe("schedule store (pg)", () => {
  it("reads the seeded queues, the newest version of each day, the mode and follows", async () => {
    await db.prisma.schedulePublication.create({ data: { id: 1, source: "api" } });
    await db.prisma.schedulePublication.create({ data: { id: 2, source: "dtek" } });
    await db.prisma.scheduleDay.createMany({
      data: [
        { queue: "3.2", date: new Date("2026-11-29"), publicationId: 1, slots: slots([16, 25]) },
        { queue: "3.2", date: new Date("2026-11-29"), publicationId: 2, slots: slots([32, 36]) },
        { queue: "3.2", date: new Date("2026-11-30"), publicationId: 1, slots: slots([0, 4]) },
        { queue: "1.1", date: new Date("2026-11-29"), publicationId: 2, slots: slots([0, 0]) },
      ],
    });
    await db.prisma.outageModeChange.create({ data: { mode: "schedules" } });
    await db.prisma.outageModeChange.create({ data: { mode: "emergency", message: "Аварійні відключення" } });
    const user = await db.prisma.messengerUser.create({ data: { address: "web:s1", channel: "web" } });

    const seen = await store.transaction(async (tx) => {
      await tx.schedules.follow({ userId: user.id, queue: "3.2", label: null, at: new Date() });
      await tx.schedules.follow({ userId: user.id, queue: "3.2", label: "Дніпро, Робоча 5", at: new Date() });
      await tx.schedules.follow({ userId: user.id, queue: "1.1", label: null, at: new Date() });
      await tx.schedules.unfollow(user.id, "1.1");
      return {
        queues: await tx.schedules.queues(),
        days: await tx.schedules.days("3.2", ["2026-11-29", "2026-11-30", "2026-12-01"]),
        mode: await tx.schedules.mode(),
      };
    });
    expect(seen.queues).toHaveLength(12);
    expect(seen.queues[0]).toEqual({ code: "1.1", name: "Черга 1.1" });
    expect(seen.days.map((d) => [d.date, d.version, d.slots.indexOf("off")])).toEqual([
      ["2026-11-29", 2, 32],
      ["2026-11-30", 1, 0],
    ]);
    expect(seen.mode).toMatchObject({ mode: "emergency", message: "Аварійні відключення" });
    const followed = await store.transaction((tx) => tx.schedules.followed(user.id));
    expect(followed).toEqual([{ queue: "3.2", label: "Дніпро, Робоча 5" }]);
  });

  it("answers the address directory by keys", async () => {
    const row = (settlement: string, street: string, building: string, queue: string) => ({
      settlement,
      street,
      building,
      queue,
      settlementKey: addressKey(settlement),
      streetKey: addressKey(street),
      buildingKey: buildingKey(building),
    });
    await db.prisma.addressQueue.createMany({
      data: [
        row("м. Дніпро", "вул. Січеславська", "10", "3.2"),
        row("м. Дніпро", "вул. Січеславська", "12-А", "3.1"),
        row("м. Кам'янське", "просп. Свободи", "1", "5.1"),
      ],
    });
    const found = await store.transaction(async (tx) => ({
      settlements: await tx.addresses.settlements(),
      streets: await tx.addresses.streets("Дніпро"),
      buildings: await tx.addresses.buildings("дніпро", "Січеславська вулиця"),
    }));
    expect(found.settlements).toEqual(["м. Дніпро", "м. Кам'янське"]);
    expect(found.streets).toEqual(["вул. Січеславська"]);
    expect(found.buildings).toEqual([
      { building: "10", queue: "3.2" },
      { building: "12-А", queue: "3.1" },
    ]);
  });
});
