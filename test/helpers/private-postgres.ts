// A Postgres server of a test's own (initdb + pg_ctl in a temp dir on a free port), for checks that
// stop and restart the database mid-load. The machine's shared cluster on 5432 is never touched.
// As root, initdb/pg_ctl refuse to run, so they run as the `postgres` OS user via runuser.
import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);
const BIN = process.env.PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";

export interface PrivatePostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** A URL to another database on this server. */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** pg_ctl stop -m fast: connections drop, new ones are refused. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function asPostgresUser(command: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

async function pgTool(tool: string, args: string[]): Promise<void> {
  const [command, argv] = asPostgresUser(join(BIN, tool), args);
  await run(command, argv, { timeout: 60_000 });
}

export async function startPrivatePostgres(
  options: { preloadLibraries?: string[] } = {},
): Promise<PrivatePostgres> {
  const root = await mkdtemp(join(tmpdir(), "private-pg-"));
  await chmod(root, 0o777); // the postgres user writes its data directory and socket here
  const dataDir = join(root, "data");
  const port = await freePort();
  await pgTool("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const preload = options.preloadLibraries?.length
    ? ` -c shared_preload_libraries=${options.preloadLibraries.join(",")}`
    : "";
  const serverOptions = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200${preload}`;
  const start = () =>
    pgTool("pg_ctl", ["-D", dataDir, "-o", serverOptions, "-l", join(root, "log"), "-w", "start"]);
  const stop = () => pgTool("pg_ctl", ["-D", dataDir, "-m", "fast", "-w", "stop"]);
  await start();
  let running = true;
  const urlFor = (database: string) => `postgresql://postgres@127.0.0.1:${port}/${database}`;
  return {
    url: urlFor("postgres"),
    port,
    urlFor,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: urlFor("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return urlFor(name);
    },
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    async destroy() {
      if (running) await stop().catch(() => undefined);
      running = false;
      await rm(root, { recursive: true, force: true });
    },
  };
}
