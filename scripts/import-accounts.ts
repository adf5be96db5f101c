// `npm run import:accounts -- <file.csv>`: upsert accounts from the billing system's CSV into
// DATABASE_URL (or the embedded Postgres under DATA_DIR when unset), with progress on a terminal
// and a report of rejected rows at the end.
import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { loadConfig, ConfigError } from "../src/config.js";
import { openDatabase } from "../src/db/open.js";
import { importAccountsCsv, CsvHeaderError } from "../src/import/accounts-csv.js";

const file = process.argv[2];
if (!file) {
  console.error("usage: npm run import:accounts -- <file.csv>");
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
const tty = process.stderr.isTTY === true;
const started = Date.now();
let peakRss = process.memoryUsage().rss;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 200);
try {
  const report = await importAccountsCsv(db.sql, createReadStream(file), {
    onProgress: ({ rows, imported, rejected }) => {
      if (tty) process.stderr.write(`\r${rows} rows read, ${imported} imported, ${rejected} rejected`);
    },
  });
  if (tty) process.stderr.write("\n");
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const peakMb = Math.round(Math.max(peakRss, process.memoryUsage().rss) / 1_048_576);
  console.log(
    `Imported ${report.imported} accounts, rejected ${report.rejectedTotal} rows in ${seconds} s (peak RSS ${peakMb} MB).`,
  );
  for (const r of report.rejected) console.log(`  line ${r.line}: ${r.reason}`);
  if (report.rejectedTotal > report.rejected.length) {
    console.log(`  ... and ${report.rejectedTotal - report.rejected.length} more`);
  }
} catch (error) {
  console.error(error instanceof CsvHeaderError ? `Not an account CSV: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  clearInterval(sampler);
  await db.close();
}
