// The command-line scripts that manage operator credentials open the database the configuration
// names (DATABASE_URL, or the embedded one under DATA_DIR when the service is not running on it),
// run one command and set the exit code; a bad configuration exits 1 with the message.
import { ConfigError, loadConfig, type Config } from "../src/config.js";
import { openDatabase, type OpenDatabase } from "../src/db/open.js";

export async function withConfiguredDatabase(run: (db: OpenDatabase) => Promise<number>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    console.error(error instanceof ConfigError ? error.message : error);
    process.exit(1);
  }
  const db = await openDatabase(config.db, { migrate: true });
  try {
    process.exitCode = await run(db);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  } finally {
    await db.close();
  }
}
