// The console's security promises, through HTTP against a real database: sign-in attempts are
// limited (per login and per address, counted in Postgres), a sign-in always issues a new session
// id, a disabled user's session stops at once, every change needs the session's CSRF token, roles
// close pages, cookies carry HttpOnly/SameSite (and Secure over HTTPS), and no page or API answer
// shows a full phone number to a role that does not need it.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneConsoleSessions } from "../../src/db/retention.js";
import { authenticateSession, signIn } from "../../src/operator/console-sessions.js";
import { disableOperatorUser } from "../../src/operator/operator-users.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, RecordingNotifier, link, seedAccount, seedUser } from "../operator/support.js";
import { buildConsoleApp, ConsoleBrowser, COOKIE, createUser, PASSWORD, sessionCookie } from "./support.js";

let db: TestDatabase;
let app: FastifyInstance;
let notifier: RecordingNotifier;

const ACCOUNT_PHONE = "380671112233";
const CUSTOMER_PHONE = "380503334455";
const CONTACT_PHONE = "380934445566";
let reportId: number;
let orderId: number;
let accountNumber: string;

/** Every way a full number could be written on a page. */
function fullPhones(body: string): string[] {
  const found: string[] = [];
  for (const phone of [ACCOUNT_PHONE, CUSTOMER_PHONE, CONTACT_PHONE]) {
    const local = phone.slice(2); // 0671112233
    if ([phone, local, local.slice(1)].some((form) => body.includes(form))) found.push(phone);
  }
  return found;
}

beforeAll(async () => {
  db = await createTestDatabase();
  notifier = new RecordingNotifier();
  app = await buildConsoleApp(db, { notifier });
  await Promise.all([
    createUser(db.prisma, "disp", "dispatcher"),
    createUser(db.prisma, "serv", "service"),
    createUser(db.prisma, "bill", "billing"),
    createUser(db.prisma, "boss", "admin"),
    createUser(db.prisma, "victim", "dispatcher"),
    createUser(db.prisma, "leaver", "dispatcher"),
  ]);
  const account = await seedAccount(db.prisma, { phones: [ACCOUNT_PHONE] });
  accountNumber = account.number;
  const customer = await seedUser(db.prisma, { phone: CUSTOMER_PHONE });
  await link(db.prisma, customer.id, account.id, "Дім");
  reportId = (
    await db.prisma.outageReport.create({
      data: { accountId: account.id, userId: customer.id, scope: "home" },
    })
  ).id;
  orderId = (
    await db.prisma.serviceOrder.create({
      data: {
        accountId: account.id,
        userId: customer.id,
        type: "meter_fault",
        description: "Лічильник не світиться",
        contactPhone: CONTACT_PHONE,
      },
    })
  ).id;
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe("sign-in", () => {
  it("limits wrong passwords per login: the sixth attempt within 15 minutes is 429 even with the right password", async () => {
    const browser = new ConsoleBrowser(app, "10.1.0.1");
    for (let i = 0; i < 5; i++) {
      const wrong = await browser.signIn("victim", `wrong-password-${i}`);
      expect(wrong.statusCode).toBe(401);
      expect(wrong.body).toContain("Неправильний логін або пароль.");
      expect(sessionCookie(wrong)).toBeUndefined();
    }
    const limited = await browser.signIn("victim", PASSWORD);
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(800);
    expect(sessionCookie(limited)).toBeUndefined();
    // From another address too: the limit is the login's, kept in Postgres for every instance.
    expect((await new ConsoleBrowser(app, "10.1.0.2").signIn("victim", PASSWORD)).statusCode).toBe(429);
    const attempts = await db.prisma.signInAttempt.count({ where: { login: "victim", success: false } });
    expect(attempts).toBe(5);
  });

  it("limits one address guessing many logins", async () => {
    const browser = new ConsoleBrowser(app, "10.2.0.1");
    for (let i = 0; i < 20; i++)
      expect((await browser.signIn(`nobody${i}`, "guess-guess")).statusCode).toBe(401);
    expect((await browser.signIn("disp")).statusCode).toBe(429);
    expect((await new ConsoleBrowser(app, "10.2.0.2").signIn("disp")).statusCode).toBe(303);
  });

  it("answers an unknown login, a wrong password and a disabled user alike", async () => {
    await createUser(db.prisma, "gone", "billing");
    await disableOperatorUser(db.prisma, "gone");
    const bodies = [];
    for (const [login, password] of [
      ["no-such-user", PASSWORD],
      ["bill", "not-the-password"],
      ["gone", PASSWORD],
    ] as const) {
      const response = await new ConsoleBrowser(app, `10.3.0.${bodies.length + 1}`).signIn(login, password);
      expect(response.statusCode).toBe(401);
      bodies.push(response.body.replace(/value="[^"]*"/g, ""));
    }
    expect(new Set(bodies).size).toBe(1);
  });

  it("issues a new session id at every sign-in: an id planted before sign-in never becomes a signed-in one", async () => {
    const planted = "attacker-chosen-session-id-0123456789abcdef";
    const browser = new ConsoleBrowser(app, "10.4.0.1");
    browser.cookie = planted;
    const response = await browser.signIn("disp");
    expect(response.statusCode).toBe(303);
    expect(browser.cookie).not.toBe(planted);
    const attacker = new ConsoleBrowser(app, "10.4.0.2");
    attacker.cookie = planted;
    expect((await attacker.get("/console/inbox")).statusCode).toBe(303);
    expect((await browser.get("/console/inbox")).statusCode).toBe(200);

    // Signing in again from the same browser replaces the id and ends the old session.
    const first = browser.cookie;
    const again = await browser.signIn("disp");
    expect(again.statusCode, again.body.slice(0, 200)).toBe(303);
    expect(browser.cookie).not.toBe(first);
    const stale = new ConsoleBrowser(app, "10.4.0.3");
    stale.cookie = first;
    expect((await stale.get("/console/inbox")).headers.location).toMatch(/^\/console\/sign-in/);
  });

  it("sets the cookie HttpOnly and SameSite=Strict; Secure with the __Host- prefix behind HTTPS", async () => {
    const response = await new ConsoleBrowser(app, "10.5.0.1").signIn("disp");
    const cookie = response.cookies.find((c) => c.name === COOKIE)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/" });
    expect(cookie.secure).toBeFalsy();

    const secureApp = await buildConsoleApp(db, { secureCookies: true });
    try {
      const secure = await secureApp.inject({
        method: "POST",
        url: "/console/sign-in",
        remoteAddress: "10.5.0.2",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams({ login: "disp", password: PASSWORD }).toString(),
      });
      expect(secure.cookies.find((c) => c.name === `__Host-${COOKIE}`)).toMatchObject({
        secure: true,
        httpOnly: true,
        sameSite: "Strict",
      });
    } finally {
      await secureApp.close();
    }
  });

  it("refuses a sign-in posted from another site (login CSRF)", async () => {
    const response = await app.inject({
      method: "POST",
      url: "/console/sign-in",
      remoteAddress: "10.6.0.1",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://evil.example",
        host: "console.example",
      },
      payload: new URLSearchParams({ login: "disp", password: PASSWORD }).toString(),
    });
    expect(response.statusCode).toBe(403);
    expect(sessionCookie(response)).toBeUndefined();
  });
});

describe("sessions", () => {
  it("stops a disabled user's session at once", async () => {
    const browser = new ConsoleBrowser(app, "10.7.0.1");
    await browser.signIn("leaver");
    expect((await browser.get("/console/inbox")).statusCode).toBe(200);
    await disableOperatorUser(db.prisma, "leaver");
    const after = await browser.get("/console/inbox");
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toBe("/console/sign-in?next=%2Fconsole%2Finbox");
    expect(
      (await browser.post(`/console/outage-reports/${reportId}`, { status: "restored" })).statusCode,
    ).toBe(401);
  });

  it("signing out ends the session on the server, not only in the browser", async () => {
    const browser = new ConsoleBrowser(app, "10.7.0.2");
    await browser.signIn("serv");
    await browser.get("/console/inbox");
    const kept = browser.cookie;
    expect((await browser.post("/console/sign-out", {})).statusCode).toBe(303);
    const replay = new ConsoleBrowser(app, "10.7.0.3");
    replay.cookie = kept;
    expect((await replay.get("/console/inbox")).statusCode).toBe(303);
  });
});

describe("session lifetime", () => {
  it("ends a session after 2 idle hours or 12 hours in all; old sessions and attempts are pruned", async () => {
    await createUser(db.prisma, "clock", "billing");
    const t0 = new Date("2026-12-01T08:00:00Z");
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const result = await signIn(db.prisma, { login: "clock", password: PASSWORD, ip: "10.20.0.1" }, t0);
    if (result.kind !== "signed_in") throw new Error(result.kind);
    // Used every 100 minutes it lives on (each use moves the idle clock) ...
    for (const minutes of [100, 200, 300, 400, 500, 600, 700]) {
      expect(await authenticateSession(db.prisma, result.token, at(minutes)), `${minutes}`).not.toBeNull();
    }
    // ... until 12 hours after sign-in.
    expect(await authenticateSession(db.prisma, result.token, at(721))).toBeNull();
    const idle = await signIn(db.prisma, { login: "clock", password: PASSWORD, ip: "10.20.0.1" }, t0);
    if (idle.kind !== "signed_in") throw new Error(idle.kind);
    expect(await authenticateSession(db.prisma, idle.token, at(119))).not.toBeNull();
    expect(await authenticateSession(db.prisma, idle.token, at(119 + 121))).toBeNull();

    const sessions = await db.prisma.operatorSession.count({ where: { user: { login: "clock" } } });
    expect(sessions).toBe(2);
    await pruneConsoleSessions(db.prisma, at(12 * 60 + 24 * 60 + 1));
    expect(await db.prisma.operatorSession.count({ where: { user: { login: "clock" } } })).toBe(0);
    expect(await db.prisma.signInAttempt.count({ where: { createdAt: { lte: t0 } } })).toBe(0);
  });
});

describe("CSRF", () => {
  it("refuses a change without the session's token, or with another session's, and changes nothing", async () => {
    const browser = new ConsoleBrowser(app, "10.8.0.1");
    await browser.signIn("disp");
    await browser.get(`/console/outage-reports/${reportId}`);
    const other = new ConsoleBrowser(app, "10.8.0.2");
    await other.signIn("boss");
    await other.get("/console/dashboard");
    expect(other.csrf).not.toBe(browser.csrf);

    const missing = await browser.post(
      `/console/outage-reports/${reportId}`,
      { status: "crew_dispatched" },
      null,
    );
    expect(missing.statusCode).toBe(403);
    expect(missing.body).toContain("Зміну відхилено");
    const foreign = await browser.post(
      `/console/outage-reports/${reportId}`,
      { status: "crew_dispatched" },
      other.csrf!,
    );
    expect(foreign.statusCode).toBe(403);
    const report = await db.prisma.outageReport.findUniqueOrThrow({ where: { id: reportId } });
    expect(report.status).toBe("received");
    expect(notifier.items).toHaveLength(0);

    const ok = await browser.post(`/console/outage-reports/${reportId}`, {
      status: "received",
      comment: "Перевіряємо",
    });
    expect(ok.statusCode).toBe(303);
    expect((await db.prisma.outageReport.findUniqueOrThrow({ where: { id: reportId } })).comment).toBe(
      "Перевіряємо",
    );
  });

  it("needs the token for sign-out, the language switch and admin changes too", async () => {
    const browser = new ConsoleBrowser(app, "10.8.0.3");
    await browser.signIn("boss");
    await browser.get("/console/users");
    for (const [url, form] of [
      ["/console/sign-out", {}],
      ["/console/language", { language: "en" }],
      ["/console/users", { login: "intruder", role: "admin", password: "0123456789ab" }],
      ["/console/tokens", { name: "sneaky", action: "create" }],
    ] as const) {
      expect((await browser.post(url, form, null)).statusCode).toBe(403);
    }
    expect(await db.prisma.operatorUser.findUnique({ where: { login: "intruder" } })).toBeNull();
    expect(await db.prisma.operatorToken.findUnique({ where: { name: "sneaky" } })).toBeNull();
  });
});

describe("roles", () => {
  it("a dispatcher cannot open the users, tokens, audit or readings pages, nor post to them", async () => {
    const browser = new ConsoleBrowser(app, "10.9.0.1");
    await browser.signIn("disp");
    const inbox = await browser.get("/console/inbox");
    expect(inbox.body).not.toContain('href="/console/users"');
    for (const url of ["/console/users", "/console/tokens", "/console/audit", "/console/readings"]) {
      const page = await browser.get(url);
      expect(page.statusCode, url).toBe(403);
      expect(page.body).toContain("недоступний для вашої ролі");
    }
    expect(
      (await browser.post("/console/users", { login: "mine", role: "admin", password: "0123456789ab" }))
        .statusCode,
    ).toBe(403);
    expect((await browser.get(`/console/service-orders/${orderId}`)).statusCode).toBe(403);
  });

  it("service staff cannot change outage reports; billing cannot work the inbox", async () => {
    const service = new ConsoleBrowser(app, "10.9.0.2");
    await service.signIn("serv");
    await service.get("/console/inbox");
    expect(
      (await service.post(`/console/outage-reports/${reportId}`, { status: "restored" })).statusCode,
    ).toBe(403);
    const billing = new ConsoleBrowser(app, "10.9.0.3");
    await billing.signIn("bill");
    expect((await billing.get("/console/inbox")).statusCode).toBe(403);
    expect((await billing.get("/console/dashboard")).statusCode).toBe(200);
  });
});

describe("phone numbers", () => {
  it("no page shows a full number, except the service order's contact number to service staff", async () => {
    const pages: Record<string, string[]> = {
      disp: [
        "/console/inbox",
        `/console/outage-reports/${reportId}`,
        `/console/accounts/${accountNumber}`,
        `/console/accounts?q=${accountNumber}`,
      ],
      serv: [
        "/console/inbox?kind=service",
        `/console/service-orders/${orderId}`,
        `/console/accounts/${accountNumber}`,
      ],
      bill: ["/console/readings", "/console/dashboard", `/console/accounts/${accountNumber}`],
      boss: [
        "/console/inbox",
        "/console/inbox?kind=service",
        `/console/outage-reports/${reportId}`,
        `/console/service-orders/${orderId}`,
        `/console/accounts/${accountNumber}`,
        "/console/audit",
        "/console/dashboard",
      ],
    };
    for (const [login, urls] of Object.entries(pages)) {
      const browser = new ConsoleBrowser(app, `10.10.0.${login.length}`);
      await browser.signIn(login);
      for (const url of urls) {
        const page = await browser.get(url.replace(/\/accounts\?q=.*/, `/accounts/${accountNumber}`));
        expect(page.statusCode, `${login} ${url}`).toBe(200);
        if (login === "serv" && url.includes("/service-orders/")) {
          expect(fullPhones(page.body)).toEqual([CONTACT_PHONE]);
        } else {
          expect(fullPhones(page.body), `${login} ${url}`).toEqual([]);
        }
        // The masked form is there instead: operators identify people, they do not harvest numbers.
        if (url.startsWith("/console/accounts/")) expect(page.body).toContain("380*******33");
      }
    }
  });

  it("no API answer shows one either", async () => {
    for (const url of [
      `/api/v1/accounts/${accountNumber}`,
      "/api/v1/outage-reports",
      "/api/v1/service-orders",
      `/api/v1/readings/flagged`,
    ]) {
      const response = await app.inject({ method: "GET", url, headers: AUTH });
      expect(response.statusCode, url).toBe(200);
      expect(fullPhones(response.body), url).toEqual([]);
    }
  });

  it("the audit log names who changed what, and never a phone", async () => {
    const entries = await db.prisma.auditEntry.findMany({ orderBy: { id: "asc" } });
    expect(entries.find((e) => e.action === "outage_report.update")).toMatchObject({
      actor: "user:disp",
      entity: "outage_report",
      entityId: String(reportId),
      details: { status: "received", comment: "Перевіряємо" },
    });
    expect(entries.some((e) => e.action === "session.sign_in" && e.actor === "user:boss")).toBe(true);
    expect(fullPhones(JSON.stringify(entries.map((e) => e.details)))).toEqual([]);
  });
});
