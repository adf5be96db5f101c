// Telegram end to end: the service's HTTP app with the channel's webhook route, the real engine on a
// fresh Postgres database, and the fake Bot API recording every call. Updates arrive the way
// Telegram sends them (the fake POSTs to the webhook it was given, with the secret) or through
// inject() where the test needs to forge what Telegram would never send.
import { Api } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, createSqlPool } from "../../../src/db/client.js";
import { submitReadingChoice } from "../../../src/engine/global-choices.js";
import { t } from "../../../src/engine/i18n/index.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../../fakes/telegram-api.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { replyKeyboard, verifyAndSubmitReading } from "./conversation.js";
import { TEST_BOT_TOKEN } from "./helpers.js";
import {
  WEBHOOK_SECRET,
  seedTwoZoneAccount,
  startTelegramTestService,
  waitUntil,
  type TelegramTestService,
} from "./service.js";
import { TelegramUser } from "./telegram-user.js";

const uk = (key: Parameters<typeof t>[1], params?: Parameters<typeof t>[2]) => t("uk", key, params);

let db: TestDatabase;
let fake: FakeTelegramApi;
let service: TelegramTestService;
let webhookUrl: string;
let nextUserId = 7_100_000_000;

function newUser(): TelegramUser {
  nextUserId += 1;
  return new TelegramUser(nextUserId, fake);
}

/** Telegram's side: POST to the registered webhook with the secret; the status must be 200. */
async function deliver(update: Record<string, unknown>): Promise<void> {
  const response = await fake.deliverWebhook(update);
  expect(response.status).toBe(200);
}

function post(update: unknown, secret: string | undefined) {
  return service.app.inject({
    method: "POST",
    url: "/webhooks/telegram",
    headers: secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret },
    payload: update as Record<string, unknown>,
  });
}

async function processedUpdates(updateId: unknown): Promise<number> {
  return db.prisma.processedUpdate.count({ where: { channel: "telegram", updateId: String(updateId) } });
}

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegramApi({ token: TEST_BOT_TOKEN });
  service = await startTelegramTestService({ database: db, fake, mode: "webhook" });
  await service.app.listen({ host: "127.0.0.1", port: 0 });
  const address = service.app.server.address();
  if (!address || typeof address === "string") throw new Error("no port");
  webhookUrl = `http://127.0.0.1:${address.port}/webhooks/telegram`;
  // What `npm run telegram:webhook -- set` does, minus its https rule for a local listener.
  await new Api(TEST_BOT_TOKEN, { apiRoot: fake.apiRoot }).setWebhook(webhookUrl, {
    secret_token: WEBHOOK_SECRET,
    allowed_updates: ["message", "callback_query", "my_chat_member"],
  });
  await waitUntil(() => service.channel.ready());
});

afterAll(async () => {
  await service.stop();
  await fake.close();
  await db.drop();
});

describe("Telegram webhook mode, end to end", () => {
  it("verifies by phone and takes a two-zone reading with the exact messages, stored once", async () => {
    const account = await seedTwoZoneAccount(db.prisma, "1234567890", "380671234567");
    const user = newUser();
    const updates = await verifyAndSubmitReading(user, deliver, {
      number: "1234567890",
      phone: "380671234567",
    });

    const row = await db.prisma.messengerUser.findUniqueOrThrow({
      where: { address: user.address },
      include: { links: true, readings: true },
    });
    expect(row).toMatchObject({
      channel: "telegram",
      telegramChatId: BigInt(user.id),
      phone: "380671234567",
      phoneProven: true,
      status: "active",
      language: "uk",
    });
    expect(row.links).toEqual([
      expect.objectContaining({ accountId: account.id, label: "Квартира", verifiedBy: "phone" }),
    ]);
    expect(row.readings).toEqual([
      expect.objectContaining({
        accountId: account.id,
        period: "2026-12",
        t1: 12400,
        t2: 6150,
        t3: null,
        source: "telegram",
        status: "accepted",
      }),
    ]);
    expect(await processedUpdates(updates.confirm.update_id)).toBe(1);

    // Telegram redelivers the confirmation (say our 200 got lost): nothing is sent, nothing stored.
    const sentBefore = fake.sentMessages(user.id).length;
    const replay = await post(updates.confirm, WEBHOOK_SECRET);
    expect(replay.statusCode).toBe(200);
    expect(replay.json()).toEqual({ ok: true, outcome: "duplicate" });
    expect(fake.sentMessages(user.id)).toHaveLength(sentBefore);
    expect(await db.prisma.meterReading.count({ where: { userId: row.id } })).toBe(1);
  });

  it("refuses a wrong or missing secret with 401 and processes nothing", async () => {
    const user = newUser();
    const update = user.start();
    const calls = fake.calls.length;
    expect((await post(update, undefined)).statusCode).toBe(401);
    expect((await post(update, "wrong_secret_wrong_secret_wrong")).statusCode).toBe(401);
    expect((await post(update, `${WEBHOOK_SECRET}x`)).statusCode).toBe(401);
    expect(fake.calls.length).toBe(calls);
    expect(await db.prisma.messengerUser.count({ where: { address: user.address } })).toBe(0);
    expect(await processedUpdates(update.update_id)).toBe(0);
    // The same update with the right secret is then processed normally.
    expect((await post(update, WEBHOOK_SECRET)).statusCode).toBe(200);
    expect(fake.sentMessages(user.id)).toHaveLength(1);
  });

  it("checks the secret before reading the body, and answers 400 to a body that is not an update", async () => {
    const garbage = { "content-type": "application/json" };
    const unauthenticated = await service.app.inject({
      method: "POST",
      url: "/webhooks/telegram",
      headers: { ...garbage, "x-telegram-bot-api-secret-token": "nope_nope_nope_nope" },
      payload: "{not json",
    });
    expect(unauthenticated.statusCode).toBe(401);
    const calls = fake.calls.length;
    const notAnUpdate = await post({ message: { text: "hi" } }, WEBHOOK_SECRET);
    expect(notAnUpdate.statusCode).toBe(400);
    expect(notAnUpdate.json()).toEqual({ error: "invalid_update" });
    expect(fake.calls.length).toBe(calls);
  });

  it("processes the same update delivered twice at once exactly once", async () => {
    const user = newUser();
    const update = user.start();
    const [a, b] = await Promise.all([post(update, WEBHOOK_SECRET), post(update, WEBHOOK_SECRET)]);
    expect([a.statusCode, b.statusCode]).toEqual([200, 200]);
    expect([a.json().outcome, b.json().outcome].sort()).toEqual(["duplicate", "handled"]);
    expect(fake.sentMessages(user.id)).toHaveLength(1);
    expect(await processedUpdates(update.update_id)).toBe(1);
  });

  it("refuses someone else's contact card politely and verifies nothing", async () => {
    await seedTwoZoneAccount(db.prisma, "5550001112", "380501112233");
    const user = newUser();
    await deliver(user.start());
    await deliver(user.contact("+380501112233", false));
    expect(user.received().at(-1)?.params).toEqual({
      chat_id: user.id,
      text: `${uk("verify.phoneNotProven")}\n\n${uk("verify.fallbackAskAccount")}`,
      parse_mode: "HTML",
      reply_markup: replyKeyboard([[uk("nav.back"), uk("nav.menu")]]),
    });
    const row = await db.prisma.messengerUser.findUniqueOrThrow({
      where: { address: user.address },
      include: { links: true, attempts: true },
    });
    // The engine may keep the number as a contact number, never as a proven one.
    expect(row.phoneProven).toBe(false);
    expect(row.links).toEqual([]);
    expect(row.attempts.filter((a) => a.success)).toEqual([]);
  });

  it("retries a reply that hit 429 retry_after 1 about a second later", async () => {
    const user = newUser();
    fake.failNext("sendMessage", { kind: "rate_limit", retryAfter: 1 });
    await deliver(user.start());
    const attempts = fake.callsTo("sendMessage").filter((c) => c.params.chat_id === user.id);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(990);
    expect(attempts[1]!.params).toEqual(attempts[0]!.params);
  });

  it("marks a user blocked on 403, stops sending, and makes them active again on my_chat_member member", async () => {
    const user = newUser();
    await deliver(user.start());
    fake.blockChat(user.id);
    await deliver(user.text("привіт"));
    const blocked = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: user.address } });
    expect(blocked.status).toBe("blocked");

    // A proactive message of two parts stops at the first refusal.
    const before = fake.sentMessages(user.id).length;
    const outcome = await service.channel.sender.send(user.address, [{ text: "Перше" }, { text: "Друге" }]);
    expect(outcome).toEqual({ kind: "unreachable", reason: "blocked" });
    expect(fake.sentMessages(user.id)).toHaveLength(before + 1);

    fake.unblockChat(user.id);
    await deliver(user.membership("member"));
    const active = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: user.address } });
    expect(active.status).toBe("active");

    await deliver(user.membership("kicked"));
    expect(
      (await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: user.address } })).status,
    ).toBe("blocked");
    const metrics = await service.metrics.registry.getSingleMetricAsString("telegram_messages_failed_total");
    expect(metrics).toMatch(/telegram_messages_failed_total\{reason="blocked"\} [1-9]/);
  });

  it("answers an inline button of a proactive message and runs its command", async () => {
    const account = await seedTwoZoneAccount(db.prisma, "7770001112", "380671110000");
    const user = newUser();
    await deliver(user.start());
    await deliver(user.contact("380671110000", true));
    await deliver(user.text("7770001112"));
    await deliver(user.press(uk("label.house")));

    const choiceId = submitReadingChoice(account.id);
    const outcome = await service.channel.sender.send(user.address, [
      {
        text: uk("notify.reminderWindowOpen", { period: "12.2026" }),
        attached: true,
        choices: [[{ id: choiceId, label: uk("notify.submitFor", { label: uk("label.house") }) }]],
      },
    ]);
    expect(outcome).toEqual({ kind: "sent", messages: 1 });
    expect(user.received().at(-1)?.params.reply_markup).toEqual({
      inline_keyboard: [
        [{ text: uk("notify.submitFor", { label: uk("label.house") }), callback_data: choiceId }],
      ],
    });

    const tap = user.callback(choiceId);
    const response = await fake.deliverWebhook(tap);
    const query = (tap.callback_query as { id: string }).id;
    // The tap is answered in the webhook's response (a webhook reply), not by a Bot API request.
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ method: "answerCallbackQuery", callback_query_id: query });
    expect(fake.callsTo("answerCallbackQuery").filter((c) => c.params.callback_query_id === query)).toEqual([
      expect.objectContaining({ webhookReply: true }),
    ]);
    expect(
      user
        .received()
        .at(-1)
        ?.text.startsWith(uk("reading.intro", { label: uk("label.house"), number: "7770001112" })),
    ).toBe(true);
  });

  it("takes a meter photo for a reading far above the usual, keeping the largest size's file id", async () => {
    const account = await seedTwoZoneAccount(db.prisma, "8880001112", "380672220000");
    const user = newUser();
    await deliver(user.start());
    await deliver(user.contact("380672220000", true));
    await deliver(user.text("8880001112"));
    await deliver(user.press(uk("label.flat")));
    await deliver(user.press(uk("menu.reading")));
    await deliver(user.text("13500"));
    // One billing reading and no billing average: no "usual" figure of the customer's to quote.
    expect(user.received().at(-1)!.text).toBe(uk("reading.highAskNoUsual", { value: 13500, used: 1300 }));
    await deliver(user.press(uk("reading.highYes")));
    await deliver(user.press(uk("reading.sameAsLast")));
    expect(user.received().at(-1)!.text).toBe(uk("reading.photoAsk"));
    await deliver(user.photo("AgACAgIAAxkBAAIMeter", "лічильник"));
    expect(user.received().at(-1)!.text.startsWith(uk("reading.photoReceived"))).toBe(true);
    await deliver(user.press(uk("common.confirm")));
    expect(user.received().at(-1)!.text).toContain(uk("reading.flaggedNote"));
    const reading = await db.prisma.meterReading.findFirstOrThrow({
      where: { accountId: account.id, source: "telegram" },
    });
    expect(reading).toMatchObject({
      t1: 13500,
      t2: 6100,
      status: "flagged",
      photoRef: "AgACAgIAAxkBAAIMeter-1280",
    });
  });

  it("answers a group message once with the private-chat notice and stores nothing", async () => {
    const user = newUser();
    const group = -1001555444333;
    const update = {
      update_id: 990_000_001,
      message: {
        message_id: 5,
        from: user.user,
        chat: { id: group, title: "ОСББ Набережна 12", type: "supergroup" },
        date: 1795740065,
        text: "/start@dtek_dnem_test_bot",
      },
    };
    await deliver(update);
    expect(fake.sentMessages(group)).toEqual([
      { chat_id: group, text: uk("channel.groupNotice"), parse_mode: "HTML" },
    ]);
    expect(await db.prisma.messengerUser.count({ where: { address: `telegram:${group}` } })).toBe(0);
  });

  it("ignores edited messages and channel posts with 200 and no reply", async () => {
    const user = newUser();
    const calls = fake.calls.length;
    const edited = {
      update_id: 990_000_002,
      edited_message: { message_id: 1, from: user.user, chat: user.chat, date: 1, edit_date: 2, text: "x" },
    };
    const post_ = {
      update_id: 990_000_003,
      channel_post: {
        message_id: 1,
        chat: { id: -1001987654321, type: "channel", title: "Новини" },
        date: 1,
        text: "x",
      },
    };
    expect((await post(edited, WEBHOOK_SECRET)).json()).toEqual({ ok: true, outcome: "ignored" });
    expect((await post(post_, WEBHOOK_SECRET)).json()).toEqual({ ok: true, outcome: "ignored" });
    expect(fake.calls.length).toBe(calls);
  });

  it("answers 200 with an apology when the application fails, and nothing of the update is kept", async () => {
    const user = newUser();
    // Another conversation already holds this Telegram chat id: creating the user row fails on the
    // unique key, a data error (not an outage), so the engine rolls back and apologises.
    await db.prisma.messengerUser.create({
      data: { address: `telegram:legacy-${user.id}`, channel: "telegram", telegramChatId: BigInt(user.id) },
    });
    const update = user.start();
    const response = await post(update, WEBHOOK_SECRET);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ ok: true, outcome: "failed" });
    expect(user.received().map((m) => m.params)).toEqual([
      {
        chat_id: user.id,
        text: uk("error.apology"),
        parse_mode: "HTML",
        reply_markup: replyKeyboard([[uk("nav.menu")]]),
      },
    ]);
    expect(await processedUpdates(update.update_id)).toBe(0);
  });

  it("answers 503 when the database is down, so Telegram redelivers, and sends nothing", async () => {
    const dead = {
      prisma: createPrisma("postgresql://root@127.0.0.1:1/nothing", { poolSize: 1 }),
      enginePool: createSqlPool("postgresql://root@127.0.0.1:1/nothing", { max: 1 }),
    };
    const down = await startTelegramTestService({ database: dead, fake, mode: "webhook" });
    try {
      const user = newUser();
      const response = await down.app.inject({
        method: "POST",
        url: "/webhooks/telegram",
        headers: { "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
        payload: user.start(),
      });
      expect(response.statusCode).toBe(503);
      expect(fake.sentMessages(user.id)).toEqual([]);
    } finally {
      await down.stop();
      await dead.prisma.$disconnect();
      await dead.enginePool.end();
    }
  });
});
