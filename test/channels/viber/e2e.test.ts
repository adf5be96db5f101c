// End to end: signed Viber callbacks over HTTP into the service (buildServer + the Viber plugin +
// the real engine on Postgres), and a fake Chat API recording every send_message. Covers the
// welcome as the response body, verification through the fallback path (Viber cannot prove a
// shared phone), a reading and its receipt, keyboards on every message, exact 64-bit tokens,
// exactly-once processing, signature refusal, status 6, and pictures: kept in customer_photo when
// they arrive (an operator sees exactly those bytes after Viber's link has expired), once across
// redeliveries, and a picture that cannot be downloaded answered like any non-photo, never a 5xx.
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signViberBody } from "../../../src/channels/viber/signature.js";
import { createViberChannel, type ViberChannel } from "../../../src/channels/viber/index.js";
import { viberPhotoId } from "../../../src/channels/viber/media.js";
import { createPrisma, createSqlPool, type PrismaClient } from "../../../src/db/client.js";
import { createPgEngineStore } from "../../../src/db/engine-store-pg.js";
import { createCustomerPhotoStore } from "../../../src/db/customer-photo-store.js";
import { createUserStatusStore } from "../../../src/db/user-status-store.js";
import { createEngine } from "../../../src/engine/engine.js";
import { t } from "../../../src/engine/i18n/index.js";
import { defaultEngineSettings } from "../../../src/engine/settings.js";
import { createMetrics } from "../../../src/http/metrics.js";
import { buildServer } from "../../../src/http/server.js";
import { startFakeMediaHost, type FakeMediaHost } from "../../fakes/media-host.js";
import { AUTH, buildOperatorApp } from "../../operator/support.js";
import { startFakeViberApi, type FakeViberApi, type RecordedViberCall } from "../../fakes/viber-api.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";

const AUTH_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";
const BOT = { name: "ДТЕК Дніпро", avatar: "https://example.org/dtek-avatar.jpg" };
const ACCOUNT = { number: "1234567890", serial: "AB123456", surname: "Шевченко" };
const EXACT_TOKEN = "5741311803571721087";

const clock = { now: () => new Date("2026-11-30T10:00:00Z") };
const silent = pino({ level: "silent" });
/** What the channel logs, to check that no media link (a signed download token) reaches a log line. */
const channelLogLines: string[] = [];
const channelLog = pino(
  { level: "debug" },
  new Writable({
    write(chunk, _encoding, done) {
      channelLogLines.push(String(chunk));
      done();
    },
  }),
);

let db: TestDatabase;
let fake: FakeViberApi;
let viber: ViberChannel;
let app: FastifyInstance;
let baseUrl: string;

/** Small enough that the oversize and timeout cases run fast. */
const PICTURE_LIMITS = { maxBytes: 64 * 1024, timeoutMs: 1_000 };

async function startApp(engineStoreUrl?: string, photoPrisma?: PrismaClient) {
  const metrics = createMetrics({ defaultMetrics: false });
  const pool = engineStoreUrl === undefined ? db.enginePool : createSqlPool(engineStoreUrl, { max: 1 });
  const engine = createEngine({
    store: createPgEngineStore(pool),
    clock,
    // The clock is pinned, so a flood window never passes: a limit high enough for the long
    // conversations here (the flood limit has its own tests in test/reliability).
    settings: { ...defaultEngineSettings, flood: { windowSeconds: 10, maxUpdates: 10_000 } },
  });
  const channel = createViberChannel({
    config: { authToken: AUTH_TOKEN, botName: BOT.name, botAvatar: BOT.avatar, apiUrl: fake.url },
    engine,
    userStatus: createUserStatusStore(db.prisma),
    photoStore: createCustomerPhotoStore(photoPrisma ?? db.prisma),
    pictureLimits: PICTURE_LIMITS,
    logger: channelLog,
    metrics: metrics.registry,
    sendTimeoutMs: 2000,
    rateLimitDelaysMs: [20],
  });
  const server = await buildServer({
    logger: silent,
    metrics,
    readiness: async () => ({ ready: true, checks: {} }),
    plugins: [channel.plugin],
  });
  const url = await server.listen({ host: "127.0.0.1", port: 0 });
  return { channel, server, url, pool, metrics };
}

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeViberApi({ authToken: AUTH_TOKEN });
  ({ channel: viber, server: app, url: baseUrl } = await startApp());
  // Test accounts go straight into the account table, as the billing import would put them.
  const account = await db.prisma.account.create({
    data: {
      number: ACCOUNT.number,
      holderName: "Шевченко Тарас Григорович",
      phones: ["380671234567"],
      settlement: "Дніпро",
      street: "вул. Січеславська",
      building: "10",
      areaCode: "DNP-01",
      meterSerial: ACCOUNT.serial,
      meterDigits: 6,
      zones: 1,
    },
  });
  await db.prisma.meterReading.create({
    data: {
      accountId: account.id,
      period: "2026-11",
      t1: 5000,
      takenAt: new Date("2026-11-01T09:00:00Z"),
      source: "billing",
    },
  });
});

afterAll(async () => {
  await app.close();
  await fake.close();
  await db.drop();
});

let tokenCounter = 5741311803571722000n;
function nextToken(): string {
  tokenCounter += 1n;
  return tokenCounter.toString();
}

/** JSON text of a callback whose message_token is written as a bare 64-bit number, as Viber does. */
function callbackJson(body: Record<string, unknown>, token: string): string {
  return JSON.stringify({ ...body, message_token: "@@token@@" }).replace('"@@token@@"', token);
}

async function post(
  raw: string,
  options: { signature?: string | null; viaQuery?: boolean; base?: string } = {},
): Promise<Response> {
  const signature = options.signature === undefined ? signViberBody(raw, AUTH_TOKEN) : options.signature;
  const headers: Record<string, string> = { "content-type": "application/json" };
  let path = "/webhooks/viber";
  if (signature !== null && options.viaQuery) path += `?sig=${signature}`;
  else if (signature !== null) headers["x-viber-content-signature"] = signature;
  return fetch(`${options.base ?? baseUrl}${path}`, { method: "POST", headers, body: raw });
}

/** A person on Viber: every action is one signed callback, answered before the next one. */
class ViberPerson {
  constructor(
    readonly id: string,
    readonly name: string,
    readonly language: string,
    readonly apiVersion = 10,
  ) {}

  get address(): string {
    return `viber:${this.id}`;
  }

  private user() {
    return {
      id: this.id,
      name: this.name,
      language: this.language,
      country: "UA",
      api_version: this.apiVersion,
    };
  }

  /** `context` is what a deep link viber://pa?chatURI=...&context=... carries. */
  conversationStartedJson(token = nextToken(), context?: string): string {
    return callbackJson(
      {
        event: "conversation_started",
        timestamp: 1764496800000,
        chat_hostname: "SN-CHAT-05_",
        type: "open",
        ...(context !== undefined ? { context } : {}),
        user: this.user(),
        subscribed: false,
      },
      token,
    );
  }

  messageJson(message: Record<string, unknown>, token = nextToken()): string {
    return callbackJson(
      {
        event: "message",
        timestamp: 1764496800000,
        chat_hostname: "SN-CHAT-05_",
        sender: this.user(),
        message,
        silent: false,
      },
      token,
    );
  }

  async startConversation(context?: string): Promise<Record<string, unknown>> {
    const response = await post(this.conversationStartedJson(nextToken(), context));
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  }

  /** Sends a message callback and returns what the bot sent back to this person because of it. */
  async say(message: Record<string, unknown>, token?: string): Promise<RecordedViberCall[]> {
    const before = this.received().length;
    const response = await post(this.messageJson(message, token));
    expect(response.status).toBe(200);
    return this.received().slice(before);
  }

  text(text: string, token?: string) {
    return this.say({ type: "text", text }, token);
  }

  /** Presses a keyboard button: Viber sends the button's ActionBody as a text message. */
  async press(choiceId: string): Promise<RecordedViberCall[]> {
    const last = this.received().at(-1);
    const buttons = keyboardOf(last!).Buttons;
    const button = buttons.find((candidate) => candidate.ActionBody === `choice:${choiceId}`);
    expect(button, `button ${choiceId} on the last keyboard`).toBeDefined();
    return this.say({ type: "text", text: button!.ActionBody });
  }

  received(): RecordedViberCall[] {
    return fake.callsOf("send_message").filter((call) => call.body.receiver === this.id);
  }
}

interface Button {
  ActionType: string;
  ActionBody: string;
  Text: string;
  Columns: number;
}
function keyboardOf(call: RecordedViberCall | { body: Record<string, unknown> }): { Buttons: Button[] } {
  return call.body.keyboard as { Buttons: Button[] };
}
function actionBodies(call: RecordedViberCall): string[] {
  return keyboardOf(call).Buttons.map((button) => button.ActionBody);
}

async function processedCount(): Promise<number> {
  return db.prisma.processedUpdate.count({ where: { channel: "viber" } });
}

describe("Viber end to end", () => {
  it("welcomes on conversation_started with the response body: text, share-phone keyboard, min_api_version 3", async () => {
    const oksana = new ViberPerson("hT7kQ2mZp9Lw3xVb0aRc1g==", "Оксана", "uk");
    const welcome = await oksana.startConversation();
    expect(welcome).toEqual({
      sender: BOT,
      type: "text",
      text: `${t("uk", "welcome.new")}\n\n${t("uk", "verify.askPhone")}`,
      min_api_version: 3,
      keyboard: expect.objectContaining({ Type: "keyboard" }),
    });
    expect(keyboardOf({ body: welcome }).Buttons.map((b) => [b.ActionType, b.ActionBody, b.Text])).toEqual([
      ["share-phone", "share-phone", t("uk", "verify.sharePhoneButton")],
      ["reply", "choice:v:fallback", t("uk", "verify.otherWay")],
      ["reply", "choice:nav:menu", t("uk", "nav.menu")],
    ]);
    // The welcome is the response: nothing goes through send_message to a user not yet subscribed.
    expect(oksana.received()).toEqual([]);
    const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: oksana.address } });
    expect(user).toMatchObject({
      channel: "viber",
      viberUserId: oksana.id,
      language: "uk",
      status: "active",
    });
  });

  it("gives two users who open the chat one after the other each their own welcome in their own language", async () => {
    const ivan = new ViberPerson("Iv4nUkR8pKe2Rt6YuLm0sBw=", "Іван", "uk");
    const john = new ViberPerson("Zq4NwX8pKe2Rt6YuLm0sBw==", "John", "en-GB");
    const first = await ivan.startConversation();
    const second = await john.startConversation();
    expect(first.text).toBe(`${t("uk", "welcome.new")}\n\n${t("uk", "verify.askPhone")}`);
    expect(second.text).toBe(`${t("en", "welcome.new")}\n\n${t("en", "verify.askPhone")}`);
    expect(keyboardOf({ body: second }).Buttons.map((b) => b.Text)).toEqual([
      t("en", "verify.sharePhoneButton"),
      t("en", "verify.otherWay"),
      t("en", "nav.menu"),
    ]);
    // Nothing of the first welcome in the second.
    expect(JSON.stringify(second)).not.toContain(t("uk", "verify.askPhone"));
    expect(JSON.stringify(second)).not.toContain("Іван");
    const languages = await db.prisma.messengerUser.findMany({
      where: { address: { in: [ivan.address, john.address] } },
      select: { address: true, language: true },
      orderBy: { address: "asc" },
    });
    expect(languages).toEqual([
      { address: ivan.address, language: "uk" },
      { address: john.address, language: "en" },
    ]);
  });

  it("verifies with contact + account number + fallback answers, takes a reading and sends the receipt", async () => {
    const maria = new ViberPerson("M4r1aKQ2mZp9Lw3xVb0aRc1=", "Марія", "uk");
    await maria.startConversation();
    const subscribed = await post(
      callbackJson(
        {
          event: "subscribed",
          timestamp: 1764496800000,
          user: { id: maria.id, name: "Марія", language: "uk" },
        },
        nextToken(),
      ),
    );
    expect(subscribed.status).toBe(200);

    // The shared phone is on file, but Viber cannot prove it is hers: the fallback path follows.
    const [afterContact] = await maria.say({
      type: "contact",
      contact: { name: "Марія", phone_number: "380671234567" },
    });
    expect(afterContact!.body).toMatchObject({
      receiver: maria.id,
      type: "text",
      sender: BOT,
      text: `${t("uk", "verify.phoneNotProven")}\n\n${t("uk", "verify.fallbackAskAccount")}`,
    });
    expect(actionBodies(afterContact!)).toEqual(["choice:nav:back", "choice:nav:menu"]);

    const [askSerial] = await maria.text(ACCOUNT.number, EXACT_TOKEN);
    expect(askSerial!.body.text).toBe(t("uk", "verify.fallbackAskSerial"));
    const [askSurname] = await maria.text(ACCOUNT.serial);
    expect(askSurname!.body.text).toBe(t("uk", "verify.fallbackAskSurname"));
    const [askLabel] = await maria.text(ACCOUNT.surname);
    expect(askLabel!.body.text).toBe(
      `${t("uk", "verify.linked", { number: ACCOUNT.number })}\n\n${t("uk", "label.ask")}`,
    );
    expect(actionBodies(askLabel!)).toEqual([
      "choice:lbl:flat",
      "choice:lbl:house",
      "choice:lbl:cottage",
      "choice:lbl:skip",
      "choice:nav:menu",
    ]);
    // Three presets share a row: two columns each.
    expect(
      keyboardOf(askLabel!)
        .Buttons.slice(0, 3)
        .map((b) => b.Columns),
    ).toEqual([2, 2, 2]);

    const [menu] = await maria.press("lbl:flat");
    expect(String(menu!.body.text)).toContain(t("uk", "label.saved", { label: t("uk", "label.flat") }));
    expect(actionBodies(menu!)).toContain("choice:m:read");

    const [askValue] = await maria.press("m:read");
    expect(String(askValue!.body.text)).toContain(
      t("uk", "reading.askZone", { zone: t("uk", "zone.total"), digits: 6 }),
    );
    const [summary] = await maria.text("5150");
    expect(String(summary!.body.text)).toContain(t("uk", "reading.summaryAsk"));
    expect(actionBodies(summary!)).toEqual(["choice:ok", "choice:fix", "choice:nav:menu"]);

    const [receipt] = await maria.press("ok");
    const reading = await db.prisma.meterReading.findFirstOrThrow({ where: { source: "viber" } });
    expect(reading).toMatchObject({ t1: 5150, status: "accepted" });
    const period = `${reading.period.slice(5)}.${reading.period.slice(0, 4)}`;
    expect(String(receipt!.body.text)).toMatch(
      new RegExp(
        `^${escapeRegExp(t("uk", "reading.receipt", { label: t("uk", "label.flat"), number: ACCOUNT.number, period }))}`,
      ),
    );
    expect(actionBodies(receipt!)).toContain("choice:m:read");

    // Every bot message carried a keyboard; share-phone only with min_api_version 3.
    const all = maria.received();
    expect(all).toHaveLength(8);
    for (const call of all) {
      expect(keyboardOf(call).Buttons.length).toBeGreaterThan(0);
      const sharesPhone = keyboardOf(call).Buttons.some((b) => b.ActionType === "share-phone");
      expect(call.body.min_api_version).toBe(sharesPhone ? 3 : undefined);
      expect(call.authToken).toBe(AUTH_TOKEN);
    }

    // The 64-bit token is stored exactly, not rounded to ...721000.
    const stored = await db.prisma.processedUpdate.findMany({
      where: { channel: "viber", updateId: { startsWith: "57413118035717210" } },
      select: { updateId: true },
    });
    expect(stored).toEqual([{ updateId: EXACT_TOKEN }]);

    const link = await db.prisma.accountLink.findFirstOrThrow({
      where: { user: { address: maria.address } },
    });
    expect(link).toMatchObject({ verifiedBy: "serial_surname", label: t("uk", "label.flat") });
  });

  it("a deep link's context opens its journey: verification first, then straight to the reading; later as the welcome itself", async () => {
    const olha = new ViberPerson("O1haKQ2mZp9Lw3xVb0aRc1g=", "Ольга", "uk");
    const first = await olha.startConversation(`reading_${ACCOUNT.number}`);
    expect(first.text).toBe(
      [t("uk", "welcome.new"), t("uk", "deepLink.verifyFirst"), t("uk", "verify.askPhone")].join("\n\n"),
    );
    await olha.say({ type: "contact", contact: { name: "Ольга", phone_number: "380671234567" } });
    await olha.text(ACCOUNT.number);
    await olha.text(ACCOUNT.serial);
    await olha.text(ACCOUNT.surname);
    const [landed] = await olha.press("lbl:house");
    const askZone = t("uk", "reading.askZone", { zone: t("uk", "zone.total"), digits: 6 });
    expect(String(landed!.body.text)).toMatch(
      new RegExp(`^${escapeRegExp(t("uk", "label.saved", { label: t("uk", "label.house") }))}\n\n`),
    );
    expect(String(landed!.body.text)).toContain(askZone);

    // Linked now: the same link answers with the journey as the welcome body, nothing else sent.
    await olha.press("nav:menu");
    const sent = olha.received().length;
    const again = await olha.startConversation(`reading_${ACCOUNT.number}`);
    expect(String(again.text)).toContain(askZone);
    expect(String(again.text)).not.toContain(t("uk", "verify.askPhone"));
    const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: olha.address } });
    expect(user.state).toMatchObject({ step: { name: "reading_zone", values: [] } });
    expect(user.state).not.toHaveProperty("pending");
    // A context that is not a deep-link parameter is a plain start: the menu.
    const plain = await olha.startConversation("з сайту ?utm_source=bill");
    expect(String(plain.text).startsWith(t("uk", "welcome.back"))).toBe(true);
    expect(olha.received().length).toBe(sent);
  });

  it("processes the same callback delivered twice only once", async () => {
    const petro = new ViberPerson("P3tr0KQ2mZp9Lw3xVb0aRc1=", "Петро", "uk");
    await petro.startConversation();
    const raw = petro.messageJson({ type: "text", text: "довідка" });
    const before = await processedCount();
    expect((await post(raw)).status).toBe(200);
    const sent = petro.received().length;
    expect(sent).toBe(1);
    expect((await post(raw)).status).toBe(200);
    expect(petro.received().length).toBe(sent);
    expect(await processedCount()).toBe(before + 1);

    // Delivered twice at the same time: still one reply, one processed update.
    const twice = petro.messageJson({ type: "text", text: "меню" });
    const answers = await Promise.all([post(twice), post(twice)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(petro.received().length).toBe(sent + 1);
    expect(await processedCount()).toBe(before + 2);

    // A redelivered conversation_started gets no second welcome.
    const opened = petro.conversationStartedJson();
    const firstOpen = await post(opened);
    expect(((await firstOpen.json()) as { text: string }).text).toBe(
      t("uk", "welcome.new") + "\n\n" + t("uk", "verify.askPhone"),
    );
    const secondOpen = await post(opened);
    expect(secondOpen.status).toBe(200);
    expect(await secondOpen.text()).toBe("");
  });

  it("refuses a wrong signature or a body changed by one byte with 403 and stores nothing; accepts ?sig=", async () => {
    const stranger = new ViberPerson("Str4ngerQ2mZp9Lw3xVb0aR=", "Хтось", "uk");
    const raw = stranger.messageJson({ type: "text", text: "привіт" });
    const before = await processedCount();

    expect((await post(raw, { signature: signViberBody(raw, "another-token") })).status).toBe(403);
    expect((await post(raw, { signature: null })).status).toBe(403);
    const changed = raw.replace("привіт", "привит");
    expect(Buffer.byteLength(changed)).toBe(Buffer.byteLength(raw));
    expect((await post(changed, { signature: signViberBody(raw, AUTH_TOKEN) })).status).toBe(403);
    expect(await processedCount()).toBe(before);
    expect(await db.prisma.messengerUser.count({ where: { address: stranger.address } })).toBe(0);
    expect(stranger.received()).toEqual([]);

    const viaQuery = await post(raw, { viaQuery: true });
    expect(viaQuery.status).toBe(200);
    expect(await processedCount()).toBe(before + 1);
    expect(stranger.received()).toHaveLength(1);
  });

  it("answers 400 to a signed but invalid callback and 200 to unknown events, storing nothing", async () => {
    const before = await processedCount();
    const invalid = callbackJson(
      { event: "message", timestamp: 1, message: { type: "text", text: "x" } },
      nextToken(),
    );
    const response = await post(invalid);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: "bad_request", issues: ["sender: invalid_type"] });
    expect((await post("not json at all")).status).toBe(400);
    const unknown = callbackJson({ event: "client_status", timestamp: 1, user_id: "x" }, nextToken());
    expect((await post(unknown)).status).toBe(200);
    expect(await processedCount()).toBe(before);
  });

  it("acknowledges the webhook check and delivery receipts, and counts them", async () => {
    const receipts = ["webhook", "delivered", "seen", "failed"].map((event) =>
      callbackJson(
        { event, timestamp: 1764496800000, user_id: "hT7kQ2mZp9Lw3xVb0aRc1g==", desc: "x" },
        nextToken(),
      ),
    );
    for (const raw of receipts) expect((await post(raw)).status).toBe(200);
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    for (const event of ["webhook", "delivered", "seen", "failed"]) {
      expect(metrics).toMatch(new RegExp(`viber_callbacks_total\\{event="${event}"\\} [1-9]`));
    }
    expect(metrics).toMatch(/viber_callbacks_total\{event="rejected"\} [1-9]/);
  });

  it("status 6 marks the user unsubscribed and nothing more is sent to them", async () => {
    const olena = new ViberPerson("0l3naKQ2mZp9Lw3xVb0aRc1=", "Олена", "uk");
    await olena.startConversation();
    fake.failReceiver(olena.id, 6);
    const response = await post(olena.messageJson({ type: "text", text: "меню" }));
    expect(response.status).toBe(200);
    expect(olena.received()).toHaveLength(1);
    const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: olena.address } });
    expect(user.status).toBe("unsubscribed");

    // A batch of several messages (e.g. from the outbound queue) stops at the first status 6.
    const outcome = await viber.sender.send(olena.address, [
      { text: "один" },
      { text: "два" },
      { text: "три" },
    ]);
    expect(outcome).toEqual({ kind: "unreachable", reason: "unsubscribed" });
    expect(olena.received()).toHaveLength(2);
    fake.failReceiver(olena.id, undefined);
  });

  it("unsubscribed marks the user unsubscribed; subscribed makes them active again", async () => {
    const taras = new ViberPerson("T4rasKQ2mZp9Lw3xVb0aRc1=", "Тарас", "uk");
    await taras.startConversation();
    await post(
      callbackJson({ event: "unsubscribed", timestamp: 1764496800000, user_id: taras.id }, nextToken()),
    );
    expect(
      (await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: taras.address } })).status,
    ).toBe("unsubscribed");
    await post(
      callbackJson(
        { event: "subscribed", timestamp: 1764496800001, user: { id: taras.id, name: "Тарас" } },
        nextToken(),
      ),
    );
    expect(
      (await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: taras.address } })).status,
    ).toBe("active");
    expect(taras.received()).toEqual([]);
  });

  it("an app older than API level 3 gets its keyboards without the share-phone button", async () => {
    const old = new ViberPerson("0ldAppKQ2mZp9Lw3xVb0aRc=", "Галина", "uk", 2);
    const welcome = await old.startConversation();
    expect(welcome.min_api_version).toBeUndefined();
    expect(keyboardOf({ body: welcome }).Buttons.map((b) => b.ActionType)).toEqual(["reply", "reply"]);
  });

  it("answers 503 when the database is down, so Viber redelivers", async () => {
    const down = await startApp("postgresql://root@127.0.0.1:1/unreachable");
    try {
      const person = new ViberPerson("D0wnKQ2mZp9Lw3xVb0aRc1g=", "Надія", "uk");
      const response = await post(person.messageJson({ type: "text", text: "меню" }), { base: down.url });
      expect(response.status).toBe(503);
      expect(person.received()).toEqual([]);
    } finally {
      await down.server.close();
      await down.pool.end();
    }
  });
});

describe("Viber pictures are kept when they arrive", () => {
  // Марія was verified in the first describe block; each case takes her to the order's photo step.
  const maria = new ViberPerson("M4r1aKQ2mZp9Lw3xVb0aRc1=", "Марія", "uk");
  let host: FakeMediaHost;
  let operator: FastifyInstance;
  beforeAll(async () => {
    host = await startFakeMediaHost();
    // No Viber source configured: kept photos come from the database, nothing is downloaded.
    operator = await buildOperatorApp(db, { photoSources: {} });
  });
  afterAll(async () => {
    await operator.close();
    await host.close();
  });

  const jpeg = (size: number, fill: string) =>
    Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(size - 4, fill)]);
  let paths = 0;
  /** Serves `answer` at a fresh path and returns Viber-style signed link to it. */
  function link(answer: Parameters<FakeMediaHost["serve"]>[1]): { path: string; media: string } {
    paths += 1;
    const path = `/1/share/2/long/vibes/icon/image/0x0/${paths}/photo.jpg`;
    host.serve(path, answer);
    return { path, media: host.url(`${path}?token=signedByViber${paths}`) };
  }
  async function toPhotoStep(): Promise<void> {
    await maria.text("/menu");
    await maria.press("m:order");
    await maria.press("type:meter_fault");
    await maria.text("Лічильник не світиться");
  }
  const photoCount = () => db.prisma.customerPhoto.count({ where: { address: maria.address } });

  it("keeps the bytes once; the operator gets exactly them after the link expired, with no Viber token", async () => {
    const bytes = jpeg(3000, "m");
    const { path, media } = link({ kind: "file", bytes, contentType: "application/octet-stream" });
    await toPhotoStep();
    const before = await photoCount();
    const token = nextToken();
    const [answer] = await maria.say({ type: "picture", media, size: bytes.length }, token);
    expect(String(answer!.body.text)).toBe(t("uk", "order.askDate"));
    expect(host.requests.filter((r) => r.startsWith(path))).toHaveLength(1);

    const kept = await db.prisma.customerPhoto.findUniqueOrThrow({ where: { id: viberPhotoId(token) } });
    expect(kept).toMatchObject({ address: maria.address, mimeType: "image/jpeg" });
    expect(Buffer.from(kept.bytes).equals(bytes)).toBe(true);
    expect(await photoCount()).toBe(before + 1);

    await maria.press("date:any");
    await maria.text("0671234567");
    await maria.press("ok");
    const order = await db.prisma.serviceOrder.findFirstOrThrow({
      where: { user: { address: maria.address } },
      orderBy: { id: "desc" },
    });
    expect(order.photoRef).toBe(`viber-photo:${viberPhotoId(token)}`);
    // Nothing of the link is stored anywhere the order or the state can reach.
    expect(JSON.stringify(order)).not.toContain("signedByViber");

    // Viber's link has expired: the media host answers 403 from now on.
    host.serve(path, { kind: "status", status: 403 });
    const response = await operator.inject({
      method: "GET",
      url: `/api/v1/service-orders/${order.id}/photo`,
      headers: AUTH,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("image/jpeg");
    expect(response.rawPayload.equals(bytes)).toBe(true);
    expect(host.requests.filter((r) => r.startsWith(path))).toHaveLength(1);
  });

  it("a redelivered picture callback downloads and stores nothing twice and is answered once", async () => {
    const bytes = jpeg(2000, "r");
    const { path, media } = link({ kind: "file", bytes, contentType: "image/jpeg" });
    await toPhotoStep();
    const raw = maria.messageJson({ type: "picture", media });
    const before = await photoCount();
    const processed = await processedCount();
    const sent = maria.received().length;
    expect((await post(raw)).status).toBe(200);
    expect((await post(raw)).status).toBe(200);
    expect(maria.received().length).toBe(sent + 1);
    expect(await photoCount()).toBe(before + 1);
    expect(await processedCount()).toBe(processed + 1);
    // The second delivery found the copy by the message token and did not fetch the link again.
    expect(host.requests.filter((r) => r.startsWith(path))).toHaveLength(1);

    // Two deliveries at the same time: still one copy, one answer.
    const again = link({ kind: "file", bytes: jpeg(2500, "s"), contentType: "image/jpeg" });
    await toPhotoStep();
    const twice = maria.messageJson({ type: "picture", media: again.media });
    const answers = await Promise.all([post(twice), post(twice)]);
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    expect(await photoCount()).toBe(before + 2);
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/viber_pictures_total\{outcome="kept"\} [1-9]/);
  });

  it.each([
    ["a dead link", { kind: "status", status: 404 } as const],
    ["an expired link", { kind: "status", status: 403 } as const],
    [
      "a picture over the size limit",
      { kind: "stream", bytes: jpeg(PICTURE_LIMITS.maxBytes + 1, "x"), contentType: "image/jpeg" } as const,
    ],
    [
      "a file that is not an image",
      { kind: "file", bytes: Buffer.from("<html>not a picture</html>"), contentType: "image/jpeg" } as const,
    ],
    ["a link that never answers", { kind: "hang" } as const],
    ["a media host that fails", { kind: "status", status: 500 } as const],
  ])(
    "%s: answered 200, the customer is told the photo did not arrive and asked again with Skip, nothing is kept",
    async (_case, answer) => {
      await toPhotoStep();
      const before = await photoCount();
      const { media } = link(answer);
      const [reply] = await maria.say({ type: "picture", media, text: "ось фото" });
      expect(reply!.body.text).toBe(t("uk", "photo.unusable"));
      expect(actionBodies(reply!)).toContain("choice:skip");
      expect(await photoCount()).toBe(before);
      const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: maria.address } });
      expect(user.state).toMatchObject({ step: { name: "order_photo", photoRef: null } });

      // Sending a good picture then goes on as usual.
      const good = link({ kind: "file", bytes: jpeg(1500, "g"), contentType: "image/jpeg" });
      const [next] = await maria.say({ type: "picture", media: good.media });
      expect(next!.body.text).toBe(t("uk", "order.askDate"));
      expect(await photoCount()).toBe(before + 1);
    },
  );

  it("a picture sent with a link that is not http(s) is unusable, fetched from nowhere", async () => {
    await toPhotoStep();
    const before = await photoCount();
    const requests = host.requests.length;
    const [reply] = await maria.say({ type: "picture", media: "file:///etc/passwd" });
    expect(reply!.body.text).toBe(t("uk", "photo.unusable"));
    expect(await photoCount()).toBe(before);
    expect(host.requests.length).toBe(requests);
  });

  it("logs what became of each picture, never its link", async () => {
    const pictureLines = channelLogLines.filter((line) => line.includes("viber picture"));
    expect(pictureLines.some((line) => line.includes('"msg":"viber picture kept"'))).toBe(true);
    for (const failure of ["gone", "too_large", "not_image", "timeout", "unreachable", "bad_url"]) {
      expect(
        pictureLines.some((line) => line.includes(`"failure":"${failure}"`)),
        failure,
      ).toBe(true);
    }
    expect(channelLogLines.filter((line) => /signedByViber|\/share\/2\/long|etc\/passwd/.test(line))).toEqual(
      [],
    );
  });

  it("answers 503 when the photo cannot be kept because the database is down, so Viber redelivers", async () => {
    const unreachable = createPrisma("postgresql://root@127.0.0.1:1/unreachable", { poolSize: 1 });
    const down = await startApp(undefined, unreachable);
    try {
      const { path, media } = link({ kind: "file", bytes: jpeg(1000, "d"), contentType: "image/jpeg" });
      const sent = maria.received().length;
      const response = await post(maria.messageJson({ type: "picture", media }), { base: down.url });
      expect(response.status).toBe(503);
      expect(maria.received().length).toBe(sent);
      expect(host.requests.filter((r) => r.startsWith(path))).toEqual([]);
    } finally {
      await down.server.close();
      await unreachable.$disconnect();
    }
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
