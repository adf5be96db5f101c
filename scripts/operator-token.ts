// `npm run operator:token -- create <name> | revoke <name> | list`: manages operator API tokens in
// the database the configuration names (DATABASE_URL, or the embedded one under DATA_DIR when the
// service is not running on it). The new token goes to stdout, everything else to stderr.
import { ConfigError, loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/open.js";
import { runTokenCommand } from "../src/operator/token-cli.js";

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}

const db = await openDatabase(config.db, { migrate: true });
try {
  process.exitCode = await runTokenCommand(db.prisma, process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
} finally {
  await db.close();
}
