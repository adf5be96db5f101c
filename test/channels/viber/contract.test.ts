// The shared channel contract (test/channels/contract.ts) run against Viber: steps become signed
// callbacks posted to the real route (real engine on Postgres), and what the person sees is read
// back from the welcome response bodies and the fake Chat API's send_message calls.
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll } from "vitest";
import type { EngineHandle } from "../../../src/channels/channel.js";
import { createViberChannel } from "../../../src/channels/viber/index.js";
import { createSchedulePictures } from "../../../src/channels/schedule-pictures.js";
import { scheduleMediaRoutes } from "../../../src/channels/schedule-media-routes.js";
import { createSchedulePictureStore } from "../../../src/db/schedule-picture-store.js";
import { publishDays } from "../../helpers/schedules.js";
import { signViberBody } from "../../../src/channels/viber/signature.js";
import { createPgEngineStore } from "../../../src/db/engine-store-pg.js";
import { createCustomerPhotoStore } from "../../../src/db/customer-photo-store.js";
import { createUserStatusStore } from "../../../src/db/user-status-store.js";
import { createEngine } from "../../../src/engine/engine.js";
import { defaultEngineSettings } from "../../../src/engine/settings.js";
import { createMetrics } from "../../../src/http/metrics.js";
import { buildServer } from "../../../src/http/server.js";
import { startFakeViberApi, type FakeViberApi } from "../../fakes/viber-api.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import {
  runChannelContract,
  type ChannelConversation,
  type ChannelHarness,
  type Delivery,
  type EngineCall,
  type ScriptStep,
  type SentMessage,
} from "../contract.js";

const AUTH_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";
const silent = pino({ level: "silent" });

// One database and one fake Chat API for the file; each harness gets its own server and engine.
let shared: Promise<{ db: TestDatabase; fake: FakeViberApi }> | undefined;
function sharedParts() {
  shared ??= (async () => ({
    db: await createTestDatabase(),
    fake: await startFakeViberApi({ authToken: AUTH_TOKEN }),
  }))();
  return shared;
}
afterAll(async () => {
  if (!shared) return;
  const { db, fake } = await shared;
  await fake.close();
  await db.drop();
});

let people = 0;
let tokens = 5741311803571730000n;

interface ViberDelivery extends Delivery {
  readonly raw: string;
}

/** A Viber message as the person sees it (welcome body or send_message body). */
function seen(body: Record<string, unknown>): SentMessage {
  const buttons = ((body.keyboard as { Buttons?: { ActionType: string; ActionBody: string }[] } | undefined)
    ?.Buttons ?? []) as { ActionType: string; ActionBody: string }[];
  return {
    ...(body.type === "picture" ? { picture: String(body.media) } : {}),
    text: String(body.text ?? ""),
    choiceIds: buttons
      .filter((button) => button.ActionType === "reply" && button.ActionBody.startsWith("choice:"))
      .map((button) => button.ActionBody.slice("choice:".length)),
    requestPhone: buttons.some((button) => button.ActionType === "share-phone"),
  };
}

async function makeViberHarness(): Promise<ChannelHarness> {
  const { db, fake } = await sharedParts();
  const metrics = createMetrics({ defaultMetrics: false });
  const engine = createEngine({
    store: createPgEngineStore(db.enginePool),
    clock: { now: () => new Date("2026-11-30T10:00:00Z") },
    settings: defaultEngineSettings,
  });
  const calls: EngineCall[] = [];
  const pictures = createSchedulePictures({ store: createSchedulePictureStore(db.enginePool) });
  const recordingEngine: EngineHandle = {
    async handle(address, event, meta) {
      const result = await engine.handle(address, event, meta);
      calls.push({ address, event, meta, result });
      return result;
    },
  };
  const channel = createViberChannel({
    config: { authToken: AUTH_TOKEN, botName: "ДТЕК Дніпро", botAvatar: undefined, apiUrl: fake.url },
    engine: recordingEngine,
    userStatus: createUserStatusStore(db.prisma),
    photoStore: createCustomerPhotoStore(db.prisma),
    logger: silent,
    metrics: metrics.registry,
    schedulePictures: pictures,
    publicUrl: "https://bot.example.test",
  });
  const app: FastifyInstance = await buildServer({
    logger: silent,
    metrics,
    readiness: async () => ({ ready: true, checks: {} }),
    plugins: [channel.plugin, scheduleMediaRoutes(pictures, silent)],
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });

  return {
    textLimit: 7000,
    publishDay: (queue, date, slots) => publishDays(db.enginePool, [{ queue, date, slots }]),
    provesContacts: false,
    async newConversation(): Promise<ChannelConversation> {
      people += 1;
      const userId = `C0ntract${String(people).padStart(4, "0")}Q2mZp9Lw3x==`;
      const address = `viber:${userId}`;
      const user = { id: userId, name: "Покупець", language: "uk", country: "UA", api_version: 10 };
      const sent: SentMessage[] = [];
      const sendsSoFar = () => fake.callsOf("send_message").filter((call) => call.body.receiver === userId);

      /** Posts one signed callback and collects what the person got: welcome body, then sends. */
      async function postAndCollect(raw: string): Promise<void> {
        const before = sendsSoFar().length;
        const response = await fetch(`${url}/webhooks/viber`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-viber-content-signature": signViberBody(raw, AUTH_TOKEN),
          },
          body: raw,
        });
        if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
        const body = await response.text();
        if (body.length > 0) sent.push(seen(JSON.parse(body) as Record<string, unknown>));
        for (const call of sendsSoFar().slice(before)) sent.push(seen(call.body));
      }

      function callbackFor(step: ScriptStep): string {
        tokens += 1n;
        const common = { timestamp: 1764496800000, chat_hostname: "SN-CHAT-05_", message_token: "@@token@@" };
        let body: Record<string, unknown>;
        switch (step.kind) {
          case "start":
            body = { ...common, event: "conversation_started", type: "open", user, subscribed: false };
            break;
          case "text":
            body = { ...common, event: "message", sender: user, message: { type: "text", text: step.text } };
            break;
          case "choice": {
            // Pressing a reply button sends its ActionBody as text; it must be on the last keyboard.
            if (!sent.at(-1)?.choiceIds.includes(step.id))
              throw new Error(`no button ${step.id} on the last keyboard`);
            body = {
              ...common,
              event: "message",
              sender: user,
              message: { type: "text", text: `choice:${step.id}` },
            };
            break;
          }
          case "contact":
            // Viber's contact carries no user id: whatever `proven` says, the platform proves nothing.
            body = {
              ...common,
              event: "message",
              sender: user,
              message: {
                type: "contact",
                contact: { name: "Покупець", phone_number: step.phone.replace(/^\+/, "") },
              },
            };
            break;
        }
        return JSON.stringify(body).replace('"@@token@@"', tokens.toString());
      }

      return {
        address,
        async deliver(step) {
          const raw = callbackFor(step);
          await postAndCollect(raw);
          const delivery: ViberDelivery = { step, raw };
          return delivery;
        },
        async redeliver(delivery) {
          await postAndCollect((delivery as ViberDelivery).raw);
        },
        sent: () => [...sent],
        engineCalls: () => calls.filter((call) => call.address === address),
        async sendDirect(replies) {
          const before = sendsSoFar().length;
          const outcome = await channel.sender.send(address, replies);
          if (outcome.kind !== "sent") throw new Error(`send failed: ${JSON.stringify(outcome)}`);
          for (const call of sendsSoFar().slice(before)) sent.push(seen(call.body));
        },
      };
    },
    async close() {
      await app.close();
    },
  };
}

runChannelContract("viber", makeViberHarness);
