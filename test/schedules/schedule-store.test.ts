// The engine's schedule and address ports on Postgres: the newest publication per queue and day is
// in force, the mode's newest change, follows, and the address directory matched by its keys; and
// the schedule subscriptions: subscribe with a label and options, list with the queue's name (oldest
// first), change some options, remove; an unknown queue stores nothing; a lead time outside
// 0/15/30/60 is refused by the store and by the table's CHECK.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgEngineStore } from "../../src/db/engine-store-pg.js";
import type { EngineStore, SubscriptionOptions } from "../../src/engine/ports.js";
import { DEFAULT_SUBSCRIPTION_OPTIONS } from "../../src/engine/schedule-subscriptions.js";
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

const at = new Date("2026-11-30T10:00:00Z");

describe("schedule subscription store (pg)", () => {
  it("subscribes, lists with the queue's name, changes options and removes", async () => {
    const user = await db.prisma.messengerUser.create({ data: { address: "web:sub1", channel: "web" } });
    const other = await db.prisma.messengerUser.create({ data: { address: "web:sub2", channel: "web" } });
    const created = await store.transaction(async (tx) => {
      const first = await tx.scheduleSubscriptions.upsert({
        userId: user.id,
        queue: "3.2",
        label: "Квартира",
        options: DEFAULT_SUBSCRIPTION_OPTIONS,
        at,
      });
      await tx.scheduleSubscriptions.upsert({
        userId: user.id,
        queue: "1.1",
        label: null,
        options: { leadMinutes: 0, includeMaybe: false, night: true, powerBack: true },
        at: new Date(at.getTime() + 1000),
      });
      await tx.scheduleSubscriptions.upsert({
        userId: other.id,
        queue: "3.2",
        label: null,
        options: DEFAULT_SUBSCRIPTION_OPTIONS,
        at,
      });
      return first;
    });
    expect(created).toEqual({
      queue: "3.2",
      queueName: "Черга 3.2",
      label: "Квартира",
      leadMinutes: 30,
      includeMaybe: true,
      night: false,
      powerBack: false,
    });
    const listed = await store.transaction((tx) => tx.scheduleSubscriptions.list(user.id));
    expect(listed.map((entry) => [entry.queue, entry.queueName, entry.label, entry.leadMinutes])).toEqual([
      ["3.2", "Черга 3.2", "Квартира", 30],
      ["1.1", "Черга 1.1", null, 0],
    ]);

    const changed = await store.transaction((tx) =>
      tx.scheduleSubscriptions.update({ userId: user.id, queue: "3.2", options: { leadMinutes: 60 }, at }),
    );
    expect(changed).toMatchObject({ leadMinutes: 60, includeMaybe: true, night: false, powerBack: false });
    const toggled = await store.transaction((tx) =>
      tx.scheduleSubscriptions.update({
        userId: user.id,
        queue: "3.2",
        options: { includeMaybe: false, night: true, powerBack: true },
        at,
      }),
    );
    expect(toggled).toMatchObject({ leadMinutes: 60, includeMaybe: false, night: true, powerBack: true });
    const row = await db.prisma.scheduleSubscription.findUniqueOrThrow({
      where: { userId_queue: { userId: user.id, queue: "3.2" } },
    });
    expect(row).toMatchObject({ leadMinutes: 60, includeMaybe: false, night: true, powerBack: true });

    // Upsert on an existing one replaces the label and options.
    const replaced = await store.transaction((tx) =>
      tx.scheduleSubscriptions.upsert({
        userId: user.id,
        queue: "3.2",
        label: "Дача",
        options: DEFAULT_SUBSCRIPTION_OPTIONS,
        at,
      }),
    );
    expect(replaced).toMatchObject({ label: "Дача", leadMinutes: 30, night: false });

    const removed = await store.transaction(async (tx) => ({
      first: await tx.scheduleSubscriptions.remove(user.id, "3.2"),
      again: await tx.scheduleSubscriptions.remove(user.id, "3.2"),
      missingUpdate: await tx.scheduleSubscriptions.update({
        userId: user.id,
        queue: "3.2",
        options: { night: false },
        at,
      }),
      get: await tx.scheduleSubscriptions.get(user.id, "3.2"),
      otherStill: await tx.scheduleSubscriptions.get(other.id, "3.2"),
    }));
    expect(removed).toMatchObject({ first: true, again: false, missingUpdate: null, get: null });
    expect(removed.otherStill?.queue).toBe("3.2");
  });

  it("stores nothing for a queue that is not configured", async () => {
    const user = await db.prisma.messengerUser.create({ data: { address: "web:sub3", channel: "web" } });
    const saved = await store.transaction((tx) =>
      tx.scheduleSubscriptions.upsert({
        userId: user.id,
        queue: "9.9",
        label: null,
        options: DEFAULT_SUBSCRIPTION_OPTIONS,
        at,
      }),
    );
    expect(saved).toBeNull();
    expect(await db.prisma.scheduleSubscription.count({ where: { userId: user.id } })).toBe(0);
  });

  it("refuses a lead time outside 0/15/30/60: the store before SQL, the table's CHECK for anyone else", async () => {
    const user = await db.prisma.messengerUser.create({ data: { address: "web:sub4", channel: "web" } });
    const bad = { ...DEFAULT_SUBSCRIPTION_OPTIONS, leadMinutes: 45 } as unknown as SubscriptionOptions;
    await expect(
      store.transaction((tx) =>
        tx.scheduleSubscriptions.upsert({ userId: user.id, queue: "3.2", label: null, options: bad, at }),
      ),
    ).rejects.toThrow(/leadMinutes/);
    await store.transaction((tx) =>
      tx.scheduleSubscriptions.upsert({
        userId: user.id,
        queue: "3.2",
        label: null,
        options: DEFAULT_SUBSCRIPTION_OPTIONS,
        at,
      }),
    );
    await expect(
      store.transaction((tx) =>
        tx.scheduleSubscriptions.update({
          userId: user.id,
          queue: "3.2",
          options: { leadMinutes: 20 as unknown as 15 },
          at,
        }),
      ),
    ).rejects.toThrow(/leadMinutes/);
    expect(
      await db.prisma.scheduleSubscription.findUniqueOrThrow({
        where: { userId_queue: { userId: user.id, queue: "3.2" } },
      }),
    ).toMatchObject({ leadMinutes: 30 });

    await expect(
      db.prisma.$executeRawUnsafe(
        `UPDATE schedule_subscription SET lead_minutes = 45 WHERE user_id = ${user.id}`,
      ),
    ).rejects.toThrow(/schedule_subscription_lead_minutes_check/);
    await expect(
      db.prisma.scheduleSubscription.create({
        data: { userId: user.id, queue: "1.1", leadMinutes: 5 },
      }),
    ).rejects.toThrow(/schedule_subscription_lead_minutes_check|check constraint/i);
    for (const leadMinutes of [0, 15, 60]) {
      await db.prisma.scheduleSubscription.update({
        where: { userId_queue: { userId: user.id, queue: "3.2" } },
        data: { leadMinutes },
      });
    }
  });
});
