// The sender against the fake Chat API: what goes over the wire, and what Viber's statuses do
// (6 marks the user unsubscribed and stops, 12 backs off and retries, 13 resends without API level 3),
// and operators' photos: a picture message from PUBLIC_URL + /media/photos/<id>.<ext> (served only
// for photos an operator sent) then the text; without PUBLIC_URL, for a photo that is gone or a type
// Viber does not show, the text alone saying a photo was attached (never a link).
import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { UserStatusPort } from "../../../src/channels/channel.js";
import { createChatApi } from "../../../src/channels/viber/chat-api.js";
import { createViberMetrics } from "../../../src/channels/viber/metrics.js";
import { createViberSender } from "../../../src/channels/viber/sender.js";
import type { Reply } from "../../../src/engine/replies.js";
import { startFakeViberApi, type FakeViberApi } from "../../fakes/viber-api.js";
import Fastify from "fastify";
import { pino } from "pino";
import { sharedPhotoRoutes, type SharedPhotoStore } from "../../../src/channels/shared-photos.js";
import { t } from "../../../src/engine/i18n/index.js";
import { memoryPhotoStore, operatorPhotoReply, PHOTO_ID, PNG } from "../shared-photos.js";

const AUTH_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";
const USER = "hT7kQ2mZp9Lw3xVb0aRc1g==";

class RecordingUserStatus implements UserStatusPort {
  readonly changes: { address: string; status: string }[] = [];
  async setStatus(address: string, status: "active" | "blocked" | "unsubscribed"): Promise<void> {
    this.changes.push({ address, status });
  }
}

let fake: FakeViberApi;
beforeAll(async () => {
  fake = await startFakeViberApi({ authToken: AUTH_TOKEN });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

function setup(
  options: {
    timeoutMs?: number;
    delays?: number[];
    sharedPhotos?: { store: SharedPhotoStore; publicUrl: string | undefined };
  } = {},
) {
  const registry = new Registry();
  const metrics = createViberMetrics(registry);
  const userStatus = new RecordingUserStatus();
  const slept: number[] = [];
  const sender = createViberSender({
    chatApi: createChatApi({
      authToken: AUTH_TOKEN,
      botName: "ДТЕК Дніпро",
      botAvatar: "https://example.org/avatar.jpg",
      apiUrl: fake.url,
      timeoutMs: options.timeoutMs ?? 2000,
    }),
    userStatus,
    metrics,
    rateLimitDelaysMs: options.delays ?? [30, 60],
    sleep: async (ms) => {
      slept.push(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    },
    ...(options.sharedPhotos ? { sharedPhotos: options.sharedPhotos } : {}),
  });
  return { sender, userStatus, slept, registry };
}

const menu: Reply = {
  text: "Головне меню",
  choices: [[{ id: "menu.reading", label: "Передати показники" }]],
};
const askPhone: Reply = {
  text: "Поділіться номером телефону",
  requestPhone: { label: "Поділитися номером" },
  choices: [[{ id: "verify.no_phone", label: "Без номера" }]],
};

describe("Viber sender", () => {
  it("posts send_message through viber-bot to VIBER_API_URL with sender, receiver, text and keyboard", async () => {
    const { sender } = setup();
    const outcome = await sender.send(`viber:${USER}`, [{ text: "Вітаємо" }, menu]);
    expect(outcome).toEqual({ kind: "sent", messages: 2 });
    const calls = fake.callsOf("send_message");
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(call.authToken).toBe(AUTH_TOKEN);
      expect(call.body).toMatchObject({
        receiver: USER,
        type: "text",
        sender: { name: "ДТЕК Дніпро", avatar: "https://example.org/avatar.jpg" },
        keyboard: { Type: "keyboard", Buttons: [{ ActionType: "reply", ActionBody: "choice:menu.reading" }] },
      });
      expect(call.body).not.toHaveProperty("min_api_version");
    }
    expect(calls.map((call) => call.body.text)).toEqual(["Вітаємо", "Головне меню"]);
  });

  it("sends min_api_version 3 with a share-phone keyboard", async () => {
    const { sender } = setup();
    await sender.send(`viber:${USER}`, [askPhone]);
    const [call] = fake.callsOf("send_message");
    expect(call!.body.min_api_version).toBe(3);
    expect((call!.body.keyboard as { Buttons: { ActionType: string }[] }).Buttons[0]!.ActionType).toBe(
      "share-phone",
    );
  });

  it("status 6: marks the user unsubscribed and sends nothing more", async () => {
    const { sender, userStatus, registry } = setup();
    fake.script("send_message", [{ status: 6 }]);
    const outcome = await sender.send(`viber:${USER}`, [{ text: "один" }, { text: "два" }, menu]);
    expect(outcome).toEqual({ kind: "unreachable", reason: "unsubscribed" });
    expect(userStatus.changes).toEqual([{ address: `viber:${USER}`, status: "unsubscribed" }]);
    expect(fake.callsOf("send_message")).toHaveLength(1);
    expect(await registry.getSingleMetricAsString("viber_send_failures_total")).toContain(
      'viber_send_failures_total{reason="unsubscribed"} 1',
    );
  });

  it("status 12: backs off and retries the same message, then goes on", async () => {
    const { sender, slept } = setup({ delays: [30, 60] });
    fake.script("send_message", [{ status: 12 }, { status: 12 }]);
    const started = Date.now();
    const outcome = await sender.send(`viber:${USER}`, [menu, { text: "далі" }]);
    expect(outcome).toEqual({ kind: "sent", messages: 2 });
    expect(slept).toEqual([30, 60]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(fake.callsOf("send_message").map((call) => call.body.text)).toEqual([
      "Головне меню",
      "Головне меню",
      "Головне меню",
      "далі",
    ]);
  });

  it("status 12 beyond the bounded retries: reports rate_limited and stops", async () => {
    const { sender } = setup({ delays: [10] });
    fake.script("send_message", [{ status: 12 }, { status: 12 }]);
    const outcome = await sender.send(`viber:${USER}`, [menu, { text: "далі" }]);
    expect(outcome).toEqual({ kind: "rate_limited", retryAfterMs: 10 });
    expect(fake.callsOf("send_message")).toHaveLength(2);
  });

  it("status 13: resends without the share-phone button and min_api_version, and keeps it off", async () => {
    const { sender } = setup();
    fake.script("send_message", [{ status: 13 }]);
    const outcome = await sender.send(`viber:${USER}`, [askPhone, askPhone]);
    expect(outcome).toEqual({ kind: "sent", messages: 2 });
    const calls = fake.callsOf("send_message");
    expect(calls).toHaveLength(3);
    expect(calls[0]!.body.min_api_version).toBe(3);
    for (const call of calls.slice(1)) {
      expect(call.body).not.toHaveProperty("min_api_version");
      expect(
        (call.body.keyboard as { Buttons: { ActionType: string; ActionBody: string }[] }).Buttons,
      ).toEqual([expect.objectContaining({ ActionType: "reply", ActionBody: "choice:verify.no_phone" })]);
    }
  });

  it("an HTTP error with an empty body (which viber-bot never settles) fails after the timeout", async () => {
    const { sender } = setup({ timeoutMs: 200 });
    fake.script("send_message", [{ httpStatus: 502, emptyBody: true }]);
    const started = Date.now();
    const outcome = await sender.send(`viber:${USER}`, [menu]);
    expect(outcome).toEqual({ kind: "failed", error: "timeout" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it("another status fails the send with the status in the error", async () => {
    const { sender, userStatus } = setup();
    fake.script("send_message", [{ status: 3 }]);
    expect(await sender.send(`viber:${USER}`, [menu])).toEqual({
      kind: "failed",
      error: "viber status 3: badData",
    });
    expect(userStatus.changes).toEqual([]);
  });

  it("refuses an address of another channel without calling the API", async () => {
    const { sender } = setup();
    expect(await sender.send("telegram:42", [menu])).toEqual({
      kind: "failed",
      error: "not a viber address",
    });
    expect(fake.calls).toHaveLength(0);
  });
});

const sentBodies = () => fake.callsOf("send_message").map((call) => call.body);

describe("operators' photos on Viber", () => {
  it("sends a picture message with the public URL, then the text; the URL answers with the bytes", async () => {
    const store = memoryPhotoStore();
    const reply = operatorPhotoReply("Ось схема підключення");
    expect(
      await setup({ sharedPhotos: { store, publicUrl: "https://bot.example.org/" } }).sender.send(
        `viber:${USER}`,
        [reply],
      ),
    ).toEqual({
      kind: "sent",
      messages: 2,
    });
    const bodies = sentBodies();
    expect(bodies.map((body) => body.type)).toEqual(["picture", "text"]);
    expect(bodies[0]).toMatchObject({
      media: `https://bot.example.org/media/photos/${PHOTO_ID}.png`,
      text: t("uk", "notify.handoffPhotoAlt"),
    });
    expect(bodies[1]!.text).toBe(reply.text);

    const app = Fastify();
    await app.register(sharedPhotoRoutes(store, pino({ level: "silent" })));
    const response = await app.inject({ method: "GET", url: `/media/photos/${PHOTO_ID}.png` });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("image/png");
    expect(response.headers["cache-control"]).toContain("private");
    expect(Buffer.compare(response.rawPayload, PNG)).toBe(0);
    for (const url of [
      `/media/photos/${PHOTO_ID}.jpg`, // not its type
      `/media/photos/${PHOTO_ID}`,
      "/media/photos/2b0c1f4e-8a4f-4c1e-9d55-0b7b1c0e9a11.png", // nobody sent it
      "/media/photos/..%2Fetc.png",
    ]) {
      expect((await app.inject({ method: "GET", url })).statusCode, url).toBe(404);
    }
    await app.close();
  });

  it("says a photo was attached, with no link, without PUBLIC_URL, when it is gone, or for WebP", async () => {
    const reply = operatorPhotoReply("Ось схема");
    const said = `${reply.text}\n${t("uk", "notify.handoffPhotoUnshown")}`;
    const cases: [string | undefined, SharedPhotoStore][] = [
      [undefined, memoryPhotoStore()],
      ["https://bot.example.org", memoryPhotoStore({})],
      ["https://bot.example.org", memoryPhotoStore({ [PHOTO_ID]: { bytes: PNG, mimeType: "image/webp" } })],
    ];
    for (const [publicUrl, store] of cases) {
      fake.reset();
      expect(
        await setup({ sharedPhotos: { store, publicUrl } }).sender.send(`viber:${USER}`, [reply]),
      ).toEqual({
        kind: "sent",
        messages: 1,
      });
      expect(sentBodies().map((body) => [body.type, body.text])).toEqual([["text", said]]);
      expect(JSON.stringify(sentBodies())).not.toContain("/media/");
    }
  });
});
