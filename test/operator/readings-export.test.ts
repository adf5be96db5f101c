// GET /api/v1/readings: per account, the reading that counts for the period (newest not superseded),
// as CSV and JSON, equal to the rows stored; a corrected reading is exported once, as corrected.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSqlPool } from "../../src/db/client.js";
import { countedReadings, openReadingsExport, type BulkSql } from "../../src/operator/readings-export.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, buildOperatorApp, seedAccount, seedUser } from "./support.js";

let db: TestDatabase;
let app: FastifyInstance;
let sql: ReturnType<typeof createSqlPool>;

const PERIOD = "2026-11";

const HEADER =
  "account_number,eic,holder_name,phones,settlement,street,building,apartment,area_code,meter_serial,meter_digits,zones,last_reading_date,last_reading_t1,last_reading_t2,last_reading_t3";

/** What billing must receive for PERIOD, in account order (see beforeAll). */
const expected = [
  {
    accountNumber: "4000000001",
    period: PERIOD,
    t1: 12_410,
    t2: null,
    t3: null,
    submittedAt: "2026-10-31T10:00:00.000Z",
    source: "telegram",
    status: "accepted",
    flagReason: null,
    inWindow: true,
    photoUrl: null,
  },
  {
    accountNumber: "4000000002",
    period: PERIOD,
    t1: 25_000,
    t2: 11_900,
    t3: null,
    submittedAt: "2026-11-02T07:30:00.000Z",
    source: "viber",
    status: "flagged",
    flagReason: 'far above forecast, "photo" requested',
    inWindow: true,
    photoUrl: null,
  },
  {
    accountNumber: "4000000003",
    period: PERIOD,
    t1: 5_000,
    t2: 3_000,
    t3: 1_000,
    submittedAt: "2026-11-10T09:00:00.000Z",
    source: "web",
    status: "accepted",
    flagReason: null,
    inWindow: false,
    photoUrl: null,
  },
  {
    accountNumber: "4000000005",
    period: PERIOD,
    t1: 777,
    t2: null,
    t3: null,
    // Imported through the API with last_reading_date 2026-10-31: noon in Kyiv, counted for November.
    submittedAt: "2026-10-31T10:00:00.000Z",
    source: "billing",
    status: "accepted",
    flagReason: null,
    inWindow: true,
    photoUrl: null,
  },
];

beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSqlPool(db.url, { max: 2 });
  app = await buildOperatorApp(db);
  const prisma = db.prisma;
  const user = await seedUser(prisma);

  // A customer corrected their reading: the first submission is superseded, only the second counts.
  const corrected = await seedAccount(prisma, { number: "4000000001" });
  await prisma.meterReading.create({
    data: {
      accountId: corrected.id,
      period: PERIOD,
      t1: 12_401,
      takenAt: new Date("2026-10-31T09:00:00Z"),
      source: "telegram",
      status: "superseded",
      userId: user.id,
    },
  });
  await prisma.meterReading.create({
    data: {
      accountId: corrected.id,
      period: PERIOD,
      t1: 12_410,
      takenAt: new Date("2026-10-31T10:00:00Z"),
      source: "telegram",
      userId: user.id,
    },
  });
  // Last month's reading of the same account is not this period's.
  await prisma.meterReading.create({
    data: {
      accountId: corrected.id,
      period: "2026-10",
      t1: 12_100,
      takenAt: new Date("2026-10-01T09:00:00Z"),
      source: "telegram",
    },
  });

  const flagged = await seedAccount(prisma, { number: "4000000002", zones: 2 });
  await prisma.meterReading.create({
    data: {
      accountId: flagged.id,
      period: PERIOD,
      t1: 25_000,
      t2: 11_900,
      takenAt: new Date("2026-11-02T07:30:00Z"),
      source: "viber",
      status: "flagged",
      flagReason: 'far above forecast, "photo" requested',
    },
  });

  // Two live rows (not superseded): the newest row counts.
  const twice = await seedAccount(prisma, { number: "4000000003", zones: 3 });
  await prisma.meterReading.create({
    data: {
      accountId: twice.id,
      period: PERIOD,
      t1: 4_900,
      t2: 2_900,
      t3: 900,
      takenAt: new Date("2026-11-09T09:00:00Z"),
      source: "web",
      inWindow: false,
    },
  });
  await prisma.meterReading.create({
    data: {
      accountId: twice.id,
      period: PERIOD,
      t1: 5_000,
      t2: 3_000,
      t3: 1_000,
      takenAt: new Date("2026-11-10T09:00:00Z"),
      source: "web",
      inWindow: false,
    },
  });

  // No reading for the period at all: not exported.
  await seedAccount(prisma, { number: "4000000004" });

  // An account imported through the API with billing's last reading.
  const imported = await app.inject({
    method: "POST",
    url: "/api/v1/accounts/import",
    headers: { ...AUTH, "content-type": "text/csv" },
    payload: `${HEADER}\n4000000005,,Мельник Ганна,0671234500,Дніпро,вул. Робоча,3,7,DNP-03,55550000,6,1,2026-10-31,777,,\n`,
  });
  expect(imported.json()).toMatchObject({ imported: 1, rejectedTotal: 0 });
});

afterAll(async () => {
  await sql.end();
  await app.close();
  await db.drop();
});

function csvOf(rows: typeof expected): string {
  const quote = (v: unknown) => {
    if (v === null) return "";
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = rows.map((r) =>
    [r.accountNumber, r.period, r.t1, r.t2, r.t3, r.submittedAt, r.source, r.status, r.flagReason, r.inWindow]
      .map(quote)
      .join(","),
  );
  return ["account_number,period,t1,t2,t3,submitted_at,source,status,flag_reason,in_window", ...lines]
    .map((l) => `${l}\r\n`)
    .join("");
}

describe("GET /api/v1/readings", () => {
  it("exports the counted readings as JSON", async () => {
    const response = await app.inject({
      method: "GET",
      url: `/api/v1/readings?period=${PERIOD}`,
      headers: AUTH,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(response.json()).toEqual(expected);
  });

  it("exports the same readings as CSV", async () => {
    const response = await app.inject({
      method: "GET",
      url: `/api/v1/readings?period=${PERIOD}&format=csv`,
      headers: AUTH,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(response.headers["content-disposition"]).toBe(`attachment; filename="readings-${PERIOD}.csv"`);
    expect(response.body).toBe(csvOf(expected));
  });

  it("exports an empty period as an empty list and a header-only CSV", async () => {
    const json = await app.inject({ method: "GET", url: "/api/v1/readings?period=2025-01", headers: AUTH });
    expect(json.json()).toEqual([]);
    const csv = await app.inject({
      method: "GET",
      url: "/api/v1/readings?period=2025-01&format=csv",
      headers: AUTH,
    });
    expect(csv.body).toBe(csvOf([]));
  });

  it("walks the accounts in keyset batches without losing or repeating one", async () => {
    const batches: number[] = [];
    const rows: unknown[] = [];
    for await (const batch of countedReadings(sql, PERIOD, 2)) {
      batches.push(batch.length);
      rows.push(...batch.map((r) => ({ ...r, submittedAt: r.submittedAt.toISOString() })));
    }
    // Accounts 1-2, 3-4 (4 has no reading), 5: three queries, one row short in the second.
    expect(batches).toEqual([2, 1, 1]);
    expect(rows).toEqual(expected);
  });

  it("queries the next batch only when the reader asks for more (the response streams)", async () => {
    let queries = 0;
    const counting: BulkSql = {
      query: (text, params) => {
        queries += 1;
        return sql.query(text, params);
      },
    };
    const stream = await openReadingsExport(counting, PERIOD, "csv", 2);
    // Opening fetched the first batch only.
    expect(queries).toBe(1);
    const iterator = stream[Symbol.asyncIterator]();
    const header = await iterator.next();
    expect(String(header.value)).toMatch(/^account_number,/);
    const firstBatch = await iterator.next();
    expect(String(firstBatch.value)).toContain("4000000001,");
    // Readable.from reads one chunk ahead at most; the last batch has not been fetched yet.
    expect(queries).toBeLessThanOrEqual(2);
    let rest = "";
    for (let next = await iterator.next(); !next.done; next = await iterator.next())
      rest += String(next.value);
    expect(queries).toBe(3);
    expect(String(header.value) + String(firstBatch.value) + rest).toBe(csvOf(expected));
  });

  it("fails cleanly with a bare 500 when the database cannot answer, before any byte is sent", async () => {
    const down: BulkSql = {
      query: () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432 (internal detail)")),
    };
    const broken = await buildOperatorApp(db, { sql: down });
    try {
      const response = await broken.inject({
        method: "GET",
        url: `/api/v1/readings?period=${PERIOD}&format=csv`,
        headers: AUTH,
      });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual({ error: "internal", message: "Internal error" });
    } finally {
      await broken.close();
    }
  });

  it("answers 400 with the field path for a bad period or format", async () => {
    const response = await app.inject({
      method: "GET",
      url: "/api/v1/readings?period=2026-13&format=xml",
      headers: AUTH,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().issues).toEqual([
      { path: "querystring.period", reason: "must be YYYY-MM" },
      { path: "querystring.format", reason: expect.stringContaining('"csv"') },
    ]);
    const missing = await app.inject({ method: "GET", url: "/api/v1/readings", headers: AUTH });
    expect(missing.statusCode).toBe(400);
    expect(missing.json().issues).toEqual([{ path: "querystring.period", reason: expect.any(String) }]);
  });
});
