// `npm run bench [-- <command> [options]]`: measures the real service on real Postgres.
//   (none)      everything below with the defaults
//   webhook     open-loop runs at fixed offered rates: --rate 300 (or --rates 100,300,1000)
//   saturate    closed loop at --concurrency 100 (Telegram's webhook connection cap) to find the ceiling
//   import      the billing CSV importer on --rows 100000 accounts
//   export      GET /api/v1/readings (CSV, streamed) of a --rows 100000-account period; RSS sampled
//   roundtrips  statements (pg_stat_statements) and round trips (the service's metric) per update, on a private Postgres that
//               this command starts (initdb in a temp dir; the shared server is never touched)
//   compare     the same Telegram journey against a plain grammY bot (baseline-bot.ts: conversations plugin,
//               state in Postgres, fastify webhook callback), alternating baseline, service, baseline ...
//               (--runs N services between N+1 baselines), closed loop at --concurrency 64; prints both and
//               the ratio of medians (updates/s and p99)
//   schedules   the outage-schedule view through the Telegram webhook against today's journey updates, in ONE
//               service process per load (closed loop at --concurrency 100, open loop at --rate 200): --viewers
//               600 linked customers in 12 queues and the journey users, both warmed up, then --phases 8
//               pairs of alternating phases of --phase-seconds 10 (views, journeys, journeys, views, ...);
//               service CPU (user/system) and Postgres CPU per update, the ratio per adjacent pair and its
//               median, pictures drawn during the view phases (from /metrics). Journey phases are whole
//               journeys (--journey-mix full) or today's users per second (density); --loads open: one load.
//               --phases 0: the older design, a fresh process per run (--users 600 tapping --views 10
//               times after --warmup-users viewers' refreshes), each run paired with today's journey bench
//               at the same load on its own fresh process (--journeys 0: not)
//   fetch       CPU per Bot API call: grammY's default fetch vs the service's json-fetch (--calls 6000)
//   reminders   a reading-reminder campaign to --recipients 10000 Telegram users against a fake Bot
//               API that answers 429 above 30 messages/s: rate, 429s, everyone exactly once
//   fanout      fan-out delivery (see fanout.ts): --phase ceiling | free (10,000 at 30/s) | paid (200,000
//               paid broadcasts at 1,000/s with urgent fan-outs during it) | all
// Common: --idle N (seconds of quiet after each run: the service's background CPU per second),
//         --runs 3 (medians are reported), --users 2000, --duration 20 (seconds per run),
//         --instances 1 (service processes on one database, requests spread round robin),
//         --workers 1 (WEB_CONCURRENCY of each service instance: node:cluster workers on one port),
//         --viber-every 5 (every 5th user on Viber), --server postgresql://root@127.0.0.1:5432/postgres
// A fresh database per invocation; the service runs as a child process (honest RSS) against fake
// Telegram and Viber APIs in this process that answer at once. Results: a table on stdout and
// bench-results/<command>-<time>.json. The machine is shared: read the noise columns.
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { migrateDeploy } from "../../src/db/migrate.js";
import { importAccountsCsv } from "../../src/import/accounts-csv.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../../test/fakes/telegram-api.js";
import { startFakeViberApi, type FakeViberApi } from "../../test/fakes/viber-api.js";
import {
  generateAccountsCsv,
  makeUsers,
  readAccounts,
  seedUpdateIds,
  type Secrets,
  type SimulatedUser,
} from "./journeys.js";
import { createPoster, runClosedLoop, runOpenLoop, type LoadResult } from "./load.js";
import { startPrivatePostgres } from "../../test/helpers/private-postgres.js";
import { benchFanout } from "./fanout.js";
import { benchFetch } from "./fetch.js";
import { startRateLimitedTelegram } from "./rate-limited-telegram.js";
import { projectRoot, spawnService } from "./spawn-service.js";
import { metricValue, scheduleViewer, seedScheduleUpdateIds } from "./schedules.js";
import { addDays, kyivIsoDate } from "../../src/schedules/kyiv-day.js";

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
/** Users whose journeys warm the fresh service up (JIT, pools, plans) before anything is counted. */
const warmupUsers = Number(option("warmup-users", "200"));
const instances = Number(option("instances", "1"));
/** Seconds of quiet after each run's load in which the service's background CPU is measured (0: not). */
const idleSeconds = Number(option("idle", "0"));
/** Workers of one service instance (WEB_CONCURRENCY, node:cluster through src/main.ts); the baseline stays one process. */
const workers = Number(option("workers", "1"));
let serverUrl = option(
  "server",
  process.env.BENCH_DATABASE_URL ?? "postgresql://root@127.0.0.1:5432/postgres",
);
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

async function sql<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
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
  const value =
    sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return Math.round(value * 100) / 100;
}

/** a / b to two decimals ("0.87 x"); below 1 the first costs less. */
function ratio(a: number, b: number): string {
  return Number.isFinite(a) && Number.isFinite(b) && b > 0
    ? `${(Math.round((a / b) * 100) / 100).toFixed(2)} x`
    : "-";
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
  return {
    name,
    url,
    drop: async () => void (await sql(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)),
  };
}

async function generateCsv(rows: number): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `accounts-${rows}.csv`);
  await generateAccountsCsv(file, rows);
  return file;
}

async function importCsv(
  url: string,
  file: string,
): Promise<{ seconds: number; imported: number; rejected: number }> {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  try {
    const started = performance.now();
    const report = await importAccountsCsv(pool, createReadStream(file));
    return {
      seconds: (performance.now() - started) / 1000,
      imported: report.imported,
      rejected: report.rejectedTotal,
    };
  } finally {
    await pool.end();
  }
}

async function xactCommits(url: string, database: string): Promise<number> {
  const rows = await sql<{ xact_commit: string }>(
    url,
    "SELECT xact_commit FROM pg_stat_database WHERE datname = $1",
    [database],
  );
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
  /** Service processes sharing the load (round robin per request). */
  instances: number;
  assembly: string;
  peakRssMb: number;
  transactionsPerUpdate: number;
  /** The service process's CPU time per successful update (user + system). */
  serviceCpuMsPerUpdate: number;
  /** CPU time of the database's backend processes (the service's connections) per update. */
  postgresCpuMsPerUpdate: number;
  /** CPU time of this process (load generator + fake platform APIs) per update. */
  harnessCpuMsPerUpdate: number;
  loadAverage1m: number;
  readingsStored: number;
  /** The service's CPU per second with no load (--idle N seconds after the run), in ms; null when not measured. */
  idleCpuMsPerSecond: number | null;
}

/**
 * Before a measured phase: Postgres writes out what earlier runs dirtied (CHECKPOINT) and the machine
 * gets two quiet seconds, so one run's leftovers are not measured in the next.
 */
async function settle(url: string): Promise<void> {
  await sql(url, "CHECKPOINT").catch(() => undefined); // needs a superuser or pg_checkpoint: else skipped
  await new Promise((resolve) => setTimeout(resolve, 2000));
}

function idleText(record: RunRecord): string {
  return record.idleCpuMsPerSecond === null ? "" : ` (idle ${record.idleCpuMsPerSecond} ms/s)`;
}

/** The service's CPU (ms) per second of quiet: its timers, queues and pools with no updates coming in. */
async function idleCpu(cpuSeconds: () => Promise<number>): Promise<number | null> {
  if (!(idleSeconds > 0)) return null;
  await new Promise((resolve) => setTimeout(resolve, 1000)); // the last answers and their logs settle
  const before = await cpuSeconds();
  await new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000));
  return Math.round((((await cpuSeconds()) - before) * 1000 * 100) / idleSeconds) / 100;
}

/** CPU seconds (user + system, from /proc) of each backend process connected to the database. */
async function backendCpuSeconds(url: string, database: string): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }>(
    url,
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
    [database],
  );
  const ticks = 100; // USER_HZ on Linux
  const result = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      result.set(pid, (Number(fields[11]) + Number(fields[12])) / ticks);
    } catch {
      // the backend exited, or Postgres runs elsewhere: not counted
    }
  }
  return result;
}

/** CPU seconds the database's backends used since `before` (a backendCpuSeconds() reading). */
async function backendCpuSince(url: string, database: string, before: Map<number, number>): Promise<number> {
  let seconds = 0;
  for (const [pid, now] of await backendCpuSeconds(url, database)) seconds += now - (before.get(pid) ?? 0);
  return seconds;
}

/** CPU per successful update in ms (two decimals), from CPU seconds. */
function msPerUpdate(cpuSeconds: number, ok: number): number {
  return Math.round((cpuSeconds * 1000 * 100) / Math.max(1, ok)) / 100;
}

/**
 * What a measured load cost per update: transactions (less `ownQueries`, the bench's own counting
 * queries between the two readings), service, Postgres and harness CPU, and the load average now.
 */
function costsPerUpdate(
  load: Pick<LoadResult, "ok" | "sent">,
  measured: {
    commits: number;
    ownQueries: number;
    cpuSeconds: number;
    postgresSeconds: number;
    harness: NodeJS.CpuUsage;
  },
) {
  return {
    transactionsPerUpdate:
      Math.round(((measured.commits - measured.ownQueries) / Math.max(1, load.sent)) * 100) / 100,
    serviceCpuMsPerUpdate: msPerUpdate(measured.cpuSeconds, load.ok),
    postgresCpuMsPerUpdate: msPerUpdate(measured.postgresSeconds, load.ok),
    harnessCpuMsPerUpdate: msPerUpdate((measured.harness.user + measured.harness.system) / 1e6, load.ok),
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** One measured run: a fresh service process, fresh users on unused accounts, then the counters. */
async function measuredRun(
  db: BenchDatabase,
  csv: string,
  fakes: Fakes,
  runIndex: number,
  load: (poster: ReturnType<typeof createPoster>, users: ReturnType<typeof makeUsers>) => Promise<LoadResult>,
  target: "service" | "baseline" = "service",
  /** Where this run's accounts start in the CSV (its runs take consecutive slices after it). */
  accountOffset = 0,
): Promise<RunRecord> {
  const perRun = usersPerRun + warmupUsers;
  const accounts = await readAccounts(csv, accountOffset + runIndex * perRun, perRun);
  seedUpdateIds(runIndex + 1);
  const everyone = makeUsers(accounts, secrets, {
    firstChatId: 700_000_000 + runIndex * 100_000,
    // The comparison is on the Telegram webhook only (the baseline is a Telegram bot).
    viberEvery: command === "compare" ? 0 : viberEvery,
  });
  const warmup = everyone.slice(0, warmupUsers);
  const users = everyone.slice(warmupUsers);
  // Several instances on one database, as behind a load balancer (--instances N; state is all in Postgres).
  const services = await Promise.all(
    Array.from({ length: instances }, (_, i) =>
      spawnService({
        env: {
          ...serviceEnv(db.url, fakes),
          ...(target === "service" && workers > 1 ? { WEB_CONCURRENCY: String(workers) } : {}),
        },
        logFile: path.join(resultsDir, `${target}-${command}${instances > 1 ? `-${i + 1}` : ""}.log`),
        // The baseline bot; the service through its real entry point when it runs as a cluster.
        ...(target === "baseline"
          ? { entry: "baseline-bot.ts" }
          : workers > 1
            ? { entry: "../../src/main.ts" }
            : {}),
      }),
    ),
  );
  const urls = services.map((s) => s.url);
  const sumOf = async (read: (s: (typeof services)[number]) => Promise<number>) =>
    (await Promise.all(services.map(read))).reduce((a, b) => a + b, 0);
  if (warmup.length > 0) {
    const warmPoster = createPoster(urls, 100, target === "baseline");
    await runClosedLoop(warmPoster, warmup, { concurrency: 20, durationMs: 60_000 });
    warmPoster.close();
  }
  const readingsBefore = Number(
    (await sql<{ n: string }>(db.url, "SELECT count(*) AS n FROM meter_reading WHERE source <> 'billing'"))[0]
      ?.n,
  );
  await settle(db.url);
  const before = await xactCommits(db.url, db.name);
  const cpuBefore = await sumOf((s) => s.cpuSeconds());
  const backendsBefore = await backendCpuSeconds(db.url, db.name);
  const harnessBefore = process.cpuUsage();
  const poster = createPoster(urls, 100, target === "baseline");
  // Peak RSS: VmHWM, the high-water mark of each process, summed over the instances.
  const result = await load(poster, users);
  const peakRssMb = await sumOf(async (s) => (await s.memory()).peakRssMb);
  const cpuSeconds = (await sumOf((s) => s.cpuSeconds())) - cpuBefore;
  const harness = process.cpuUsage(harnessBefore);
  const postgresSeconds = await backendCpuSince(db.url, db.name, backendsBefore);
  poster.close();
  const idleCpuMsPerSecond = await idleCpu(() => sumOf((s) => s.cpuSeconds()));
  await Promise.all(services.map((s) => s.stop())); // backends flush their statistics when they exit
  await new Promise((resolve) => setTimeout(resolve, 700));
  const after = await xactCommits(db.url, db.name);
  const readingsAfter = Number(
    (await sql<{ n: string }>(db.url, "SELECT count(*) AS n FROM meter_reading WHERE source <> 'billing'"))[0]
      ?.n,
  );
  return {
    ...result,
    run: runIndex,
    assembly: services.map((s) => s.assembly).join("+"),
    instances,
    peakRssMb: Math.round(peakRssMb),
    // Our own counting queries (3 here) are subtracted.
    ...costsPerUpdate(result, {
      commits: after - before,
      ownQueries: 3,
      cpuSeconds,
      postgresSeconds,
      harness,
    }),
    readingsStored: readingsAfter - readingsBefore,
    idleCpuMsPerSecond,
  };
}

function summarize(label: string, records: RunRecord[]) {
  return {
    label: [
      label,
      ...(instances > 1 ? [`${instances} instances`] : []),
      ...(records[0]?.assembly.startsWith("cluster") ? [records[0].assembly] : []),
    ].join(", "),
    instances,
    runs: records.length,
    offeredRate: records[0]?.offeredRate ?? null,
    concurrency: records[0]?.concurrency ?? null,
    throughput: median(records.map((r) => r.throughput)),
    throughputRange: [
      Math.min(...records.map((r) => r.throughput)),
      Math.max(...records.map((r) => r.throughput)),
    ],
    p50: median(records.map((r) => r.latencyMs.p50)),
    p95: median(records.map((r) => r.latencyMs.p95)),
    p99: median(records.map((r) => r.latencyMs.p99)),
    p99Range: [
      Math.min(...records.map((r) => r.latencyMs.p99)),
      Math.max(...records.map((r) => r.latencyMs.p99)),
    ],
    errors: records.reduce((sum, r) => sum + r.errors, 0),
    peakRssMb: Math.max(...records.map((r) => r.peakRssMb)),
    transactionsPerUpdate: median(records.map((r) => r.transactionsPerUpdate)),
    serviceCpuMsPerUpdate: median(records.map((r) => r.serviceCpuMsPerUpdate)),
    postgresCpuMsPerUpdate: median(records.map((r) => r.postgresCpuMsPerUpdate)),
    harnessCpuMsPerUpdate: median(records.map((r) => r.harnessCpuMsPerUpdate)),
    loadAverage1m: median(records.map((r) => r.loadAverage1m)),
    updates: records.reduce((sum, r) => sum + r.sent, 0),
    journeysCompleted: records.reduce((sum, r) => sum + r.journeysCompleted, 0),
    readingsStored: records.reduce((sum, r) => sum + r.readingsStored, 0),
    assembly: [...new Set(records.map((r) => r.assembly))].join(","),
  };
}

type Summary = ReturnType<typeof summarize>;

function printTable(rows: Summary[]) {
  const header = [
    "run",
    "upd/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "errors",
    "peak RSS MB",
    "xact/upd",
    "cpu ms/upd",
    "pg cpu",
    "harness cpu",
    "journeys",
    "load1m",
  ];
  const lines = rows.map((r) => [
    r.label,
    `${r.throughput} (${r.throughputRange.join("-")})`,
    String(r.p50),
    String(r.p95),
    `${r.p99} (${r.p99Range.join("-")})`,
    String(r.errors),
    String(r.peakRssMb),
    String(r.transactionsPerUpdate),
    String(r.serviceCpuMsPerUpdate),
    String(r.postgresCpuMsPerUpdate),
    String(r.harnessCpuMsPerUpdate),
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
  const rates =
    kind === "saturate"
      ? []
      : option("rates", option("rate", kind === "all" ? "100,300,1000" : "300"))
          .split(",")
          .map(Number);
  const saturate = kind !== "webhook";
  const plans = rates.length + (saturate ? 1 : 0);
  const db = await createBenchDatabase();
  const fakes = await startFakes();
  const summaries: Summary[] = [];
  try {
    const csv = await generateCsv((usersPerRun + warmupUsers) * runs * plans);
    const imported = await importCsv(db.url, csv);
    console.log(
      `database ${db.name}: ${imported.imported} accounts imported in ${imported.seconds.toFixed(1)} s`,
    );
    let runIndex = 0;
    const all: RunRecord[] = [];
    for (const rate of rates) {
      const records: RunRecord[] = [];
      for (let i = 0; i < runs; i += 1) {
        const record = await measuredRun(db, csv, fakes, runIndex++, (poster, users) =>
          runOpenLoop(poster, users, { rate, durationMs: durationS * 1000 }),
        );
        console.log(
          `  ${rate}/s run ${i + 1}: ${record.throughput} upd/s, p99 ${record.latencyMs.p99} ms, errors ${record.errors}, RSS ${record.peakRssMb} MB${idleText(record)}`,
        );
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
        console.log(
          `  saturate run ${i + 1}: ${record.throughput} upd/s, p99 ${record.latencyMs.p99} ms, errors ${record.errors}, RSS ${record.peakRssMb} MB`,
        );
        records.push(record);
      }
      all.push(...records);
      summaries.push(summarize(`closed ${concurrency} conns`, records));
    }
    printTable(summaries);
    const pgVersion =
      (await sql<{ v: string }>(db.url, "SELECT current_setting('server_version') AS v"))[0]?.v ?? "";
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

/**
 * The service against a plain grammY bot on the same journey, machine, Postgres and load: Telegram
 * users only, closed loop, alternating baseline / service so drifts in the machine's load hit both.
 */
async function benchCompare(): Promise<void> {
  const concurrency = Number(option("concurrency", "64"));
  const db = await createBenchDatabase();
  const fakes = await startFakes();
  try {
    const order: ("baseline" | "service")[] = ["baseline"];
    for (let i = 0; i < runs; i += 1) order.push("service", "baseline");
    const csv = await generateCsv((usersPerRun + warmupUsers) * order.length);
    const imported = await importCsv(db.url, csv);
    console.log(
      `database ${db.name}: ${imported.imported} accounts imported in ${imported.seconds.toFixed(1)} s`,
    );
    const records: Record<"baseline" | "service", RunRecord[]> = { baseline: [], service: [] };
    for (const [runIndex, target] of order.entries()) {
      const record = await measuredRun(
        db,
        csv,
        fakes,
        runIndex,
        (poster, users) => runClosedLoop(poster, users, { concurrency, durationMs: durationS * 1000 }),
        target,
      );
      console.log(
        `  ${target.padEnd(8)} run ${runIndex + 1}: ${record.throughput} upd/s, p99 ${record.latencyMs.p99} ms, ` +
          `cpu ${record.serviceCpuMsPerUpdate} ms/upd, pg ${record.postgresCpuMsPerUpdate} ms/upd, ` +
          `errors ${record.errors}, journeys ${record.journeysCompleted}, readings ${record.readingsStored}`,
      );
      records[target].push(record);
    }
    const baseline = summarize(`grammY baseline, closed ${concurrency}`, records.baseline);
    const service = summarize(`service, closed ${concurrency}`, records.service);
    printTable([baseline, service]);
    const ratio = {
      throughput: Math.round((service.throughput / baseline.throughput) * 100) / 100,
      p99: Math.round((service.p99 / baseline.p99) * 100) / 100,
    };
    console.log(
      `service / baseline: ${ratio.throughput} x the updates/s, ${ratio.p99} x the p99 (medians; >1 updates/s and <1 p99 favour the service)`,
    );
    const file = await saveJson("compare", {
      machine: machine(),
      settings: { runs, usersPerRun, durationS, concurrency },
      summaries: [baseline, service],
      ratio,
      runs: order.map((target, i) => ({ target, ...records[target][Math.floor(i / 2)] })),
    });
    console.log(`wrote ${path.relative(projectRoot, file)}`);
  } finally {
    await fakes.close();
    await db.drop();
  }
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
  console.log(
    `import of ${rows} accounts: median ${seconds.toFixed(1)} s (${results.map((r) => r.seconds.toFixed(1)).join(", ")}), ${Math.round(rows / seconds)} rows/s`,
  );
  const file = await saveJson("import", { machine: machine(), rows, runs: results, medianSeconds: seconds });
  console.log(`wrote ${path.relative(projectRoot, file)}`);
}

const OPERATOR_TOKEN = "bench-operator-token-0123456789abcdef";

async function benchExport(): Promise<void> {
  const rows = Number(option("rows", "100000"));
  const db = await createBenchDatabase();
  const fakes = await startFakes();
  try {
    const imported = await importCsv(db.url, await generateCsv(rows));
    await sql(
      db.url,
      `INSERT INTO meter_reading (account_id, period, t1, t2, t3, taken_at, source, status, in_window, created_at)
       SELECT id, '2026-12', 10000 + id, CASE WHEN zones >= 2 THEN 5000 + id END, CASE WHEN zones = 3 THEN 3000 + id END,
              now(), 'telegram', 'accepted', true, now() FROM account`,
    );
    await sql(db.url, "ANALYZE");
    console.log(`database ${db.name}: ${imported.imported} accounts, one reading each for 2026-12`);
    const results: {
      seconds: number;
      rows: number;
      megabytes: number;
      rssBeforeMb: number;
      rssPeakMb: number;
    }[] = [];
    for (let i = 0; i < runs; i += 1) {
      const service = await spawnService({
        env: { ...serviceEnv(db.url, fakes), OPERATOR_API_TOKEN: OPERATOR_TOKEN },
        logFile: path.join(resultsDir, "service-export.log"),
      });
      try {
        const rssBeforeMb = (await service.memory()).rssMb;
        let rssPeakMb = rssBeforeMb;
        const sampler = setInterval(() => {
          void service.memory().then(
            (m) => (rssPeakMb = Math.max(rssPeakMb, m.rssMb)),
            () => undefined,
          );
        }, 100);
        const started = performance.now();
        const response = await fetch(`${service.url}/api/v1/readings?period=2026-12&format=csv`, {
          headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
        });
        if (response.status !== 200 || !response.body) throw new Error(`export answered ${response.status}`);
        let bytes = 0;
        let lines = 0;
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.byteLength;
          for (const byte of chunk) if (byte === 10) lines += 1;
        }
        const seconds = (performance.now() - started) / 1000;
        clearInterval(sampler);
        const result = {
          seconds,
          rows: lines - 1,
          megabytes: Math.round(bytes / 1e5) / 10,
          rssBeforeMb: Math.round(rssBeforeMb),
          rssPeakMb: Math.round(rssPeakMb),
        };
        console.log(
          `  export run ${i + 1}: ${result.rows} rows, ${result.megabytes} MB in ${seconds.toFixed(1)} s; RSS ${result.rssBeforeMb} -> peak ${result.rssPeakMb} MB`,
        );
        results.push(result);
      } finally {
        await service.stop();
      }
    }
    const seconds = median(results.map((r) => r.seconds));
    console.log(
      `export of ${rows} accounts: median ${seconds.toFixed(1)} s, ${Math.round(rows / seconds)} rows/s, RSS growth median ${median(results.map((r) => r.rssPeakMb - r.rssBeforeMb))} MB`,
    );
    const file = await saveJson("export", {
      machine: machine(),
      rows,
      runs: results,
      medianSeconds: seconds,
    });
    console.log(`wrote ${path.relative(projectRoot, file)}`);
  } finally {
    await fakes.close();
    await db.drop();
  }
}

/** Quiet hours that are certainly not now (a minute, twelve hours away), so nothing waits. */
function quietHoursAwayFromNow(): string {
  const kyiv = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Europe/Kyiv",
    hour: "2-digit",
    minute: "2-digit",
    hour12: false,
  }).format(new Date());
  const hour = (Number(kyiv.slice(0, 2)) + 12) % 24;
  const hh = String(hour).padStart(2, "0");
  return `${hh}:00-${hh}:01`;
}

async function benchReminders(): Promise<void> {
  const recipients = Number(option("recipients", "10000"));
  const perSecond = 30;
  const db = await createBenchDatabase();
  const telegram = await startRateLimitedTelegram({ token: TELEGRAM_TOKEN, perSecond });
  const fakes = await startFakes();
  try {
    await importCsv(db.url, await generateCsv(recipients));
    await sql(
      db.url,
      `INSERT INTO messenger_user (address, channel, telegram_chat_id, status, reminders_enabled, last_inbound_at, state, state_version, state_updated_at, created_at, updated_at)
       SELECT 'telegram:' || (900000000 + id), 'telegram', 900000000 + id, 'active', true, now(), '{}', 0, now(), now(), now() FROM account`,
    );
    await sql(
      db.url,
      `INSERT INTO account_link (user_id, account_id, label, verified_by, created_at)
       SELECT u.id, a.id, 'Квартира', 'phone', now() FROM account a JOIN messenger_user u ON u.telegram_chat_id = 900000000 + a.id`,
    );
    const env = {
      ...serviceEnv(db.url, fakes),
      TELEGRAM_API_ROOT: telegram.apiRoot,
      REMINDERS_ENABLED: "false",
      QUIET_HOURS: quietHoursAwayFromNow(),
      TELEGRAM_PROACTIVE_PER_SECOND: String(perSecond),
    };
    const service = await spawnService({ env, logFile: path.join(resultsDir, "service-reminders.log") });
    let peakRssMb = 0;
    const sampler = setInterval(() => {
      void service.memory().then(
        (m) => (peakRssMb = Math.max(peakRssMb, m.peakRssMb)),
        () => undefined,
      );
    }, 1000);
    try {
      const started = Date.now();
      execFileSync(
        process.execPath,
        ["--import", "tsx", "scripts/reminders.ts", "run", "--period", "2026-12", "--kind", "window_open"],
        {
          cwd: projectRoot,
          env: { ...process.env, ...env, LOG_LEVEL: "warn" },
          stdio: "ignore",
        },
      );
      const enqueuedSeconds = (Date.now() - started) / 1000;
      console.log(
        `  campaign enqueued in ${enqueuedSeconds.toFixed(1)} s; delivering at most ${perSecond}/s...`,
      );
      let last = -1;
      let stalledSince = Date.now();
      while (telegram.acceptedAt.length < recipients) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        if (telegram.acceptedAt.length !== last) {
          last = telegram.acceptedAt.length;
          stalledSince = Date.now();
          if (last % 1500 < 30) console.log(`    ${last} delivered, ${telegram.tooManyRequests} x 429`);
        } else if (Date.now() - stalledSince > 60_000) break;
      }
      clearInterval(sampler);
      const times = telegram.acceptedAt;
      const first = times[0] ?? started;
      const lastAt = times.at(-1) ?? started;
      // Sustained: the slowest full 10-second window between the first and the last message.
      let slowestWindow = Number.POSITIVE_INFINITY;
      for (let from = first; from + 10_000 <= lastAt; from += 1_000) {
        const inWindow = times.filter((t) => t >= from && t < from + 10_000).length;
        slowestWindow = Math.min(slowestWindow, inWindow / 10);
      }
      const counts = [...telegram.perChat.values()];
      const result = {
        recipients,
        delivered: times.length,
        uniqueChats: telegram.perChat.size,
        missing: recipients - telegram.perChat.size,
        duplicates: counts.filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0),
        tooManyRequests: telegram.tooManyRequests,
        averageRate: Math.round(((times.length - 1) / ((lastAt - first) / 1000)) * 10) / 10,
        slowest10sWindowRate: Number.isFinite(slowestWindow) ? slowestWindow : null,
        enqueueSeconds: Math.round(enqueuedSeconds * 10) / 10,
        deliverySeconds: Math.round((lastAt - first) / 100) / 10,
        peakRssMb: Math.round(peakRssMb),
      };
      console.log(result);
      const file = await saveJson("reminders", { machine: machine(), ...result });
      console.log(`wrote ${path.relative(projectRoot, file)}`);
    } finally {
      clearInterval(sampler);
      await service.stop();
    }
  } finally {
    await telegram.close();
    await fakes.close();
    await db.drop();
  }
}

/** A counter's value from the service's /metrics (Prometheus text format). */
async function scrapeCounter(serviceUrl: string, name: string): Promise<number> {
  const text = await (await fetch(`${serviceUrl}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  if (!line) throw new Error(`metric ${name} not found`);
  return Number(line.slice(name.length + 1));
}

/** Counts what the database sees per update: statements, round trips (from the service) and transactions. */
async function benchRoundTrips(): Promise<void> {
  const server = await startPrivatePostgres({ preloadLibraries: ["pg_stat_statements"] });
  serverUrl = server.url;
  const db = await createBenchDatabase();
  const fakes = await startFakes();
  try {
    await sql(db.url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    const users = Number(option("users", "200"));
    const csv = await generateCsv(users);
    await importCsv(db.url, csv);
    const accounts = await readAccounts(csv, 0, users);
    seedUpdateIds(90);
    const simulated = makeUsers(accounts, secrets, { firstChatId: 750_000_000, viberEvery });
    const service = await spawnService({
      env: serviceEnv(db.url, fakes),
      logFile: path.join(resultsDir, "service-roundtrips.log"),
    });
    const poster = createPoster(service.url);
    try {
      // Warm up (plans, connections), then count from zero.
      await runClosedLoop(poster, simulated.slice(0, 10), { concurrency: 5, durationMs: 60_000 });
      await sql(db.url, "SELECT pg_stat_statements_reset()");
      const roundTripsBefore = await scrapeCounter(service.url, "engine_db_round_trips_total");
      const result = await runClosedLoop(poster, simulated.slice(10), {
        concurrency: 10,
        durationMs: 120_000,
      });
      const statements = await sql<{ query: string; calls: string; ms: string }>(
        db.url,
        `SELECT regexp_replace(query, '[[:space:]]+', ' ', 'g') AS query, calls, round(total_exec_time::numeric, 1) AS ms
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = $1)
          ORDER BY calls DESC`,
        [db.name],
      );
      const serviceStatements = statements.filter(
        (s) => !/pg_stat_statements|pgboss|pg_catalog|current_setting/.test(s.query),
      );
      const roundTrips = (await scrapeCounter(service.url, "engine_db_round_trips_total")) - roundTripsBefore;
      const total = serviceStatements.reduce((sum, s) => sum + Number(s.calls), 0);
      const perUpdate = total / result.ok;
      const roundTripsPerUpdate = roundTrips / result.ok;
      console.log(
        `${result.ok} updates (${result.journeysCompleted} journeys): ${total} statements = ${perUpdate.toFixed(2)} statements ` +
          `in ${roundTripsPerUpdate.toFixed(2)} round trips per update (engine_db_round_trips_total)`,
      );
      console.log("calls/update  ms total  statement");
      for (const s of serviceStatements.slice(0, 25)) {
        console.log(
          `${(Number(s.calls) / result.ok).toFixed(3).padStart(12)}  ${String(s.ms).padStart(8)}  ${s.query.slice(0, 150)}`,
        );
      }
      const file = await saveJson("roundtrips", {
        machine: machine(),
        updates: result.ok,
        statementsPerUpdate: Math.round(perUpdate * 100) / 100,
        roundTripsPerUpdate: Math.round(roundTripsPerUpdate * 100) / 100,
        statements: serviceStatements.map((s) => ({
          query: s.query,
          calls: Number(s.calls),
          perUpdate: Number(s.calls) / result.ok,
          totalMs: Number(s.ms),
        })),
        other: statements
          .filter((s) => !serviceStatements.includes(s))
          .map((s) => ({ query: s.query.slice(0, 200), calls: Number(s.calls) })),
      });
      console.log(`wrote ${path.relative(projectRoot, file)}`);
    } finally {
      poster.close();
      await service.stop();
    }
  } finally {
    await fakes.close();
    await db.drop().catch(() => undefined);
    await server.destroy();
  }
}

const BENCH_QUEUES = ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1", "4.2", "5.1", "5.2", "6.1", "6.2"];

/**
 * The schedules benches' data: `viewAccounts` accounts with a queue (the first in the CSV), then
 * `journeyAccounts` as in today's bench; today's and tomorrow's schedule for every queue, one
 * publication (as the operator API stores it). Returns the CSV the accounts came from.
 */
async function prepareScheduleData(
  db: BenchDatabase,
  viewAccounts: number,
  journeyAccounts: number,
): Promise<string> {
  const csv = await generateCsv(viewAccounts + journeyAccounts);
  const imported = await importCsv(db.url, csv);
  console.log(
    `database ${db.name}: ${imported.imported} accounts imported in ${imported.seconds.toFixed(1)} s`,
  );
  // Only the viewers' accounts get a queue: the journey users' accounts stay as in today's bench.
  const viewerNumbers = (await readAccounts(csv, 0, viewAccounts)).map((account) => account.number);
  await sql(db.url, `UPDATE account SET outage_queue = ($1::text[])[1 + id % 12] WHERE number = ANY($2)`, [
    BENCH_QUEUES,
    viewerNumbers,
  ]);
  const today = kyivIsoDate(new Date());
  const [publication] = await sql<{ id: number }>(
    db.url,
    "INSERT INTO schedule_publication (source, actor) VALUES ('api', 'bench') RETURNING id",
  );
  for (const [index, queue] of BENCH_QUEUES.entries()) {
    for (const [offset, date] of [today, addDays(today, 1)].entries()) {
      const slots = Array.from({ length: 48 }, (_, slot) => {
        const phase = (slot + index * 4 + offset * 8) % 24;
        return phase < 6 ? "1" : phase < 8 ? "2" : "0";
      }).join("");
      await sql(
        db.url,
        "INSERT INTO schedule_day (queue, date, publication_id, slots) VALUES ($1, $2, $3, $4)",
        [queue, date, publication!.id, slots],
      );
    }
  }
  return csv;
}

/**
 * Schedule views: per run a fresh service process, fresh users (linked first, not measured), then
 * only schedule-button taps are measured, saturated (closed loop) and at an open rate.
 */
async function benchSchedules(): Promise<void> {
  const users = Number(option("users", "600"));
  const views = Number(option("views", "10"));
  const concurrency = Number(option("concurrency", "100"));
  const rate = Number(option("rate", "200"));
  /** Today's journey bench at the same load after each view run (--journeys 0: views only). */
  const withJourneys = option("journeys", "1") !== "0";
  const journeys: (RunRecord & { plan: string })[] = [];
  const db = await createBenchDatabase();
  const fakes = await startFakes();
  try {
    const plans: ("closed" | "open")[] = [];
    for (let i = 0; i < runs; i += 1) plans.push("closed", "open");
    // The viewers' accounts first, then (with --journeys, the default) the journey users' accounts.
    // Each run's viewers: --warmup-users whose refreshes warm the fresh process up (as the journey
    // runs' warm-up users do), then the measured ones.
    const viewersPerRun = users + warmupUsers;
    const viewAccounts = viewersPerRun * plans.length;
    const journeyAccounts = withJourneys ? (usersPerRun + warmupUsers) * plans.length : 0;
    const csv = await prepareScheduleData(db, viewAccounts, journeyAccounts);
    const records: (RunRecord & {
      plan: string;
      rendersDuringRun: number;
      rendersTotal: number;
      lookups: Record<string, number>;
    })[] = [];
    for (const [runIndex, plan] of plans.entries()) {
      // The measured load of this run, the views' and the journeys' alike.
      const measuredLoad = (poster: ReturnType<typeof createPoster>, users: SimulatedUser[]) =>
        plan === "closed"
          ? runClosedLoop(poster, users, { concurrency, durationMs: durationS * 1000 })
          : runOpenLoop(poster, users, { rate, durationMs: durationS * 1000 });
      const viewRun = async (): Promise<void> => {
        const accounts = await readAccounts(csv, runIndex * viewersPerRun, viewersPerRun);
        seedScheduleUpdateIds(runIndex + 1);
        const everyone = accounts.map((account, i) =>
          scheduleViewer(800_000_000 + runIndex * 100_000 + i, account, secrets, views),
        );
        const warmViewers = everyone.slice(0, warmupUsers);
        const viewers = everyone.slice(warmupUsers);
        const service = await spawnService({
          env: serviceEnv(db.url, fakes),
          logFile: path.join(resultsDir, `service-schedules.log`),
        });
        const metricsOf = async () => (await fetch(`${service.url}/metrics`)).text();
        try {
          // Linking and the first view (which draws and uploads each picture once): not measured.
          const setupPoster = createPoster([service.url], 100);
          const setup = await runClosedLoop(
            setupPoster,
            everyone.map((v) => v.setup),
            {
              concurrency: 50,
              durationMs: 300_000,
            },
          );
          if (setup.errors > 0) console.log(`  setup errors: ${JSON.stringify(setup.errorKinds)}`);
          // Warm-up: the measured path ("🔄 Оновити") compiled and its caches filled before anything is
          // counted, as the journey runs warm up on their own journeys.
          if (warmViewers.length > 0) {
            await runClosedLoop(
              setupPoster,
              warmViewers.map((v) => v.views),
              { concurrency: 20, durationMs: 60_000 },
            );
          }
          setupPoster.close();
          await settle(db.url);
          const rendersBefore = metricValue(await metricsOf(), "schedule_picture_renders_total");
          const cpuBefore = await service.cpuSeconds();
          const backendsBefore = await backendCpuSeconds(db.url, db.name);
          const before = await xactCommits(db.url, db.name);
          const harnessBefore = process.cpuUsage();
          const poster = createPoster([service.url], 100);
          const load = await measuredLoad(
            poster,
            viewers.map((v) => v.views),
          );
          const cpuSeconds = (await service.cpuSeconds()) - cpuBefore;
          const postgresSeconds = await backendCpuSince(db.url, db.name, backendsBefore);
          const harness = process.cpuUsage(harnessBefore);
          poster.close();
          const body = await metricsOf();
          const rendersAfter = metricValue(body, "schedule_picture_renders_total");
          const lookups = Object.fromEntries(
            ["memory", "database", "rendered"].map((source) => [
              source,
              metricValue(body, "schedule_picture_lookups_total", `{source="${source}"}`),
            ]),
          );
          const peakRssMb = (await service.memory()).peakRssMb;
          const idleCpuMsPerSecond = await idleCpu(() => service.cpuSeconds());
          await service.stop();
          await new Promise((resolve) => setTimeout(resolve, 700));
          const after = await xactCommits(db.url, db.name);
          const record = {
            ...load,
            plan,
            run: runIndex,
            instances: 1,
            assembly: service.assembly,
            peakRssMb: Math.round(peakRssMb),
            ...costsPerUpdate(load, {
              commits: after - before,
              ownQueries: 2,
              cpuSeconds,
              postgresSeconds,
              harness,
            }),
            readingsStored: 0,
            idleCpuMsPerSecond,
            rendersDuringRun: rendersAfter - rendersBefore,
            rendersTotal: rendersAfter,
            lookups,
          };
          console.log(
            `  ${plan === "closed" ? `closed ${concurrency}` : `open ${rate}/s`} run ${Math.floor(runIndex / 2) + 1}: ${record.throughput} views/s, p50 ${record.latencyMs.p50} ms, p99 ${record.latencyMs.p99} ms, errors ${record.errors}, service CPU ${record.serviceCpuMsPerUpdate} ms/view${idleText(record)}, renders: ${rendersBefore} before, ${rendersAfter} after (lookups ${JSON.stringify(lookups)})`,
          );
          records.push(record);
        } finally {
          await service.stop().catch(() => undefined);
        }
      };
      const journeyRun = async (): Promise<void> => {
        // Today's bench (verify + reading, every 5th user on Viber) at the same load, next to the
        // views: drifts in the machine's load hit both alike.
        const journey = await measuredRun(db, csv, fakes, runIndex, measuredLoad, "service", viewAccounts);
        console.log(
          `  journey updates, same load: ${journey.throughput} upd/s, p99 ${journey.latencyMs.p99} ms, errors ${journey.errors}, service CPU ${journey.serviceCpuMsPerUpdate} ms/update${idleText(journey)}`,
        );
        journeys.push({ ...journey, plan });
      };
      // Which goes first alternates every two runs (views first, then journeys first, ...), so a
      // run that leaves work behind (Postgres's writes, vacuum) does not always weigh on the same side.
      const journeyFirst = withJourneys && Math.floor(runIndex / 2) % 2 === 1;
      if (journeyFirst) await journeyRun();
      await viewRun();
      if (withJourneys && !journeyFirst) await journeyRun();
      const view = records[records.length - 1];
      const journey = journeys[journeys.length - 1];
      if (view && journey) {
        console.log(
          `  view / journey update, service CPU: ${ratio(view.serviceCpuMsPerUpdate, journey.serviceCpuMsPerUpdate)}${journeyFirst ? " (journeys ran first)" : ""}`,
        );
      }
    }
    const summaries = [
      summarize(
        `schedule views, closed ${concurrency} conns`,
        records.filter((r) => r.plan === "closed"),
      ),
      ...(withJourneys
        ? [
            summarize(
              `journey updates, closed ${concurrency} conns`,
              journeys.filter((r) => r.plan === "closed"),
            ),
          ]
        : []),
      summarize(
        `schedule views, open ${rate}/s`,
        records.filter((r) => r.plan === "open"),
      ),
      ...(withJourneys
        ? [
            summarize(
              `journey updates, open ${rate}/s`,
              journeys.filter((r) => r.plan === "open"),
            ),
          ]
        : []),
    ];
    printTable(summaries);
    if (withJourneys) {
      for (const plan of ["closed", "open"] as const) {
        const views = records.filter((r) => r.plan === plan).map((r) => r.serviceCpuMsPerUpdate);
        const updates = journeys.filter((r) => r.plan === plan).map((r) => r.serviceCpuMsPerUpdate);
        const pairs = views.map((v, i) => ratio(v, updates[i] ?? Number.NaN));
        console.log(
          `service CPU, view / journey update (${plan}): median ${median(views)} / ${median(updates)} ms = ${ratio(median(views), median(updates))}; per pair ${pairs.join(", ")}`,
        );
      }
    }
    console.log(
      `pictures drawn per run (12 queues x 1 language, before the measured phase): ${records.map((r) => r.rendersTotal).join(", ")}; during the measured views: ${records.map((r) => r.rendersDuringRun).join(", ")}`,
    );
    const file = await saveJson("schedules", {
      machine: machine(),
      settings: { runs, users, views, durationS, concurrency, rate, journeys: withJourneys, usersPerRun },
      summaries,
      runs: records,
      journeys,
    });
    console.log(`wrote ${path.relative(projectRoot, file)}`);
  } finally {
    await fakes.close();
    await db.drop();
  }
}

/**
 * `schedules --phases N`: schedule views and today's journey updates in ONE service process per load
 * (closed, then open), after both were warmed up (and one unmeasured phase of each at the measured
 * load), in 2N alternating phases of --phase-seconds each:
 * views, journeys, journeys, views, ... (ABBA, so a steady drift weighs on both alike). Each pair
 * compares the same process a few seconds apart: none of the process-to-process difference (the same
 * code's CPU per view differed by up to 30 % between two fresh processes here) and little of the
 * machine's drift. The journey phases' updates: every step of whole journeys (--journey-mix full), or
 * today's bench's users per second (--journey-mix density).
 */
async function benchSchedulesInterleaved(pairs: number): Promise<void> {
  const viewers = Number(option("viewers", "600"));
  const phaseS = Number(option("phase-seconds", "10"));
  const concurrency = Number(option("concurrency", "100"));
  const rate = Number(option("rate", "200"));
  /**
   * Which journey updates make "the average update": --journey-mix full (every step of whole
   * journeys, as the closed-loop bench measures them) or density (today's bench's users per second:
   * at an open rate only the first two or three steps of each journey fit in its 20 seconds).
   */
  const journeyMix = option("journey-mix", "full") === "density" ? "density" : "full";
  // A journey is 7 to 11 updates (8 on average with the Viber users); a closed loop here answers
  // up to ~1,200 updates/s.
  const perPhase = (plan: "closed" | "open") =>
    journeyMix === "density"
      ? Math.round((usersPerRun * phaseS) / durationS)
      : Math.ceil(((plan === "open" ? rate : 1200) * phaseS) / 8);
  // Warm-up journeys, one unmeasured phase's at the measured load, then the measured phases'.
  const journeysPerBlock = warmupUsers + (pairs + 1) * Math.max(perPhase("closed"), perPhase("open"));
  /** --loads closed,open (the default) or one of them. */
  const loads = option("loads", "closed,open")
    .split(",")
    .filter((load): load is "closed" | "open" => load === "closed" || load === "open");
  // One process per load (--runs N: N of each; 1 by default, its 2 x --phases phases are the samples).
  const plans: ("closed" | "open")[] = [];
  for (let i = 0; i < Number(option("runs", "1")); i += 1) plans.push(...loads);
  const db = await createBenchDatabase();
  const fakes = await startFakes();
  interface Phase {
    plan: "closed" | "open";
    run: number;
    kind: "views" | "journeys";
    ok: number;
    errors: number;
    throughput: number;
    p99: number;
    serviceCpuMsPerUpdate: number;
    /** The kernel's part of it (sockets, wake-ups). */
    systemCpuMsPerUpdate: number;
    postgresCpuMsPerUpdate: number;
    startedUs: number;
    endedUs: number;
  }
  const phases: Phase[] = [];
  const pairRatios: Record<"closed" | "open", number[]> = { closed: [], open: [] };
  let rendersDuringViews = 0;
  try {
    const viewAccounts = viewers * plans.length;
    const csv = await prepareScheduleData(db, viewAccounts, journeysPerBlock * plans.length);
    for (const [block, plan] of plans.entries()) {
      const load = (poster: ReturnType<typeof createPoster>, users: SimulatedUser[]) =>
        plan === "closed"
          ? runClosedLoop(poster, users, { concurrency, durationMs: phaseS * 1000 })
          : runOpenLoop(poster, users, { rate, durationMs: phaseS * 1000 });
      const journeyUsersPerPhase = perPhase(plan);
      const viewerAccounts = await readAccounts(csv, block * viewers, viewers);
      seedScheduleUpdateIds(block + 1);
      const chatId = (i: number) => 800_000_000 + block * 100_000 + i;
      const linked = viewerAccounts.map((account, i) => scheduleViewer(chatId(i), account, secrets, 0).setup);
      // Taps per viewer and phase: enough for the phase (a closed loop here answers up to ~1,500/s).
      const taps = Math.ceil(((plan === "open" ? rate : 2000) * phaseS) / viewers) + 1;
      const freshTaps = (count: number) =>
        viewerAccounts.map((account, i) => scheduleViewer(chatId(i), account, secrets, count).views);
      seedUpdateIds(block + 1);
      const journeyUsers = makeUsers(
        await readAccounts(csv, viewAccounts + block * journeysPerBlock, journeysPerBlock),
        secrets,
        { firstChatId: 700_000_000 + block * 100_000, viberEvery },
      );
      const service = await spawnService({
        env: serviceEnv(db.url, fakes),
        logFile: path.join(resultsDir, "service-schedules.log"),
      });
      const renders = async () =>
        metricValue(await (await fetch(`${service.url}/metrics`)).text(), "schedule_picture_renders_total");
      try {
        // Not measured: linking and the first view (each picture drawn and uploaded once), then both
        // paths warmed up: 10 refreshes per viewer of a third of them, and --warmup-users journeys.
        const warm = createPoster([service.url], 100);
        await runClosedLoop(warm, linked, { concurrency: 50, durationMs: 300_000 });
        await runClosedLoop(warm, freshTaps(10).slice(0, Math.ceil(viewers / 3)), {
          concurrency: 20,
          durationMs: 60_000,
        });
        await runClosedLoop(warm, journeyUsers.slice(0, warmupUsers), {
          concurrency: 20,
          durationMs: 60_000,
        });
        warm.close();
        // Then one phase of each at the measured load, not measured: the first measured phase ran
        // slower than every later one without it (2.04 ms per view against 1.4-1.8 after).
        const settling = createPoster([service.url], 100);
        await load(settling, freshTaps(taps));
        await load(settling, journeyUsers.slice(warmupUsers, warmupUsers + journeyUsersPerPhase));
        settling.close();
        for (let index = 0; index < pairs * 2; index += 1) {
          const kind = ["views", "journeys", "journeys", "views"][index % 4] as Phase["kind"];
          const users =
            kind === "views"
              ? freshTaps(taps)
              : journeyUsers.slice(
                  warmupUsers + (Math.floor(index / 2) + 1) * journeyUsersPerPhase,
                  warmupUsers + (Math.floor(index / 2) + 2) * journeyUsersPerPhase,
                );
          await settle(db.url);
          const rendersBefore = kind === "views" ? await renders() : 0;
          const cpuBefore = await service.cpuTimes();
          const backendsBefore = await backendCpuSeconds(db.url, db.name);
          const poster = createPoster([service.url], 100);
          // On the monotonic clock a --cpu-prof profile of the service uses (µs), to split one by phase.
          const startedUs = Number(process.hrtime.bigint() / 1000n);
          const result = await load(poster, users);
          const endedUs = Number(process.hrtime.bigint() / 1000n);
          const cpuAfter = await service.cpuTimes();
          const systemSeconds = cpuAfter.system - cpuBefore.system;
          const cpuSeconds = cpuAfter.user - cpuBefore.user + systemSeconds;
          const postgresSeconds = await backendCpuSince(db.url, db.name, backendsBefore);
          poster.close();
          if (kind === "views") rendersDuringViews += (await renders()) - rendersBefore;
          const phase: Phase = {
            plan,
            run: Math.floor(block / loads.length) + 1,
            kind,
            ok: result.ok,
            errors: result.errors,
            throughput: result.throughput,
            p99: result.latencyMs.p99,
            serviceCpuMsPerUpdate: msPerUpdate(cpuSeconds, result.ok),
            systemCpuMsPerUpdate: msPerUpdate(systemSeconds, result.ok),
            postgresCpuMsPerUpdate: msPerUpdate(postgresSeconds, result.ok),
            startedUs,
            endedUs,
          };
          phases.push(phase);
          console.log(
            `  ${plan === "closed" ? `closed ${concurrency}` : `open ${rate}/s`} run ${phase.run} phase ${index + 1} ${kind}: ${phase.throughput}/s, p99 ${phase.p99} ms, errors ${phase.errors}, service CPU ${phase.serviceCpuMsPerUpdate} ms (system ${phase.systemCpuMsPerUpdate}), Postgres ${phase.postgresCpuMsPerUpdate} ms per update`,
          );
          if (index % 2 === 1) {
            const [a, b] = phases.slice(-2) as [Phase, Phase];
            const [view, journey] = a.kind === "views" ? [a, b] : [b, a];
            pairRatios[plan].push(view.serviceCpuMsPerUpdate / journey.serviceCpuMsPerUpdate);
            console.log(
              `    view / journey update, service CPU: ${ratio(view.serviceCpuMsPerUpdate, journey.serviceCpuMsPerUpdate)}`,
            );
          }
        }
      } finally {
        await service.stop().catch(() => undefined);
      }
    }
    const summary = loads.map((plan) => {
      const of = (kind: Phase["kind"]) => phases.filter((p) => p.plan === plan && p.kind === kind);
      const cpu = (kind: Phase["kind"]) => median(of(kind).map((p) => p.serviceCpuMsPerUpdate));
      const pg = (kind: Phase["kind"]) => median(of(kind).map((p) => p.postgresCpuMsPerUpdate));
      const system = (kind: Phase["kind"]) => median(of(kind).map((p) => p.systemCpuMsPerUpdate));
      const ratios = pairRatios[plan];
      return {
        plan,
        load: plan === "closed" ? `closed ${concurrency} connections` : `open ${rate}/s`,
        pairs: ratios.length,
        medianPairRatio: median(ratios),
        pairsBelowOne: ratios.filter((r) => r < 1).length,
        views: {
          serviceCpuMs: cpu("views"),
          systemCpuMs: system("views"),
          postgresCpuMs: pg("views"),
          throughput: median(of("views").map((p) => p.throughput)),
        },
        journeys: {
          serviceCpuMs: cpu("journeys"),
          systemCpuMs: system("journeys"),
          postgresCpuMs: pg("journeys"),
          throughput: median(of("journeys").map((p) => p.throughput)),
        },
        errors: phases.filter((p) => p.plan === plan).reduce((sum, p) => sum + p.errors, 0),
      };
    });
    for (const s of summary) {
      console.log(
        `${s.load}: view / journey update, service CPU, median of ${s.pairs} pairs ${s.medianPairRatio.toFixed(2)} x (${s.pairsBelowOne} below 1; per pair ${pairRatios[s.plan].map((r) => r.toFixed(2)).join(", ")}); medians: views ${s.views.serviceCpuMs} ms (system ${s.views.systemCpuMs}, Postgres ${s.views.postgresCpuMs}), journey updates ${s.journeys.serviceCpuMs} ms (system ${s.journeys.systemCpuMs}, Postgres ${s.journeys.postgresCpuMs}); errors ${s.errors}`,
      );
    }
    console.log(`pictures drawn during the measured view phases: ${rendersDuringViews}`);
    const file = await saveJson("schedules-phases", {
      machine: machine(),
      settings: {
        runs: plans.length / loads.length,
        pairs,
        phaseS,
        viewers,
        concurrency,
        rate,
        journeyMix,
        journeyUsersPerPhase: { closed: perPhase("closed"), open: perPhase("open") },
        warmupUsers,
      },
      summary,
      phases,
      rendersDuringViews,
    });
    console.log(`wrote ${path.relative(projectRoot, file)}`);
  } finally {
    await fakes.close();
    await db.drop();
  }
}

switch (command) {
  case "schedules":
    if (Number(option("phases", "8")) > 0) await benchSchedulesInterleaved(Number(option("phases", "8")));
    else await benchSchedules();
    break;
  case "webhook":
  case "saturate":
    await benchWebhooks(command);
    break;
  case "import":
    await benchImport();
    break;
  case "compare":
    await benchCompare();
    break;
  case "fetch": {
    const result = await benchFetch({ runs: Math.max(runs, 5), calls: Number(option("calls", "6000")) });
    console.log(
      `CPU per Bot API call (client + local server), median of ${result.microsecondsPerCall.jsonFetch.length}: ` +
        `grammY's default fetch ${result.median.grammyDefault} µs, json-fetch ${result.median.jsonFetch} µs ` +
        `(runs: ${result.microsecondsPerCall.grammyDefault.join(", ")} / ${result.microsecondsPerCall.jsonFetch.join(", ")})`,
    );
    const file = await saveJson("fetch", { machine: machine(), ...result });
    console.log(`wrote ${path.relative(projectRoot, file)}`);
    break;
  }
  case "export":
    await benchExport();
    break;
  case "reminders":
    await benchReminders();
    break;
  case "roundtrips":
    await benchRoundTrips();
    break;
  case "fanout":
    await benchFanout({
      option,
      createBenchDatabase,
      serviceEnv: async (url) => {
        const fakes = await startFakes();
        return { env: serviceEnv(url, fakes), close: fakes.close };
      },
      saveJson,
      machine,
      resultsDir,
      token: TELEGRAM_TOKEN,
    });
    break;
  case "all":
    await benchImport();
    await benchWebhooks("all");
    await benchExport();
    await benchReminders();
    break;
  default:
    console.error(
      "usage: npm run bench -- [webhook --rate N | saturate | schedules | compare | import | export | reminders | fanout | roundtrips] [--runs N] [--users N] [--duration S]",
    );
    process.exit(2);
}
