// The operator API with the real parts around it: accounts imported through the API, customers
// talking to the engine on Postgres (verify, submit and correct a reading, report an outage, ask to
// be told when power is back), the export equal to what they submitted, and every operator change
// delivered through the outbound queue (pg-boss) to the customer's channel sender, rendered in their
// language and naming the account by its label.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPgEngineStore } from "../../src/db/engine-store-pg.js";
import { createEngine, type Engine } from "../../src/engine/engine.js";
import type { InboundEvent } from "../../src/engine/events.js";
import type { Notification } from "../../src/engine/notifications.js";
import { renderNotification } from "../../src/engine/notify-render.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";
import { createOutbound, type Outbound } from "../../src/jobs/outbound.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { PinnedClock } from "../engine/harness.js";
import { recordingSender, silentLogger, testMetrics, testSettings, until } from "../jobs/support.js";
import { AUTH, buildOperatorApp } from "./support.js";

const HEADER =
  "account_number,eic,holder_name,phones,settlement,street,building,apartment,area_code,meter_serial,meter_digits,zones,last_reading_date,last_reading_t1,last_reading_t2,last_reading_t3";

let db: TestDatabase;
let app: FastifyInstance;
let engine: Engine;
let outbound: Outbound;
const telegram = recordingSender("telegram");
// Inside the December reading window (it opened on 29 November, Kyiv time).
const clock = new PinnedClock(new Date("2026-11-30T10:00:00Z"));
let update = 0;

const FLAT = "telegram:7001"; // Ukrainian-speaking customer, account 1234567890 in area DNP-01
const SON = "telegram:7002"; // English-speaking customer, account 1234567891 in area DNP-02

function send(address: string, event: InboundEvent, languageCode: string) {
  return engine.handle(address, event, { channel: "telegram", updateId: `e2e-${++update}`, languageCode });
}

async function verify(address: string, phone: string, account: string, languageCode: string) {
  await send(address, { type: "start" }, languageCode);
  await send(address, { type: "contact", phone, provenOwn: true }, languageCode);
  await send(address, { type: "text", text: account }, languageCode);
  await send(address, { type: "choice", id: "lbl:flat" }, languageCode);
}

async function submitReading(address: string, value: string, languageCode: string) {
  await send(address, { type: "choice", id: "m:read" }, languageCode);
  await send(address, { type: "text", text: value }, languageCode);
  return send(address, { type: "choice", id: "ok" }, languageCode);
}

async function userOf(address: string) {
  const user = await db.prisma.messengerUser.findUniqueOrThrow({
    where: { address },
    include: { links: true },
  });
  return { id: user.id, language: user.language, label: user.links[0]!.label };
}

/** The text the customer's messenger receives for a notification, in the language given. */
const rendered = (language: "uk" | "en", notification: Notification) =>
  renderNotification(language, notification).text;

beforeAll(async () => {
  db = await createTestDatabase();
  engine = createEngine({
    store: createPgEngineStore(db.enginePool),
    clock,
    settings: defaultEngineSettings,
  });
  outbound = createOutbound({
    prisma: db.prisma,
    databaseUrl: db.url,
    senders: { telegram },
    logger: silentLogger,
    metrics: testMetrics(),
    settings: testSettings(),
    now: () => clock.now(),
  });
  await outbound.start({ schedule: false });
  app = await buildOperatorApp(db, {
    notifier: {
      notify: (items) => outbound.notifier.notify(items),
      notifyInTransaction: (tx, items) => outbound.notifyInTransaction(tx, items),
    },
    now: () => clock.now(),
  });

  const imported = await app.inject({
    method: "POST",
    url: "/api/v1/accounts/import",
    headers: { ...AUTH, "content-type": "text/csv" },
    payload: [
      HEADER,
      "1234567890,,Шевченко Тарас Григорович,+380671234567,Дніпро,вул. Січеславська,10,5,DNP-01,AB123456,6,1,2026-10-31,5000,,",
      "1234567891,,Коваленко Олена Петрівна,0501112233,Дніпро,вул. Робоча,3,7,DNP-02,CD654321,6,1,2026-10-31,7000,,",
    ].join("\n"),
  });
  expect(imported.json()).toEqual({ imported: 2, rejected: [], rejectedTotal: 0 });

  await verify(FLAT, "+380671234567", "1234567890", "uk");
  await verify(SON, "+380501112233", "1234567891", "en");
});

afterAll(async () => {
  await app.close();
  await outbound.stop();
  await db.drop();
});

describe("operator API end to end", () => {
  it("exports what customers submitted in conversation, a corrected reading once", async () => {
    await submitReading(FLAT, "5100", "uk");
    clock.set("2026-11-30T10:05:00Z");
    const corrected = await submitReading(FLAT, "5150", "uk");
    expect(corrected.replies[0]?.text).toContain("5150");
    clock.set("2026-11-30T11:00:00Z");
    await submitReading(SON, "7042", "en");

    const response = await app.inject({
      method: "GET",
      url: "/api/v1/readings?period=2026-12",
      headers: AUTH,
    });
    expect(response.json()).toEqual([
      {
        accountNumber: "1234567890",
        period: "2026-12",
        t1: 5150,
        t2: null,
        t3: null,
        submittedAt: "2026-11-30T10:05:00.000Z",
        source: "telegram",
        status: "accepted",
        flagReason: null,
        inWindow: true,
        photoUrl: null,
      },
      {
        accountNumber: "1234567891",
        period: "2026-12",
        t1: 7042,
        t2: null,
        t3: null,
        submittedAt: "2026-11-30T11:00:00.000Z",
        source: "telegram",
        status: "accepted",
        flagReason: null,
        inWindow: true,
        photoUrl: null,
      },
    ]);
    const csv = await app.inject({
      method: "GET",
      url: "/api/v1/readings?period=2026-12&format=csv",
      headers: AUTH,
    });
    expect(csv.body.split("\r\n").slice(1, 3)).toEqual([
      "1234567890,2026-12,5150,,,2026-11-30T10:05:00.000Z,telegram,accepted,,true",
      "1234567891,2026-12,7042,,,2026-11-30T11:00:00.000Z,telegram,accepted,,true",
    ]);
  });

  it("tells the reporter of a status change, in English, naming their label", async () => {
    await send(SON, { type: "choice", id: "m:outage" }, "en");
    await send(SON, { type: "choice", id: "scope:home" }, "en");
    const son = await userOf(SON);
    const report = await db.prisma.outageReport.findFirstOrThrow({ where: { userId: son.id } });
    expect(son.language).toBe("en");

    telegram.sent.length = 0;
    const patched = await app.inject({
      method: "PATCH",
      url: `/api/v1/outage-reports/${report.id}`,
      headers: AUTH,
      payload: { status: "crew_dispatched", expectedRestoreAt: "2026-11-30T18:00:00+02:00" },
    });
    expect(patched.statusCode).toBe(200);
    await until(async () => telegram.sent.length === 1);
    expect(telegram.sent[0]!.address).toBe(SON);
    const text = telegram.sent[0]!.replies[0]!.text;
    expect(text).toBe(
      rendered("en", {
        kind: "outage_report_status",
        accountLabel: son.label,
        reportId: report.id,
        status: "crew_dispatched",
        expectedRestoreAt: "2026-11-30T16:00:00.000Z",
      }),
    );
    expect(text).toContain(son.label);
  });

  it("tells the customer of a service order change, in Ukrainian, naming their label", async () => {
    const flat = await userOf(FLAT);
    const account = await db.prisma.account.findUniqueOrThrow({ where: { number: "1234567890" } });
    const order = await db.prisma.serviceOrder.create({
      data: {
        accountId: account.id,
        userId: flat.id,
        type: "meter_setup",
        description: "Зміна зон",
        contactPhone: "380671234567",
      },
    });
    telegram.sent.length = 0;
    const patched = await app.inject({
      method: "PATCH",
      url: `/api/v1/service-orders/${order.id}`,
      headers: AUTH,
      payload: {
        status: "scheduled",
        visitFrom: "2026-12-02T09:00:00+02:00",
        visitTo: "2026-12-02T12:00:00+02:00",
      },
    });
    expect(patched.statusCode).toBe(200);
    await until(async () => telegram.sent.length === 1);
    expect(telegram.sent[0]!.address).toBe(FLAT);
    expect(telegram.sent[0]!.replies[0]!.text).toBe(
      rendered("uk", {
        kind: "service_order_status",
        accountLabel: flat.label,
        orderId: order.id,
        status: "scheduled",
        visitFrom: "2026-12-02T07:00:00.000Z",
        visitTo: "2026-12-02T10:00:00.000Z",
      }),
    );
  });

  it("tells the customer who asked once when a known outage is resolved", async () => {
    const created = await app.inject({
      method: "POST",
      url: "/api/v1/outages",
      headers: AUTH,
      payload: {
        areaCodes: ["DNP-01"],
        kind: "emergency",
        startsAt: "2026-11-30T09:00:00Z",
        expectedEndAt: "2026-11-30T15:00:00Z",
      },
    });
    const outageId: number = created.json().id;
    // The customer reports no power, hears of the known outage and asks to be told when it is back.
    await send(FLAT, { type: "choice", id: "m:outage" }, "uk");
    await send(FLAT, { type: "choice", id: "watch" }, "uk");
    const flat = await userOf(FLAT);
    expect(await db.prisma.outageWatch.count({ where: { outageId, userId: flat.id } })).toBe(1);

    telegram.sent.length = 0;
    const moved = await app.inject({
      method: "PATCH",
      url: `/api/v1/outages/${outageId}`,
      headers: AUTH,
      payload: { expectedEndAt: "2026-11-30T17:00:00Z" },
    });
    expect(moved.statusCode).toBe(200);
    await until(async () => telegram.sent.length === 1);
    expect(telegram.sent[0]!.replies[0]!.text).toBe(
      rendered("uk", {
        kind: "known_outage_update",
        accountLabel: flat.label,
        outageId,
        change: "expected_end_changed",
        expectedEndAt: "2026-11-30T17:00:00.000Z",
      }),
    );

    const resolved = await app.inject({
      method: "PATCH",
      url: `/api/v1/outages/${outageId}`,
      headers: AUTH,
      payload: { resolved: true },
    });
    expect(resolved.statusCode).toBe(200);
    await until(async () => telegram.sent.length === 2);
    expect(telegram.sent[1]!.address).toBe(FLAT);
    expect(telegram.sent[1]!.replies[0]!.text).toBe(
      rendered("uk", { kind: "known_outage_update", accountLabel: flat.label, outageId, change: "resolved" }),
    );
    expect(telegram.sent[1]!.replies[0]!.text).toContain("Квартира");

    // Resolving again tells nobody: the queue holds nothing more for this outage.
    await app.inject({
      method: "PATCH",
      url: `/api/v1/outages/${outageId}`,
      headers: AUTH,
      payload: { resolved: true },
    });
    await outbound.waitUntilDrained({ timeoutMs: 10_000 });
    expect(telegram.sent).toHaveLength(2);
  });
});
