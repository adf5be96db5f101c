// `npm run operator:token -- create <name> | revoke <name> | list`: manages operator API tokens in
// the database the configuration names (DATABASE_URL, or the embedded one under DATA_DIR when the
// service is not running on it). The new token goes to stdout, everything else to stderr.
import { runTokenCommand } from "../src/operator/token-cli.js";
import { withConfiguredDatabase } from "./with-database.js";

await withConfiguredDatabase((db) =>
  runTokenCommand(db.prisma, process.argv.slice(2), {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  }),
);
