// The published OpenAPI document validates (@apidevtools/swagger-parser) and describes every
// operator route with its security; /api/stats counts what is in the database.
import SwaggerParser from "@apidevtools/swagger-parser";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, buildOperatorApp, link, seedAccount, seedUser } from "./support.js";

let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  // 29 November in Kyiv is inside the reading window of the December period.
  app = await buildOperatorApp(db, { now: () => new Date("2026-11-29T10:00:00Z") });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe("OpenAPI", () => {
  it("publishes a valid OpenAPI 3.1 document covering every route", async () => {
    const response = await app.inject({ method: "GET", url: "/api/docs/json" });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    // validate() mutates (dereferences) its argument: give it a copy, keep the original for checks.
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
    expect(document.openapi).toBe("3.1.0");
    expect(document.components.securitySchemes.bearerAuth).toEqual({ type: "http", scheme: "bearer" });
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "POST /api/v1/accounts/import",
        "GET /api/v1/accounts/{number}",
        "GET /api/v1/readings",
        "GET /api/v1/readings/flagged",
        "POST /api/v1/readings/{id}/review",
        "GET /api/v1/outage-reports",
        "PATCH /api/v1/outage-reports/{id}",
        "POST /api/v1/outages",
        "GET /api/v1/outages",
        "GET /api/v1/outages/{id}",
        "PATCH /api/v1/outages/{id}",
        "GET /api/v1/service-orders",
        "PATCH /api/v1/service-orders/{id}",
        "GET /api/v1/stats",
        "GET /api/v1/fanouts",
        "GET /api/v1/fanouts/{key}",
        "GET /api/v1/readings/{id}/photo",
        "GET /api/v1/service-orders/{id}/photo",
        "GET /api/v1/outage-queues",
        "PUT /api/v1/outage-queues",
        "PUT /api/v1/outage-schedules/{date}",
        "PUT /api/v1/outage-schedules",
        "GET /api/v1/outage-schedules/{date}",
        "GET /api/v1/outage-schedules/{date}/versions",
        "GET /api/v1/outage-mode",
        "PUT /api/v1/outage-mode",
        "POST /api/v1/address-queues/import",
      ].sort(),
    );
    const importOp = document.paths["/api/v1/accounts/import"].post;
    expect(Object.keys(importOp.requestBody.content)).toEqual(["text/csv"]);
    const addressImport = document.paths["/api/v1/address-queues/import"].post;
    expect(addressImport.requestBody.content["text/csv"].schema.description).toContain(
      "settlement,street,building,outage_queue",
    );
    const readings = document.paths["/api/v1/readings"].get.responses["200"].content;
    expect(Object.keys(readings).sort()).toEqual(["application/json", "text/csv"]);
    for (const path of ["/api/v1/readings/{id}/photo", "/api/v1/service-orders/{id}/photo"]) {
      const photo = document.paths[path].get;
      expect(Object.keys(photo.responses["200"].content).sort()).toEqual([
        "image/gif",
        "image/jpeg",
        "image/png",
        "image/webp",
      ]);
      expect(photo.responses["200"].content["image/jpeg"].schema).toMatchObject({
        type: "string",
        format: "binary",
      });
      expect(Object.keys(photo.responses["410"].content)).toEqual(["application/json"]);
      expect(Object.keys(photo.responses).sort()).toEqual([
        "200",
        "400",
        "401",
        "404",
        "409",
        "410",
        "422",
        "502",
        "504",
      ]);
    }
    const order = document.components.schemas.OperatorServiceOrder;
    expect(order.properties.photoUrl).toMatchObject({ type: ["string", "null"] });
    const patchReport =
      document.paths["/api/v1/outage-reports/{id}"].patch.requestBody.content["application/json"].schema;
    expect(Object.keys(patchReport.properties).sort()).toEqual(["comment", "expectedRestoreAt", "status"]);
    expect(patchReport.properties.status.enum).toEqual([
      "received",
      "crew_dispatched",
      "restored",
      "cancelled",
    ]);
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        "OperatorAccount",
        "OperatorExportedReading",
        "OperatorKnownOutage",
        "OperatorStats",
      ]),
    );
  });

  it("serves a browsable page without a token", async () => {
    const page = await app.inject({ method: "GET", url: "/api/docs/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain("swagger-ui");
  });
});

describe("GET /api/v1/stats", () => {
  it("counts users per channel, verified accounts, the period's submissions and open work", async () => {
    const prisma = db.prisma;
    const [a1, a2, a3, a4] = [
      await seedAccount(prisma),
      await seedAccount(prisma),
      await seedAccount(prisma),
      await seedAccount(prisma),
    ];
    const t1 = await seedUser(prisma, { channel: "telegram" });
    await seedUser(prisma, { channel: "telegram", status: "blocked" });
    const v1 = await seedUser(prisma, { channel: "viber" });
    await seedUser(prisma, { channel: "web" });
    await link(prisma, t1.id, a1!.id, "Квартира");
    await link(prisma, v1.id, a1!.id, "Мама");
    await link(prisma, v1.id, a2!.id, "Дача");
    const taken = new Date("2026-11-29T08:00:00Z");
    await prisma.meterReading.createMany({
      data: [
        // a1 corrected once: still one account with a reading.
        {
          accountId: a1!.id,
          period: "2026-12",
          t1: 10,
          takenAt: taken,
          source: "telegram",
          status: "superseded",
        },
        { accountId: a1!.id, period: "2026-12", t1: 11, takenAt: taken, source: "telegram" },
        { accountId: a2!.id, period: "2026-12", t1: 20, takenAt: taken, source: "viber", status: "flagged" },
        // Superseded only, or another period: not counted.
        { accountId: a3!.id, period: "2026-12", t1: 30, takenAt: taken, source: "web", status: "superseded" },
        { accountId: a4!.id, period: "2026-11", t1: 40, takenAt: taken, source: "billing" },
      ],
    });
    await prisma.outageReport.createMany({
      data: [
        { accountId: a1!.id, scope: "home" },
        { accountId: a2!.id, scope: "home", status: "crew_dispatched" },
        { accountId: a3!.id, scope: "home", status: "restored" },
      ],
    });
    await prisma.serviceOrder.createMany({
      data: [
        {
          accountId: a1!.id,
          type: "sealing",
          description: "x",
          contactPhone: "380671234567",
          status: "in_progress",
        },
        {
          accountId: a2!.id,
          type: "sealing",
          description: "x",
          contactPhone: "380671234567",
          status: "cancelled",
        },
      ],
    });
    await prisma.knownOutage.create({ data: { areaCodes: ["DNP-01"], kind: "planned", startsAt: taken } });

    const response = await app.inject({ method: "GET", url: "/api/v1/stats", headers: AUTH });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      period: "2026-12",
      usersPerChannel: {
        telegram: { total: 2, active: 1 },
        viber: { total: 1, active: 1 },
        web: { total: 1, active: 1 },
      },
      accounts: 4,
      verifiedAccounts: 2,
      accountsWithReading: 2,
      submissionRate: 0.5,
      openOutageReports: 2,
      openServiceOrders: 1,
      activeKnownOutages: 1,
    });

    const november = await app.inject({ method: "GET", url: "/api/v1/stats?period=2026-11", headers: AUTH });
    expect(november.json()).toMatchObject({
      period: "2026-11",
      accountsWithReading: 1,
      submissionRate: 0.25,
    });
    const bad = await app.inject({ method: "GET", url: "/api/v1/stats?period=november", headers: AUTH });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues).toEqual([{ path: "querystring.period", reason: "must be YYYY-MM" }]);
  });
});
