// The engine on real Postgres through the node-postgres store the service uses (src/db/engine-store-pg.ts):
// exactly-once per update id, the conversation lock under concurrency, one counting reading per
// period, reset of unreadable state, verification limits, rollback on failure, and database outages
// and transaction timeouts surfacing as StoreUnavailableError.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createEnginePool, createSqlPool } from "../../src/db/client.js";
import { createPgEngineStore } from "../../src/db/engine-store-pg.js";
import { createUserStatusStore } from "../../src/db/user-status-store.js";
import { createEngine, type Engine } from "../../src/engine/engine.js";
import type { EngineStore } from "../../src/engine/ports.js";
import { StoreUnavailableError, UpdateFailedError } from "../../src/engine/errors.js";
import type { InboundEvent } from "../../src/engine/events.js";
import { t } from "../../src/engine/i18n/index.js";
import type { HandleResult } from "../../src/engine/replies.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";
import { STATE_VERSION } from "../../src/engine/state.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { PinnedClock } from "./harness.js";

/** How each store under test is made from the test database, and how an unreachable one is. */
interface StoreKind {
  name: string;
  open(db: TestDatabase, options?: { timeoutMs?: number }): { store: EngineStore; close(): Promise<void> };
  unreachable(): { store: EngineStore; close(): Promise<void> };
}

const storeKinds: StoreKind[] = [
  {
    // What the service runs: a pipelining pool (two round trips per update), prepared statements on a server.
    name: "pipelined",
    open: (db, options) => ({
      store: createPgEngineStore(db.enginePool, options),
      close: async () => undefined,
    }),
    unreachable: () => {
      const pool = createEnginePool("postgresql://root@127.0.0.1:1/none");
      return { store: createPgEngineStore(pool), close: () => pool.end() };
    },
  },
  {
    // A plain pool: the same statements one after another.
    name: "sequential",
    open: (db, options) => {
      const pool = createSqlPool(db.url, { max: 10 });
      return { store: createPgEngineStore(pool, options), close: () => pool.end() };
    },
    unreachable: () => {
      const pool = createSqlPool("postgresql://root@127.0.0.1:1/none");
      return { store: createPgEngineStore(pool), close: () => pool.end() };
    },
  },
];

describe.each(storeKinds)("engine on Postgres ($name store)", (kind) => {
  let db: TestDatabase;
  let engine: Engine;
  let store: EngineStore;
  let opened: { store: EngineStore; close(): Promise<void> };
  const clock = new PinnedClock(new Date("2026-11-30T10:00:00Z"));
  let accountId: number;
  let sequence = 0;

  function send(address: string, event: InboundEvent, updateId = `it-${++sequence}`): Promise<HandleResult> {
    return engine.handle(address, event, { channel: "telegram", updateId, languageCode: "uk" });
  }

  async function link(address: string): Promise<void> {
    await send(address, { type: "start" });
    await send(address, { type: "contact", phone: "+380671234567", provenOwn: true });
    await send(address, { type: "text", text: "1234567890" });
    await send(address, { type: "choice", id: "lbl:flat" });
  }

  /** Goes through the reading journey up to the summary (one-zone meter). */
  async function readingUpToSummary(address: string, value: string): Promise<HandleResult> {
    await send(address, { type: "choice", id: "m:read" });
    return send(address, { type: "text", text: value });
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    opened = kind.open(db);
    store = opened.store;
    engine = createEngine({ store, clock, settings: defaultEngineSettings });
    const account = await db.prisma.account.create({
      data: {
        number: "1234567890",
        holderName: "Шевченко Тарас Григорович",
        phones: ["380671234567"],
        settlement: "Дніпро",
        street: "вул. Січеславська",
        building: "10",
        areaCode: "DNP-01",
        meterSerial: "AB123456",
        meterDigits: 6,
        zones: 1,
      },
    });
    accountId = account.id;
    await db.prisma.meterReading.create({
      data: {
        accountId,
        period: "2026-11",
        t1: 5000,
        takenAt: new Date("2026-11-01T09:00:00Z"),
        source: "billing",
      },
    });
  });

  afterAll(async () => {
    await opened.close();
    await db.drop();
  });

  beforeEach(() => {
    clock.set("2026-11-30T10:00:00Z");
  });

  test("a repeated update id changes nothing and answers nothing", async () => {
    const address = "telegram:9001";
    await link(address);
    await readingUpToSummary(address, "5100");
    const first = await send(address, { type: "choice", id: "ok" }, "dup-1");
    const again = await send(address, { type: "choice", id: "ok" }, "dup-1");
    expect(first.duplicate).toBe(false);
    expect(first.replies[0]?.text).toContain(
      t("uk", "reading.receipt", { label: "Квартира", number: "1234567890", period: "12.2026" }),
    );
    expect(again).toEqual({ duplicate: true, replies: [], language: "uk" });
    const readings = await db.prisma.meterReading.findMany({
      where: { accountId, period: "2026-12", userId: { not: null } },
    });
    expect(readings).toHaveLength(1);
    expect(await db.prisma.processedUpdate.count({ where: { updateId: "dup-1" } })).toBe(1);
  });

  test("twenty concurrent events on one address leave one consistent result", async () => {
    const address = "telegram:9002";
    await link(address);
    await readingUpToSummary(address, "5200");
    const before = await db.prisma.meterReading.count({ where: { accountId } });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) => send(address, { type: "choice", id: "ok" }, `conc-${index}`)),
    );
    expect(results.every((result) => !result.duplicate)).toBe(true);
    // Exactly one tap found the summary and submitted; the others found the menu and got a hint.
    const receipts = results.filter((result) => result.replies[0]?.text.startsWith("✅ Показники прийнято"));
    expect(receipts).toHaveLength(1);
    expect(await db.prisma.meterReading.count({ where: { accountId } })).toBe(before + 1);
    expect(await db.prisma.messengerUser.count({ where: { address } })).toBe(1);
    expect(await db.prisma.processedUpdate.count({ where: { updateId: { startsWith: "conc-" } } })).toBe(20);
    const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
    expect((user.state as { step: { name: string } }).step.name).toBe("menu");
  });

  test("twenty concurrent first messages from a new address create one user", async () => {
    const address = "telegram:9003";
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        send(address, { type: "text", text: `hello ${index}` }, `new-${index}`),
      ),
    );
    expect(results.filter((result) => result.duplicate)).toHaveLength(0);
    expect(await db.prisma.messengerUser.count({ where: { address } })).toBe(1);
  });

  test("a reading submitted twice in one period counts once, the last, and the receipt says so", async () => {
    const address = "telegram:9004";
    await db.prisma.meterReading.deleteMany({ where: { accountId, period: "2026-12" } });
    await link(address);
    await readingUpToSummary(address, "5150");
    await send(address, { type: "choice", id: "ok" });
    await readingUpToSummary(address, "5160");
    const second = await send(address, { type: "choice", id: "ok" });
    expect(second.replies[0]?.text).toContain(t("uk", "reading.replacedNote"));
    const rows = await db.prisma.meterReading.findMany({
      where: { accountId, period: "2026-12" },
      orderBy: { id: "asc" },
    });
    expect(rows.map((row) => [row.t1, row.status])).toEqual([
      [5150, "superseded"],
      [5160, "accepted"],
    ]);
  });

  test("a corrupted stored state resets to the menu with a notice", async () => {
    const address = "telegram:9005";
    await link(address);
    await db.prisma.messengerUser.update({
      where: { address },
      data: { state: { step: { name: "no_such_step" }, offered: "garbage" } },
    });
    const result = await send(address, { type: "text", text: "12345" });
    expect(result.replies[0]?.text.startsWith(t("uk", "state.reset"))).toBe(true);
    const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
    expect(user.stateVersion).toBe(STATE_VERSION);
    expect((user.state as { step: { name: string } }).step.name).toBe("menu");
  });

  test("a state stored by the previous version (1) loads and goes on; a deep link's pending target survives the store", async () => {
    const address = "telegram:9015";
    await link(address);
    await send(address, { type: "choice", id: "m:read" });
    // The row as the release before deep links wrote it.
    await db.prisma.messengerUser.update({
      where: { address },
      data: {
        stateVersion: 1,
        state: { step: { name: "reading_zone", accountId, values: [], flagged: false }, offered: [] },
      },
    });
    const next = await send(address, { type: "text", text: "5100" });
    expect(next.replies[0]?.text).toContain(t("uk", "reading.summaryAsk"));
    const migrated = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
    expect(migrated.stateVersion).toBe(STATE_VERSION);
    expect(migrated.state).toMatchObject({ step: { name: "reading_summary", values: [5100] } });

    const newcomer = "telegram:9016";
    await send(newcomer, { type: "start", payload: "reading_1234567890" });
    const waiting = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: newcomer } });
    expect(waiting.state).toMatchObject({
      step: { name: "verify_phone" },
      pending: { journey: "reading", accountNumber: "1234567890" },
    });
    await send(newcomer, { type: "contact", phone: "+380671234567", provenOwn: true });
    await send(newcomer, { type: "text", text: "1234567890" });
    await send(newcomer, { type: "choice", id: "lbl:flat" });
    const landed = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: newcomer } });
    expect(landed.state).toMatchObject({ step: { name: "reading_zone", accountId } });
    expect(landed.state).not.toHaveProperty("pending");
  });

  test("verification failures read the same for a missing account and a wrong phone; the sixth is locked out", async () => {
    const address = "telegram:9006";
    await send(address, { type: "start" });
    await send(address, { type: "contact", phone: "+380501112233", provenOwn: true });
    const noSuchAccount = await send(address, { type: "text", text: "99999999" });
    await send(address, { type: "choice", id: "v:retry" });
    const wrongPhone = await send(address, { type: "text", text: "1234567890" });
    expect(noSuchAccount.replies).toEqual(wrongPhone.replies);
    expect(noSuchAccount.replies[0]?.text).toContain(t("uk", "verify.failed"));
    let fifth: HandleResult | undefined;
    for (let attempt = 3; attempt <= 5; attempt += 1) {
      await send(address, { type: "choice", id: "v:retry" });
      fifth = await send(address, { type: "text", text: "1234567890" });
    }
    const locked = t("uk", "verify.locked", { until: "30.11.2026 13:00" });
    expect(fifth?.replies[0]?.text).toContain(locked);
    const sixth = await send(address, { type: "choice", id: "m:add" });
    expect(sixth.replies[0]?.text).toContain(locked);
    const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
    expect(await db.prisma.verificationAttempt.count({ where: { userId: user.id, success: false } })).toBe(5);
    expect(await db.prisma.accountLink.count({ where: { userId: user.id } })).toBe(0);
  });

  test("blocked and unblocked events set the user's status; the status port does too", async () => {
    const address = "telegram:9007";
    await send(address, { type: "start" });
    expect((await send(address, { type: "blocked" })).replies).toEqual([]);
    expect((await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } })).status).toBe("blocked");
    await send(address, { type: "unblocked" });
    expect((await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } })).status).toBe("active");
    await createUserStatusStore(db.prisma).setStatus(address, "unsubscribed");
    expect((await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } })).status).toBe(
      "unsubscribed",
    );
    await createUserStatusStore(db.prisma).setStatus("telegram:never-seen", "blocked");
  });

  test("a duplicate's open returns null and leaves the conversation row untouched", async () => {
    const now = new Date("2026-11-30T10:00:00Z");
    const address = `telegram:dup-open-${kind.name}`;
    const input = { address, channel: "telegram" as const, language: "uk" as const, now };
    const first = await store.transaction((tx) =>
      tx.open({ channel: "telegram", updateId: `do-${kind.name}`, now }, input),
    );
    expect(first?.created).toBe(true);
    const before = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
    const later = new Date("2026-11-30T10:05:00Z");
    const again = await store.transaction((tx) =>
      tx.open({ channel: "telegram", updateId: `do-${kind.name}`, now: later }, { ...input, now: later }),
    );
    expect(again).toBeNull();
    const after = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
    expect(after.lastInboundAt).toEqual(before.lastInboundAt);
    expect(after.floodCount).toBe(before.floodCount);
  });

  test("an update writes its conversation row once; one that saves no state still counts, a duplicate does not", async () => {
    const address = `telegram:one-write-${kind.name}`;
    const table = `row_writes_${kind.name}`;
    // Counts real row updates of this address (a lock without an update fires no trigger).
    await db.prisma.$executeRawUnsafe(`CREATE TABLE ${table} (n int)`);
    await db.prisma.$executeRawUnsafe(
      `CREATE FUNCTION ${table}_count() RETURNS trigger LANGUAGE plpgsql AS
       'BEGIN INSERT INTO ${table} VALUES (1)\u003b RETURN NULL\u003b END'`,
    );
    await db.prisma.$executeRawUnsafe(
      `CREATE TRIGGER ${table} AFTER UPDATE ON messenger_user FOR EACH ROW
       WHEN (NEW.address = '${address}') EXECUTE FUNCTION ${table}_count()`,
    );
    const writes = async (): Promise<number> =>
      Number((await db.prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM ${table}`))[0]?.n);
    try {
      const at = (seconds: number): Date => new Date(Date.UTC(2026, 10, 30, 10, 0, seconds));
      const input = (now: Date) => ({ address, channel: "telegram" as const, language: "uk" as const, now });
      const update = async (id: string, now: Date, save: boolean) =>
        store.transaction(async (tx) => {
          const row = await tx.open({ channel: "telegram", updateId: `${id}-${kind.name}`, now }, input(now));
          if (row && save) {
            await tx.saveConversation(row.userId, {
              ...row,
              state: { n: id },
              stateVersion: 1,
              stateUpdatedAt: now,
            });
          }
          return row;
        });
      expect((await update("w1", at(0), true))?.recentUpdates).toBe(1); // insert, then the save
      expect(await writes()).toBe(1);
      expect((await update("w2", at(1), true))?.recentUpdates).toBe(2);
      expect(await writes()).toBe(2);
      // No save (a flood-limited update): the count and the last inbound time are still written.
      expect((await update("w3", at(2), false))?.recentUpdates).toBe(3);
      expect(await writes()).toBe(3);
      expect(await update("w3", at(3), true)).toBeNull(); // a duplicate: no write
      expect(await writes()).toBe(3);
      const row = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
      expect(row).toMatchObject({
        floodCount: 3,
        lastInboundAt: at(2),
        floodWindowAt: at(0),
        state: { n: "w2" },
      });
      // Past the window the counter starts again.
      expect((await update("w4", at(30), true))?.recentUpdates).toBe(1);
      expect(await writes()).toBe(4);
    } finally {
      await db.prisma.$executeRawUnsafe(`DROP TRIGGER ${table} ON messenger_user`);
      await db.prisma.$executeRawUnsafe(`DROP FUNCTION ${table}_count()`);
      await db.prisma.$executeRawUnsafe(`DROP TABLE ${table}`);
    }
  });
  test("a held-back write is sent even when it is the transaction's only statement", async () => {
    const now = new Date("2026-11-30T10:00:00Z");
    const address = `telegram:held-${kind.name}`;
    const user = await store.transaction((tx) =>
      tx.open(
        { channel: "telegram", updateId: `held-${kind.name}`, now },
        { address, channel: "telegram", language: "uk", now },
      ),
    );
    if (!user) throw new Error("a new update id must open the conversation");
    await store.transaction(async (tx) => {
      await tx.saveConversation(user.userId, {
        language: "en",
        status: "active",
        remindersEnabled: false,
        phone: null,
        phoneProven: false,
        state: {},
        stateVersion: 1,
        stateUpdatedAt: now,
      });
    });
    const row = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
    expect(row).toMatchObject({ language: "en", remindersEnabled: false });
  });

  test("the read with the lock gives every link in order and each account's latest counting readings, as a direct read does", async () => {
    const now = new Date("2026-11-30T10:00:00Z");
    const address = `telegram:multi-${kind.name}`;
    const input = { address, channel: "telegram" as const, language: "uk" as const, now };
    const claim = (id: string) => ({ channel: "telegram" as const, updateId: `${id}-${kind.name}`, now });
    const account = (number: string) =>
      db.prisma.account.create({
        data: {
          number,
          holderName: "Коваль Олена",
          phones: [],
          settlement: "Дніпро",
          street: "вул. Яворницького",
          building: "5",
          areaCode: "DNP-02",
          meterSerial: `S${number}`,
          meterDigits: 6,
          zones: 2,
          outageQueue: "3.2",
        },
      });
    const busy = await account(`71${kind.name.length}0000001`);
    const empty = await account(`71${kind.name.length}0000002`);
    // 16 counting readings (more than are read ahead) and one superseded, newest not first by id.
    for (let month = 1; month <= 16; month += 1) {
      await db.prisma.meterReading.create({
        data: {
          accountId: busy.id,
          period: `20${25 + Math.floor((month - 1) / 12)}-${String(((month - 1) % 12) + 1).padStart(2, "0")}`,
          t1: 1000 + month * 10,
          t2: 500 + month * 5,
          takenAt: new Date(Date.UTC(2025, month - 1, 28 - (month % 3))),
          source: month % 2 ? "telegram" : "billing",
          flagReason: month === 7 ? "far above the usual" : null,
          status: month === 7 ? "flagged" : "accepted",
        },
      });
    }
    await db.prisma.meterReading.create({
      data: {
        accountId: busy.id,
        period: "2026-05",
        t1: 9999,
        takenAt: now,
        source: "web",
        status: "superseded",
      },
    });
    await store.transaction(async (tx) => {
      const user = await tx.open(claim("multi-1"), input);
      if (!user) throw new Error("must open");
      await tx.links.link({ userId: user.userId, accountId: busy.id, label: "Дім", verifiedBy: "phone" });
      await tx.links.link({
        userId: user.userId,
        accountId: empty.id,
        label: "Дача",
        verifiedBy: "operator",
      });
    });
    const seen = await store.transaction(async (tx) => {
      const user = await tx.open(claim("multi-2"), input);
      if (!user) throw new Error("must open");
      return {
        links: await tx.links.listForUser(user.userId),
        busy: await tx.readings.latest(busy.id, 14),
        empty: await tx.readings.latest(empty.id, 14),
        // More than is read ahead: a query of its own, the reference.
        direct: await tx.readings.latest(busy.id, 15),
      };
    });
    expect(seen.links.map((l) => [l.account.id, l.label])).toEqual([
      [busy.id, "Дім"],
      [empty.id, "Дача"],
    ]);
    expect(seen.links[0]?.account).toMatchObject({
      number: busy.number,
      zones: 2,
      outageQueue: "3.2",
      phones: [],
    });
    expect(seen.busy).toHaveLength(14);
    expect(seen.busy).toEqual(seen.direct.slice(0, 14));
    expect(seen.busy.map((r) => r.t1)).not.toContain(9999);
    expect(seen.busy.find((r) => r.status === "flagged")?.flagReason).toBe("far above the usual");
    expect(seen.empty).toEqual([]);
  });

  test("links and readings read with the lock reflect what this transaction and an earlier update wrote", async () => {
    const now = new Date("2026-11-30T10:00:00Z");
    const address = `telegram:readahead-${kind.name}`;
    const input = { address, channel: "telegram" as const, language: "uk" as const, now };
    const claim = (id: string) => ({ channel: "telegram" as const, updateId: `${id}-${kind.name}`, now });
    const counting = await db.prisma.meterReading.findFirstOrThrow({
      where: { accountId, status: { not: "superseded" } },
      orderBy: [{ takenAt: "desc" }, { id: "desc" }],
    });
    // Update A links the account and holds the conversation lock while update B waits for it:
    // B's read-ahead must still see A's link, committed while B waited.
    let releaseA!: () => void;
    const holdA = new Promise<void>((resolve) => (releaseA = resolve));
    let aOpened!: () => void;
    const aIsOpen = new Promise<void>((resolve) => (aOpened = resolve));
    const a = store.transaction(async (tx) => {
      const user = await tx.open(claim("ra-a"), input);
      if (!user) throw new Error("A must open");
      expect(await tx.links.listForUser(user.userId)).toEqual([]);
      await tx.links.link({ userId: user.userId, accountId, label: "Дім", verifiedBy: "phone" });
      // Written in this transaction: visible to its own later reads.
      expect((await tx.links.listForUser(user.userId)).map((l) => l.account.id)).toEqual([accountId]);
      aOpened();
      await holdA;
    });
    await aIsOpen;
    const b = store.transaction(async (tx) => {
      const user = await tx.open(claim("ra-b"), input);
      if (!user) throw new Error("B must open");
      const links = await tx.links.listForUser(user.userId);
      const latest = await tx.readings.latest(accountId, 1);
      const { reading } = await tx.readings.submit({
        accountId,
        userId: user.userId,
        period: "2026-12",
        t1: 5100,
        t2: null,
        t3: null,
        takenAt: now,
        source: "telegram",
        flagReason: null,
        photoRef: null,
        inWindow: true,
      });
      const afterSubmit = await tx.readings.latest(accountId, 2);
      await tx.links.unlink(user.userId, accountId);
      return { links, latest, reading, afterSubmit, afterUnlink: await tx.links.listForUser(user.userId) };
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    releaseA();
    await a;
    const seen = await b;
    expect(seen.links.map((l) => [l.account.id, l.label])).toEqual([[accountId, "Дім"]]);
    expect(seen.latest.map((r) => r.id)).toEqual([counting.id]);
    // After its own submit the transaction reads the new reading first and nothing it superseded.
    const countingNow = await db.prisma.meterReading.findMany({
      where: { accountId, status: { not: "superseded" } },
      orderBy: [{ takenAt: "desc" }, { id: "desc" }],
      take: 2,
    });
    expect(seen.afterSubmit[0]?.id).toBe(seen.reading.id);
    expect(seen.afterSubmit.map((r) => r.id)).toEqual(countingNow.map((r) => r.id));
    expect(seen.afterUnlink).toEqual([]);
    await db.prisma.meterReading.delete({ where: { id: seen.reading.id } });
  });

  test("a failure inside the transaction leaves no row behind and propagates as is", async () => {
    const now = new Date("2026-11-30T10:00:00Z");
    const boom = new Error("boom");
    await expect(
      store.transaction(async (tx) => {
        const opened = await tx.open(
          { channel: "telegram", updateId: "rb-1", now },
          { address: "telegram:9010", channel: "telegram", language: "uk", now },
        );
        expect(opened?.created).toBe(true);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await db.prisma.processedUpdate.count({ where: { updateId: "rb-1" } })).toBe(0);
    expect(await db.prisma.messengerUser.count({ where: { address: "telegram:9010" } })).toBe(0);
  });

  test("a statement error rolls the update back and the engine answers with UpdateFailedError", async () => {
    const failing = createEngine({
      store: {
        transaction: (fn) =>
          store.transaction((tx) =>
            fn({
              ...tx,
              async saveConversation(userId, update) {
                // A value the column rejects (varchar(20)): a real database error, not a connectivity one.
                await tx.saveConversation(userId, { ...update, phone: "9".repeat(40) });
              },
            }),
          ),
      },
      clock,
      settings: defaultEngineSettings,
    });
    await expect(
      failing.handle("telegram:9011", { type: "start" }, { channel: "telegram", updateId: "bad-1" }),
    ).rejects.toBeInstanceOf(UpdateFailedError);
    expect(await db.prisma.processedUpdate.count({ where: { updateId: "bad-1" } })).toBe(0);
    expect(await db.prisma.messengerUser.count({ where: { address: "telegram:9011" } })).toBe(0);
  });

  test("a transaction past its time limit is rolled back and reported as StoreUnavailableError", async () => {
    const short = kind.open(db, { timeoutMs: 300 });
    const now = new Date("2026-11-30T10:00:00Z");
    try {
      await expect(
        short.store.transaction(async (tx) => {
          await tx.open(
            { channel: "telegram", updateId: "slow-1", now },
            { address: "telegram:9012", channel: "telegram", language: "uk", now },
          );
          await new Promise((resolve) => setTimeout(resolve, 600));
          await tx.accounts.findByNumber("0000000000");
        }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await short.close();
    }
    expect(await db.prisma.processedUpdate.count({ where: { updateId: "slow-1" } })).toBe(0);
  });

  test("the repositories read back exactly what they wrote", async () => {
    const at = new Date("2026-11-30T11:00:00.123Z");
    const area = `AREA-${kind.name}`;
    const other = await db.prisma.account.create({
      data: {
        number: `77${kind.name.length % 10}0000001`,
        holderName: "Коваленко Олена",
        phones: ["380501112233", "380671112233"],
        settlement: "Дніпро",
        street: "просп. Яворницького",
        building: "1",
        apartment: "5",
        areaCode: area,
        meterSerial: "ZX000001",
        meterDigits: 5,
        zones: 2,
      },
    });
    const outage = await db.prisma.knownOutage.create({
      data: {
        areaCodes: ["X-1", area],
        kind: "planned",
        startsAt: new Date("2026-11-30T08:00:00Z"),
        note: "ремонт",
      },
    });
    const result = await store.transaction(async (tx) => {
      const user = await tx.open(
        { channel: "viber", updateId: `${kind.name}-repo`, now: at },
        {
          address: `viber:${kind.name}-repo`,
          channel: "viber",
          viberUserId: `${kind.name}-repo`,
          language: "en",
          now: at,
        },
      );
      if (!user) throw new Error("a new update id must open the conversation");
      const account = await tx.accounts.findByNumber(other.number);
      const missing = await tx.accounts.findByNumber("0000000000");
      const first = await tx.links.link({
        userId: user.userId,
        accountId: other.id,
        label: "Дача",
        verifiedBy: "phone",
      });
      const second = await tx.links.link({
        userId: user.userId,
        accountId: other.id,
        label: "Інше",
        verifiedBy: "operator",
      });
      await tx.links.link({
        userId: user.userId,
        accountId,
        label: "Квартира",
        verifiedBy: "serial_surname",
      });
      await tx.links.rename(user.userId, accountId, "Дім");
      const links = await tx.links.listForUser(user.userId);
      await tx.links.unlink(user.userId, accountId);
      const afterUnlink = await tx.links.listForUser(user.userId);
      await tx.verificationAttempts.record({
        userId: user.userId,
        method: "phone",
        success: false,
        accountNumber: null,
        at,
      });
      await tx.verificationAttempts.record({
        userId: user.userId,
        method: "phone",
        success: true,
        accountNumber: other.number,
        at,
      });
      const failures = await tx.verificationAttempts.failuresSince(
        user.userId,
        new Date("2026-11-30T10:59:00Z"),
      );
      const submitted = await tx.readings.submit({
        accountId: other.id,
        userId: user.userId,
        period: "2026-12",
        t1: 100,
        t2: 50,
        t3: null,
        takenAt: at,
        source: "viber",
        flagReason: "far above forecast",
        photoRef: null,
        inWindow: false,
      });
      const resubmitted = await tx.readings.submit({
        accountId: other.id,
        userId: user.userId,
        period: "2026-12",
        t1: 101,
        t2: 51,
        t3: null,
        takenAt: at,
        source: "viber",
        flagReason: null,
        photoRef: "photo-1",
        inWindow: true,
      });
      const latest = await tx.readings.latest(other.id, 5);
      const report = await tx.outageReports.create({
        accountId: other.id,
        userId: user.userId,
        scope: "building",
        at,
      });
      const openReport = await tx.outageReports.findOpenForAccount(other.id);
      const openReports = await tx.outageReports.listOpenForAccounts([other.id, accountId]);
      const noReports = await tx.outageReports.listOpenForAccounts([]);
      const active = await tx.knownOutages.findActiveForArea(area, at);
      const notYet = await tx.knownOutages.findActiveForArea(area, new Date("2026-11-30T07:00:00Z"));
      await tx.outageWatches.watch({ outageId: outage.id, userId: user.userId, accountId: other.id, at });
      await tx.outageWatches.watch({ outageId: outage.id, userId: user.userId, accountId: other.id, at });
      const order = await tx.serviceOrders.create({
        accountId: other.id,
        userId: user.userId,
        type: "sealing",
        description: "опломбувати",
        photoRef: null,
        preferredDate: "2026-12-03",
        contactPhone: "380501112233",
        at,
      });
      const orders = await tx.serviceOrders.listOpenForAccounts([other.id]);
      return {
        user,
        account,
        missing,
        first,
        second,
        links,
        afterUnlink,
        failures,
        submitted,
        resubmitted,
        latest,
        report,
        openReport,
        openReports,
        noReports,
        active,
        notYet,
        order,
        orders,
      };
    });
    expect(result.user).toMatchObject({
      created: true,
      language: "en",
      status: "active",
      stateVersion: 0,
      recentUpdates: 1,
    });
    expect(result.account).toEqual({
      id: other.id,
      number: other.number,
      holderName: "Коваленко Олена",
      phones: ["380501112233", "380671112233"],
      settlement: "Дніпро",
      street: "просп. Яворницького",
      building: "1",
      apartment: "5",
      areaCode: area,
      meterSerial: "ZX000001",
      meterDigits: 5,
      zones: 2,
      outageQueue: null,
      avgDailyKwh: null,
    });
    expect(result.missing).toBeNull();
    expect(result.first.existed).toBe(false);
    expect(result.second).toEqual({ linkId: result.first.linkId, existed: true });
    expect(result.links.map((l) => [l.label, l.account.id])).toEqual([
      ["Дача", other.id],
      ["Дім", accountId],
    ]);
    expect(result.links[0]?.account).toEqual(result.account);
    expect(result.afterUnlink.map((l) => l.label)).toEqual(["Дача"]);
    expect(result.failures).toEqual([at]);
    expect(result.submitted.replaced).toBe(0);
    expect(result.submitted.reading).toMatchObject({
      status: "flagged",
      flagReason: "far above forecast",
      inWindow: false,
      t2: 50,
      t3: null,
    });
    expect(result.resubmitted.replaced).toBe(1);
    expect(result.resubmitted.reading).toEqual({
      id: result.resubmitted.reading.id,
      accountId: other.id,
      period: "2026-12",
      t1: 101,
      t2: 51,
      t3: null,
      takenAt: at,
      source: "viber",
      status: "accepted",
      flagReason: null,
      photoRef: "photo-1",
      inWindow: true,
    });
    expect(result.latest).toEqual([result.resubmitted.reading]);
    expect(result.report).toEqual({
      id: result.report.id,
      accountId: other.id,
      scope: "building",
      status: "received",
      expectedRestoreAt: null,
      comment: null,
      createdAt: at,
    });
    expect(result.openReport).toEqual(result.report);
    expect(result.openReports).toEqual([result.report]);
    expect(result.noReports).toEqual([]);
    expect(result.active).toEqual({
      id: outage.id,
      kind: "planned",
      startsAt: outage.startsAt,
      expectedEndAt: null,
      note: "ремонт",
    });
    expect(result.notYet).toBeNull();
    expect(result.order).toEqual({
      id: result.order.id,
      accountId: other.id,
      type: "sealing",
      description: "опломбувати",
      photoRef: null,
      preferredDate: "2026-12-03",
      contactPhone: "380501112233",
      status: "received",
      visitFrom: null,
      visitTo: null,
      comment: null,
      createdAt: at,
    });
    expect(result.orders).toEqual([result.order]);
    expect(await db.prisma.outageWatch.count({ where: { outageId: outage.id } })).toBe(1);
    const userRow = await db.prisma.messengerUser.findUniqueOrThrow({
      where: { address: `viber:${kind.name}-repo` },
    });
    expect(userRow).toMatchObject({
      channel: "viber",
      viberUserId: `${kind.name}-repo`,
      language: "en",
      lastInboundAt: at,
    });
    const readingRows = await db.prisma.meterReading.findMany({
      where: { accountId: other.id },
      orderBy: { id: "asc" },
    });
    expect(readingRows.map((r) => [r.t1, r.status, r.userId, r.createdAt])).toEqual([
      [100, "superseded", userRow.id, at],
      [101, "accepted", userRow.id, at],
    ]);
  });

  test("an unreachable database surfaces as StoreUnavailableError", async () => {
    const down = kind.unreachable();
    const offline = createEngine({ store: down.store, clock, settings: defaultEngineSettings });
    await expect(
      offline.handle("telegram:9008", { type: "start" }, { channel: "telegram", updateId: "x" }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    await down.close();
  });
});
