// POST /web/api/events end to end: the real engine on a real database answers in the response; a
// repeated event id has no second effect; a typed phone is stored unproven; photos are stored and
// referenced; the per-client rate limit holds; a database outage answers 503.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, createSqlPool } from "../../../src/db/client.js";
import { importDemoAccounts } from "./demo-accounts.js";
import { updateIdOf } from "../../../src/channels/web/wire.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { startWebChatServer, type WebChatServer } from "./harness.js";

let db: TestDatabase;
let chat: WebChatServer;
let eventCounter = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  await importDemoAccounts(db.url);
  chat = await startWebChatServer(db, { eventsPerMinute: 30 });
});

afterAll(async () => {
  await chat?.close();
  await db?.drop();
});

interface EventResponse {
  duplicate: boolean;
  language: string;
  messages: { text: string; choices?: { id: string; label: string }[][]; requestPhone?: { label: string } }[];
}

async function send(
  clientId: string,
  event: Record<string, unknown>,
  eventId = `evt-${++eventCounter}-abcdef`,
) {
  const response = await chat.app.inject({
    method: "POST",
    url: "/web/api/events",
    payload: { clientId, eventId, language: "uk", event },
  });
  return { status: response.statusCode, body: response.json() as EventResponse, eventId };
}

describe("web chat events", () => {
  it("answers /start with the engine's welcome and the phone request, and creates the user", async () => {
    const clientId = "eventsClient_start_0001";
    const { status, body } = await send(clientId, { type: "start" });
    expect(status).toBe(200);
    expect(body.duplicate).toBe(false);
    expect(body.language).toBe("uk");
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]!.text).toMatch(/^Вітаємо! Це чат-бот ДТЕК Дніпровські електромережі\./);
    expect(body.messages[0]!.requestPhone).toEqual({ label: "📱 Поділитися номером" });
    expect(body.messages[0]!.choices?.flat().map((c) => c.id)).toContain("v:fallback");
    const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: `web:${clientId}` } });
    expect(user).toMatchObject({ channel: "web", language: "uk", status: "active" });
  });

  it("handles a repeated event id once: the repeat changes nothing and sends nothing", async () => {
    const clientId = "eventsClient_dedupe_0002";
    await send(clientId, { type: "start" });
    const first = await send(clientId, { type: "choice", id: "v:fallback" }, "same-event-id-0001");
    expect(first.body.messages.at(-1)!.text).toBe(
      "Введіть номер особового рахунку (лише цифри, він є у платіжці).",
    );
    const before = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: `web:${clientId}` } });

    const repeat = await send(clientId, { type: "choice", id: "v:fallback" }, "same-event-id-0001");
    expect(repeat).toMatchObject({ status: 200, body: { duplicate: true, messages: [] } });
    const after = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: `web:${clientId}` } });
    expect(after.state).toEqual(before.state);
    expect(after.stateUpdatedAt).toEqual(before.stateUpdatedAt);
    expect(
      await db.prisma.processedUpdate.count({
        where: { channel: "web", updateId: updateIdOf(clientId, "same-event-id-0001") },
      }),
    ).toBe(1);

    // The same event id from another browser is that browser's own event, not a duplicate.
    const other = await send("eventsClient_dedupe_0003", { type: "start" }, "same-event-id-0001");
    expect(other.body.duplicate).toBe(false);
  });

  it("treats the page's shared phone as unproven and verifies by meter serial and surname", async () => {
    const clientId = "eventsClient_verify_0004";
    await send(clientId, { type: "start" });
    const contact = await send(clientId, { type: "contact", phone: "+380 67 111 00 01" });
    expect(contact.body.messages.at(-1)!.text).toContain("не підтверджує, що номер належить саме вам");
    await send(clientId, { type: "text", text: "1000000001" });
    await send(clientId, { type: "text", text: "01234567" });
    const linked = await send(clientId, { type: "text", text: "Шевченко" });
    expect(linked.body.messages.at(-1)!.text).toContain("Рахунок № 1000000001 підключено.");

    const user = await db.prisma.messengerUser.findUniqueOrThrow({
      where: { address: `web:${clientId}` },
      include: { links: { include: { account: true } } },
    });
    expect(user.phoneProven).toBe(false);
    expect(user.links.map((l) => [l.account.number, l.verifiedBy])).toEqual([
      ["1000000001", "serial_surname"],
    ]);
  });

  it("stores an uploaded photo and hands the engine its reference", async () => {
    const clientId = "eventsClient_photo_0005";
    await send(clientId, { type: "start" });
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(200, 7)]);
    const photo = await send(
      clientId,
      { type: "photo", mimeType: "image/jpeg", dataBase64: jpeg.toString("base64") },
      "photo-event-0001",
    );
    expect(photo.status).toBe(200);
    expect(photo.body.messages.length).toBeGreaterThan(0);
    const stored = await db.prisma.customerPhoto.findMany({ where: { address: `web:${clientId}` } });
    expect(stored).toHaveLength(1);
    expect(stored[0]!.mimeType).toBe("image/jpeg");
    expect(Buffer.from(stored[0]!.bytes).equals(jpeg)).toBe(true);
    // A retried upload stores nothing new.
    await send(
      clientId,
      { type: "photo", mimeType: "image/jpeg", dataBase64: jpeg.toString("base64") },
      "photo-event-0001",
    );
    expect(await db.prisma.customerPhoto.count({ where: { address: `web:${clientId}` } })).toBe(1);
  });

  it("limits events per client id, not per server", async () => {
    const busy = "eventsClient_limit_0006";
    const statuses: number[] = [];
    for (let i = 0; i < 31; i += 1) statuses.push((await send(busy, { type: "text", text: "/menu" })).status);
    expect(statuses.slice(0, 30).every((s) => s === 200)).toBe(true);
    expect(statuses[30]).toBe(429);
    expect((await send("eventsClient_limit_0007", { type: "start" })).status).toBe(200);
  });

  it("answers 503 with Retry-After when the database cannot be reached, so the page retries", async () => {
    // Nothing listens on port 1: every query fails to connect.
    const unreachable = {
      prisma: createPrisma("postgresql://root@127.0.0.1:1/nowhere"),
      enginePool: createSqlPool("postgresql://root@127.0.0.1:1/nowhere"),
    };
    const down = await startWebChatServer(unreachable);
    try {
      const response = await down.app.inject({
        method: "POST",
        url: "/web/api/events",
        payload: { clientId: "eventsClient_down_0008", eventId: "down-event-0001", event: { type: "start" } },
      });
      expect(response.statusCode).toBe(503);
      expect(response.headers["retry-after"]).toBe("5");
      expect(response.json()).toMatchObject({ error: "unavailable" });
      const stream = await down.app.inject({
        method: "GET",
        url: "/web/api/stream?clientId=eventsClient_down_0008&after=3",
      });
      expect(stream.statusCode).toBe(503);
    } finally {
      await down.close();
      await unreachable.prisma.$disconnect();
      await unreachable.enginePool.end();
    }
  });
});
