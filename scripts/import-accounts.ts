// `npm run import:accounts -- <file.csv>`: upsert accounts from the billing system's CSV into
// DATABASE_URL (or the embedded Postgres under DATA_DIR when unset), with progress on a terminal
// and a report of rejected rows at the end.
import { createReadStream } from "node:fs";
import { importAccountsCsv, CsvHeaderError } from "../src/import/accounts-csv.js";
import { openForCsvImport, printRejected } from "./csv-import-cli.js";

const { file, db } = await openForCsvImport("import:accounts");
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
  printRejected(report);
} catch (error) {
  console.error(error instanceof CsvHeaderError ? `Not an account CSV: ${error.message}` : error);
  process.exitCode = 1;
} finally {
  clearInterval(sampler);
  await db.close();
}
