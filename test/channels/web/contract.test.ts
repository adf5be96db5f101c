// The shared channel contract (test/channels/contract.ts) run against the web chat: events go
// through POST /web/api/events with the real engine and database; what the person "sees" is the
// messages in the responses plus those pushed on the event stream.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import type { EngineHandle } from "../../../src/channels/channel.js";
import type { Reply } from "../../../src/engine/replies.js";
import type { WebMessage } from "../../../src/channels/web/wire.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import {
  runChannelContract,
  type ChannelHarness,
  type Delivery,
  type EngineCall,
  type ScriptStep,
  type SentMessage,
} from "../contract.js";
import { startWebChatServer, type WebChatServer } from "./harness.js";
import { openSse } from "./sse.js";
import { publishDays } from "../../helpers/schedules.js";

let db: TestDatabase;
let server: WebChatServer;
const calls: EngineCall[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  const recordCalls = (engine: EngineHandle): EngineHandle => ({
    async handle(address, event, meta) {
      const result = await engine.handle(address, event, meta);
      calls.push({ address, event, meta, result });
      return result;
    },
  });
  server = await startWebChatServer(db, { wrapEngine: recordCalls });
});

afterAll(async () => {
  await server?.close();
  await db?.drop();
});

interface WebDelivery extends Delivery {
  body: unknown;
}

function toPageEvent(step: ScriptStep): Record<string, unknown> {
  switch (step.kind) {
    case "start":
      return { type: "start" };
    case "text":
      return { type: "text", text: step.text };
    case "choice":
      return { type: "choice", id: step.id };
    case "contact":
      // The page cannot claim a proof: the stand-in button sends only the number.
      return { type: "contact", phone: step.phone };
  }
}

function seen(message: WebMessage): SentMessage {
  return {
    ...(message.picture ? { picture: message.picture.url } : {}),
    text: message.text,
    choiceIds: (message.choices ?? []).flat().map((c) => c.id),
    requestPhone: message.requestPhone !== undefined,
  };
}

const harness = async (): Promise<ChannelHarness> => ({
  textLimit: 4096,
  publishDay: (queue, date, slots) => publishDays(db.enginePool, [{ queue, date, slots }]),
  provesContacts: false,
  async newConversation() {
    const clientId = randomBytes(16).toString("base64url");
    const address = `web:${clientId}`;
    const sent: SentMessage[] = [];
    let lastPushId = 0;

    async function post(body: unknown): Promise<void> {
      const response = await server.app.inject({
        method: "POST",
        url: "/web/api/events",
        payload: body as object,
      });
      if (response.statusCode !== 200)
        throw new Error(`POST /web/api/events: ${response.statusCode} ${response.body}`);
      const { messages } = response.json() as { messages: WebMessage[] };
      sent.push(...messages.map(seen));
    }

    return {
      address,
      async deliver(step) {
        const body = { clientId, eventId: randomBytes(12).toString("base64url"), event: toPageEvent(step) };
        await post(body);
        const delivery: WebDelivery = { step, body };
        return delivery;
      },
      async redeliver(delivery) {
        await post((delivery as WebDelivery).body);
      },
      sent: () => [...sent],
      engineCalls: () => calls.filter((call) => call.address === address),
      async sendDirect(replies: Reply[]) {
        const stream = await openSse(`${server.url}/web/api/stream?clientId=${clientId}&after=${lastPushId}`);
        try {
          const outcome = await server.channel.sender.send(address, replies);
          if (outcome.kind !== "sent") throw new Error(`send failed: ${JSON.stringify(outcome)}`);
          const pushed = await stream.next(outcome.messages);
          for (const message of pushed) {
            sent.push(seen(JSON.parse(message.data) as WebMessage));
            lastPushId = Number(message.id);
          }
        } finally {
          await stream.close();
        }
      },
    };
  },
  async close() {
    // The server and database outlive each test; afterAll closes them.
  },
});

runChannelContract("web", harness);
