// The billing import: good rows upserted, bad rows reported by line with a reason, re-import
// idempotent, the last reading stored as a billing reading.
import { Readable } from "node:stream";
import type pg from "pg";
import { createSqlPool } from "../../src/db/client.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importAccountsCsv, CsvHeaderError, ACCOUNT_CSV_COLUMNS } from "../../src/import/accounts-csv.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const header = ACCOUNT_CSV_COLUMNS.join(",");
const csv = (...lines: string[]) => Readable.from([`${header}\n${lines.join("\n")}\n`]);

let db: TestDatabase;
let sql: pg.Pool;
beforeAll(async () => {
  db = await createTestDatabase();
  sql = createSqlPool(db.url);
});
afterAll(async () => {
  await sql.end();
  await db.drop();
});

describe("importAccountsCsv", () => {
  it("imports good rows and reports each bad row with its line and reason", async () => {
    const report = await importAccountsCsv(
      sql,
      csv(
        "2000000001,62Z400000000001X,Іваненко Іван,0671234567;+380 50 123 45 67,Дніпро,вул. Робоча,1,2,DNP-01,A123,6,2,2026-10-31,100,50,",
        "2000000002,,Петренко Петро,,Дніпро,вул. Робоча,3,,DNP-01,B456,5,1,,,,",
        "abc,,Хтось,,Дніпро,вул. Робоча,3,,DNP-01,B456,5,1,,,,",
        "2000000003,,Сидоренко,12345,Дніпро,вул. Робоча,3,,DNP-01,B456,5,1,,,,",
        "2000000004,,Сидоренко,,Дніпро,вул. Робоча,3,,DNP-01,B456,5,4,,,,",
        "2000000005,,Сидоренко,,Дніпро,вул. Робоча,3,,DNP-01,B456,5,2,2026-10-31,100,,",
        "2000000006,62Z400000000001Y,Сидоренко,,Дніпро,вул. Робоча,3,,DNP-01,B456,5,1,,,,",
        "2000000007,,Сидоренко,,Дніпро,вул. Робоча,3,,DNP-01,B456,5,1,2026-10-31,100000,,",
      ),
    );
    expect(report.imported).toBe(2);
    expect(report.rejected.map((r) => r.line)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(report.rejected[0]?.reason).toMatch(/account_number must be 5-20 digits/);
    expect(report.rejected[1]?.reason).toMatch(/not a Ukrainian phone number/);
    expect(report.rejected[2]?.reason).toMatch(/zones must be 1, 2 or 3/);
    expect(report.rejected[3]?.reason).toMatch(/last_reading_t2 is required for a 2-zone meter/);
    expect(report.rejected[4]?.reason).toMatch(/eic is not a valid/);
    expect(report.rejected[5]?.reason).toMatch(/exceeds the meter's 5 digits/);

    const account = await db.prisma.account.findUniqueOrThrow({
      where: { number: "2000000001" },
      include: { readings: true },
    });
    expect(account.phones).toEqual(["380671234567", "380501234567"]);
    expect(account.zones).toBe(2);
    expect(account.readings).toHaveLength(1);
    expect(account.readings[0]).toMatchObject({
      t1: 100,
      t2: 50,
      t3: null,
      source: "billing",
      period: "2026-11",
    });
  });

  it("is idempotent: importing the same file again updates, never duplicates", async () => {
    const line =
      "2000000001,62Z400000000001X,Іваненко Іван Оновлений,0671234567,Дніпро,вул. Робоча,1,2,DNP-02,A123,6,2,2026-10-31,100,50,";
    const report = await importAccountsCsv(sql, csv(line, line));
    expect(report).toMatchObject({ imported: 1, rejectedTotal: 0 });
    const account = await db.prisma.account.findUniqueOrThrow({
      where: { number: "2000000001" },
      include: { readings: true },
    });
    expect(account.holderName).toBe("Іваненко Іван Оновлений");
    expect(account.areaCode).toBe("DNP-02");
    expect(account.readings).toHaveLength(1);
  });

  it("accepts meter serials as plates print them; rejects placeholders with no digit or under 3 characters", async () => {
    const row = (n: number, serial: string) =>
      `20000001${String(n).padStart(2, "0")},,Сидоренко,,Дніпро,вул. Робоча,3,,DNP-01,${serial},6,1,,,,`;
    const report = await importAccountsCsv(
      sql,
      csv(
        row(20, "01234567"),
        row(21, "123456789012"),
        row(22, "0123 4567"),
        row(23, "12345678/05/19"),
        row(24, "АБ123456"),
        row(25, "ME162-0012345"),
        row(26, "12"),
        row(27, "0"),
        row(28, "-"),
        row(29, "НЕМАЄ"),
        row(30, "1-2"),
        row(31, "1".repeat(33)),
      ),
    );
    expect(report.imported).toBe(6);
    expect(report.rejected.map((r) => r.line)).toEqual([8, 9, 10, 11, 12, 13]);
    for (const rejected of report.rejected.slice(0, 5)) {
      expect(rejected.reason).toMatch(/meter_serial must be 3-32 letters and digits with at least one digit/);
    }
    expect(report.rejected[5]?.reason).toMatch(/meter_serial must be at most 32 characters/);
    const stored = await db.prisma.account.findUniqueOrThrow({ where: { number: "2000000123" } });
    expect(stored.meterSerial).toBe("12345678/05/19");
  });

  it("rejects a row whose EIC belongs to another account without losing the rest of the batch", async () => {
    const report = await importAccountsCsv(
      sql,
      csv(
        "2000000010,62Z400000000001X,Клон,,Дніпро,вул. Робоча,1,,DNP-01,CX1,6,1,,,,",
        "2000000011,,Добрий Рядок,,Дніпро,вул. Робоча,1,,DNP-01,CX2,6,1,,,,",
      ),
    );
    expect(report.imported).toBe(1);
    expect(report.rejected).toEqual([{ line: 2, reason: "eic is already used by another account" }]);
    expect(await db.prisma.account.count({ where: { number: "2000000011" } })).toBe(1);
  });

  it("ends with the input's error when the input fails mid-file (an aborted upload)", async () => {
    const input = new Readable({ read() {} });
    input.push(`${header}\n`);
    const importing = importAccountsCsv(sql, input);
    setTimeout(() => input.destroy(new Error("client aborted")), 20);
    await expect(importing).rejects.toThrow("client aborted");
  });

  it("imports the optional outage_queue and avg_daily_kwh columns; a 16-column file keeps them", async () => {
    const wide = (...lines: string[]) =>
      Readable.from([`${header},outage_queue,avg_daily_kwh\n${lines.join("\n")}\n`]);
    const report = await importAccountsCsv(
      sql,
      wide(
        "2000000020,,Черговий,,Дніпро,вул. Робоча,5,,DNP-01,Q001,6,1,,,,,3.2,7.45",
        "2000000021,,Міський,,Дніпро,вул. Робоча,6,,DNP-01,Q002,6,1,,,,,1001.1,",
        "2000000022,,Без черги,,Дніпро,вул. Робоча,7,,DNP-01,Q003,6,1,,,,,,",
        "2000000023,,Погана черга,,Дніпро,вул. Робоча,8,,DNP-01,Q004,6,1,,,,,черга 3,",
        "2000000024,,Погане середнє,,Дніпро,вул. Робоча,9,,DNP-01,Q005,6,1,,,,,3.1,-4",
      ),
    );
    expect(report.imported).toBe(3);
    expect(report.rejected.map((r) => r.line)).toEqual([5, 6]);
    expect(report.rejected[0]?.reason).toMatch(/outage_queue must be a queue code/);
    expect(report.rejected[1]?.reason).toMatch(/avg_daily_kwh must be a non-negative number/);
    const stored = await db.prisma.account.findMany({
      where: { number: { in: ["2000000020", "2000000021", "2000000022"] } },
      orderBy: { number: "asc" },
      select: { outageQueue: true, avgDailyKwh: true },
    });
    expect(stored).toEqual([
      { outageQueue: "3.2", avgDailyKwh: 7.45 },
      { outageQueue: "1001.1", avgDailyKwh: null },
      { outageQueue: null, avgDailyKwh: null },
    ]);

    // The old 16-column format still imports and leaves the new columns as they were.
    const again = await importAccountsCsv(
      sql,
      csv("2000000020,,Черговий,,Дніпро,вул. Робоча,5,,DNP-01,Q001,6,1,,,,"),
    );
    expect(again.imported).toBe(1);
    const kept = await db.prisma.account.findUniqueOrThrow({ where: { number: "2000000020" } });
    expect(kept).toMatchObject({ outageQueue: "3.2", avgDailyKwh: 7.45 });
  });

  it("refuses a file without the expected header", async () => {
    await expect(importAccountsCsv(sql, Readable.from(["number,name\n1,x\n"]))).rejects.toBeInstanceOf(
      CsvHeaderError,
    );
  });
});
