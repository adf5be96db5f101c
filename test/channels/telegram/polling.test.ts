// Polling mode end to end: the same conversation fed by getUpdates from the fake Bot API, offsets
// confirmed only after an update is handled, a database outage holding the update back until the
// store is back, and a clean stop that confirms what was handled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, createSqlPool } from "../../../src/db/client.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../../fakes/telegram-api.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { verifyAndSubmitReading } from "./conversation.js";
import { TEST_BOT_TOKEN } from "./helpers.js";
import {
  seedTwoZoneAccount,
  startTelegramTestService,
  waitUntil,
  type TelegramTestService,
} from "./service.js";
import { TelegramUser } from "./telegram-user.js";

let db: TestDatabase;
let fake: FakeTelegramApi;
let service: TelegramTestService;

/** Queues the update and waits until the loop has handled it (its offset is confirmed). */
async function deliver(update: Record<string, unknown>): Promise<void> {
  fake.pushUpdate(update);
  await waitUntil(() => fake.pendingUpdates() === 0);
}

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegramApi({ token: TEST_BOT_TOKEN });
  service = await startTelegramTestService({ database: db, fake, mode: "polling" });
  await waitUntil(() => service.channel.ready());
});

afterAll(async () => {
  await service.stop();
  await fake.close();
  await db.drop();
});

describe("Telegram polling mode, end to end", () => {
  it("has no webhook route and took over from any webhook", async () => {
    expect(service.channel.plugin).toBeUndefined();
    await fake.waitForCalls("getUpdates", 1);
    expect(fake.callsTo("deleteWebhook")[0]?.params).toEqual({ drop_pending_updates: false });
    expect(fake.callsTo("getUpdates")[0]?.params).toMatchObject({
      timeout: 1,
      allowed_updates: ["message", "callback_query", "my_chat_member"],
    });
  });

  it("verifies by phone and takes a two-zone reading with the exact messages", async () => {
    const account = await seedTwoZoneAccount(db.prisma, "2234567890", "380671234568");
    const user = new TelegramUser(7_200_000_001, fake);
    await verifyAndSubmitReading(user, deliver, { number: "2234567890", phone: "380671234568" });
    const readings = await db.prisma.meterReading.findMany({
      where: { accountId: account.id, source: "telegram" },
    });
    expect(readings).toEqual([
      expect.objectContaining({ period: "2026-12", t1: 12400, t2: 6150, status: "accepted" }),
    ]);
    // No webhook response to carry it: a tap is answered by a Bot API request.
    const tap = user.callback("m:read");
    await deliver(tap);
    const answers = await fake.waitForCalls("answerCallbackQuery", 1);
    expect(answers.map((call) => call.params)).toEqual([
      { callback_query_id: (tap.callback_query as { id: string }).id },
    ]);
    expect(answers.filter((call) => call.webhookReply)).toEqual([]);
  });

  it("handles a batch in order and confirms it only after handling", async () => {
    const user = new TelegramUser(7_200_000_002, fake);
    fake.pushUpdate(user.start());
    fake.pushUpdate(user.text("/help"));
    await waitUntil(() => fake.pendingUpdates() === 0);
    const calls = service.engineCalls.filter((c) => c.address === user.address);
    expect(calls.map((c) => c.event)).toEqual([{ type: "start" }, { type: "text", text: "/help" }]);
    expect(user.received()).toHaveLength(2);
    expect(user.received()[1]?.text).toBe(calls[1]?.result.replies.map((r) => r.text).join(""));
  });
});

describe("Telegram polling with the database down", () => {
  it("keeps the update until the store answers, then handles it once", async () => {
    const pollFake = await startFakeTelegramApi({ token: TEST_BOT_TOKEN });
    const dead = {
      prisma: createPrisma("postgresql://root@127.0.0.1:1/nothing", { poolSize: 1 }),
      enginePool: createSqlPool("postgresql://root@127.0.0.1:1/nothing", { max: 1 }),
    };
    const down = await startTelegramTestService({ database: dead, fake: pollFake, mode: "polling" });
    try {
      await waitUntil(() => down.channel.ready());
      const user = new TelegramUser(7_200_000_003, pollFake);
      pollFake.pushUpdate(user.start());
      await waitUntil(() => down.engineCalls.length === 0 && pollFake.callsTo("getUpdates").length >= 3);
      // Fetched, failed on the store, asked for again: still pending, nothing sent.
      expect(pollFake.pendingUpdates()).toBe(1);
      expect(pollFake.sentMessages(user.id)).toEqual([]);
      await down.stop();

      // The store is back: a new instance on the real database takes it from the same offset.
      const up = await startTelegramTestService({ database: db, fake: pollFake, mode: "polling" });
      try {
        await waitUntil(() => pollFake.pendingUpdates() === 0);
        expect(pollFake.sentMessages(user.id)).toHaveLength(1);
      } finally {
        await up.stop();
      }
    } finally {
      await dead.prisma.$disconnect();
      await dead.enginePool.end();
      await pollFake.close();
    }
  });
});
