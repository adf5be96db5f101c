// `npm run import:addresses -- <file.csv>`: upsert the address directory (settlement,street,building,
// outage_queue) into DATABASE_URL (or the embedded Postgres under DATA_DIR when unset), with a
// report of rejected rows at the end. Same rules as POST /api/v1/address-queues/import.
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { loadConfig, ConfigError } from "../src/config.js";
import { openDatabase } from "../src/db/open.js";
import { CsvHeaderError } from "../src/import/accounts-csv.js";
import { importAddressQueuesCsv } from "../src/import/address-queues-csv.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: npm run import:addresses -- <file.csv>");
  process.exit(2);
}
try {
  await access(file);
} catch {
  console.error(`cannot read ${file}`);
  process.exit(2);
}

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

const db = await openDatabase(config.db, { migrate: true });
try {
  const report = await importAddressQueuesCsv(db.sql, createReadStream(file));
  console.log(`Imported ${report.imported} addresses, rejected ${report.rejectedTotal} rows.`);
  for (const r of report.rejected) console.log(`  line ${r.line}: ${r.reason}`);
  if (report.rejectedTotal > report.rejected.length) {
    console.log(`  ... and ${report.rejectedTotal - report.rejected.length} more`);
  }
} catch (error) {
  console.error(error instanceof CsvHeaderError ? `Not an address directory CSV: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  await db.close();
}
