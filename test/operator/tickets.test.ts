// Operators changing outage reports, service orders and known outages: the stored rows change in
// one transaction, and the Notifier receives exactly the notifications customers must get, naming
// the account by the label each user gave it.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, RecordingNotifier, buildOperatorApp, link, seedAccount, seedUser } from "./support.js";

let db: TestDatabase;
let app: FastifyInstance;
const notifier = new RecordingNotifier();
const NOW = new Date("2026-11-27T12:00:00.000Z");

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildOperatorApp(db, { notifier, now: () => NOW });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});
beforeEach(() => {
  notifier.calls.length = 0;
});

const patch = (url: string, payload: unknown) =>
  app.inject({ method: "PATCH", url, headers: AUTH, payload: payload as object });

describe("outage reports", () => {
  let reportId: number;
  let userId: number;

  beforeAll(async () => {
    const account = await seedAccount(db.prisma, { areaCode: "DNP-07" });
    const other = await seedAccount(db.prisma, { areaCode: "DNP-08" });
    const user = await seedUser(db.prisma, { language: "uk" });
    userId = user.id;
    await link(db.prisma, user.id, account.id, "Дача");
    const report = await db.prisma.outageReport.create({
      data: { accountId: account.id, userId: user.id, scope: "home" },
    });
    reportId = report.id;
    await db.prisma.outageReport.create({
      data: { accountId: other.id, userId: user.id, scope: "street", status: "restored" },
    });
  });

  it("lists reports filtered by status and area", async () => {
    const byArea = await app.inject({
      method: "GET",
      url: "/api/v1/outage-reports?area=DNP-07",
      headers: AUTH,
    });
    expect(byArea.statusCode).toBe(200);
    expect(byArea.json().items.map((r: { id: number }) => r.id)).toEqual([reportId]);
    const restored = await app.inject({
      method: "GET",
      url: "/api/v1/outage-reports?status=restored",
      headers: AUTH,
    });
    expect(restored.json().items).toEqual([
      expect.objectContaining({ areaCode: "DNP-08", status: "restored", scope: "street" }),
    ]);
    const unfiltered = await app.inject({
      method: "GET",
      url: "/api/v1/outage-reports?status=&area=",
      headers: AUTH,
    });
    expect(unfiltered.json().items).toHaveLength(2);
    const paged = await app.inject({
      method: "GET",
      url: `/api/v1/outage-reports?afterId=${reportId}&limit=1`,
      headers: AUTH,
    });
    expect(paged.json().items).toEqual([expect.objectContaining({ areaCode: "DNP-08" })]);
    const bad = await app.inject({
      method: "GET",
      url: "/api/v1/outage-reports?status=lost&limit=0",
      headers: AUTH,
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual(["querystring.limit", "querystring.status"]);
  });

  it("changes status and expected time, and tells the reporter naming the account label", async () => {
    const response = await patch(`/api/v1/outage-reports/${reportId}`, {
      status: "crew_dispatched",
      expectedRestoreAt: "2026-11-27T18:00:00+02:00",
      comment: "Бригада виїхала",
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      id: reportId,
      status: "crew_dispatched",
      expectedRestoreAt: "2026-11-27T16:00:00.000Z",
      comment: "Бригада виїхала",
    });
    const row = await db.prisma.outageReport.findUniqueOrThrow({ where: { id: reportId } });
    expect(row.status).toBe("crew_dispatched");
    expect(notifier.calls).toEqual([
      [
        {
          userId,
          notification: {
            kind: "outage_report_status",
            accountLabel: "Дача",
            reportId,
            status: "crew_dispatched",
            expectedRestoreAt: "2026-11-27T16:00:00.000Z",
            comment: "Бригада виїхала",
          },
        },
      ],
    ]);
  });

  it("tells nobody when nothing the customer sees changed", async () => {
    const response = await patch(`/api/v1/outage-reports/${reportId}`, { status: "crew_dispatched" });
    expect(response.statusCode).toBe(200);
    expect(notifier.calls).toEqual([]);
  });

  it("answers 400 with field paths, writing nothing", async () => {
    const response = await patch(`/api/v1/outage-reports/${reportId}`, {
      status: "fixed",
      expectedRestoreAt: "tomorrow",
      crew: 3,
    });
    expect(response.statusCode).toBe(400);
    const paths = response
      .json()
      .issues.map((i: { path: string }) => i.path)
      .sort();
    expect(paths).toEqual(["body", "body.expectedRestoreAt", "body.status"]);
    expect(response.json().issues).toContainEqual({ path: "body", reason: expect.stringContaining("crew") });
    const empty = await patch(`/api/v1/outage-reports/${reportId}`, {});
    expect(empty.statusCode).toBe(400);
    expect(empty.json().issues).toEqual([{ path: "body", reason: "at least one field is required" }]);
    const row = await db.prisma.outageReport.findUniqueOrThrow({ where: { id: reportId } });
    expect(row.status).toBe("crew_dispatched");
    expect(notifier.calls).toEqual([]);
  });

  it("answers 404 for an unknown report and 400 for a malformed id", async () => {
    const missing = await patch("/api/v1/outage-reports/999999", { status: "restored" });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: "not_found", message: "outage report 999999 not found" });
    const malformed = await patch("/api/v1/outage-reports/abc", { status: "restored" });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().issues).toEqual([{ path: "params.id", reason: expect.any(String) }]);
    expect(notifier.calls).toEqual([]);
  });

  it("names the account by its number when the reporter has unlinked it", async () => {
    const account = await seedAccount(db.prisma, { number: "5000000077" });
    const user = await seedUser(db.prisma, { channel: "viber", language: "en" });
    const report = await db.prisma.outageReport.create({
      data: { accountId: account.id, userId: user.id, scope: "building" },
    });
    expect((await patch(`/api/v1/outage-reports/${report.id}`, { status: "restored" })).statusCode).toBe(200);
    expect(notifier.items).toEqual([
      {
        userId: user.id,
        notification: {
          kind: "outage_report_status",
          accountLabel: "5000000077",
          reportId: report.id,
          status: "restored",
        },
      },
    ]);
  });
});

describe("service orders", () => {
  let orderId: number;
  let userId: number;

  beforeAll(async () => {
    const account = await seedAccount(db.prisma);
    const user = await seedUser(db.prisma, { channel: "viber" });
    userId = user.id;
    await link(db.prisma, user.id, account.id, "Квартира");
    const order = await db.prisma.serviceOrder.create({
      data: {
        accountId: account.id,
        userId: user.id,
        type: "meter_replacement",
        description: "Лічильник не світиться",
        contactPhone: "380671234567",
      },
    });
    orderId = order.id;
    await db.prisma.serviceOrder.create({
      data: {
        accountId: account.id,
        userId: user.id,
        type: "sealing",
        description: "Пломба",
        contactPhone: "380671234567",
        status: "done",
      },
    });
  });

  it("lists orders by status", async () => {
    const response = await app.inject({
      method: "GET",
      url: "/api/v1/service-orders?status=received",
      headers: AUTH,
    });
    expect(response.json().items).toEqual([
      expect.objectContaining({
        id: orderId,
        type: "meter_replacement",
        status: "received",
        visitFrom: null,
      }),
    ]);
  });

  it("schedules a visit and tells the customer with the window and the label", async () => {
    const response = await patch(`/api/v1/service-orders/${orderId}`, {
      status: "scheduled",
      visitFrom: "2026-12-01T09:00:00+02:00",
      visitTo: "2026-12-01T13:00:00+02:00",
    });
    expect(response.statusCode).toBe(200);
    expect(notifier.items).toEqual([
      {
        userId,
        notification: {
          kind: "service_order_status",
          accountLabel: "Квартира",
          orderId,
          status: "scheduled",
          visitFrom: "2026-12-01T07:00:00.000Z",
          visitTo: "2026-12-01T11:00:00.000Z",
        },
      },
    ]);
  });

  it("refuses a window that would end before it starts, against the stored start too", async () => {
    const both = await patch(`/api/v1/service-orders/${orderId}`, {
      visitFrom: "2026-12-02T13:00:00Z",
      visitTo: "2026-12-02T09:00:00Z",
    });
    expect(both.statusCode).toBe(400);
    expect(both.json().issues).toEqual([{ path: "body.visitTo", reason: "must not be before visitFrom" }]);
    // Only the end, earlier than the stored start (07:00Z): the same 400, and nothing written.
    const endOnly = await patch(`/api/v1/service-orders/${orderId}`, {
      visitTo: "2026-12-01T06:00:00Z",
      status: "in_progress",
    });
    expect(endOnly.statusCode).toBe(400);
    expect(endOnly.json().issues).toEqual([{ path: "body.visitTo", reason: "must not be before visitFrom" }]);
    const row = await db.prisma.serviceOrder.findUniqueOrThrow({ where: { id: orderId } });
    expect(row.status).toBe("scheduled");
    expect(row.visitTo?.toISOString()).toBe("2026-12-01T11:00:00.000Z");
    expect(notifier.calls).toEqual([]);
  });

  it("answers 404 for an unknown order", async () => {
    expect((await patch("/api/v1/service-orders/424242", { status: "done" })).statusCode).toBe(404);
  });
});

describe("known outages", () => {
  let outageId: number;
  const watchers: { userId: number; label: string }[] = [];

  it("publishes an outage and answers 400 with field paths for a bad one", async () => {
    const bad = await app.inject({
      method: "POST",
      url: "/api/v1/outages",
      headers: AUTH,
      payload: { areaCodes: [], kind: "scheduled", startsAt: "2026-11-27T10:00:00Z" },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .issues.map((i: { path: string }) => i.path)
        .sort(),
    ).toEqual(["body.areaCodes", "body.kind"]);

    const inverted = await app.inject({
      method: "POST",
      url: "/api/v1/outages",
      headers: AUTH,
      payload: {
        areaCodes: ["DNP-09"],
        kind: "planned",
        startsAt: "2026-11-27T10:00:00Z",
        expectedEndAt: "2026-11-27T09:00:00Z",
      },
    });
    expect(inverted.statusCode).toBe(400);
    expect(inverted.json().issues).toEqual([
      { path: "body.expectedEndAt", reason: "must not be before startsAt" },
    ]);
    expect(await db.prisma.knownOutage.count()).toBe(0);

    const created = await app.inject({
      method: "POST",
      url: "/api/v1/outages",
      headers: AUTH,
      payload: {
        areaCodes: ["DNP-09", "DNP-10"],
        kind: "emergency",
        startsAt: "2026-11-27T10:00:00Z",
        expectedEndAt: "2026-11-27T16:00:00Z",
        note: "Пошкодження лінії",
      },
    });
    expect(created.statusCode).toBe(201);
    outageId = created.json().id;
    expect(created.json()).toMatchObject({
      areaCodes: ["DNP-09", "DNP-10"],
      kind: "emergency",
      startsAt: "2026-11-27T10:00:00.000Z",
      expectedEndAt: "2026-11-27T16:00:00.000Z",
      resolvedAt: null,
      watchers: 0,
    });

    // Two customers asked to be told when power is back: one for two accounts.
    const flat = await seedAccount(db.prisma, { areaCode: "DNP-09" });
    const dacha = await seedAccount(db.prisma, { areaCode: "DNP-10" });
    const first = await seedUser(db.prisma, { channel: "telegram" });
    const second = await seedUser(db.prisma, { channel: "viber", language: "en" });
    await link(db.prisma, first.id, flat.id, "Квартира");
    await link(db.prisma, first.id, dacha.id, "Дача");
    await link(db.prisma, second.id, flat.id, "Parents");
    for (const [user, account, label] of [
      [first, flat, "Квартира"],
      [first, dacha, "Дача"],
      [second, flat, "Parents"],
    ] as const) {
      await db.prisma.outageWatch.create({ data: { outageId, userId: user.id, accountId: account.id } });
      watchers.push({ userId: user.id, label });
    }
  });

  it("lists active outages by area", async () => {
    const response = await app.inject({
      method: "GET",
      url: "/api/v1/outages?active=true&area=DNP-10",
      headers: AUTH,
    });
    expect(response.json().items).toEqual([expect.objectContaining({ id: outageId, watchers: 3 })]);
    const none = await app.inject({ method: "GET", url: "/api/v1/outages?area=DNP-99", headers: AUTH });
    expect(none.json().items).toEqual([]);
  });

  it("tells every watcher when the expected end moves", async () => {
    const response = await patch(`/api/v1/outages/${outageId}`, {
      expectedEndAt: "2026-11-27T20:00:00+02:00",
    });
    expect(response.statusCode).toBe(200);
    expect(notifier.items).toEqual(
      watchers.map((w) => ({
        userId: w.userId,
        notification: {
          kind: "known_outage_update",
          accountLabel: w.label,
          outageId,
          change: "expected_end_changed",
          expectedEndAt: "2026-11-27T18:00:00.000Z",
        },
      })),
    );
    // A cleared time is news ("not known now"), without a time.
    notifier.calls.length = 0;
    expect((await patch(`/api/v1/outages/${outageId}`, { expectedEndAt: null })).statusCode).toBe(200);
    expect(notifier.items).toEqual(
      watchers.map((w) => ({
        userId: w.userId,
        notification: {
          kind: "known_outage_update",
          accountLabel: w.label,
          outageId,
          change: "expected_end_changed",
        },
      })),
    );
    // A note alone is not news for the watchers.
    notifier.calls.length = 0;
    expect((await patch(`/api/v1/outages/${outageId}`, { note: "Працює бригада" })).statusCode).toBe(200);
    expect(notifier.calls).toEqual([]);
  });

  it("tells every watcher once when it is resolved, marking notified_at", async () => {
    const response = await patch(`/api/v1/outages/${outageId}`, { resolved: true });
    expect(response.statusCode).toBe(200);
    expect(response.json().resolvedAt).toBe(NOW.toISOString());
    expect(notifier.items).toEqual(
      watchers.map((w) => ({
        userId: w.userId,
        notification: { kind: "known_outage_update", accountLabel: w.label, outageId, change: "resolved" },
      })),
    );
    const rows = await db.prisma.outageWatch.findMany({ where: { outageId } });
    expect(rows.every((r) => r.notifiedAt !== null)).toBe(true);

    notifier.calls.length = 0;
    const again = await patch(`/api/v1/outages/${outageId}`, { resolved: true });
    expect(again.statusCode).toBe(200);
    expect(again.json().resolvedAt).toBe(NOW.toISOString());
    // Moving the end of a resolved outage is not news either.
    expect(
      (await patch(`/api/v1/outages/${outageId}`, { expectedEndAt: "2026-11-27T21:00:00Z" })).statusCode,
    ).toBe(200);
    expect(notifier.calls).toEqual([]);
  });

  it("answers 404 for an unknown outage", async () => {
    expect((await patch("/api/v1/outages/31337", { resolved: true })).statusCode).toBe(404);
    expect(
      (await app.inject({ method: "GET", url: "/api/v1/outages/31337", headers: AUTH })).statusCode,
    ).toBe(404);
  });
});
