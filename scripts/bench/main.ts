// `npm run bench [-- <command> [options]]`: measures the real service on real Postgres.
//   (none)      everything below with the defaults
//   webhook     open-loop runs at fixed offered rates: --rate 300 (or --rates 100,300,1000)
//   saturate    closed loop at --concurrency 100 (Telegram's webhook connection cap) to find the ceiling
//   import      the billing CSV importer on --rows 100000 accounts
// Common: --runs 3 (medians are reported), --users 2000, --duration 20 (seconds per run),
//         --viber-every 5 (every 5th user on Viber), --server postgresql://root@127.0.0.1:5432/postgres
// A fresh database per invocation; the service runs as a child process (honest RSS) against fake
// Telegram and Viber APIs in this process that answer at once. Results: a table on stdout and
// bench-results/<command>-<time>.json. The machine is shared: read the noise columns.
import { createReadStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { migrateDeploy } from "../../src/db/migrate.js";
import { importAccountsCsv } from "../../src/import/accounts-csv.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../../test/fakes/telegram-api.js";
import { startFakeViberApi, type FakeViberApi } from "../../test/fakes/viber-api.js";
import { generateAccountsCsv, makeUsers, readAccounts, seedUpdateIds, type Secrets } from "./journeys.js";
import { createPoster, runClosedLoop, runOpenLoop, type LoadResult } from "./load.js";
import { projectRoot, spawnService } from "./spawn-service.js";

const argv = process.argv.slice(2);
const command = argv[0] && !argv[0].startsWith("--") ? argv[0] : "all";
function option(name: string, fallback: string): string {
  const index = argv.indexOf(`--${name}`);
  return index >= 0 && argv[index + 1] !== undefined ? (argv[index + 1] as string) : fallback;
}
const runs = Number(option("runs", "3"));
const usersPerRun = Number(option("users", "2000"));
const durationS = Number(option("duration", "20"));
const viberEvery = Number(option("viber-every", "5"));
const serverUrl = option("server", process.env.BENCH_DATABASE_URL ?? "postgresql://root@127.0.0.1:5432/postgres");
const resultsDir = path.join(projectRoot, "bench-results");

const secrets: Secrets = {
  telegramSecret: "bench-webhook-secret-0123456789",
  viberAuthToken: "4453b6ac12345678-e02c5f12174805f9-benchbenchbench0",
};
const TELEGRAM_TOKEN = "123456789:AAbenchbenchbenchbenchbenchbenchbench";

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function machine() {
  const load = os.loadavg().map((l) => Math.round(l * 100) / 100);
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: "",
    loadAverageAtStart: load,
  };
}

interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `bench_${Date.now().toString(36)}`;
  await sql(serverUrl, `CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  await migrateDeploy(url);
  return { name, url, drop: async () => void (await sql(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)) };
}

async function generateCsv(rows: number): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `accounts-${rows}.csv`);
  await generateAccountsCsv(file, rows);
  return file;
}

async function importCsv(url: string, file: string): Promise<{ seconds: number; imported: number; rejected: number }> {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  try {
    const started = performance.now();
    const report = await importAccountsCsv(pool, createReadStream(file));
    return { seconds: (performance.now() - started) / 1000, imported: report.imported, rejected: report.rejectedTotal };
  } finally {
    await pool.end();
  }
}

async function xactCommits(url: string, database: string): Promise<number> {
  const rows = await sql<{ xact_commit: string }>(url, "SELECT xact_commit FROM pg_stat_database WHERE datname = $1", [database]);
  return Number(rows[0]?.xact_commit ?? 0);
}

interface Fakes {
  telegram: FakeTelegramApi;
  viber: FakeViberApi;
  close(): Promise<void>;
}

async function startFakes(): Promise<Fakes> {
  const telegram = await startFakeTelegramApi({ token: TELEGRAM_TOKEN });
  const viber = await startFakeViberApi({ authToken: secrets.viberAuthToken });
  return { telegram, viber, close: async () => void (await Promise.all([telegram.close(), viber.close()])) };
}

function serviceEnv(databaseUrl: string, fakes: Fakes): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    PORT: "0",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info",
    LOG_PRETTY: "off",
    MIGRATE_ON_START: "false",
    DEMO_DATA: "off",
    WEB_CHAT: "off",
    REMINDERS_ENABLED: "false",
    TELEGRAM_BOT_TOKEN: TELEGRAM_TOKEN,
    TELEGRAM_MODE: "webhook",
    TELEGRAM_WEBHOOK_SECRET: secrets.telegramSecret,
    TELEGRAM_API_ROOT: fakes.telegram.apiRoot,
    VIBER_AUTH_TOKEN: secrets.viberAuthToken,
    VIBER_API_URL: fakes.viber.url,
    ...(process.env.DB_POOL_SIZE ? { DB_POOL_SIZE: process.env.DB_POOL_SIZE } : {}),
  };
}

export interface RunRecord extends LoadResult {
  run: number;
  assembly: string;
  peakRssMb: number;
  transactionsPerUpdate: number;
  loadAverage1m: number;
  readingsStored: number;
}

/** One measured run: a fresh service process, fresh users on unused accounts, then the counters. */
async function measuredRun(
  db: BenchDatabase,
  csv: string,
  fakes: Fakes,
  runIndex: number,
  load: (poster: ReturnType<typeof createPoster>, users: ReturnType<typeof makeUsers>) => Promise<LoadResult>,
): Promise<RunRecord> {
  const accounts = await readAccounts(csv, runIndex * usersPerRun, usersPerRun);
  seedUpdateIds(runIndex + 1);
  const users = makeUsers(accounts, secrets, { firstChatId: 700_000_000 + runIndex * 100_000, viberEvery });
  const service = await spawnService({
    env: serviceEnv(db.url, fakes),
    logFile: path.join(resultsDir, `service-${command}.log`),
  });
  const readingsBefore = Number((await sql<{ n: string }>(db.url, "SELECT count(*) AS n FROM meter_reading WHERE source <> 'billing'"))[0]?.n);
  const before = await xactCommits(db.url, db.name);
  const poster = createPoster(service.url);
  let peakRssMb = 0;
  const sampler = setInterval(() => {
    void service.memory().then((m) => (peakRssMb = Math.max(peakRssMb, m.peakRssMb)), () => undefined);
  }, 500);
  const result = await load(poster, users);
  clearInterval(sampler);
  peakRssMb = Math.max(peakRssMb, (await service.memory()).peakRssMb);
  poster.close();
  await service.stop(); // backends flush their statistics when they exit
  await new Promise((resolve) => setTimeout(resolve, 700));
  const after = await xactCommits(db.url, db.name);
  const readingsAfter = Number((await sql<{ n: string }>(db.url, "SELECT count(*) AS n FROM meter_reading WHERE source <> 'billing'"))[0]?.n);
  return {
    ...result,
    run: runIndex,
    assembly: service.assembly,
    peakRssMb: Math.round(peakRssMb),
    // Our own counting queries (3 here) are subtracted.
    transactionsPerUpdate: Math.round(((after - before - 3) / Math.max(1, result.sent)) * 100) / 100,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
    readingsStored: readingsAfter - readingsBefore,
  };
}

function summarize(label: string, records: RunRecord[]) {
  return {
    label,
    runs: records.length,
    offeredRate: records[0]?.offeredRate ?? null,
    concurrency: records[0]?.concurrency ?? null,
    throughput: median(records.map((r) => r.throughput)),
    throughputRange: [Math.min(...records.map((r) => r.throughput)), Math.max(...records.map((r) => r.throughput))],
    p50: median(records.map((r) => r.latencyMs.p50)),
    p95: median(records.map((r) => r.latencyMs.p95)),
    p99: median(records.map((r) => r.latencyMs.p99)),
    p99Range: [Math.min(...records.map((r) => r.latencyMs.p99)), Math.max(...records.map((r) => r.latencyMs.p99))],
    errors: records.reduce((sum, r) => sum + r.errors, 0),
    peakRssMb: Math.max(...records.map((r) => r.peakRssMb)),
    transactionsPerUpdate: median(records.map((r) => r.transactionsPerUpdate)),
    loadAverage1m: median(records.map((r) => r.loadAverage1m)),
    updates: records.reduce((sum, r) => sum + r.sent, 0),
    journeysCompleted: records.reduce((sum, r) => sum + r.journeysCompleted, 0),
    readingsStored: records.reduce((sum, r) => sum + r.readingsStored, 0),
    assembly: [...new Set(records.map((r) => r.assembly))].join(","),
  };
}

type Summary = ReturnType<typeof summarize>;

function printTable(rows: Summary[]) {
  const header = ["run", "upd/s", "p50 ms", "p95 ms", "p99 ms", "errors", "peak RSS MB", "xact/upd", "journeys", "load1m"];
  const lines = rows.map((r) => [
    r.label,
    `${r.throughput} (${r.throughputRange.join("-")})`,
    String(r.p50),
    String(r.p95),
    `${r.p99} (${r.p99Range.join("-")})`,
    String(r.errors),
    String(r.peakRssMb),
    String(r.transactionsPerUpdate),
    String(r.journeysCompleted),
    String(r.loadAverage1m),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? "").length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
  console.log(fmt(header));
  for (const line of lines) console.log(fmt(line));
}

async function saveJson(name: string, data: unknown): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

async function benchWebhooks(kind: "webhook" | "saturate" | "all"): Promise<Summary[]> {
  const rates = kind === "saturate" ? [] : option("rates", option("rate", kind === "all" ? "100,300,1000" : "300")).split(",").map(Number);
  const saturate = kind !== "webhook";
  const plans = rates.length + (saturate ? 1 : 0);
  const db = await createBenchDatabase();
  const fakes = await startFakes();
  const summaries: Summary[] = [];
  try {
    const csv = await generateCsv(usersPerRun * runs * plans);
    const imported = await importCsv(db.url, csv);
    console.log(`database ${db.name}: ${imported.imported} accounts imported in ${imported.seconds.toFixed(1)} s`);
    let runIndex = 0;
    const all: RunRecord[] = [];
    for (const rate of rates) {
      const records: RunRecord[] = [];
      for (let i = 0; i < runs; i += 1) {
        const record = await measuredRun(db, csv, fakes, runIndex++, (poster, users) =>
          runOpenLoop(poster, users, { rate, durationMs: durationS * 1000 }),
        );
        console.log(`  ${rate}/s run ${i + 1}: ${record.throughput} upd/s, p99 ${record.latencyMs.p99} ms, errors ${record.errors}, RSS ${record.peakRssMb} MB`);
        records.push(record);
      }
      all.push(...records);
      summaries.push(summarize(`open ${rate}/s`, records));
    }
    if (saturate) {
      const concurrency = Number(option("concurrency", "100"));
      const records: RunRecord[] = [];
      for (let i = 0; i < runs; i += 1) {
        const record = await measuredRun(db, csv, fakes, runIndex++, (poster, users) =>
          runClosedLoop(poster, users, { concurrency, durationMs: durationS * 1000 }),
        );
        console.log(`  saturate run ${i + 1}: ${record.throughput} upd/s, p99 ${record.latencyMs.p99} ms, errors ${record.errors}, RSS ${record.peakRssMb} MB`);
        records.push(record);
      }
      all.push(...records);
      summaries.push(summarize(`closed ${concurrency} conns`, records));
    }
    printTable(summaries);
    const pgVersion = (await sql<{ v: string }>(db.url, "SELECT current_setting('server_version') AS v"))[0]?.v ?? "";
    const file = await saveJson(kind === "all" ? "webhooks" : kind, {
      machine: { ...machine(), postgres: pgVersion },
      settings: { runs, usersPerRun, durationS, viberEvery },
      summaries,
      runs: all,
    });
    console.log(`wrote ${path.relative(projectRoot, file)}`);
  } finally {
    await fakes.close();
    await db.drop();
  }
  return summaries;
}

async function benchImport(): Promise<void> {
  const rows = Number(option("rows", "100000"));
  const csv = await generateCsv(rows);
  const results: { seconds: number; imported: number; rejected: number }[] = [];
  for (let i = 0; i < runs; i += 1) {
    const db = await createBenchDatabase();
    try {
      const result = await importCsv(db.url, csv);
      console.log(`  import run ${i + 1}: ${result.imported} accounts in ${result.seconds.toFixed(1)} s`);
      results.push(result);
    } finally {
      await db.drop();
    }
  }
  const seconds = median(results.map((r) => r.seconds));
  console.log(`import of ${rows} accounts: median ${seconds.toFixed(1)} s (${results.map((r) => r.seconds.toFixed(1)).join(", ")}), ${Math.round(rows / seconds)} rows/s`);
  const file = await saveJson("import", { machine: machine(), rows, runs: results, medianSeconds: seconds });
  console.log(`wrote ${path.relative(projectRoot, file)}`);
}

switch (command) {
  case "webhook":
  case "saturate":
    await benchWebhooks(command);
    break;
  case "import":
    await benchImport();
    break;
  case "all":
    await benchImport();
    await benchWebhooks("all");
    break;
  default:
    console.error("usage: npm run bench -- [webhook --rate N | saturate | import] [--runs N] [--users N] [--duration S]");
    process.exit(2);
}
