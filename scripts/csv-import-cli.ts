// What the CSV import commands share: the file argument checked, the configuration loaded, the
// database opened (and migrated), exiting with a message when any of it fails.
import { access } from "node:fs/promises";
import { loadConfig, ConfigError } from "../src/config.js";
import { openDatabase, type OpenDatabase } from "../src/db/open.js";

export async function openForCsvImport(command: string): Promise<{ file: string; db: OpenDatabase }> {
  const file = process.argv[2];
  if (!file) {
    console.error(`usage: npm run ${command} -- <file.csv>`);
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
  return { file, db: await openDatabase(config.db, { migrate: true }) };
}

/** The rejected rows of a report, as lines under its summary. */
export function printRejected(report: {
  rejected: { line: number; reason: string }[];
  rejectedTotal: number;
}): void {
  for (const r of report.rejected) console.log(`  line ${r.line}: ${r.reason}`);
  if (report.rejectedTotal > report.rejected.length) {
    console.log(`  ... and ${report.rejectedTotal - report.rejected.length} more`);
  }
}
