// The engine on real Postgres through the Prisma store: exactly-once per update id, the conversation
// lock under concurrency, one counting reading per period, reset of unreadable state, verification
// limits, and database outages surfacing as StoreUnavailableError.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createPrisma } from "../../src/db/client.js";
import { createEngineStore } from "../../src/db/engine-store.js";
import { createUserStatusStore } from "../../src/db/user-status-store.js";
import { createEngine, type Engine } from "../../src/engine/engine.js";
import { StoreUnavailableError } from "../../src/engine/errors.js";
import type { InboundEvent } from "../../src/engine/events.js";
import { t } from "../../src/engine/i18n/index.js";
import type { HandleResult } from "../../src/engine/replies.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { PinnedClock } from "./harness.js";

let db: TestDatabase;
let engine: Engine;
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
  engine = createEngine({ store: createEngineStore(db.prisma), clock, settings: defaultEngineSettings });
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
  await db.drop();
});

beforeEach(() => {
  clock.set("2026-11-30T10:00:00Z");
});

describe("engine on Postgres", () => {
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
    expect(user.stateVersion).toBe(1);
    expect((user.state as { step: { name: string } }).step.name).toBe("menu");
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

  test("an unreachable database surfaces as StoreUnavailableError", async () => {
    const down = createPrisma("postgresql://root@127.0.0.1:1/none");
    const offline = createEngine({ store: createEngineStore(down), clock, settings: defaultEngineSettings });
    await expect(
      offline.handle("telegram:9008", { type: "start" }, { channel: "telegram", updateId: "x" }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    await down.$disconnect();
  });
});
