// Loads the project's demo accounts (data/demo-accounts.csv, the same file `npm start` imports)
// into a test database, so web chat tests verify with accounts a new user would try.
import { createReadStream } from "node:fs";
import { createSqlPool } from "../../../src/db/client.js";
import { demoCsvPath } from "../../../src/db/open.js";
import { importAccountsCsv, type ImportReport } from "../../../src/import/accounts-csv.js";

export async function importDemoAccounts(databaseUrl: string): Promise<ImportReport> {
  const sql = createSqlPool(databaseUrl);
  try {
    return await importAccountsCsv(sql, createReadStream(demoCsvPath));
  } finally {
    await sql.end();
  }
}
