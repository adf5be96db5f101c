// grammY's API client on json-fetch.ts (what the Telegram channel uses): JSON calls answer as with
// grammY's default fetch, errors become grammY's errors (an API error with its code and retry_after, a
// connection reset or a timeout as HttpError), and a multipart upload still goes out whole.
import http from "node:http";
import { Api, GrammyError, HttpError, InputFile } from "grammy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jsonFetch } from "../../../src/channels/telegram/json-fetch.js";

interface Seen {
  method: string;
  contentType: string;
  body: Buffer;
}

let server: http.Server;
let apiRoot: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const method = request.url?.split("/").at(-1) ?? "";
      seen.push({ method, contentType: request.headers["content-type"] ?? "", body: Buffer.concat(chunks) });
      const json = (status: number, value: unknown) => {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(value));
      };
      if (method === "sendMessage") {
        const payload = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          chat_id: number;
          text: string;
        };
        if (payload.text === "flood") {
          return json(429, {
            ok: false,
            error_code: 429,
            description: "Too Many Requests: retry after 7",
            parameters: { retry_after: 7 },
          });
        }
        return json(200, {
          ok: true,
          result: {
            message_id: 42,
            date: 1,
            chat: { id: payload.chat_id, type: "private" },
            text: payload.text,
          },
        });
      }
      if (method === "sendPhoto") {
        return json(200, {
          ok: true,
          result: { message_id: 43, date: 1, chat: { id: 1, type: "private" }, photo: [] },
        });
      }
      if (method === "getMe") return request.socket.destroy(); // the connection drops
      // answerCallbackQuery: never answered (a timeout)
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  apiRoot = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function api(timeoutSeconds = 5): Api {
  return new Api("123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ", {
    apiRoot,
    timeoutSeconds,
    fetch: jsonFetch as unknown as typeof fetch,
  });
}

describe("json-fetch as grammY's fetch", () => {
  it("sends a JSON call and returns its result", async () => {
    const message = await api().sendMessage(5, "Привіт 👋", {
      reply_markup: { inline_keyboard: [[{ text: "Меню", callback_data: "m:menu" }]] },
    });
    expect(message.message_id).toBe(42);
    expect(message.text).toBe("Привіт 👋");
    const call = seen.find((s) => s.method === "sendMessage");
    expect(call?.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(call?.body.toString("utf8") ?? "{}")).toMatchObject({ chat_id: 5, text: "Привіт 👋" });
  });

  it("an API error is grammY's error with its code and retry_after", async () => {
    const error = await api()
      .sendMessage(5, "flood")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GrammyError);
    expect((error as GrammyError).error_code).toBe(429);
    expect((error as GrammyError).parameters.retry_after).toBe(7);
  });

  it("a dropped connection and a timeout are HttpErrors", async () => {
    await expect(api().getMe()).rejects.toBeInstanceOf(HttpError);
    const started = Date.now();
    await expect(api(1).answerCallbackQuery("q1")).rejects.toBeInstanceOf(HttpError);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a multipart upload goes out whole (through the platform's fetch)", async () => {
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const sent = await api().sendPhoto(1, new InputFile(bytes, "day.png"), { caption: "Графік" });
    expect(sent.message_id).toBe(43);
    const call = seen.find((s) => s.method === "sendPhoto");
    expect(call?.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(call?.body.includes(bytes)).toBe(true);
    expect(call?.body.toString("utf8")).toContain("Графік");
  });
});
