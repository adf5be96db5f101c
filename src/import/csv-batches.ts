// The streaming part every CSV import shares: csv-parse with a header check, one zod schema per row,
// rows kept by a key in batches (the same key twice keeps the later row), and a report of rejected
// rows by line. A bad row never stops good ones; an unreadable file stops at the line it breaks.
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import type { z } from "zod";

export interface ImportReport {
  imported: number;
  rejected: { line: number; reason: string }[];
  /** Rejections beyond this many are counted but not listed. */
  rejectedTotal: number;
}

export interface ImportOptions {
  batchSize?: number;
  maxListedRejections?: number;
  onProgress?: (progress: { rows: number; imported: number; rejected: number }) => void;
}

/** The file is not of the expected format (its header lacks columns). */
export class CsvHeaderError extends Error {
  override readonly name = "CsvHeaderError";
  constructor(
    message: string,
    /** What the file should have been: "account", "address directory". */
    readonly format = "account",
  ) {
    super(message);
  }
}

export interface CsvImport<Row> {
  /** Columns the header must have; `format` names the file in a CsvHeaderError. */
  columns: readonly string[];
  format: string;
  /** Sees the header's (lower-cased) column names, e.g. to note which optional columns are present. */
  onHeader?: (names: string[]) => void;
  schema: z.ZodType<Row>;
  /** A further check of a valid row: the reason it is rejected, or null. */
  check?: (row: Row) => string | null;
  /** The key the batch keeps rows by. */
  key: (row: Row) => string;
  /** Stores a batch; answers how many were stored and rejects the others by line. */
  store: (
    entries: { line: number; row: Row }[],
    reject: (line: number, reason: string) => void,
  ) => Promise<number>;
}

/** "building is required; outage_queue must be …": each issue by its column. */
function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? String(issue.path[0]) : "row"} ${issue.message}`)
    .join("; ");
}

export async function importCsvInBatches<Row>(
  input: Readable,
  spec: CsvImport<Row>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = options.batchSize ?? 1000;
  const maxListed = options.maxListedRejections ?? 1000;
  const report: ImportReport = { imported: 0, rejected: [], rejectedTotal: 0 };
  const reject = (line: number, reason: string) => {
    report.rejectedTotal++;
    if (report.rejected.length < maxListed) report.rejected.push({ line, reason });
  };

  const parser = parse({
    bom: true,
    columns: (header: string[]) => {
      const names = header.map((h) => h.trim().toLowerCase());
      const missing = spec.columns.filter((c) => !names.includes(c));
      if (missing.length > 0) throw new CsvHeaderError(`missing columns: ${missing.join(", ")}`, spec.format);
      spec.onHeader?.(names);
      return names;
    },
    skip_empty_lines: true,
    relax_column_count: true,
    info: true,
  });
  // An error on the input (a client aborting an upload) must end the import, not leave it waiting.
  input.on("error", (error) => parser.destroy(error));
  input.pipe(parser);

  let batch = new Map<string, { line: number; row: Row }>();
  let rows = 0;
  const flush = async () => {
    if (batch.size === 0) return;
    const entries = [...batch.values()];
    batch = new Map();
    report.imported += await spec.store(entries, reject);
    options.onProgress?.({ rows, imported: report.imported, rejected: report.rejectedTotal });
  };

  try {
    for await (const record of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      rows++;
      const line = record.info.lines;
      const parsed = spec.schema.safeParse(record.record);
      if (!parsed.success) {
        reject(line, describe(parsed.error));
        continue;
      }
      const problem = spec.check?.(parsed.data) ?? null;
      if (problem !== null) {
        reject(line, problem);
        continue;
      }
      const key = spec.key(parsed.data);
      batch.delete(key);
      batch.set(key, { line, row: parsed.data });
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
