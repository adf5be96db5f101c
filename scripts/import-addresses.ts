// `npm run import:addresses -- <file.csv>`: upsert the address directory (settlement,street,building,
// outage_queue) into DATABASE_URL (or the embedded Postgres under DATA_DIR when unset), with a
// report of rejected rows at the end. Same rules as POST /api/v1/address-queues/import.
import { createReadStream } from "node:fs";
import { importAddressQueuesCsv } from "../src/import/address-queues-csv.js";
import { CsvHeaderError } from "../src/import/csv-batches.js";
import { openForCsvImport, printRejected } from "./csv-import-cli.js";

const { file, db } = await openForCsvImport("import:addresses");
try {
  const report = await importAddressQueuesCsv(db.sql, createReadStream(file));
  console.log(`Imported ${report.imported} addresses, rejected ${report.rejectedTotal} rows.`);
  printRejected(report);
} catch (error) {
  console.error(error instanceof CsvHeaderError ? `Not an address directory CSV: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await db.close();
}
