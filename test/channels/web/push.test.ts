// Messages that are not replies (notifications from the outbound queue) reach the browser through
// web_outbox and the event stream — also when the sender runs on another instance than the one
// holding the browser's stream — and a reconnect or reload neither loses nor repeats them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { startWebChatServer, type WebChatServer } from "./harness.js";
import { openSse } from "./sse.js";

const clientId = "pushClient_0123456789";
const address = `web:${clientId}`;

let db: TestDatabase;
let instanceA: WebChatServer;
let instanceB: WebChatServer;

beforeAll(async () => {
  db = await createTestDatabase();
  // Two service instances on one database, like two replicas behind a load balancer.
  instanceA = await startWebChatServer(db, { pollIntervalMs: 100 });
  instanceB = await startWebChatServer(db, { pollIntervalMs: 100 });
});

afterAll(async () => {
  await instanceA?.close();
  await instanceB?.close();
  await db?.drop();
});

describe("web chat push", () => {
  it("stores a sent message for the browser and streams it from another instance", async () => {
    const stream = await openSse(`${instanceB.url}/web/api/stream?clientId=${clientId}`);
    expect(stream.status).toBe(200);

    const outcome = await instanceA.channel.sender.send(address, [
      {
        text: "Заявку №12: бригаду направлено",
        attached: true,
        choices: [[{ id: "report:12", label: "Деталі" }]],
      },
      { text: "Друге повідомлення" },
    ]);
    expect(outcome).toEqual({ kind: "sent", messages: 2 });

    const messages = await stream.next(2);
    const rows = await db.prisma.webOutboxMessage.findMany({ where: { address }, orderBy: { id: "asc" } });
    expect(rows).toHaveLength(2);
    expect(messages.map((m) => [m.id, m.event, JSON.parse(m.data)])).toEqual([
      [
        String(rows[0]!.id),
        "message",
        {
          id: Number(rows[0]!.id),
          text: "Заявку №12: бригаду направлено",
          attached: true,
          choices: [[{ id: "report:12", label: "Деталі" }]],
        },
      ],
      [String(rows[1]!.id), "message", { id: Number(rows[1]!.id), text: "Друге повідомлення" }],
    ]);
    await stream.close();
  });

  it("forgets a stream when the browser goes away (web_chat_streams on /metrics)", async () => {
    const openStreams = async () => {
      const metrics = await instanceB.app.inject({ method: "GET", url: "/metrics" });
      return /^web_chat_streams (\d+)$/m.exec(metrics.body)?.[1];
    };
    const stream = await openSse(`${instanceB.url}/web/api/stream?clientId=${clientId}&after=0`);
    await expect.poll(openStreams).toBe("1");
    await stream.close();
    await expect.poll(openStreams).toBe("0");
  });

  it("replays what the browser has not acknowledged and deletes what it has", async () => {
    const before = await db.prisma.webOutboxMessage.findMany({ where: { address }, orderBy: { id: "asc" } });
    const firstId = Number(before[0]!.id);
    // Reconnect as EventSource does after a drop: Last-Event-ID says the first message was shown.
    const stream = await openSse(`${instanceA.url}/web/api/stream?clientId=${clientId}`, {
      "last-event-id": String(firstId),
    });
    const [replayed] = await stream.next(1);
    expect(JSON.parse(replayed!.data)).toMatchObject({ text: "Друге повідомлення" });
    const left = await db.prisma.webOutboxMessage.findMany({ where: { address } });
    expect(left.map((row) => Number(row.id))).toEqual([Number(before[1]!.id)]);
    await stream.close();

    // A reload passes ?after= with the last id it kept: nothing is repeated, the outbox is empty.
    const reloaded = await openSse(
      `${instanceB.url}/web/api/stream?clientId=${clientId}&after=${Number(before[1]!.id)}`,
    );
    await expect(reloaded.next(1, 400)).rejects.toThrow("expected 1 SSE messages, got 0");
    expect(await db.prisma.webOutboxMessage.count({ where: { address } })).toBe(0);
    await reloaded.close();
  });

  it("delivers messages stored while no browser was connected, only to their own client", async () => {
    const otherClient = "someoneElse_987654321";
    await instanceA.channel.sender.send(`web:${otherClient}`, [{ text: "Не вам" }]);
    await instanceA.channel.sender.send(address, [{ text: "Світло відновлено" }]);
    const stream = await openSse(`${instanceB.url}/web/api/stream?clientId=${clientId}`);
    const [message] = await stream.next(1);
    expect(JSON.parse(message!.data)).toMatchObject({ text: "Світло відновлено" });
    await expect(stream.next(1, 300)).rejects.toThrow();
    await stream.close();
  });

  it("refuses addresses of other channels and invalid stream requests", async () => {
    expect(await instanceA.channel.sender.send("telegram:42", [{ text: "x" }])).toEqual({
      kind: "failed",
      error: "not a web chat address",
    });
    const response = await instanceA.app.inject({ method: "GET", url: "/web/api/stream?clientId=bad" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: "invalid_request", issues: [{ path: "clientId" }] });
  });

  it("ends open streams on shutdown instead of holding the server open", async () => {
    const instanceC = await startWebChatServer(db);
    const stream = await openSse(`${instanceC.url}/web/api/stream?clientId=${clientId}`);
    expect(stream.status).toBe(200);
    const started = Date.now();
    await instanceC.close();
    expect(Date.now() - started).toBeLessThan(2000);
    await stream.close();
  });
});
