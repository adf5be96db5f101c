// The readings billing takes for a period: per account, the newest submission that is not
// superseded (a corrected reading counts once, as its last version). Produced in keyset batches over
// the account table and written out as it goes, so a period of 100,000 accounts never sits in memory.
// Runs on the plain pg pool for bulk work (createSqlPool), like the account import.
import { Readable } from "node:stream";
import type { ReadingSource } from "../generated/prisma/client.js";
import { readingPhotoPath } from "./api-paths.js";

/** The part of a pg Pool the bulk paths use (the account importer's SqlRunner is the same shape). */
export interface BulkSql {
  query(sql: string, params: unknown[]): Promise<{ rows: unknown[] }>;
}

export interface ExportedReading {
  accountNumber: string;
  period: string;
  t1: number;
  t2: number | null;
  t3: number | null;
  submittedAt: Date;
  source: ReadingSource;
  /** accepted, or flagged for review (far above the forecast...). */
  status: "accepted" | "flagged";
  flagReason: string | null;
  /** Whether it was taken inside the reading window. */
  inWindow: boolean;
  /** Where the operator API serves the meter photo; null without one. JSON only: the CSV is billing's. */
  photoUrl: string | null;
}

interface BatchRow {
  account_id: number;
  account_number: string;
  t1: number | null;
  t2: number | null;
  t3: number | null;
  taken_at: Date | null;
  source: ReadingSource | null;
  status: "accepted" | "flagged" | null;
  flag_reason: string | null;
  in_window: boolean | null;
  reading_id: number | null;
  has_photo: boolean | null;
}

/** Accounts per round trip: big enough to amortise the query, small enough to keep memory flat. */
export const EXPORT_BATCH_SIZE = 2_000;

/**
 * Yields the counted readings batch by batch, in account id order. The batch is a slice of the
 * account table (primary key range) joined laterally to that account's newest live reading, so
 * every query costs the same however far into the period it is.
 */
export async function* countedReadings(
  sql: BulkSql,
  period: string,
  batchSize: number = EXPORT_BATCH_SIZE,
): AsyncGenerator<ExportedReading[]> {
  let afterAccountId = 0;
  for (;;) {
    const result = await sql.query(
      `WITH batch AS (
         SELECT id, number FROM account WHERE id > $1 ORDER BY id LIMIT $2
       )
       SELECT b.id AS account_id, b.number AS account_number,
              r.t1, r.t2, r.t3, r.taken_at, r.source::text AS source, r.status::text AS status,
              r.flag_reason, r.in_window, r.id AS reading_id, r.photo_ref IS NOT NULL AS has_photo
       FROM batch b
       LEFT JOIN LATERAL (
         SELECT id, t1, t2, t3, taken_at, source, status, flag_reason, in_window, photo_ref
         FROM meter_reading
         WHERE account_id = b.id AND period = $3 AND status <> 'superseded'
         ORDER BY created_at DESC, id DESC
         LIMIT 1
       ) r ON true
       ORDER BY b.id`,
      [afterAccountId, batchSize, period],
    );
    const rows = result.rows as BatchRow[];
    const last = rows.at(-1);
    if (!last) return;
    afterAccountId = last.account_id;
    const readings: ExportedReading[] = [];
    for (const row of rows) {
      if (row.t1 === null || row.taken_at === null || row.source === null || row.status === null) continue;
      readings.push({
        accountNumber: row.account_number,
        period,
        t1: row.t1,
        t2: row.t2,
        t3: row.t3,
        submittedAt: row.taken_at,
        source: row.source,
        status: row.status,
        flagReason: row.flag_reason,
        inWindow: row.in_window ?? true,
        photoUrl: row.has_photo === true && row.reading_id !== null ? readingPhotoPath(row.reading_id) : null,
      });
    }
    if (readings.length > 0) yield readings;
    if (rows.length < batchSize) return;
  }
}

export const CSV_COLUMNS = [
  "account_number",
  "period",
  "t1",
  "t2",
  "t3",
  "submitted_at",
  "source",
  "status",
  "flag_reason",
  "in_window",
] as const;

/** RFC 4180: quote a field when it holds a comma, quote or line break; double inner quotes. */
function csvField(value: string | number | boolean | null): string {
  if (value === null) return "";
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvLine(r: ExportedReading): string {
  return [
    r.accountNumber,
    r.period,
    r.t1,
    r.t2,
    r.t3,
    r.submittedAt.toISOString(),
    r.source,
    r.status,
    r.flagReason,
    r.inWindow,
  ]
    .map(csvField)
    .join(",");
}

function jsonRow(r: ExportedReading): string {
  return JSON.stringify({ ...r, submittedAt: r.submittedAt.toISOString() });
}

async function* csvChunks(batches: AsyncIterable<ExportedReading[]>): AsyncGenerator<string> {
  yield `${CSV_COLUMNS.join(",")}\r\n`;
  for await (const batch of batches) yield batch.map((r) => `${csvLine(r)}\r\n`).join("");
}

async function* jsonChunks(batches: AsyncIterable<ExportedReading[]>): AsyncGenerator<string> {
  yield "[";
  let first = true;
  for await (const batch of batches) {
    const body = batch.map(jsonRow).join(",");
    yield first ? body : `,${body}`;
    first = false;
  }
  yield "]\n";
}

/** Yields `first` (already fetched) and then the rest of `batches`. */
async function* prefetched(
  first: IteratorResult<ExportedReading[]>,
  batches: AsyncGenerator<ExportedReading[]>,
): AsyncGenerator<ExportedReading[]> {
  if (first.done) return;
  yield first.value;
  yield* batches;
}

/**
 * Opens the export as a readable stream. The first batch is fetched before the stream is returned,
 * so a database that cannot answer fails the request cleanly (an error status) instead of cutting a
 * response that already started. After that, Readable.from pulls the next batch only when the
 * consumer (the HTTP response) has drained the previous one: memory is bounded by one batch.
 */
export async function openReadingsExport(
  sql: BulkSql,
  period: string,
  format: "csv" | "json",
  batchSize: number = EXPORT_BATCH_SIZE,
): Promise<Readable> {
  const batches = countedReadings(sql, period, batchSize);
  const all = prefetched(await batches.next(), batches);
  return Readable.from(format === "csv" ? csvChunks(all) : jsonChunks(all), { objectMode: false });
}
