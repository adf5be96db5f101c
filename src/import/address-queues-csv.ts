// The address directory (settlement, street, building -> outage queue), so anyone can find their
// queue by address. Streams the CSV (csv-parse), checks each row, upserts by the lookup keys
// (src/schedules/address-key.ts) in batches, and reports rejected rows by line with a reason:
// the same report as the account import.
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import { z } from "zod";
import { addressKey, buildingKey } from "../schedules/address-key.js";
import { CsvHeaderError, QUEUE_CODE_PATTERN, type ImportOptions, type ImportReport } from "./accounts-csv.js";

export const ADDRESS_CSV_COLUMNS = ["settlement", "street", "building", "outage_queue"] as const;

const cell = (max: number) =>
  z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().min(1, "is required").max(max));

const rowSchema = z.object({
  settlement: cell(100).refine((s) => s === "" || addressKey(s) !== "", "has no name besides its type word"),
  street: cell(150).refine((s) => s === "" || addressKey(s) !== "", "has no name besides its type word"),
  building: cell(20).refine((s) => s === "" || buildingKey(s) !== "", "is required"),
  outage_queue: z
    .string()
    .transform((s) => s.trim())
    .pipe(z.string().regex(QUEUE_CODE_PATTERN, 'must be a queue code like "3.2"')),
});

/** A pg Pool or Client: SQL with parameters, answering rows. */
export interface RowsSql {
  query(sql: string, params: unknown[]): Promise<{ rows: unknown[] }>;
}

type AddressRow = z.infer<typeof rowSchema> & { keys: string };

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? String(issue.path[0]) : "row"} ${issue.message}`)
    .join("; ");
}

/**
 * Imports the address directory. Queue codes must be configured (GET /api/v1/outage-queues); a row
 * naming another is rejected. The same address twice keeps the later row.
 */
export async function importAddressQueuesCsv(
  sql: RowsSql,
  input: Readable,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 1000;
  const maxListed = options.maxListedRejections ?? 1000;
  const report: ImportReport = { imported: 0, rejected: [], rejectedTotal: 0 };
  const reject = (line: number, reason: string) => {
    report.rejectedTotal++;
    if (report.rejected.length < maxListed) report.rejected.push({ line, reason });
  };
  const queues = new Set(
    (await sql.query("SELECT code FROM outage_queue", [])).rows.map((row) => (row as { code: string }).code),
  );

  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim().toLowerCase());
      const missing = ADDRESS_CSV_COLUMNS.filter((c) => !names.includes(c));
      if (missing.length > 0)
        throw new CsvHeaderError(`missing columns: ${missing.join(", ")}`, "address directory");
      return names;
    },
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  });
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);

  let batch = new Map<string, AddressRow>();
  let rows = 0;
  const flush = async () => {
    if (batch.size === 0) return;
    const entries = [...batch.values()];
    batch = new Map();
    await sql.query(UPSERT_SQL, [
      JSON.stringify(
        entries.map((row) => ({
          settlement: row.settlement,
          street: row.street,
          building: row.building,
          queue: row.outage_queue,
          settlement_key: addressKey(row.settlement),
          street_key: addressKey(row.street),
          building_key: buildingKey(row.building),
        })),
      ),
    ]);
    report.imported += entries.length;
    options.onProgress?.({ rows, imported: report.imported, rejected: report.rejectedTotal });
  };

  try {
    for await (const record of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      rows++;
      const line = record.info.lines;
      const parsed = rowSchema.safeParse(record.record);
      if (!parsed.success) {
        reject(line, describe(parsed.error));
        continue;
      }
      if (!queues.has(parsed.data.outage_queue)) {
        reject(line, `outage_queue ${parsed.data.outage_queue} is not a configured queue`);
        continue;
      }
      const keys = [
        addressKey(parsed.data.settlement),
        addressKey(parsed.data.street),
        buildingKey(parsed.data.building),
      ].join("\u0000");
      batch.delete(keys);
      batch.set(keys, { ...parsed.data, keys });
      if (batch.size >= batchSize) await flush();
    }
  } catch (error) {
    if (error instanceof CsvHeaderError) throw error;
    const err = error as { code?: string; lines?: number; message?: string };
    if (typeof err.code === "string" && err.code.startsWith("CSV_")) {
      await flush();
      reject(err.lines ?? rows + 1, `unreadable CSV: ${err.message ?? err.code}`);
      return report;
    }
    throw error;
  }
  await flush();
  return report;
}

const UPSERT_SQL = `
  INSERT INTO address_queue (settlement, street, building, queue, settlement_key, street_key, building_key, updated_at)
  SELECT settlement, street, building, queue, settlement_key, street_key, building_key, now()
    FROM jsonb_to_recordset($1::jsonb) AS x(settlement text, street text, building text, queue text,
                                            settlement_key text, street_key text, building_key text)
  ON CONFLICT (settlement_key, street_key, building_key) DO UPDATE SET
    settlement = EXCLUDED.settlement, street = EXCLUDED.street, building = EXCLUDED.building,
    queue = EXCLUDED.queue, updated_at = now()`;
