// Operators see the photos customers attach: GET /api/v1/readings/{id}/photo and
// /api/v1/service-orders/{id}/photo return the image from where the customer's channel keeps it —
// customer_photo for the web chat, the fake Bot API's getFile + file server for Telegram, a fake media
// host for Viber's download links — with its type read from the bytes; every way it can fail is a
// JSON error with a clear status; listings link to it with photoUrl; no token or link is logged.
import { randomBytes, randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTelegramFiles } from "../../src/channels/telegram/files.js";
import { createViberMedia } from "../../src/channels/viber/media.js";
import { createLogger } from "../../src/logger.js";
import { startFakeMediaHost, type FakeMediaHost } from "../fakes/media-host.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../fakes/telegram-api.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, BOOTSTRAP_TOKEN, buildOperatorApp, seedAccount, seedUser } from "./support.js";

const BOT_TOKEN = "8000000001:AAHk3Vq9fakeTokenForTests_photos";
const VIBER_LIMITS = { maxBytes: 256 * 1024, timeoutMs: 1_000 };
/** The signed part of a Viber media link: must never reach a log line. */
const LINK_TOKEN = "signedDownloadToken987";

/** Bytes that are what they claim by their magic number, the rest random so equality means something. */
const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(3000)]);
const png = () =>
  Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(1500)]);

const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _encoding, done) {
    logLines.push(String(chunk));
    done();
  },
});

let db: TestDatabase;
let telegram: FakeTelegramApi;
let media: FakeMediaHost;
let app: FastifyInstance;
/** The same API with no messenger configured. */
let bare: FastifyInstance;
let accountId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  telegram = await startFakeTelegramApi({ token: BOT_TOKEN });
  media = await startFakeMediaHost();
  app = await buildOperatorApp(db, {
    photoSources: {
      telegram: createTelegramFiles({ token: BOT_TOKEN, apiRoot: telegram.apiRoot }),
      viber: createViberMedia(VIBER_LIMITS),
    },
    logger: createLogger({ level: "debug", pretty: "off" }, logSink),
  });
  bare = await buildOperatorApp(db);
  const account = await seedAccount(db.prisma);
  accountId = account.id;
});
afterAll(async () => {
  await app?.close();
  await bare?.close();
  await telegram?.close();
  await media?.close();
  await db?.drop();
});
beforeEach(() => {
  telegram.reset();
});

async function reading(photoRef: string | null, period = "2026-11") {
  return db.prisma.meterReading.create({
    data: { accountId, period, t1: 1000, takenAt: new Date("2026-11-29T08:00:00Z"), source: "web", photoRef },
  });
}

async function order(photoRef: string | null) {
  return db.prisma.serviceOrder.create({
    data: {
      accountId,
      type: "meter_fault",
      description: "Не світиться екран",
      contactPhone: "380671234567",
      photoRef,
    },
  });
}

async function webPhoto(bytes: Buffer, mimeType: string): Promise<string> {
  const id = randomUUID();
  await db.prisma.customerPhoto.create({
    data: { id, address: "web:photo-test-client-01", mimeType, bytes: new Uint8Array(bytes) },
  });
  return `web-photo:${id}`;
}

/** A Viber media link on the fake host, shaped like Viber's (signed with a query token). */
function viberRef(path: string): string {
  return `viber-media:${media.url(`${path}?token=${LINK_TOKEN}`)}`;
}

const get = (url: string, target = app) => target.inject({ method: "GET", url, headers: AUTH });

describe("each source returns the right bytes and content type", () => {
  it("serves a web chat photo from customer_photo", async () => {
    const bytes = png();
    const row = await reading(await webPhoto(bytes, "image/png"));
    const response = await get(`/api/v1/readings/${row.id}/photo`);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("image/png");
    expect(response.rawPayload.equals(bytes)).toBe(true);
    expect(response.headers["x-content-type-options"]).toBe("nosniff");
    expect(response.headers["content-disposition"]).toBe(`inline; filename="reading-${row.id}.png"`);
    expect(response.headers["cache-control"]).toBe("private, max-age=300");
  });

  it("serves a Telegram photo through getFile and the file server, typed from its bytes", async () => {
    const bytes = jpeg();
    const fileId = "AgACAgIAAxkBAAIFaultPhoto-1280";
    telegram.addFile(fileId, { bytes });
    const row = await order(fileId);
    const response = await get(`/api/v1/service-orders/${row.id}/photo`);
    expect(response.statusCode).toBe(200);
    // The file server says application/octet-stream; the bytes say JPEG.
    expect(response.headers["content-type"]).toBe("image/jpeg");
    expect(response.rawPayload.equals(bytes)).toBe(true);
    expect(response.headers["content-disposition"]).toBe(`inline; filename="service-order-${row.id}.jpg"`);
    expect(telegram.callsTo("getFile").map((call) => call.params)).toEqual([{ file_id: fileId }]);
    expect(telegram.downloads).toHaveLength(1);
  });

  it("serves a kept Viber photo from customer_photo, also where Viber is not configured", async () => {
    const bytes = jpeg();
    const id = randomUUID();
    // As the Viber channel keeps a picture when it arrives (the type read from the bytes).
    await db.prisma.customerPhoto.create({
      data: {
        id,
        address: "viber:M4r1aKQ2mZp9Lw3xVb0aRc1=",
        mimeType: "image/jpeg",
        bytes: new Uint8Array(bytes),
      },
    });
    const row = await order(`viber-photo:${id}`);
    const requests = media.requests.length;
    for (const target of [app, bare]) {
      const response = await get(`/api/v1/service-orders/${row.id}/photo`, target);
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toBe("image/jpeg");
      expect(response.rawPayload.equals(bytes)).toBe(true);
    }
    expect(media.requests.length).toBe(requests);
    expect(logLines.some((line) => line.includes('"source":"viber"') && line.includes("photo viewed"))).toBe(
      true,
    );

    const deleted = await order(`viber-photo:${randomUUID()}`);
    const gone = await get(`/api/v1/service-orders/${deleted.id}/photo`);
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toEqual({ error: "photo_gone", message: "The Viber photo is no longer stored" });
    const unreadable = await order("viber-photo:not-a-uuid");
    expect((await get(`/api/v1/service-orders/${unreadable.id}/photo`)).json().error).toBe(
      "photo_ref_unreadable",
    );
  });

  it("still serves an older Viber photo from its stored media link (viber-media:)", async () => {
    const bytes = jpeg();
    media.serve("/1/share/2/long/vibes/icon/image/0x0/95e0/meter.jpg", {
      kind: "file",
      bytes,
      contentType: "image/jpeg",
    });
    const row = await reading(viberRef("/1/share/2/long/vibes/icon/image/0x0/95e0/meter.jpg"));
    const response = await get(`/api/v1/readings/${row.id}/photo`);
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("image/jpeg");
    expect(response.rawPayload.equals(bytes)).toBe(true);
    expect(media.requests.at(-1)).toBe(
      `/1/share/2/long/vibes/icon/image/0x0/95e0/meter.jpg?token=${LINK_TOKEN}`,
    );
  });
});

describe("access and bad requests", () => {
  it("requires the bearer token and fetches nothing without it", async () => {
    telegram.addFile("AgACAgIAAxkBAAIAuthCheck-1280", { bytes: jpeg() });
    const row = await order("AgACAgIAAxkBAAIAuthCheck-1280");
    const none = await app.inject({ method: "GET", url: `/api/v1/service-orders/${row.id}/photo` });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toEqual({ error: "unauthorized", message: "A valid bearer token is required" });
    const wrong = await app.inject({
      method: "GET",
      url: `/api/v1/service-orders/${row.id}/photo`,
      headers: { authorization: `Bearer ${BOOTSTRAP_TOKEN}x` },
    });
    expect(wrong.statusCode).toBe(401);
    expect(telegram.callsTo("getFile")).toHaveLength(0);
  });

  it("answers malformed ids 400 and unknown records or records without a photo 404", async () => {
    const malformed = await get("/api/v1/readings/abc/photo");
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ error: "bad_request", issues: [{ path: "params.id" }] });
    expect((await get("/api/v1/service-orders/0/photo")).statusCode).toBe(400);
    expect((await get("/api/v1/service-orders/99999999999/photo")).statusCode).toBe(400);

    const unknown = await get("/api/v1/readings/2000000000/photo");
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: "not_found", message: "reading 2000000000 not found" });
    const unknownOrder = await get("/api/v1/service-orders/2000000000/photo");
    expect(unknownOrder.json()).toEqual({
      error: "not_found",
      message: "service order 2000000000 not found",
    });

    const without = await order(null);
    const noPhoto = await get(`/api/v1/service-orders/${without.id}/photo`);
    expect(noPhoto.statusCode).toBe(404);
    expect(noPhoto.json()).toEqual({
      error: "not_found",
      message: `photo of service order ${without.id} not found`,
    });
  });

  it("answers references it cannot read 404, and ones that cannot be fetched any more 410", async () => {
    for (const ref of ["not a reference", "web-photo:not-a-uuid", "viber-media:file:///etc/passwd", "x:1"]) {
      const row = await reading(ref);
      const response = await get(`/api/v1/readings/${row.id}/photo`);
      expect(response.statusCode, ref).toBe(404);
      expect(response.json().error, ref).toBe("photo_ref_unreadable");
    }
    // Viber pictures stored by message token only (before links were kept).
    const tokenOnly = await reading("viber-message:5741311803571721091");
    const legacy = await get(`/api/v1/readings/${tokenOnly.id}/photo`);
    expect(legacy.statusCode).toBe(410);
    expect(legacy.json()).toEqual({
      error: "photo_gone",
      message: "This Viber photo was stored without its download link and cannot be fetched",
    });
    // A web photo whose row is gone.
    const deleted = await reading(`web-photo:${randomUUID()}`);
    const gone = await get(`/api/v1/readings/${deleted.id}/photo`);
    expect(gone.statusCode).toBe(410);
    expect(gone.json()).toEqual({ error: "photo_gone", message: "The web chat photo is no longer stored" });
  });

  it("answers 409 for a messenger that is not configured, and still serves web photos", async () => {
    const fromTelegram = await order("AgACAgIAAxkBAAINoToken-1280");
    const noTelegram = await get(`/api/v1/service-orders/${fromTelegram.id}/photo`, bare);
    expect(noTelegram.statusCode).toBe(409);
    expect(noTelegram.json()).toEqual({
      error: "photo_source_not_configured",
      message: "The photo is on Telegram, which is not configured here (TELEGRAM_BOT_TOKEN)",
    });
    const fromViber = await reading(viberRef("/never-asked.jpg"));
    const noViber = await get(`/api/v1/readings/${fromViber.id}/photo`, bare);
    expect(noViber.statusCode).toBe(409);
    expect(noViber.json().message).toContain("VIBER_AUTH_TOKEN");
    expect(media.requests.filter((r) => r.startsWith("/never-asked.jpg"))).toEqual([]);

    const bytes = png();
    const fromWeb = await reading(await webPhoto(bytes, "image/png"));
    const web = await get(`/api/v1/readings/${fromWeb.id}/photo`, bare);
    expect(web.statusCode).toBe(200);
    expect(web.rawPayload.equals(bytes)).toBe(true);
  });
});

describe("Telegram failures", () => {
  it("answers 410 for a file the Bot API reports as missing, without a path, or whose download is gone", async () => {
    const missing = await order("AgACAgIAAxkBAAIUnknownFile-1280");
    const unknown = await get(`/api/v1/service-orders/${missing.id}/photo`);
    expect(unknown.statusCode).toBe(410);
    expect(unknown.json()).toEqual({
      error: "photo_gone",
      message: "Telegram does not have this file (Bad Request: invalid file_id)",
    });
    expect(telegram.downloads).toEqual([]);

    telegram.addFile("AgACAgIAAxkBAAINoPath-1280", { bytes: jpeg(), noPath: true });
    const noPath = await get(
      `/api/v1/service-orders/${(await order("AgACAgIAAxkBAAINoPath-1280")).id}/photo`,
    );
    expect(noPath.statusCode).toBe(410);

    telegram.addFile("AgACAgIAAxkBAAIExpired-1280", { bytes: jpeg(), downloadGone: true });
    const expired = await get(
      `/api/v1/service-orders/${(await order("AgACAgIAAxkBAAIExpired-1280")).id}/photo`,
    );
    expect(expired.statusCode).toBe(410);
    expect(expired.json()).toEqual({
      error: "photo_gone",
      message: "Telegram's file server answered 404: the file is no longer there",
    });
  });

  it("refuses a file over the size limit before downloading it (422)", async () => {
    telegram.addFile("AgACAgIAAxkBAAIHugeFile-1280", { bytes: jpeg(), reportedSize: 10 * 1024 * 1024 + 1 });
    const row = await order("AgACAgIAAxkBAAIHugeFile-1280");
    const response = await get(`/api/v1/service-orders/${row.id}/photo`);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      error: "photo_too_large",
      message: "the file is larger than 10485760 bytes",
    });
    expect(telegram.downloads).toEqual([]);
  });

  it("answers 502 when the Bot API fails or drops the connection", async () => {
    telegram.addFile("AgACAgIAAxkBAAIFlaky-1280", { bytes: jpeg() });
    const row = await order("AgACAgIAAxkBAAIFlaky-1280");
    telegram.failNext("getFile", { kind: "server_error", status: 502 });
    const failed = await get(`/api/v1/service-orders/${row.id}/photo`);
    expect(failed.statusCode).toBe(502);
    expect(failed.json()).toEqual({
      error: "photo_source_failed",
      message: "Telegram answered getFile with 502",
    });
    telegram.failNext("getFile", { kind: "disconnect" });
    const dropped = await get(`/api/v1/service-orders/${row.id}/photo`);
    expect(dropped.statusCode).toBe(502);
    expect(dropped.json()).toEqual({
      error: "photo_source_failed",
      message: "Telegram could not be reached",
    });
    // And once Telegram is back, the same photo is served.
    expect((await get(`/api/v1/service-orders/${row.id}/photo`)).statusCode).toBe(200);
  });
});

describe("Viber link failures", () => {
  it("answers 410 when the link has expired (403) or is gone (404)", async () => {
    media.serve("/expired.jpg", { kind: "status", status: 403 });
    const expired = await get(`/api/v1/readings/${(await reading(viberRef("/expired.jpg"))).id}/photo`);
    expect(expired.statusCode).toBe(410);
    expect(expired.headers["content-type"]).toContain("application/json");
    expect(expired.json()).toEqual({
      error: "photo_gone",
      message: "Viber's media link answered 403: the file is no longer there",
    });
    const missing = await get(`/api/v1/readings/${(await reading(viberRef("/nothing-here.jpg"))).id}/photo`);
    expect(missing.statusCode).toBe(410);
  });

  it("answers 502 for a server error or a body that is not an image", async () => {
    media.serve("/broken.jpg", { kind: "status", status: 500 });
    const broken = await get(`/api/v1/readings/${(await reading(viberRef("/broken.jpg"))).id}/photo`);
    expect(broken.statusCode).toBe(502);
    expect(broken.json()).toEqual({
      error: "photo_source_failed",
      message: "Viber's media link answered 500",
    });

    media.serve("/login.jpg", {
      kind: "file",
      bytes: Buffer.from("<html>sign in</html>"),
      contentType: "text/html",
    });
    const html = await get(`/api/v1/readings/${(await reading(viberRef("/login.jpg"))).id}/photo`);
    expect(html.statusCode).toBe(502);
    expect(html.json().message).toBe("Viber's media link did not return a JPEG, PNG, WebP or GIF image");
  });

  it("stops reading a body over the size limit even without a Content-Length (422)", async () => {
    const big = Buffer.concat([jpeg(), randomBytes(VIBER_LIMITS.maxBytes)]);
    media.serve("/big.jpg", { kind: "stream", bytes: big, contentType: "image/jpeg" });
    const response = await get(`/api/v1/readings/${(await reading(viberRef("/big.jpg"))).id}/photo`);
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      error: "photo_too_large",
      message: "the file is larger than 262144 bytes",
    });
    // Just under the limit, streamed the same way, is served whole.
    const fits = Buffer.concat([jpeg(), randomBytes(VIBER_LIMITS.maxBytes - 3004)]);
    expect(fits.length).toBe(VIBER_LIMITS.maxBytes);
    media.serve("/fits.jpg", { kind: "stream", bytes: fits, contentType: "image/jpeg" });
    const whole = await get(`/api/v1/readings/${(await reading(viberRef("/fits.jpg"))).id}/photo`);
    expect(whole.statusCode).toBe(200);
    expect(whole.rawPayload.equals(fits)).toBe(true);
  });

  it("gives up on a link that does not answer in time (504)", async () => {
    media.serve("/slow.jpg", { kind: "hang" });
    const started = Date.now();
    const response = await get(`/api/v1/readings/${(await reading(viberRef("/slow.jpg"))).id}/photo`);
    expect(response.statusCode).toBe(504);
    expect(response.json()).toEqual({
      error: "photo_source_timeout",
      message: "Viber's media link did not answer within 1000 ms",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe("listings link to the photo", () => {
  it("includes photoUrl in service orders, the account's readings and the JSON export, and it serves the photo", async () => {
    const account = await seedAccount(db.prisma);
    const user = await seedUser(db.prisma, { channel: "telegram" });
    const bytes = jpeg();
    telegram.addFile("AgACAgIAAxkBAAIListed-1280", { bytes });
    const withPhoto = await db.prisma.serviceOrder.create({
      data: {
        accountId: account.id,
        userId: user.id,
        type: "meter_fault",
        description: "Тріснуло скло",
        contactPhone: "380671234567",
        photoRef: "AgACAgIAAxkBAAIListed-1280",
        status: "scheduled",
      },
    });
    const without = await db.prisma.serviceOrder.create({
      data: {
        accountId: account.id,
        type: "sealing",
        description: "Опломбувати",
        contactPhone: "380671234567",
        status: "scheduled",
      },
    });
    const list = await get("/api/v1/service-orders?status=scheduled");
    expect(list.statusCode).toBe(200);
    const items = list.json().items as { id: number; photoUrl: string | null; description: string }[];
    expect(items.map(({ id, photoUrl }) => ({ id, photoUrl }))).toEqual([
      { id: withPhoto.id, photoUrl: `/api/v1/service-orders/${withPhoto.id}/photo` },
      { id: without.id, photoUrl: null },
    ]);
    // Existing fields stay.
    expect(items[0]).toMatchObject({
      accountNumber: account.number,
      type: "meter_fault",
      description: "Тріснуло скло",
    });
    const photo = await get(items[0]!.photoUrl!);
    expect(photo.statusCode).toBe(200);
    expect(photo.rawPayload.equals(bytes)).toBe(true);

    // A change answers the same view, photoUrl included.
    const patched = await app.inject({
      method: "PATCH",
      url: `/api/v1/service-orders/${withPhoto.id}`,
      headers: AUTH,
      payload: { comment: "Фото отримали" },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().photoUrl).toBe(`/api/v1/service-orders/${withPhoto.id}/photo`);

    const meterBytes = png();
    const meter = await db.prisma.meterReading.create({
      data: {
        accountId: account.id,
        period: "2026-12",
        t1: 15000,
        takenAt: new Date("2026-11-30T09:00:00Z"),
        source: "web",
        status: "flagged",
        flagReason: "far above the forecast",
        photoRef: await webPhoto(meterBytes, "image/png"),
      },
    });
    const earlier = await db.prisma.meterReading.create({
      data: {
        accountId: account.id,
        period: "2026-11",
        t1: 14000,
        takenAt: new Date("2026-10-30T09:00:00Z"),
        source: "billing",
      },
    });
    const view = await get(`/api/v1/accounts/${account.number}`);
    expect(view.statusCode).toBe(200);
    expect(view.json().lastReadings).toEqual([
      expect.objectContaining({
        period: "2026-12",
        t1: 15000,
        photoUrl: `/api/v1/readings/${meter.id}/photo`,
      }),
      expect.objectContaining({ period: "2026-11", t1: 14000, photoUrl: null }),
    ]);
    expect(earlier.photoRef).toBeNull();

    const exported = await get("/api/v1/readings?period=2026-12&format=json");
    expect(exported.statusCode).toBe(200);
    expect(exported.json()).toContainEqual(
      expect.objectContaining({
        accountNumber: account.number,
        photoUrl: `/api/v1/readings/${meter.id}/photo`,
      }),
    );
    const meterPhoto = await get(`/api/v1/readings/${meter.id}/photo`);
    expect(meterPhoto.rawPayload.equals(meterBytes)).toBe(true);
    // The CSV stays billing's format: no photo column.
    const csv = await get("/api/v1/readings?period=2026-12&format=csv");
    expect(csv.body.split("\r\n")[0]).toBe(
      "account_number,period,t1,t2,t3,submitted_at,source,status,flag_reason,in_window",
    );
  });
});

describe("logs", () => {
  it("never carry the bot token, a Viber link or its signature, while photo views are audited", () => {
    const all = logLines.join("");
    expect(all).toContain("reading photo viewed");
    expect(all).toContain("service order photo viewed");
    expect(all).toContain("photo not served");
    for (const secret of [BOT_TOKEN, LINK_TOKEN, "/file/bot", media.url("/"), BOOTSTRAP_TOKEN]) {
      expect(all).not.toContain(secret);
    }
  });
});
