// Who may use the web chat: off means no page and no API; a configured token is required on every
// API call (header, or ?token= for the stream); bad input is refused with 400 and touches nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { startWebChatServer, type WebChatServer } from "./harness.js";
import { openSse } from "./sse.js";

const clientId = "accessClient_0123456789";
let db: TestDatabase;
let disabled: WebChatServer;
let protectedChat: WebChatServer;
let openChat: WebChatServer;

beforeAll(async () => {
  db = await createTestDatabase();
  disabled = await startWebChatServer(db, { enabled: false });
  protectedChat = await startWebChatServer(db, { token: "s3cret-web-chat-token" });
  openChat = await startWebChatServer(db);
});

afterAll(async () => {
  await disabled?.close();
  await protectedChat?.close();
  await openChat?.close();
  await db?.drop();
});

const startEvent = (eventId: string) => ({ clientId, eventId, event: { type: "start" } });

describe("web chat access", () => {
  it("serves the page with a strict content security policy when enabled", async () => {
    const page = await openChat.app.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(page.body).toContain('<script type="module" src="/web/app.js"></script>');
    const script = await openChat.app.inject({ method: "GET", url: "/web/app.js" });
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.body).toContain('fetch("/web/api/events"');
    const style = await openChat.app.inject({ method: "GET", url: "/web/style.css" });
    expect(style.headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("exposes neither the page nor the API when disabled", async () => {
    expect(disabled.channel.enabled).toBe(false);
    for (const url of ["/", "/web/app.js", "/web/api/stream?clientId=" + clientId]) {
      const response = await disabled.app.inject({ method: "GET", url });
      expect(response.statusCode).toBe(404);
      expect(response.body).not.toContain("<html");
    }
    const post = await disabled.app.inject({
      method: "POST",
      url: "/web/api/events",
      payload: startEvent("disabled-1"),
    });
    expect(post.statusCode).toBe(404);
    expect(await db.prisma.messengerUser.count()).toBe(0);
  });

  it("requires the token on every API call when one is configured", async () => {
    const missing = await protectedChat.app.inject({
      method: "POST",
      url: "/web/api/events",
      payload: startEvent("tok-1"),
    });
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toEqual({
      error: "unauthorized",
      message: "This web chat needs its access token.",
    });
    const wrong = await protectedChat.app.inject({
      method: "POST",
      url: "/web/api/events",
      headers: { "x-web-chat-token": "s3cret-web-chat-tokeN" },
      payload: startEvent("tok-2"),
    });
    expect(wrong.statusCode).toBe(401);
    expect(await db.prisma.processedUpdate.count()).toBe(0);

    const streamWithout = await protectedChat.app.inject({
      method: "GET",
      url: `/web/api/stream?clientId=${clientId}`,
    });
    expect(streamWithout.statusCode).toBe(401);
    const stream = await openSse(
      `${protectedChat.url}/web/api/stream?clientId=${clientId}&token=s3cret-web-chat-token`,
    );
    expect(stream.status).toBe(200);
    await stream.close();
    // The page itself is public (it holds no data); it asks for the token link when the API says 401.
    expect((await protectedChat.app.inject({ method: "GET", url: "/" })).statusCode).toBe(200);
  });

  it("answers invalid bodies with 400 naming the fields, and handles nothing", async () => {
    const cases: [unknown, string[]][] = [
      [{ clientId: "short", eventId: "evt-00001", event: { type: "start" } }, ["clientId"]],
      [{ clientId, eventId: "x", event: { type: "start" } }, ["eventId"]],
      [{ clientId, eventId: "evt-00002", event: { type: "text", text: "" } }, ["event.text"]],
      [{ clientId, eventId: "evt-00003", event: { type: "contact", phone: "call me" } }, ["event.phone"]],
      [{ clientId, eventId: "evt-00004", event: { type: "sticker" } }, ["event.type"]],
      [
        {
          clientId,
          eventId: "evt-00005",
          event: { type: "photo", mimeType: "image/gif", dataBase64: "R0lG" },
        },
        ["event.mimeType"],
      ],
    ];
    for (const [payload, paths] of cases) {
      const response = await openChat.app.inject({
        method: "POST",
        url: "/web/api/events",
        payload: payload as object,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(400);
      const body = response.json() as { error: string; issues: { path: string }[] };
      expect(body.error).toBe("invalid_request");
      expect(body.issues.map((i) => i.path)).toEqual(paths);
    }
    const notJson = await openChat.app.inject({
      method: "POST",
      url: "/web/api/events",
      headers: { "content-type": "application/json" },
      payload: "{not json",
    });
    expect(notJson.statusCode).toBe(400);
    const photoLies = await openChat.app.inject({
      method: "POST",
      url: "/web/api/events",
      payload: {
        clientId,
        eventId: "evt-00006",
        event: { type: "photo", mimeType: "image/jpeg", dataBase64: "aGVsbG8=" },
      },
    });
    expect(photoLies.statusCode).toBe(400);
    expect(photoLies.json()).toEqual({ error: "invalid_photo", message: "not a image/jpeg image" });
    expect(await db.prisma.processedUpdate.count()).toBe(0);
    expect(await db.prisma.customerPhoto.count()).toBe(0);
  });

  it("prints a URL to open", () => {
    expect(openChat.channel.url(3000)).toBe("http://localhost:3000/");
    expect(protectedChat.channel.needsToken).toBe(true);
  });
});
