// Schedule pictures on Viber: a picture message whose media is PUBLIC_URL + /media/schedules/<key>.png
// (which the service then serves as PNG) before the text, the keyboard on both; without PUBLIC_URL,
// or when the picture cannot be drawn, the text alone.
import { Registry } from "prom-client";
import { pino } from "pino";
import Fastify from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createChatApi } from "../../../src/channels/viber/chat-api.js";
import { createViberMetrics } from "../../../src/channels/viber/metrics.js";
import { createViberSender } from "../../../src/channels/viber/sender.js";
import {
  createSchedulePictures,
  type SchedulePictureStore,
} from "../../../src/channels/schedule-pictures.js";
import { scheduleMediaRoutes } from "../../../src/channels/schedule-media-routes.js";
import type { Reply } from "../../../src/engine/replies.js";
import { startFakeViberApi, type FakeViberApi } from "../../fakes/viber-api.js";
import { daySlots } from "../../helpers/schedules.js";

const AUTH_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";
const USER = "hT7kQ2mZp9Lw3xVb0aRc1g==";

/** The picture store in memory: one published day at version 7. */
function memoryStore(): SchedulePictureStore & { rows: Map<string, Buffer> } {
  const rows = new Map<string, Buffer>();
  return {
    rows,
    async find(key) {
      const png = rows.get(key);
      return png ? { png, telegramFileId: null } : null;
    },
    async put(key, _picture, png) {
      rows.set(key, png);
    },
    async setTelegramFileId() {},
    async slots(queue, date, version) {
      return queue === "3.2" && date === "2026-11-30" && version === 7
        ? daySlots(["08:00", "12:30", "off"])
        : null;
    },
  };
}

let fake: FakeViberApi;
beforeAll(async () => {
  fake = await startFakeViberApi({ authToken: AUTH_TOKEN });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

const reply: Reply = {
  text: "🕯 черга 3.2\nСьогодні, 30.11: 🔴 08:00–12:30 без світла",
  choices: [[{ id: "m:sched", label: "🔄 Оновити" }]],
  picture: {
    kind: "outage-schedule",
    queue: "3.2",
    days: [{ date: "2026-11-30", version: 7 }],
    language: "uk",
  },
};

function sender(publicUrl: string | undefined, store = memoryStore()) {
  const pictures = createSchedulePictures({ store });
  const viber = createViberSender({
    chatApi: createChatApi({
      authToken: AUTH_TOKEN,
      botName: "ДТЕК Дніпро",
      apiUrl: fake.url,
      timeoutMs: 2000,
    }),
    userStatus: { setStatus: async () => {} },
    metrics: createViberMetrics(new Registry()),
    ...(publicUrl ? { schedulePictures: { pictures, publicUrl } } : {}),
  });
  return { viber, pictures, store };
}

describe("schedule pictures on Viber", () => {
  it("sends a picture message with the public media URL before the text, keyboard on both", async () => {
    const { viber, pictures } = sender("https://bot.example.org/");
    expect(await viber.send(`viber:${USER}`, [reply])).toEqual({ kind: "sent", messages: 2 });
    const bodies = fake.callsOf("send_message").map((call) => call.body);
    expect(bodies.map((body) => body.type)).toEqual(["picture", "text"]);
    const key = pictures.key(reply.picture!);
    expect(bodies[0]).toMatchObject({
      media: `https://bot.example.org/media/schedules/${key}.png`,
      text: "Черга 3.2: графік на 30.11",
    });
    expect(bodies[0]!.keyboard).toEqual(bodies[1]!.keyboard);
    expect(bodies[1]!.text).toBe(reply.text);

    // The URL answers with the PNG, cached for good.
    const app = Fastify();
    await app.register(scheduleMediaRoutes(pictures, pino({ level: "silent" })));
    const response = await app.inject({ method: "GET", url: `/media/schedules/${key}.png` });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("image/png");
    expect(response.headers["cache-control"]).toContain("immutable");
    expect(response.rawPayload.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(
      (await app.inject({ method: "GET", url: `/media/schedules/${"x".repeat(32)}.png` })).statusCode,
    ).toBe(404);
    expect((await app.inject({ method: "GET", url: "/media/schedules/..%2Fetc.png" })).statusCode).toBe(404);
    await app.close();
  });

  it("sends the text alone without PUBLIC_URL, or when the picture cannot be drawn", async () => {
    const { viber } = sender(undefined);
    await viber.send(`viber:${USER}`, [reply]);
    expect(fake.callsOf("send_message").map((call) => call.body.type)).toEqual(["text"]);
    fake.reset();
    const gone = sender("https://bot.example.org");
    await gone.viber.send(`viber:${USER}`, [
      { ...reply, picture: { ...reply.picture!, days: [{ date: "2026-11-30", version: 8 }] } },
    ]);
    expect(fake.callsOf("send_message").map((call) => call.body.type)).toEqual(["text"]);
  });
});
