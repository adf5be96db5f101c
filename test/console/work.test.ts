// The console's pages doing the work, through HTTP on a real database: the inbox filters and pages
// on the database (oldest first, no row twice), status changes reach the customer (the notifier
// records what the outbound queue would send), known outages are published and resolved, flagged
// readings are accepted or rejected with a reason (console and API), the dashboard draws its
// numbers, accounts are found by number, serial or address, and the user command manages users.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { submitReadingChoice } from "../../src/engine/global-choices.js";
import { renderNotification } from "../../src/engine/notify-render.js";
import { consoleCatalogues } from "../../src/http/console/i18n.js";
import { dashboard } from "../../src/operator/dashboard.js";
import { listInbox } from "../../src/operator/inbox.js";
import { runUserCommand } from "../../src/operator/user-cli.js";
import { verifyPassword } from "../../src/operator/passwords.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, RecordingNotifier, link, seedAccount, seedUser } from "../operator/support.js";
import { buildConsoleApp, ConsoleBrowser, createUser } from "./support.js";

let db: TestDatabase;
let app: FastifyInstance;
let notifier: RecordingNotifier;
const NOW = new Date("2026-12-01T10:00:00Z"); // period 2026-12, its window opened 29 November (Kyiv)
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3_600_000);

let dispatcher: ConsoleBrowser;
let service: ConsoleBrowser;
let billing: ConsoleBrowser;

beforeAll(async () => {
  db = await createTestDatabase();
  notifier = new RecordingNotifier();
  app = await buildConsoleApp(db, { notifier, now: () => NOW, currentPeriod: () => "2026-12" });
  await Promise.all([
    createUser(db.prisma, "disp", "dispatcher"),
    createUser(db.prisma, "serv", "service"),
    createUser(db.prisma, "bill", "billing"),
  ]);
  dispatcher = new ConsoleBrowser(app, "10.0.0.1");
  service = new ConsoleBrowser(app, "10.0.0.2");
  billing = new ConsoleBrowser(app, "10.0.0.3");
  await dispatcher.signIn("disp");
  await service.signIn("serv");
  await billing.signIn("bill");
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe("inbox", () => {
  const ids: number[] = [];
  beforeAll(async () => {
    const north = await seedAccount(db.prisma, { areaCode: "INB-N" });
    const south = await seedAccount(db.prisma, { areaCode: "INB-S" });
    // 130 reports, one an hour back from now, alternating areas; every fifth already restored.
    for (let i = 0; i < 130; i++) {
      const row = await db.prisma.outageReport.create({
        data: {
          accountId: i % 2 === 0 ? north.id : south.id,
          scope: i % 3 === 0 ? "street" : "home",
          status: i % 5 === 0 ? "restored" : "received",
          createdAt: hoursAgo(130 - i),
        },
      });
      ids.push(row.id);
    }
  });

  it("pages open reports oldest first on a keyset: every open report once, in order", async () => {
    const seen: number[] = [];
    let after: { createdAt: Date; id: number } | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await listInbox(
        db.prisma,
        "outage",
        { status: "open", limit: 50, ...(after ? { after } : {}) },
        NOW,
      );
      seen.push(...page.items.map((i) => i.id));
      if (!page.next) break;
      after = page.next;
    }
    const open = ids.filter((_, i) => i % 5 !== 0);
    expect(seen).toEqual(open);
  });

  it("filters by status, area, type and age, with counts per status under the other filters", async () => {
    const page = await listInbox(
      db.prisma,
      "outage",
      { status: "open", area: "INB-N", type: "street", age: "72h", limit: 50 },
      NOW,
    );
    const expected = ids.filter((_, i) => i % 2 === 0 && i % 3 === 0 && i % 5 !== 0 && 130 - i > 72);
    expect(page.items.map((i) => i.id)).toEqual(expected);
    expect(page.items.every((i) => i.areaCode === "INB-N" && i.type === "street")).toBe(true);
    const restored = ids.filter((_, i) => i % 2 === 0 && i % 3 === 0 && i % 5 === 0 && 130 - i > 72);
    expect(page.counts).toEqual({
      received: expected.length,
      crew_dispatched: 0,
      restored: restored.length,
      cancelled: 0,
    });
  });

  it("shows the same as a page: filters kept in the URL, next page link, counts", async () => {
    const page = await dispatcher.get("/console/inbox?status=open&area=INB-S");
    expect(page.statusCode).toBe(200);
    const rows = [...page.body.matchAll(/href="\/console\/outage-reports\/(\d+)"/g)].map((m) => Number(m[1]));
    expect(rows).toEqual(ids.filter((_, i) => i % 2 === 1 && i % 5 !== 0).slice(0, 50));
    const next = /href="(\/console\/inbox\?[^"]*after=[^"]+)"/.exec(page.body)?.[1]?.replaceAll("&amp;", "&");
    expect(next).toContain("area=INB-S");
    const second = await dispatcher.get(next!);
    const more = [...second.body.matchAll(/href="\/console\/outage-reports\/(\d+)"/g)].map((m) =>
      Number(m[1]),
    );
    expect(more).toEqual(ids.filter((_, i) => i % 2 === 1 && i % 5 !== 0).slice(50));
    expect(page.body).toMatch(/<option value="restored">відновлено \(13\)<\/option>/);
  });
});

describe("a report and an order worked from the console", () => {
  it("a dispatcher's status, time and comment reach the reporter, named by their label", async () => {
    const account = await seedAccount(db.prisma);
    const customer = await seedUser(db.prisma, { language: "en" });
    await link(db.prisma, customer.id, account.id, "Flat");
    const report = await db.prisma.outageReport.create({
      data: { accountId: account.id, userId: customer.id, scope: "building" },
    });
    const page = await dispatcher.get(`/console/outage-reports/${report.id}`);
    expect(page.body).toContain(account.number);
    expect(page.body).toContain("«Flat»");

    const before = notifier.items.length;
    const saved = await dispatcher.post(`/console/outage-reports/${report.id}`, {
      status: "crew_dispatched",
      expectedRestoreAt: "2026-12-01T16:30",
      comment: "Бригада в дорозі",
    });
    expect(saved.statusCode).toBe(303);
    expect(saved.headers.location).toBe(`/console/outage-reports/${report.id}?done=saved`);
    expect(notifier.items.slice(before)).toEqual([
      {
        userId: customer.id,
        notification: {
          kind: "outage_report_status",
          accountLabel: "Flat",
          reportId: report.id,
          status: "crew_dispatched",
          expectedRestoreAt: "2026-12-01T14:30:00.000Z", // 16:30 in Kyiv (UTC+2)
          comment: "Бригада в дорозі",
        },
      },
    ]);
    const after = await dispatcher.get(saved.headers.location as string);
    expect(after.body).toContain("Збережено");
    expect(after.body).toContain('value="2026-12-01T16:30"');
    // Saving the same form again changes nothing the customer sees: nobody is told twice.
    await dispatcher.post(`/console/outage-reports/${report.id}`, {
      status: "crew_dispatched",
      expectedRestoreAt: "2026-12-01T16:30",
      comment: "Бригада в дорозі",
    });
    expect(notifier.items.length).toBe(before + 1);
  });

  it("service staff set a visit window; an inverted window is refused with nothing sent", async () => {
    const account = await seedAccount(db.prisma);
    const customer = await seedUser(db.prisma);
    await link(db.prisma, customer.id, account.id, "Дача");
    const order = await db.prisma.serviceOrder.create({
      data: {
        accountId: account.id,
        userId: customer.id,
        type: "sealing",
        description: "Опломбувати",
        contactPhone: "380671234567",
      },
    });
    await service.get(`/console/service-orders/${order.id}`);
    const before = notifier.items.length;
    const bad = await service.post(`/console/service-orders/${order.id}`, {
      visitFrom: "2026-12-03T12:00",
      visitTo: "2026-12-03T09:00",
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain("Кінець візиту не може бути раніше за початок.");
    expect(notifier.items.length).toBe(before);
    const ok = await service.post(`/console/service-orders/${order.id}`, {
      status: "scheduled",
      visitFrom: "2026-12-03T09:00",
      visitTo: "2026-12-03T12:00",
    });
    expect(ok.statusCode).toBe(303);
    expect(notifier.items.slice(before).map((i) => i.notification)).toEqual([
      {
        kind: "service_order_status",
        accountLabel: "Дача",
        orderId: order.id,
        status: "scheduled",
        visitFrom: "2026-12-03T07:00:00.000Z",
        visitTo: "2026-12-03T10:00:00.000Z",
      },
    ]);
  });
});

describe("known outages", () => {
  it("publishes, moves the expected end (watchers told), resolves once (watchers told once)", async () => {
    const account = await seedAccount(db.prisma, { areaCode: "KO-1" });
    const customer = await seedUser(db.prisma);
    await link(db.prisma, customer.id, account.id, "Квартира");
    await dispatcher.get("/console/outages");
    const published = await dispatcher.post("/console/outages", {
      kind: "emergency",
      areaCodes: "KO-1",
      startsAt: "2026-12-01T11:00",
      expectedEndAt: "2026-12-01T15:00",
      note: "Пошкодження кабелю",
    });
    expect(published.statusCode).toBe(303);
    const outage = await db.prisma.knownOutage.findFirstOrThrow({ where: { areaCodes: { has: "KO-1" } } });
    expect(outage).toMatchObject({
      kind: "emergency",
      note: "Пошкодження кабелю",
      expectedEndAt: new Date("2026-12-01T13:00:00Z"),
    });
    await db.prisma.outageWatch.create({
      data: { outageId: outage.id, userId: customer.id, accountId: account.id },
    });

    const page = await dispatcher.get("/console/outages");
    expect(page.body).toContain("чекають повідомлення: 1");
    const before = notifier.items.length;
    await dispatcher.post(`/console/outages/${outage.id}`, { expectedEndAt: "2026-12-01T18:00" });
    await dispatcher.post(`/console/outages/${outage.id}`, { resolve: "1" });
    await dispatcher.post(`/console/outages/${outage.id}`, { resolve: "1" });
    expect(notifier.items.slice(before).map((i) => i.notification)).toEqual([
      {
        kind: "known_outage_update",
        accountLabel: "Квартира",
        outageId: outage.id,
        change: "expected_end_changed",
        expectedEndAt: "2026-12-01T16:00:00.000Z",
      },
      { kind: "known_outage_update", accountLabel: "Квартира", outageId: outage.id, change: "resolved" },
    ]);
    const audit = await db.prisma.auditEntry.findMany({
      where: { entity: "known_outage", entityId: String(outage.id) },
    });
    expect(audit.map((a) => a.action)).toEqual([
      "known_outage.create",
      "known_outage.update",
      "known_outage.resolve",
      "known_outage.resolve",
    ]);
  });
});

describe("readings flagged for review", () => {
  async function flagged(t1: number, language: "uk" | "en" = "uk") {
    const account = await seedAccount(db.prisma);
    const customer = await seedUser(db.prisma, { language });
    await link(db.prisma, customer.id, account.id, "Дім");
    await db.prisma.meterReading.create({
      data: {
        accountId: account.id,
        period: "2026-11",
        t1: 1000,
        takenAt: new Date("2026-10-31T08:00:00Z"),
        source: "telegram",
      },
    });
    const reading = await db.prisma.meterReading.create({
      data: {
        accountId: account.id,
        userId: customer.id,
        period: "2026-12",
        t1,
        takenAt: hoursAgo(20),
        source: "telegram",
        status: "flagged",
        flagReason: "far_above_forecast",
        photoRef: "AgACAgIAAxkBAAIBtestfileid",
      },
    });
    return { account, customer, reading };
  }

  it("billing accepts one: it counts again and the customer is told", async () => {
    const { account, customer, reading } = await flagged(5200);
    const list = await billing.get("/console/readings");
    expect(list.body).toContain(`href="/console/readings/${reading.id}"`);
    const page = await billing.get(`/console/readings/${reading.id}`);
    expect(page.body).toContain("5200");
    expect(page.body).toContain("1000 (2026-11");
    expect(page.body).toContain(`src="/console/readings/${reading.id}/photo"`);
    const before = notifier.items.length;
    const accepted = await billing.post(`/console/readings/${reading.id}/review`, { decision: "accepted" });
    expect(accepted.headers.location).toBe("/console/readings?done=accepted");
    expect(await db.prisma.meterReading.findUniqueOrThrow({ where: { id: reading.id } })).toMatchObject({
      status: "accepted",
      reviewDecision: "accepted",
      reviewedAt: NOW,
    });
    expect(notifier.items.slice(before)).toEqual([
      {
        userId: customer.id,
        notification: {
          kind: "reading_review",
          accountLabel: "Дім",
          accountId: account.id,
          readingId: reading.id,
          period: "2026-12",
          decision: "accepted",
        },
      },
    ]);
    // Decided once: a second decision is a conflict, and the page is gone from the queue.
    expect(
      (await billing.post(`/console/readings/${reading.id}/review`, { decision: "rejected", reason: "x" }))
        .statusCode,
    ).toBe(409);
    expect((await billing.get(`/console/readings/${reading.id}`)).statusCode).toBe(404);
  });

  it("a rejection needs a reason; with one the reading stops counting and the customer reads the reason", async () => {
    const { account, reading } = await flagged(9999, "en");
    const before = notifier.items.length;
    await billing.get(`/console/readings/${reading.id}`);
    expect(
      (await billing.post(`/console/readings/${reading.id}/review`, { decision: "rejected", reason: "  " }))
        .statusCode,
    ).toBe(400);
    expect(notifier.items.length).toBe(before);
    await billing.post(`/console/readings/${reading.id}/review`, {
      decision: "rejected",
      reason: "На фото 5199, а не 9999",
    });
    expect(await db.prisma.meterReading.findUniqueOrThrow({ where: { id: reading.id } })).toMatchObject({
      status: "superseded",
      reviewDecision: "rejected",
      reviewReason: "На фото 5199, а не 9999",
    });
    const told = notifier.items.slice(before)[0]!.notification;
    expect(told).toEqual({
      kind: "reading_review",
      accountLabel: "Дім",
      accountId: account.id,
      readingId: reading.id,
      period: "2026-12",
      decision: "rejected",
      reason: "На фото 5199, а не 9999",
    });
    const reply = renderNotification("en", told);
    expect(reply.text).toBe(
      "📟 Дім: your reading for 12.2026 was not accepted after a check.\nReason: На фото 5199, а не 9999\nPlease submit the reading again, with a photo of the meter.",
    );
    expect(reply.choices).toEqual([[{ id: submitReadingChoice(account.id), label: "Submit: Дім" }]]);
    if (told.kind !== "reading_review") throw new Error("expected a reading review");
    expect(renderNotification("uk", { ...told, decision: "accepted" }).text).toBe(
      "📟 Дім: показники за 12.2026 перевірено й прийнято. Дякуємо!",
    );
  });

  it("the API lists the queue in keyset pages and takes a decision, audited under the token", async () => {
    const a = await flagged(7000);
    const b = await flagged(7100);
    const first = await app.inject({ method: "GET", url: "/api/v1/readings/flagged?limit=1", headers: AUTH });
    expect(first.statusCode).toBe(200);
    const body = first.json();
    expect(body.items).toHaveLength(1);
    const seen = [body.items[0].id];
    let next = body.next as string | null;
    while (next) {
      const page = (
        await app.inject({
          method: "GET",
          url: `/api/v1/readings/flagged?limit=1&after=${encodeURIComponent(next)}`,
          headers: AUTH,
        })
      ).json();
      seen.push(...page.items.map((i: { id: number }) => i.id));
      next = page.next;
    }
    expect(seen).toEqual(expect.arrayContaining([a.reading.id, b.reading.id]));
    expect(new Set(seen).size).toBe(seen.length);
    expect(body.items[0]).toMatchObject({
      previous: { period: "2026-11", t1: 1000 },
      photoUrl: `/api/v1/readings/${body.items[0].id}/photo`,
    });

    const missingReason = await app.inject({
      method: "POST",
      url: `/api/v1/readings/${a.reading.id}/review`,
      headers: AUTH,
      payload: { decision: "rejected" },
    });
    expect(missingReason.statusCode).toBe(400);
    const reviewed = await app.inject({
      method: "POST",
      url: `/api/v1/readings/${a.reading.id}/review`,
      headers: AUTH,
      payload: { decision: "accepted" },
    });
    expect(reviewed.statusCode).toBe(200);
    expect(reviewed.json()).toMatchObject({
      id: a.reading.id,
      status: "accepted",
      reviewDecision: "accepted",
    });
    const again = await app.inject({
      method: "POST",
      url: `/api/v1/readings/${a.reading.id}/review`,
      headers: AUTH,
      payload: { decision: "accepted" },
    });
    expect(again.statusCode).toBe(409);
    const audit = await db.prisma.auditEntry.findFirstOrThrow({
      where: { entity: "meter_reading", entityId: String(a.reading.id) },
    });
    expect(audit).toMatchObject({ actor: "bootstrap", action: "reading.accept" });
  });
});

describe("dashboard", () => {
  it("curves this period's submissions by day against the last period's and draws them", async () => {
    const fresh = await createTestDatabase();
    try {
      const accounts = [];
      for (let i = 0; i < 4; i++) accounts.push(await seedAccount(fresh.prisma));
      const reading = (accountId: number, period: string, takenAt: string) =>
        fresh.prisma.meterReading.create({
          data: { accountId, period, t1: 100, takenAt: new Date(takenAt), source: "web" },
        });
      // Last period (2026-11, window from 30 October Kyiv): one account the day before it opened (counted
      // from day 1), two more on day 3.
      await reading(accounts[0]!.id, "2026-11", "2026-10-29T08:00:00Z");
      await reading(accounts[1]!.id, "2026-11", "2026-11-01T08:00:00Z");
      await reading(accounts[2]!.id, "2026-11", "2026-11-01T09:00:00Z");
      // This period (window from 29 November): day 1 one account (twice: counted once), day 3 one more.
      await reading(accounts[0]!.id, "2026-12", "2026-11-29T08:00:00Z");
      await reading(accounts[0]!.id, "2026-12", "2026-11-29T09:00:00Z");
      await reading(accounts[3]!.id, "2026-12", "2026-12-01T07:00:00Z");
      const data = await dashboard(fresh.prisma, "2026-12", NOW);
      expect(data.current.days.map((d) => d.submitted)).toEqual([1, 1, 2]); // days begun by NOW
      expect(data.previous.days.slice(0, 4).map((d) => d.rate)).toEqual([0.25, 0.25, 0.75, 0.75]);
      expect(data.previous.days).toHaveLength(12);
    } finally {
      await fresh.drop();
    }
    const page = await billing.get("/console/dashboard");
    expect(page.statusCode).toBe(200);
    expect(page.body.match(/<svg class="chart"/g)).toHaveLength(3);
    expect(page.body).toContain("Частка рахунків, що передали показники, по днях");
    expect(page.body).toMatch(/<desc id="c-d">цей період \(2026-12\): д\. 1 \d+ %/);
  });
});

describe("account lookup", () => {
  it("finds by number or meter serial (straight to the account) and by address words (a list)", async () => {
    const account = await seedAccount(db.prisma, { areaCode: "LOOK-1" });
    const byNumber = await dispatcher.get(`/console/accounts?q=${account.number}`);
    expect(byNumber.headers.location).toBe(`/console/accounts/${account.number}`);
    const bySerial = await dispatcher.get(`/console/accounts?q=${account.meterSerial}`);
    expect(bySerial.headers.location).toBe(`/console/accounts/${account.number}`);
    const byAddress = await dispatcher.get(`/console/accounts?q=${encodeURIComponent("Січеславська 15")}`);
    expect(byAddress.statusCode).toBe(200);
    expect(byAddress.body).toContain(`href="/console/accounts/${account.number}"`);
    const none = await dispatcher.get(`/console/accounts?q=${encodeURIComponent("Неіснуюча вулиця")}`);
    expect(none.body).toContain("Нічого не знайдено.");
    const page = await dispatcher.get(`/console/accounts/${account.number}`);
    expect(page.body).toContain("LOOK-1");
    expect(page.body).toContain("Жоден месенджер не підключено.");
  });
});

describe("language", () => {
  it("an operator switches the console to English and it stays so", async () => {
    const browser = new ConsoleBrowser(app, "10.0.0.9");
    await createUser(db.prisma, "eng", "dispatcher");
    await browser.signIn("eng");
    await browser.get("/console/inbox");
    const switched = await browser.post("/console/language", { language: "en", back: "/console/outages" });
    expect(switched.headers.location).toBe("/console/outages");
    const page = await browser.get("/console/outages");
    expect(page.body).toContain('<html lang="en">');
    expect(page.body).toContain("Known outages");
  });

  it("has every console text in both languages with the same placeholders", () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(consoleCatalogues.en).sort()).toEqual(Object.keys(consoleCatalogues.uk).sort());
    for (const [key, text] of Object.entries(consoleCatalogues.uk)) {
      expect(placeholders(consoleCatalogues.en[key as keyof typeof consoleCatalogues.en]), key).toEqual(
        placeholders(text),
      );
    }
  });
});

describe("npm run operator:user", () => {
  function io(password = "a-long-password-1") {
    const out: string[] = [];
    const err: string[] = [];
    return {
      out,
      err,
      io: {
        out: (l: string) => out.push(l),
        err: (l: string) => err.push(l),
        readPassword: async () => password,
      },
    };
  }

  it("creates, lists, disables, enables and resets a password; refuses bad input", async () => {
    const created = io();
    expect(
      await runUserCommand(
        db.prisma,
        ["create", "Olena", "--role", "billing", "--password-stdin"],
        created.io,
      ),
    ).toBe(0);
    expect(created.out).toEqual(['operator user "olena" created with role billing']);
    const user = await db.prisma.operatorUser.findUniqueOrThrow({ where: { login: "olena" } });
    expect(user.passwordHash).toMatch(/^scrypt\$15\$8\$1\$/);
    expect(await verifyPassword("a-long-password-1", user.passwordHash)).toBe(true);

    const listed = io();
    expect(await runUserCommand(db.prisma, ["list"], listed.io)).toBe(0);
    expect(listed.out.find((l) => l.startsWith("olena\t"))).toMatch(
      /^olena\tbilling\tactive\t0 session\(s\)/,
    );

    expect(await runUserCommand(db.prisma, ["create", "olena", "--role", "billing"], io().io)).toBe(1);
    expect(await runUserCommand(db.prisma, ["create", "x", "--role", "boss"], io().io)).toBe(2);
    const short = io("short");
    expect(await runUserCommand(db.prisma, ["create", "petro", "--role", "admin"], short.io)).toBe(1);
    expect(short.err).toEqual(["password: at least 10 characters"]);

    const browser = new ConsoleBrowser(app, "10.0.0.10");
    expect((await browser.signIn("olena", "a-long-password-1")).statusCode).toBe(303);
    expect(await runUserCommand(db.prisma, ["reset-password", "olena"], io("another-password-2").io)).toBe(0);
    expect((await browser.get("/console/readings")).statusCode).toBe(303); // the old session ended
    expect((await browser.signIn("olena", "another-password-2")).statusCode).toBe(303);
    expect(await runUserCommand(db.prisma, ["disable", "olena"], io().io)).toBe(0);
    expect((await browser.get("/console/readings")).statusCode).toBe(303);
    expect(await runUserCommand(db.prisma, ["enable", "olena"], io().io)).toBe(0);
    expect(await runUserCommand(db.prisma, ["disable", "nobody"], io().io)).toBe(1);
    const audit = await db.prisma.auditEntry.findMany({
      where: { entity: "operator_user", entityId: "olena", actor: "cli" },
    });
    expect(audit.map((a) => a.action)).toEqual([
      "operator_user.create",
      "operator_user.reset_password",
      "operator_user.disable",
      "operator_user.enable",
    ]);
  });
});
