// The sender against the fake Bot API: retries that honour retry_after, bounded backoff on 5xx and
// network errors, 403 marking the user blocked, and the counters.
import { Api } from "grammy";
import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTelegramMetrics } from "../../../src/channels/telegram/metrics.js";
import { createTelegramSender, type RetryPolicy } from "../../../src/channels/telegram/sender.js";
import { escapeHtml } from "../../../src/channels/telegram/render.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../../fakes/telegram-api.js";
import { TEST_BOT_TOKEN, recordingUserStatus, silentLogger } from "./helpers.js";
import type { SharedPhotoStore } from "../../../src/channels/shared-photos.js";
import { t } from "../../../src/engine/i18n/index.js";
import { memoryPhotoStore, operatorPhotoReply, PHOTO_ID, PNG } from "../shared-photos.js";

const address = "telegram:7012345678";
const chatId = 7012345678;
let fake: FakeTelegramApi;

beforeAll(async () => {
  fake = await startFakeTelegramApi({ token: TEST_BOT_TOKEN });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

function setup(retry?: Partial<RetryPolicy>, photos?: SharedPhotoStore) {
  const registry = new Registry();
  const userStatus = recordingUserStatus();
  const api = new Api(TEST_BOT_TOKEN, { apiRoot: fake.apiRoot });
  const deps: Parameters<typeof createTelegramSender>[0] = {
    api,
    userStatus,
    logger: silentLogger(),
    metrics: createTelegramMetrics(registry),
  };
  if (retry) deps.retry = retry;
  if (photos) deps.photos = photos;
  return { sender: createTelegramSender(deps), registry, userStatus };
}

async function counter(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const match = metric?.values.find((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val));
  return match?.value ?? 0;
}

describe("Telegram sender", () => {
  it("sends every reply in order with the rendered payloads", async () => {
    const { sender, registry } = setup();
    const outcome = await sender.send(address, [
      { text: "Перший" },
      { text: "Другий", choices: [[{ id: "menu", label: "Меню" }]] },
    ]);
    expect(outcome).toEqual({ kind: "sent", messages: 2 });
    expect(fake.sentMessages(chatId)).toEqual([
      { chat_id: chatId, text: "Перший", parse_mode: "HTML" },
      {
        chat_id: chatId,
        text: "Другий",
        parse_mode: "HTML",
        reply_markup: { keyboard: [[{ text: "Меню" }]], resize_keyboard: true },
      },
    ]);
    expect(await counter(registry, "telegram_messages_sent_total")).toBe(2);
  });

  it("retries a 429 after retry_after (1 s) and counts the retry", async () => {
    const { sender, registry } = setup();
    fake.failNext("sendMessage", { kind: "rate_limit", retryAfter: 1 });
    const outcome = await sender.send(address, [{ text: "Показник прийнято" }]);
    expect(outcome).toEqual({ kind: "sent", messages: 1 });
    const attempts = fake.callsTo("sendMessage");
    expect(attempts).toHaveLength(2);
    const waited = attempts[1]!.at - attempts[0]!.at;
    expect(waited).toBeGreaterThanOrEqual(990);
    expect(waited).toBeLessThan(1800);
    expect(await counter(registry, "telegram_send_retries_total", { reason: "rate_limited" })).toBe(1);
    expect(await counter(registry, "telegram_messages_sent_total")).toBe(1);
  });

  it("gives a retry_after beyond the delay budget back as rate_limited without waiting", async () => {
    const { sender, registry } = setup({ maxTotalDelayMs: 5_000 });
    fake.failNext("sendMessage", { kind: "rate_limit", retryAfter: 30 });
    const started = Date.now();
    const outcome = await sender.send(address, [{ text: "Нагадування" }]);
    expect(outcome).toEqual({ kind: "rate_limited", retryAfterMs: 30_000 });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await counter(registry, "telegram_messages_failed_total", { reason: "rate_limited" })).toBe(1);
  });

  it("retries 5xx and dropped connections with backoff, then succeeds", async () => {
    const { sender, registry } = setup({ baseDelayMs: 20 });
    fake.failNext("sendMessage", { kind: "server_error", status: 502 });
    fake.failNext("sendMessage", { kind: "disconnect" });
    const outcome = await sender.send(address, [{ text: "Заявку прийнято" }]);
    expect(outcome).toEqual({ kind: "sent", messages: 1 });
    expect(fake.callsTo("sendMessage")).toHaveLength(3);
    expect(await counter(registry, "telegram_send_retries_total", { reason: "server_error" })).toBe(1);
    expect(await counter(registry, "telegram_send_retries_total", { reason: "network" })).toBe(1);
  });

  it("stops after the attempt limit and reports the failure", async () => {
    const { sender, registry } = setup({ baseDelayMs: 10, maxAttempts: 3 });
    fake.failNext("sendMessage", { kind: "server_error", status: 500 }, 5);
    const outcome = await sender.send(address, [{ text: "a" }, { text: "b" }]);
    expect(outcome.kind).toBe("failed");
    expect(fake.callsTo("sendMessage")).toHaveLength(3);
    expect(await counter(registry, "telegram_messages_failed_total", { reason: "server_error" })).toBe(2);
  });

  it("on 403 marks the user blocked, sends nothing more and reports unreachable", async () => {
    const { sender, registry, userStatus } = setup();
    fake.blockChat(chatId);
    const outcome = await sender.send(address, [{ text: "Перший" }, { text: "Другий" }, { text: "Третій" }]);
    expect(outcome).toEqual({ kind: "unreachable", reason: "blocked" });
    expect(fake.callsTo("sendMessage")).toHaveLength(1);
    expect(userStatus.changes).toEqual([{ address, status: "blocked" }]);
    expect(await counter(registry, "telegram_messages_failed_total", { reason: "blocked" })).toBe(3);
  });

  it("treats a deactivated account like a block", async () => {
    const { sender, userStatus } = setup();
    fake.failNext("sendMessage", { kind: "forbidden", description: "Forbidden: user is deactivated" });
    expect(await sender.send(address, [{ text: "x" }])).toEqual({ kind: "unreachable", reason: "blocked" });
    expect(userStatus.changes).toEqual([{ address, status: "blocked" }]);
  });

  it("does not retry a 400 and reports it as failed", async () => {
    const { sender } = setup();
    fake.failNext("sendMessage", { kind: "bad_request", description: "Bad Request: chat not found" });
    const outcome = await sender.send(address, [{ text: "x" }]);
    expect(outcome).toEqual({ kind: "failed", error: "400 Bad Request: chat not found" });
    expect(fake.callsTo("sendMessage")).toHaveLength(1);
  });

  it("refuses addresses of other channels and unrenderable replies without calling Telegram", async () => {
    const { sender } = setup();
    expect((await sender.send("viber:abc", [{ text: "x" }])).kind).toBe("failed");
    expect(
      (await sender.send(address, [{ text: "x", attached: true, requestPhone: { label: "p" } }])).kind,
    ).toBe("failed");
    expect(fake.calls).toHaveLength(0);
  });

  it("does not mark anyone when a group send is refused", async () => {
    const { sender, userStatus } = setup();
    fake.failNext("sendMessage", {
      kind: "forbidden",
      description: "Forbidden: bot was kicked from the supergroup chat",
    });
    expect(await sender.sendToChat(-1001555444333n, [{ text: "x" }])).toEqual({
      kind: "unreachable",
      reason: "blocked",
    });
    expect(userStatus.changes).toEqual([]);
  });
});

describe("Telegram sender: an operator's photo", () => {
  it("uploads the photo's bytes with the text as its caption: one message", async () => {
    const store = memoryPhotoStore();
    const { sender, registry } = setup(undefined, store);
    const reply = operatorPhotoReply("Ось схема підключення <щитка>");
    expect(await sender.send(address, [reply])).toEqual({ kind: "sent", messages: 1 });
    const photos = fake.sentPhotos(chatId);
    expect(photos).toHaveLength(1);
    expect(photos[0]).toMatchObject({ photo: "upload", caption: escapeHtml(reply.text) });
    expect(Buffer.compare(photos[0]!.uploaded!, PNG)).toBe(0);
    expect(fake.callsTo("sendPhoto")[0]!.params.parse_mode).toBe("HTML");
    expect(fake.sentMessages(chatId)).toEqual([]);
    expect(store.reads).toEqual([`photo:${PHOTO_ID}`]);
    expect(await counter(registry, "telegram_messages_sent_total")).toBe(1);
  });

  it("sends a text too long for a caption after the photo, which is captioned in a few words", async () => {
    const { sender } = setup(undefined, memoryPhotoStore());
    const reply = operatorPhotoReply("Довга відповідь. ".repeat(80));
    expect(await sender.send(address, [reply])).toEqual({ kind: "sent", messages: 1 });
    expect(fake.sentPhotos(chatId)).toMatchObject([
      { photo: "upload", caption: t("uk", "notify.handoffPhotoAlt") },
    ]);
    expect(fake.sentMessages(chatId).map((m) => m.text)).toEqual([escapeHtml(reply.text)]);
    expect(fake.calls.map((c) => c.method)).toEqual(["sendPhoto", "sendMessage"]);
  });

  it("says in the text that a photo was attached when it is gone or Telegram refuses it", async () => {
    const gone = setup(undefined, memoryPhotoStore({}));
    const reply = operatorPhotoReply("Ось схема");
    expect(await gone.sender.send(address, [reply])).toEqual({ kind: "sent", messages: 1 });
    const said = `${reply.text}\n${t("uk", "notify.handoffPhotoUnshown")}`;
    expect(fake.sentMessages(chatId).map((m) => m.text)).toEqual([said]);
    expect(fake.callsTo("sendPhoto")).toHaveLength(0);

    fake.reset();
    const refused = setup(undefined, memoryPhotoStore());
    fake.failNext("sendPhoto", { kind: "bad_request", description: "Bad Request: IMAGE_PROCESS_FAILED" });
    expect(await refused.sender.send(address, [reply])).toEqual({ kind: "sent", messages: 1 });
    expect(fake.calls.map((c) => c.method)).toEqual(["sendPhoto", "sendMessage"]);
    expect(fake.sentMessages(chatId).map((m) => m.text)).toEqual([said]);
  });

  it("retries the photo on 5xx and marks the customer blocked on 403", async () => {
    const retried = setup({ baseDelayMs: 10 }, memoryPhotoStore());
    fake.failNext("sendPhoto", { kind: "server_error" });
    expect(await retried.sender.send(address, [operatorPhotoReply("Ось")])).toEqual({
      kind: "sent",
      messages: 1,
    });
    expect(fake.callsTo("sendPhoto")).toHaveLength(2);

    fake.reset();
    const blocked = setup(undefined, memoryPhotoStore());
    fake.blockChat(chatId);
    expect(await blocked.sender.send(address, [operatorPhotoReply("Ось")])).toEqual({
      kind: "unreachable",
      reason: "blocked",
    });
    expect(blocked.userStatus.changes).toEqual([{ address, status: "blocked" }]);
    expect(fake.callsTo("sendMessage")).toHaveLength(0);
    fake.unblockChat(chatId);
  });
});
