// Accounts over the operator API: the billing CSV streamed into the shared importer with its report,
// and one account's view with linked users per channel, masked phones and last readings.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, buildOperatorApp, link, seedUser } from "./support.js";

let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildOperatorApp(db);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const HEADER =
  "account_number,eic,holder_name,phones,settlement,street,building,apartment,area_code,meter_serial,meter_digits,zones,last_reading_date,last_reading_t1,last_reading_t2,last_reading_t3";

const CSV = [
  HEADER,
  "3000000001,,Шевченко Тарас Григорович,+380671110001;0501112233,Дніпро,просп. Дмитра Яворницького,10,5,DNP-01,01234567,6,1,,,,",
  "3000000002,,Коваленко Олена Петрівна,0501110002,Дніпро,вул. Січеславська Набережна,15,12,DNP-02,11223344,6,2,,,,",
  "3000000003,,Бондар Петро,0501110003,Дніпро,вул. Робоча,1,,DNP-02,99887766,6,4,,,,",
].join("\n");

function importCsv(body: string, headers: Record<string, string> = AUTH) {
  return app.inject({
    method: "POST",
    url: "/api/v1/accounts/import",
    headers: { ...headers, "content-type": "text/csv" },
    payload: body,
  });
}

describe("POST /api/v1/accounts/import", () => {
  it("imports good rows and reports bad ones by line", async () => {
    const response = await importCsv(CSV);
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report.imported).toBe(2);
    expect(report.rejectedTotal).toBe(1);
    expect(report.rejected).toEqual([{ line: 4, reason: expect.stringContaining("zones") }]);
    const stored = await db.prisma.account.findMany({
      orderBy: { number: "asc" },
      select: { number: true, zones: true, phones: true },
    });
    expect(stored).toEqual([
      { number: "3000000001", zones: 1, phones: ["380671110001", "380501112233"] },
      { number: "3000000002", zones: 2, phones: ["380501110002"] },
    ]);
  });

  it("answers 400 naming the missing columns of a CSV that is not an account file", async () => {
    const response = await importCsv("number,name\n1,x\n");
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: "bad_request",
      message: "Not an account CSV",
      issues: [{ path: "body.header", reason: expect.stringContaining("account_number") }],
    });
  });

  it("refuses other media types and unauthenticated uploads", async () => {
    const json = await app.inject({
      method: "POST",
      url: "/api/v1/accounts/import",
      headers: AUTH,
      payload: { a: 1 },
    });
    expect(json.statusCode).toBe(415);
    expect((await importCsv(CSV, {})).statusCode).toBe(401);
  });
});

describe("GET /api/v1/accounts/{number}", () => {
  it("shows the account, its users per channel with masked phones, and its last readings", async () => {
    const account = await db.prisma.account.findUniqueOrThrow({ where: { number: "3000000002" } });
    const telegramUser = await seedUser(db.prisma, {
      channel: "telegram",
      phone: "380501110002",
      language: "uk",
    });
    const viberUser = await seedUser(db.prisma, { channel: "viber", language: "en" });
    await link(db.prisma, telegramUser.id, account.id, "Квартира");
    await link(db.prisma, viberUser.id, account.id, "Mum's flat");
    await db.prisma.meterReading.createMany({
      data: [
        {
          accountId: account.id,
          period: "2026-10",
          t1: 100,
          t2: 50,
          takenAt: new Date("2026-10-01T08:00:00Z"),
          source: "billing",
        },
        {
          accountId: account.id,
          period: "2026-11",
          t1: 180,
          t2: 90,
          takenAt: new Date("2026-11-01T08:00:00Z"),
          source: "telegram",
          status: "flagged",
          flagReason: "far above forecast",
          userId: telegramUser.id,
        },
      ],
    });

    const response = await app.inject({ method: "GET", url: "/api/v1/accounts/3000000002", headers: AUTH });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      number: "3000000002",
      holderName: "Коваленко Олена Петрівна",
      phones: ["380*******02"],
      address: {
        settlement: "Дніпро",
        street: "вул. Січеславська Набережна",
        building: "15",
        apartment: "12",
      },
      areaCode: "DNP-02",
      meter: { serial: "11223344", digits: 6, zones: 2 },
    });
    expect(body.linkedUsers.telegram).toEqual([
      expect.objectContaining({
        userId: telegramUser.id,
        label: "Квартира",
        phone: "380*******02",
        language: "uk",
        status: "active",
      }),
    ]);
    expect(body.linkedUsers.viber).toEqual([
      expect.objectContaining({ userId: viberUser.id, label: "Mum's flat", phone: null, language: "en" }),
    ]);
    expect(body.linkedUsers.web).toEqual([]);
    expect(body.lastReadings).toEqual([
      {
        period: "2026-11",
        t1: 180,
        t2: 90,
        t3: null,
        takenAt: "2026-11-01T08:00:00.000Z",
        source: "telegram",
        status: "flagged",
        flagReason: "far above forecast",
        photoUrl: null,
      },
      {
        period: "2026-10",
        t1: 100,
        t2: 50,
        t3: null,
        takenAt: "2026-10-01T08:00:00.000Z",
        source: "billing",
        status: "accepted",
        flagReason: null,
        photoUrl: null,
      },
    ]);
    expect(response.body).not.toContain("380501110002");
  });

  it("answers 404 for an unknown account and 400 for a malformed number", async () => {
    const missing = await app.inject({ method: "GET", url: "/api/v1/accounts/9999999999", headers: AUTH });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: "not_found", message: "account 9999999999 not found" });
    const malformed = await app.inject({ method: "GET", url: "/api/v1/accounts/12ab", headers: AUTH });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toEqual({
      error: "bad_request",
      message: "The request is invalid",
      issues: [{ path: "params.number", reason: "must be 1 to 20 digits" }],
    });
  });
});
