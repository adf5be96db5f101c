// "Write to a person" on a real database, engine and console together: a customer's message is in
// the console's inbox as soon as the update's transaction commits, two operators pressing "take" at
// once give it to exactly one, replies and the closing go through the notifier (the outbound queue)
// with the text as typed, a transfer to a role moves it to that role's waiting list, the customer's
// messages while a person has it get no bot answer, and the wait estimate comes from the live queue.
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgEngineStore } from "../../src/db/engine-store-pg.js";
import { createEngine, type Engine } from "../../src/engine/engine.js";
import { t } from "../../src/engine/i18n/index.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { RecordingNotifier, link, seedAccount } from "../operator/support.js";
import { buildConsoleApp, ConsoleBrowser, createUser, PASSWORD } from "./support.js";
import { handoffPhotoStore } from "../../src/operator/handoff-photos.js";
import { PNG } from "../channels/shared-photos.js";
import { TelegramUser, unescapeHtml } from "../channels/telegram/telegram-user.js";
import type { FakeTelegramApi } from "../fakes/telegram-api.js";
import { startTelegramService } from "../helpers/telegram-service.js";
import type { RunningService } from "../../src/service.js";

let db: TestDatabase;
let app: FastifyInstance;
let engine: Engine;
let notifier: RecordingNotifier;
let registry: Registry;
let now = new Date("2026-11-30T10:00:00Z"); // Monday 12:00 Kyiv: the contact centre is open
let update = 0;

const send = (address: string, event: Parameters<Engine["handle"]>[1]) =>
  engine.handle(address, event, { channel: "telegram", updateId: `h${++update}`, languageCode: "uk" });

async function handOver(address: string, text: string) {
  await send(address, { type: "text", text: "/menu" });
  await send(address, { type: "choice", id: "m:person" });
  return send(address, { type: "text", text });
}

let disp: ConsoleBrowser;
let serv: ConsoleBrowser;
let bill: ConsoleBrowser;

beforeAll(async () => {
  db = await createTestDatabase();
  notifier = new RecordingNotifier();
  registry = new Registry();
  engine = createEngine({
    store: createPgEngineStore(db.enginePool),
    clock: { now: () => now },
    settings: defaultEngineSettings,
  });
  app = await buildConsoleApp(db, {
    notifier,
    now: () => now,
    handoff: { unansweredMinutes: 10, metrics: registry },
  });
  await Promise.all([
    createUser(db.prisma, "disp", "dispatcher"),
    createUser(db.prisma, "serv", "service"),
    createUser(db.prisma, "bill", "billing"),
  ]);
  disp = new ConsoleBrowser(app, "10.0.1.1");
  serv = new ConsoleBrowser(app, "10.0.1.2");
  bill = new ConsoleBrowser(app, "10.0.1.3");
  for (const [browser, login] of [
    [disp, "disp"],
    [serv, "serv"],
    [bill, "bill"],
  ] as const)
    await browser.signIn(login);
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const conversationOf = async (address: string) => {
  const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address } });
  return db.prisma.handoffConversation.findFirstOrThrow({
    where: { userId: user.id },
    orderBy: { id: "desc" },
  });
};

describe("write to a person, engine and console on Postgres", () => {
  it("a hand-off appears in the inbox, exactly one of two operators takes it, the answer is queued as typed", async () => {
    const first = await handOver("telegram:7001", "Світла нема з ранку, вул. Січеславська 15");
    expect(first.replies[0]?.text).toBe(
      [t("uk", "handoff.queued"), t("uk", "handoff.noEstimate", { waiting: 0 })].join("\n"),
    );
    const account = await seedAccount(db.prisma, { number: "3000000001" });
    const user = await db.prisma.messengerUser.findUniqueOrThrow({ where: { address: "telegram:7001" } });
    await link(db.prisma, user.id, account.id, "Квартира");

    const before = (await disp.get("/console/conversations/version")).json() as { version: string };
    const list = await disp.get("/console/conversations");
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain("Світла нема з ранку");
    expect(list.body).toContain("Квартира (3000000001)");
    const conversation = await conversationOf("telegram:7001");
    expect(conversation).toMatchObject({ status: "waiting", unread: 1 });

    // The customer writes more: stored, no bot answer, unread goes up, the version moves.
    now = new Date(now.getTime() + 60_000);
    const more = await send("telegram:7001", {
      type: "photo",
      ref: "AgACAgIAAxkBAAIBfake",
      caption: "щиток",
    });
    expect(more.replies).toEqual([]);
    expect(await conversationOf("telegram:7001")).toMatchObject({ unread: 2 });
    const after = (await disp.get("/console/conversations/version")).json() as { version: string };
    expect(after.version).not.toBe(before.version);

    // Both open the conversation and press "take" at the same moment.
    await disp.get(`/console/conversations/${conversation.id}`);
    await serv.get(`/console/conversations/${conversation.id}`);
    const [a, b] = await Promise.all([
      disp.post(`/console/conversations/${conversation.id}/take`, {}),
      serv.post(`/console/conversations/${conversation.id}/take`, {}),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([303, 409]);
    const winner = a.statusCode === 303 ? disp : serv;
    const loser = a.statusCode === 303 ? serv : disp;
    const taken = await conversationOf("telegram:7001");
    expect(taken.status).toBe("active");
    expect(taken.unread).toBe(0);
    const page = await loser.get(`/console/conversations/${conversation.id}`);
    expect(page.body).not.toContain(`/console/conversations/${conversation.id}/reply`);

    // The winner answers two minutes after the hand-off.
    now = new Date(now.getTime() + 60_000);
    const mine = await winner.get(`/console/conversations/${conversation.id}`);
    expect(mine.body).toContain("Квартира");
    expect(mine.body).toContain("3000000001"); // the customer's account beside the chat
    const reply = await winner.post(`/console/conversations/${conversation.id}/reply`, {
      text: "Добрий день! Бригада вже {їде}, орієнтовно до 14:00.",
    });
    expect(reply.statusCode).toBe(303);
    expect(notifier.items.at(-1)).toEqual({
      userId: user.id,
      notification: {
        kind: "handoff_reply",
        conversationId: conversation.id,
        text: "Добрий день! Бригада вже {їде}, орієнтовно до 14:00.",
      },
    });
    expect((await conversationOf("telegram:7001")).firstAnswerAt).toEqual(now);
    expect(await registry.getSingleMetricAsString("handoff_first_answer_seconds")).toContain(
      "handoff_first_answer_seconds_count 1",
    );
    // A photo with a caption: kept by the service; the notification names it (an id: no bytes, no link).
    const photoPost = await winner.postImage(
      `/console/conversations/${conversation.id}/reply-photo?text=${encodeURIComponent("Ось схема")}`,
      PNG,
    );
    expect(photoPost.statusCode).toBe(303);
    const sent = notifier.items.at(-1)?.notification;
    expect(sent).toMatchObject({ kind: "handoff_reply", text: "Ось схема" });
    expect(sent).not.toHaveProperty("photoUrl");
    const photoId = sent?.kind === "handoff_reply" ? (sent.photoId ?? "") : "";
    expect(photoId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const photos = handoffPhotoStore(db.prisma);
    expect(await photos.mimeType(photoId)).toBe("image/png");
    expect(Buffer.compare((await photos.photo(photoId))!.bytes, PNG)).toBe(0);
    // A customer's kept photo is not shared, whatever its id.
    const customersPhoto = "6a1d2e3f-4b5c-4d6e-8f70-8192a3b4c5d6";
    await db.prisma.customerPhoto.create({
      data: {
        id: customersPhoto,
        address: "web:customer-photo-test",
        mimeType: "image/png",
        bytes: new Uint8Array(PNG),
      },
    });
    await db.prisma.$executeRaw`INSERT INTO handoff_message (conversation_id, author, photo_ref)
      VALUES (${conversation.id}, 'customer', ${`web-photo:${customersPhoto}`})`;
    expect(await photos.photo(customersPhoto)).toBeNull();
    // The link older notifications carried still opens (only operators' photos).
    const opened = await app.inject({ method: "GET", url: `/console/shared-photos/${photoId}` });
    expect(opened.statusCode).toBe(200);
    expect(opened.headers["content-type"]).toBe("image/png");
    expect(Buffer.compare(opened.rawPayload, PNG)).toBe(0);
    for (const other of ["2b0c1f4e-8a4f-4c1e-9d55-0b7b1c0e9a11", customersPhoto]) {
      expect((await app.inject({ method: "GET", url: `/console/shared-photos/${other}` })).statusCode).toBe(
        404,
      );
    }
    const notImage = await winner.postImage(
      `/console/conversations/${conversation.id}/reply-photo`,
      Buffer.from("not a picture"),
    );
    expect(notImage.statusCode).toBe(415);

    // The loser cannot answer it.
    const refused = await loser.post(`/console/conversations/${conversation.id}/reply`, { text: "я теж" });
    expect(refused.statusCode).toBe(409);
  });

  it("the next customer's estimate is the live queue's median first answer", async () => {
    const second = await handOver("telegram:7002", "Питання щодо рахунку");
    expect(second.replies[0]?.text).toBe(
      [t("uk", "handoff.queued"), t("uk", "handoff.estimate", { waiting: 0, minutes: 2 })].join("\n"),
    );
    expect(await registry.getSingleMetricAsString("handoff_waiting_conversations")).toContain(
      "handoff_waiting_conversations 1",
    );
    expect(await registry.getSingleMetricAsString("handoff_overdue_conversations")).toContain(
      "handoff_overdue_conversations 0",
    );
    // Eleven minutes without an answer: flagged in the list and counted.
    now = new Date(now.getTime() + 11 * 60_000);
    expect(await registry.getSingleMetricAsString("handoff_overdue_conversations")).toContain(
      "handoff_overdue_conversations 1",
    );
    expect((await disp.get("/console/conversations")).body).toContain('class="overdue"');
  });

  it("a transfer to a role waits for that role; closing tells the customer and the bot answers again", async () => {
    const conversation = await conversationOf("telegram:7002");
    expect((await disp.get("/console/conversations?view=waiting")).body).toContain("Питання щодо рахунку");
    expect((await disp.post(`/console/conversations/${conversation.id}/take`, {})).statusCode).toBe(303);
    const moved = await disp.post(`/console/conversations/${conversation.id}/transfer`, {
      to: "role:billing",
    });
    expect(moved.statusCode).toBe(303);
    expect(await conversationOf("telegram:7002")).toMatchObject({
      status: "waiting",
      assignedRole: "billing",
      assignedTo: null,
    });
    expect((await serv.get("/console/conversations?view=waiting")).body).not.toContain(
      "Питання щодо рахунку",
    );
    expect((await bill.get("/console/conversations?view=waiting")).body).toContain("Питання щодо рахунку");
    expect((await bill.post(`/console/conversations/${conversation.id}/take`, {})).statusCode).toBe(303);
    expect((await bill.get("/console/conversations?view=mine")).body).toContain("Питання щодо рахунку");
    const closed = await bill.post(`/console/conversations/${conversation.id}/close`, {
      resolution: "Пояснили рахунок",
    });
    expect(closed.statusCode).toBe(303);
    expect(notifier.items.at(-1)?.notification).toEqual({
      kind: "handoff_closed",
      conversationId: conversation.id,
      resolution: "Пояснили рахунок",
    });
    const next = await send("telegram:7002", { type: "text", text: "дякую" });
    expect(next.replies.at(-1)?.text.startsWith(t("uk", "handoff.ended"))).toBe(true);
  });

  it("closing waits for the customer's update in flight, so its message is not left on a closed conversation", async () => {
    await handOver("telegram:7005", "Коли буде світло?");
    const conversation = await conversationOf("telegram:7005");
    expect((await disp.post(`/console/conversations/${conversation.id}/take`, {})).statusCode).toBe(303);
    // An update of this customer holds their row, as the engine does while it stores a message.
    const holder = await db.enginePool.connect();
    try {
      await holder.query("BEGIN");
      await holder.query("SELECT 1 FROM messenger_user WHERE id = $1 FOR UPDATE", [conversation.userId]);
      let closedAt: number | null = null;
      const closing = disp
        .post(`/console/conversations/${conversation.id}/close`, { resolution: "Відповіли" })
        .then((answer) => {
          closedAt = Date.now();
          return answer;
        });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(closedAt).toBeNull();
      expect((await conversationOf("telegram:7005")).status).toBe("active");
      await holder.query("COMMIT");
      expect((await closing).statusCode).toBe(303);
    } finally {
      holder.release();
    }
    expect((await conversationOf("telegram:7005")).status).toBe("closed");
  });

  it("a customer who blocked the bot is marked on the conversation", async () => {
    await handOver("telegram:7003", "Питання, а потім блок");
    // What the outbound queue does on Telegram's 403, or the engine on my_chat_member "kicked".
    await send("telegram:7003", { type: "blocked" });
    const conversation = await conversationOf("telegram:7003");
    const page = await disp.get(`/console/conversations/${conversation.id}`);
    expect(page.body).toContain("Клієнт заблокував бота");
    expect((await disp.get("/console/conversations")).body).toContain("Питання, а потім блок");
  });

  it("back to the bot from the customer's side closes it in the console", async () => {
    const back = await send("telegram:7001", { type: "text", text: t("uk", "handoff.back") });
    expect(back.replies.at(-1)?.text.startsWith(t("uk", "handoff.backDone"))).toBe(true);
    const conversation = await conversationOf("telegram:7001");
    expect(conversation).toMatchObject({ status: "closed", closedBy: "customer" });
    const page = await disp.get(`/console/conversations/${conversation.id}`);
    expect(page.body).toContain("Клієнт повернувся до бота");
    expect((await disp.get("/console/conversations?view=all")).body).not.toContain(`💬 ${conversation.id} `);
  });
  it("closed conversations: found by account, phone's last digits or words; paged by keyset in the URL", async () => {
    const ids = (body: string) =>
      [...body.matchAll(/href="\/console\/conversations\/(\d+)"/g)].map((m) => Number(m[1]));
    const closedList = async (q: string) =>
      ids((await disp.get(`/console/conversations?view=closed&q=${encodeURIComponent(q)}`)).body);
    const first = (await conversationOf("telegram:7001")).id; // account 3000000001, "Бригада вже {їде}"
    const second = (await conversationOf("telegram:7002")).id; // "Питання щодо рахунку", "Пояснили рахунок"
    const secondUser = await db.prisma.messengerUser.findUniqueOrThrow({
      where: { address: "telegram:7002" },
    });
    await db.prisma.messengerUser.update({ where: { id: secondUser.id }, data: { phone: "380671234567" } });

    const all = await disp.get("/console/conversations?view=closed");
    expect(all.statusCode).toBe(200);
    expect(ids(all.body)).toEqual(expect.arrayContaining([first, second]));
    expect(ids((await disp.get("/console/conversations?view=all")).body)).not.toContain(first);
    expect(await closedList("3000000001")).toEqual([first]);
    expect(await closedList("300000")).toEqual([first]); // the number's beginning
    expect(await closedList("4567")).toEqual([second]); // the phone's last digits
    expect(await closedList("бригада")).toEqual([first]); // an operator's words, any case
    expect(await closedList("рахунку")).toEqual([second]); // the customer's words
    expect(await closedList("Пояснили")).toEqual([second]); // the resolution
    expect(await closedList("%")).toEqual([]); // LIKE's wildcards are plain characters
    expect(await closedList("_")).toEqual([]);
    const page = await disp.get("/console/conversations?view=closed&q=4567");
    expect(page.body).toContain('name="q" value="4567"');
    expect(page.body).toContain('href="/console/conversations?view=waiting&amp;q=4567"'); // tabs keep it

    // 60 more closed conversations, half of them at the very same moment: pages of 50, no row twice.
    const customer = await db.prisma.messengerUser.create({
      data: { address: "telegram:7099", channel: "telegram", telegramChatId: 7099n },
    });
    const at = new Date("2026-11-20T09:00:00Z");
    await db.prisma.$executeRaw`
      WITH made AS (
        INSERT INTO handoff_conversation (user_id, status, last_message_at, created_at, closed_at, closed_by)
        SELECT ${customer.id}, 'closed', t, t, t, 'operator'
        FROM (SELECT CASE WHEN g <= 30 THEN ${at}::timestamptz
                          ELSE ${at}::timestamptz - make_interval(mins => g) END AS t
              FROM generate_series(1, 60) g) s
        RETURNING id, last_message_at)
      INSERT INTO handoff_message (conversation_id, author, text, created_at)
      SELECT id, 'customer', 'Зірвало стоп-кран на лічильнику', last_message_at FROM made`;
    const expected = (
      await db.prisma.$queryRaw<{ id: number }[]>`
        SELECT id FROM handoff_conversation WHERE user_id = ${customer.id} ORDER BY last_message_at DESC, id DESC`
    ).map((row) => row.id);
    const seen: number[] = [];
    let url: string | undefined = "/console/conversations?view=closed&q=" + encodeURIComponent("стоп-кран");
    const pages: number[] = [];
    while (url) {
      const response = await disp.get(url);
      expect(response.statusCode).toBe(200);
      const found = ids(response.body);
      pages.push(found.length);
      seen.push(...found);
      const next = /class="more" href="([^"]+)"/.exec(response.body)?.[1];
      url = next?.replaceAll("&amp;", "&");
      if (url) expect(url).toContain("q=");
    }
    expect(pages).toEqual([50, 10]);
    expect(seen).toEqual(expected);
    // Without the search, the closed view pages through all of them too.
    const firstPage = await disp.get("/console/conversations?view=closed");
    expect(ids(firstPage.body)).toHaveLength(50);
    const next = /class="more" href="([^"]+)"/.exec(firstPage.body)?.[1]?.replaceAll("&amp;", "&") ?? "";
    const rest = ids((await disp.get(next)).body);
    expect(new Set([...ids(firstPage.body), ...rest]).size).toBe(50 + rest.length);
    expect([...ids(firstPage.body), ...rest]).toEqual(expect.arrayContaining([...expected, first, second]));
    // Without change notifications (this app has none) the pages are told to poll.
    const events = await disp.get("/console/conversations/events");
    expect(events.statusCode).toBe(503);
    expect(events.json()).toMatchObject({ poll: true });
    // A malformed cursor is ignored: the first page.
    expect(ids((await disp.get("/console/conversations?view=closed&after=nonsense")).body)).toEqual(
      ids(firstPage.body),
    );
  });
});

describe("an operator's photo on the whole service (outbound queue, Telegram on the fake Bot API)", () => {
  const TOKEN = "8000000004:AAHk3Vq9fakeTokenForTests_photos";
  const SECRET = "photo-test-secret-0123456789";
  const CHAT = 770202;
  let wholeDb: TestDatabase;
  let service: RunningService;
  let telegram: FakeTelegramApi;

  beforeAll(async () => {
    wholeDb = await createTestDatabase();
    ({ service, telegram } = await startTelegramService(wholeDb, {
      token: TOKEN,
      secret: SECRET,
      env: { HANDOFF_HOURS: "00:00-24:00" },
    }));
    await createUser(wholeDb.prisma, "olha", "dispatcher");
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    await telegram?.close();
    await wholeDb?.drop();
  });

  it("reaches the customer's Telegram as a photo: the uploaded bytes, the answer as its caption", async () => {
    // A customer the bot already knows (phone shared), as the browser test sets one up.
    const known = await wholeDb.prisma.messengerUser.create({
      data: {
        address: `telegram:${CHAT}`,
        channel: "telegram",
        telegramChatId: BigInt(CHAT),
        phone: "380671110002",
        phoneProven: true,
      },
    });
    const account = await seedAccount(wholeDb.prisma, { number: "3000000099" });
    await link(wholeDb.prisma, known.id, account.id, "Квартира");
    const customer = new TelegramUser(CHAT, telegram);
    for (const text of ["/menu", t("uk", "menu.person"), "Де у мене лічильник?"]) {
      expect((await telegram.deliverWebhook(customer.text(text))).status).toBe(200);
    }
    const conversation = await wholeDb.prisma.handoffConversation.findFirstOrThrow({
      where: { userId: known.id },
    });
    const olha = new ConsoleBrowser(service.app, "10.0.2.1");
    await olha.signIn("olha");
    await olha.get(`/console/conversations/${conversation.id}`);
    expect((await olha.post(`/console/conversations/${conversation.id}/take`, {})).statusCode).toBe(303);
    await olha.get(`/console/conversations/${conversation.id}`);
    const caption = "Лічильник у щитку на сходах, ось фото";
    const posted = await olha.postImage(
      `/console/conversations/${conversation.id}/reply-photo?text=${encodeURIComponent(caption)}`,
      PNG,
    );
    expect(posted.statusCode).toBe(303);

    await telegram.waitForCalls("sendPhoto", 1, 15_000);
    const photos = telegram.sentPhotos(CHAT);
    expect(photos).toHaveLength(1);
    expect(photos[0]!.photo).toBe("upload");
    expect(Buffer.compare(photos[0]!.uploaded!, PNG)).toBe(0);
    expect(unescapeHtml(photos[0]!.caption ?? "")).toBe(t("uk", "notify.handoffReply", { text: caption }));
    // One message, and no link anywhere.
    expect(telegram.shownTexts(CHAT).filter((text) => text.includes(caption))).toHaveLength(1);
    expect(telegram.shownTexts(CHAT).join("\n")).not.toMatch(/shared-photos|\/media\//);
  }, 60_000);

  it("pushes the conversations' version to an open page when a customer writes (LISTEN/NOTIFY + SSE)", async () => {
    const signIn = await fetch(`${service.url}/console/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ login: "olha", password: PASSWORD }).toString(),
      redirect: "manual",
    });
    const cookie = /console_session=([^;]+)/.exec(signIn.headers.get("set-cookie") ?? "")?.[1];
    expect(cookie).toBeDefined();
    const abort = new AbortController();
    const stream = await fetch(`${service.url}/console/conversations/events`, {
      headers: { cookie: `console_session=${cookie}` },
      signal: abort.signal,
    });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toContain("text/event-stream");
    const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = "";
    const nextVersion = async (): Promise<number> => {
      for (;;) {
        const end = buffered.indexOf("\n\n");
        if (end >= 0) {
          const data = /^data: (\d+)$/m.exec(buffered.slice(0, end))?.[1];
          buffered = buffered.slice(end + 2);
          if (data !== undefined) return Number(data);
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error("the stream ended");
        buffered += value;
      }
    };
    const current = await nextVersion();
    expect(current).toBeGreaterThan(0);
    const sentAt = Date.now();
    const customer = new TelegramUser(CHAT, telegram);
    expect((await telegram.deliverWebhook(customer.text("А коли приїде майстер?"))).status).toBe(200);
    const pushed = await Promise.race([
      nextVersion(),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("no push in 5 s")), 5_000)),
    ]);
    expect(pushed).toBeGreaterThan(current);
    expect(Date.now() - sentAt).toBeLessThan(5_000);
    abort.abort();
  }, 30_000);
});
