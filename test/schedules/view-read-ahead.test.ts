// The schedule view on Postgres reads the mode, the saved queues, the subscriptions and the days of the person's queues
// together with the conversation (the engine's scheduleView hint): two round trips per view instead of
// three or four, and exactly the answers it gives without the hint, whatever the mode and wherever a queue
// comes from (an account, a saved queue, both).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgEngineStore } from "../../src/db/engine-store-pg.js";
import { createEngine, type Engine } from "../../src/engine/engine.js";
import type { EngineStore } from "../../src/engine/ports.js";
import type { HandleResult } from "../../src/engine/replies.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";
import { publishDay, setOutageMode } from "../../src/operator/schedules.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { PinnedClock } from "../engine/harness.js";

/** The same store with the hint taken out of every open(): what the view costs without it. */
function withoutHints(store: EngineStore): EngineStore {
  return {
    transaction: (fn) =>
      store.transaction((tx) =>
        fn({
          ...tx,
          open: (update, input) => {
            const { scheduleView: _hint, ...rest } = input;
            return tx.open(update, rest);
          },
        }),
      ),
  };
}

let db: TestDatabase;
let hinted: Engine;
let plain: Engine;
const trips: number[] = [];
const clock = new PinnedClock(new Date("2026-11-30T10:05:00Z")); // 12:05 in Kyiv
let sequence = 0;

function texts(result: HandleResult): string[] {
  return result.replies.map((reply) => reply.text);
}

async function view(engine: Engine, address: string): Promise<{ result: HandleResult; trips: number }> {
  trips.length = 0;
  const result = await engine.handle(
    address,
    { type: "choice", id: "m:sched" },
    { channel: "web", updateId: `ra-${++sequence}`, languageCode: "uk" },
  );
  return { result, trips: trips.reduce((sum, n) => sum + n, 0) };
}

beforeAll(async () => {
  db = await createTestDatabase();
  const store = createPgEngineStore(db.enginePool, { onRoundTrips: (count) => trips.push(count) });
  hinted = createEngine({ store, clock, settings: defaultEngineSettings });
  plain = createEngine({ store: withoutHints(store), clock, settings: defaultEngineSettings });
  const publisher = { source: "api", actor: "test" } as const;
  await publishDay(
    db.prisma,
    "2026-11-30",
    {
      "3.2": [
        { from: "08:00", to: "12:30", state: "off" },
        { from: "16:00", to: "18:00", state: "maybe" },
      ],
      "1.1": [{ from: "14:00", to: "16:00", state: "off" }],
    },
    publisher,
  );
  await publishDay(
    db.prisma,
    "2026-12-01",
    { "3.2": [{ from: "00:00", to: "02:00", state: "off" }] },
    publisher,
  );
  const account = await db.prisma.account.create({
    data: {
      number: "1234567890",
      holderName: "Шевченко Тарас Григорович",
      phones: ["380671234567"],
      settlement: "Дніпро",
      street: "вул. Робоча",
      building: "5",
      areaCode: "DNP-01",
      meterSerial: "AB123456",
      meterDigits: 6,
      zones: 1,
      outageQueue: "3.2",
    },
  });
  // web:a has the account (queue 3.2) and saved 1.1; web:b saved 1.1 only; web:c has nothing.
  const a = await db.prisma.messengerUser.create({ data: { address: "web:a", channel: "web" } });
  await db.prisma.accountLink.create({
    data: { userId: a.id, accountId: account.id, label: "Дім", verifiedBy: "phone" },
  });
  const b = await db.prisma.messengerUser.create({ data: { address: "web:b", channel: "web" } });
  await db.prisma.messengerUser.create({ data: { address: "web:c", channel: "web" } });
  await db.prisma.scheduleFollow.createMany({
    data: [
      { userId: a.id, queue: "1.1", label: "Дача" },
      { userId: b.id, queue: "1.1", label: null },
    ],
  });
  // web:a is subscribed to 3.2's notifications (the view offers to stop them, and to start 1.1's).
  await db.prisma.scheduleSubscription.create({ data: { userId: a.id, queue: "3.2", label: "Дім" } });
  // Each person has talked to the bot before (their state is the menu).
  for (const address of ["web:a", "web:b", "web:c"]) {
    await hinted.handle(
      address,
      { type: "text", text: "/menu" },
      { channel: "web", updateId: `ra-${++sequence}`, languageCode: "uk" },
    );
  }
});

afterAll(async () => {
  await db.drop();
});

describe("schedule view read ahead with the conversation (pg store)", () => {
  it("answers as without the hint, in two round trips instead of three or four", async () => {
    for (const address of ["web:a", "web:b"]) {
      const withHint = await view(hinted, address);
      const withoutHint = await view(plain, address);
      expect(texts(withHint.result)).toEqual(texts(withoutHint.result));
      expect(withHint.result.replies.map((r) => r.choices)).toEqual(
        withoutHint.result.replies.map((r) => r.choices),
      );
      expect(withHint.trips).toBe(2);
      expect(withoutHint.trips).toBeGreaterThanOrEqual(3); // 3, or 4 with a saved queue no account has
    }
    const a = texts((await view(hinted, "web:a")).result).join("\n");
    expect(a).toContain("3.2");
    expect(a).toContain("08:00–12:30");
    expect(a).toContain("16:00–18:00");
    expect(a).toContain("00:00–02:00");
    expect(a).toContain("1.1");
    expect(a).toContain("14:00–16:00");
    const buttons = (await view(hinted, "web:a")).result.replies.flatMap((r) => r.choices?.flat() ?? []);
    expect(buttons.map((c) => c.id)).toEqual(expect.arrayContaining(["g:unsub:3.2", "g:sub:1.1"]));
  });

  it("a reply-keyboard press (the label as text, Telegram and Viber) is read ahead too", async () => {
    const press = async (engine: Engine, text: string) => {
      trips.length = 0;
      const result = await engine.handle(
        "web:a",
        { type: "text", text },
        { channel: "web", updateId: `ra-${++sequence}`, languageCode: "uk" },
      );
      return { result, trips: trips.reduce((sum, n) => sum + n, 0) };
    };
    // The menu's button (pressed in the menu), then the view's "refresh" (pressed in the view; as
    // typed: spaces and case do not matter); each with and without the hint from the same step.
    for (const [from, text] of [
      ["/menu", "🕯 Графік відключень"],
      [null, " 🔄 оновити "],
    ] as const) {
      if (from) await press(hinted, from);
      const withHint = await press(hinted, text);
      expect(withHint.trips).toBe(2);
      expect(texts(withHint.result).join("\n")).toContain("08:00–12:30");
      if (from) await press(hinted, from);
      const withoutHint = await press(plain, text);
      expect(withoutHint.trips).toBeGreaterThanOrEqual(3);
      expect(texts(withHint.result)).toEqual(texts(withoutHint.result));
    }
    // Other text is not: a reading typed in the view costs what it did.
    const other = await press(hinted, "12345");
    expect(other.trips).toBeGreaterThanOrEqual(2);
    expect(texts(other.result).join("\n")).not.toContain("08:00–12:30");
  });

  it("without a queue the person is asked to pick one, as without the hint", async () => {
    const withHint = await view(hinted, "web:c");
    const withoutHint = await view(plain, "web:c");
    expect(texts(withHint.result)).toEqual(texts(withoutHint.result));
    expect(
      withHint.result.replies
        .at(-1)
        ?.choices?.flat()
        .some((c) => c.id.startsWith("sq:")),
    ).toBe(true);
  });

  it("a new publication and the emergency mode are seen by the next view", async () => {
    await publishDay(db.prisma, "2026-11-30", { "1.1": [{ from: "20:00", to: "22:00", state: "off" }] }, {
      source: "api",
      actor: "test",
    } as const);
    const changed = texts((await view(hinted, "web:b")).result).join("\n");
    expect(changed).toContain("20:00–22:00");
    expect(changed).not.toContain("14:00–16:00");
    await setOutageMode(db.prisma, { mode: "emergency", message: "Аварійні відключення по області" }, "test");
    const withHint = await view(hinted, "web:a");
    const withoutHint = await view(plain, "web:a");
    expect(texts(withHint.result)).toEqual(texts(withoutHint.result));
    expect(texts(withHint.result).join("\n")).toContain("Аварійні відключення по області");
  });

  it("the records read ahead equal the repositories' own reads: mode, saved queues, days, subscriptions, links, readings", async () => {
    // A second account with no queue and readings on both: two links (one row each in the view's
    // read), and readings the view's read leaves out, read when a step asks for them.
    const home = await db.prisma.account.findUniqueOrThrow({ where: { number: "1234567890" } });
    const cottage = await db.prisma.account.create({
      data: {
        number: "1234567891",
        holderName: "Шевченко Тарас Григорович",
        phones: ["380671234567"],
        settlement: "Дніпро",
        street: "вул. Робоча",
        building: "7",
        areaCode: "DNP-01",
        meterSerial: "AB123457",
        meterDigits: 6,
        zones: 2,
      },
    });
    const a = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: "web:a" } });
    await db.prisma.accountLink.create({
      data: { userId: a.id, accountId: cottage.id, label: "Дача", verifiedBy: "phone" },
    });
    for (const [accountId, t1, t2] of [
      [home.id, 10450, null],
      [cottage.id, 5120, 2210],
      [cottage.id, 5230, 2260],
    ] as const) {
      await db.prisma.meterReading.create({
        data: { accountId, period: "2026-11", t1, t2, takenAt: clock.now(), source: "billing" },
      });
    }
    const store = createPgEngineStore(db.enginePool);
    const dates = ["2026-11-30", "2026-12-01"];
    const read = (hint: boolean) =>
      store.transaction(async (tx) => {
        const now = clock.now();
        const user = await tx.open(
          { channel: "web", updateId: `rec-${++sequence}`, now },
          {
            address: "web:a",
            channel: "web",
            language: "uk",
            now,
            ...(hint ? { scheduleView: { dates } } : {}),
          },
        );
        if (!user) throw new Error("must open");
        const queues = ["3.2", "1.1"];
        return {
          links: await tx.links.listForUser(user.userId),
          readings: [await tx.readings.latest(home.id, 14), await tx.readings.latest(cottage.id, 14)],
          mode: await tx.schedules.mode(),
          followed: await tx.schedules.followed(user.userId),
          days: await Promise.all(queues.map((queue) => tx.schedules.days(queue, dates))),
          subscriptions: await tx.scheduleSubscriptions.list(user.userId),
        };
      });
    const ahead = await read(true);
    const own = await read(false);
    expect(ahead).toEqual(own);
    expect(ahead.mode).toMatchObject({ mode: "emergency", since: expect.any(Date) });
    expect(ahead.days.flat().every((day) => day.publishedAt instanceof Date)).toBe(true);
    expect(ahead.days.flat().length).toBeGreaterThan(0);
    expect(ahead.subscriptions).toEqual([
      expect.objectContaining({ queue: "3.2", label: "Дім", leadMinutes: 30 }),
    ]);
    expect(ahead.followed).toEqual([{ queue: "1.1", label: "Дача" }]);
    expect(ahead.links.map((link) => [link.label, link.account.outageQueue])).toEqual([
      ["Дім", "3.2"],
      ["Дача", null],
    ]);
    expect(ahead.readings.map((list) => list.map((r) => r.t1))).toEqual([[10450], [5230, 5120]]);
    // And the engine's answer with two accounts (one without a queue) is the same either way.
    const withHint = await view(hinted, "web:a");
    const withoutHint = await view(plain, "web:a");
    // One more round trip either way: the account without a queue is looked up in the address directory.
    expect(withHint.trips).toBe(3);
    expect(withoutHint.trips).toBeGreaterThan(3);
    expect(texts(withHint.result)).toEqual(texts(withoutHint.result));
  });
});
