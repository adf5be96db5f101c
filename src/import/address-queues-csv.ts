// The address directory (settlement, street, building -> outage queue), so anyone can find their
// queue by address. Streams the CSV (csv-parse), checks each row, upserts by the lookup keys
// (src/schedules/address-key.ts) in batches, and reports rejected rows by line with a reason:
// the same report as the account import.
import type { Readable } from "node:stream";
import { z } from "zod";
import { addressKey, buildingKey } from "../schedules/address-key.js";
import { QUEUE_CODE_PATTERN } from "./accounts-csv.js";
import { importCsvInBatches, type ImportOptions, type ImportReport } from "./csv-batches.js";

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

type AddressRow = z.infer<typeof rowSchema>;

/**
 * Imports the address directory. Queue codes must be configured (GET /api/v1/outage-queues); a row
 * naming another is rejected. The same address twice keeps the later row.
 */
export async function importAddressQueuesCsv(
  sql: RowsSql,
  input: Readable,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const { rows } = await sql.query("SELECT code FROM outage_queue", []);
  const queues = new Set(rows.map((row) => (row as { code: string }).code));
  return importCsvInBatches(
    input,
    {
      columns: ADDRESS_CSV_COLUMNS,
      format: "address directory",
      schema: rowSchema,
      check: (row) =>
        queues.has(row.outage_queue) ? null : `outage_queue ${row.outage_queue} is not a configured queue`,
      key: (row) =>
        [addressKey(row.settlement), addressKey(row.street), buildingKey(row.building)].join("\u0000"),
      store: async (entries) => {
        await sql.query(UPSERT_SQL, [JSON.stringify(entries.map((entry) => toRecord(entry.row)))]);
        return entries.length;
      },
    },
    options,
  );
}

function toRecord(row: AddressRow) {
  return {
    settlement: row.settlement,
    street: row.street,
    building: row.building,
    queue: row.outage_queue,
    settlement_key: addressKey(row.settlement),
    street_key: addressKey(row.street),
    building_key: buildingKey(row.building),
  };
}

const UPSERT_SQL = `
  INSERT INTO address_queue (settlement, street, building, queue, settlement_key, street_key, building_key, updated_at)
  SELECT settlement, street, building, queue, settlement_key, street_key, building_key, now()
    FROM jsonb_to_recordset($1::jsonb) AS x(settlement text, street text, building text, queue text,
                                            settlement_key text, street_key text, building_key text)
  ON CONFLICT (settlement_key, street_key, building_key) DO UPDATE SET
    settlement = EXCLUDED.settlement, street = EXCLUDED.street, building = EXCLUDED.building,
    queue = EXCLUDED.queue, updated_at = now()`;
