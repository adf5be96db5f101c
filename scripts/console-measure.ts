// `npm run console:measure`: the console's lists at the scale, measured. Creates a scratch
// database on the Postgres server of DATABASE_URL (default postgresql://root@127.0.0.1:5432/postgres),
// migrates it, generates 100,000 accounts and 50,000 tickets (30,000 outage reports, 20,000 service
// orders, about 15 % still open, spread over 60 days and 40 areas) plus 2,000 flagged readings, then
// times each console query (median of 7 runs, after one warm-up) and prints the plan of the inbox
// page. The scratch database is dropped at the end.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPrisma } from "../src/db/client.js";
import { migrateDeploy } from "../src/db/migrate.js";
import { searchAccounts } from "../src/operator/account-search.js";
import { dashboard } from "../src/operator/dashboard.js";
import { inboxQuery, listInbox, type InboxFilter } from "../src/operator/inbox.js";
import { listFlaggedReadings } from "../src/operator/reading-reviews.js";

const serverUrl = process.env.DATABASE_URL ?? "postgresql://root@127.0.0.1:5432/postgres";
const name = `console_measure_${randomBytes(4).toString("hex")}`;
const url = new URL(serverUrl);
url.pathname = `/${name}`;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function median(run: () => Promise<unknown>): Promise<number> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[3]!;
}

await admin(`CREATE DATABASE ${name}`);
const prisma = createPrisma(url.toString(), { poolSize: 4 });
try {
  await migrateDeploy(url.toString());
  const started = performance.now();
  await prisma.$executeRawUnsafe(`
    INSERT INTO account (number, holder_name, phones, settlement, street, building, apartment, area_code,
                         meter_serial, meter_digits, zones, updated_at)
    SELECT (5000000000 + g)::text, 'Власник ' || g, ARRAY['38067' || lpad(g::text, 7, '0')], 'Дніпро',
           'вул. Вулиця-' || (g % 700), (g % 120)::text, (g % 90)::text, 'AREA-' || lpad((g % 40)::text, 2, '0'),
           'M' || lpad(g::text, 8, '0'), 6, 1, now()
    FROM generate_series(1, 100000) g`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO outage_report (account_id, scope, status, created_at, updated_at)
    SELECT 1 + (g * 7919) % 100000, (ARRAY['home','building','street'])[1 + g % 3]::"OutageScope",
           CASE WHEN g % 7 = 0 THEN 'received' WHEN g % 11 = 0 THEN 'crew_dispatched' ELSE 'restored' END::"OutageReportStatus",
           now() - (g % 86400) * interval '1 minute', now()
    FROM generate_series(1, 30000) g`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO service_order (account_id, type, description, contact_phone, status, created_at, updated_at)
    SELECT 1 + (g * 104729) % 100000,
           (ARRAY['meter_replacement','meter_setup','sealing','unsealing','meter_fault'])[1 + g % 5]::"ServiceType",
           'Опис ' || g, '380671234567',
           CASE WHEN g % 6 = 0 THEN 'received' WHEN g % 13 = 0 THEN 'scheduled' ELSE 'done' END::"ServiceOrderStatus",
           now() - (g % 86400) * interval '1 minute', now()
    FROM generate_series(1, 20000) g`);
  await prisma.$executeRawUnsafe(`
    INSERT INTO meter_reading (account_id, period, t1, taken_at, source, status, flag_reason, created_at)
    SELECT 1 + (g * 31) % 100000, '2026-11', 1000 + g, now() - interval '40 days', 'billing'::"ReadingSource", 'accepted'::"ReadingStatus", NULL, now() - interval '40 days'
    FROM generate_series(1, 60000) g
    UNION ALL
    SELECT 1 + (g * 37) % 100000, '2026-12', 9000 + g, now() - (g % 3000) * interval '1 minute', 'telegram'::"ReadingSource",
           CASE WHEN g % 20 = 0 THEN 'flagged' ELSE 'accepted' END::"ReadingStatus", CASE WHEN g % 20 = 0 THEN 'far above' END,
           now() - (g % 3000) * interval '1 minute'
    FROM generate_series(1, 40000) g`);
  await prisma.$executeRawUnsafe("ANALYZE");
  console.log(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const now = new Date();
  const open: InboxFilter = { status: "open", limit: 50 };
  // A cursor deep in the open list: page 80 of 50.
  const deep = await listInbox(prisma, "outage", { ...open, limit: 4000 }, now);
  const cursor = { createdAt: deep.items[3999]!.createdAt, id: deep.items[3999]!.id };
  const cases: [string, () => Promise<unknown>][] = [
    ["inbox: open outage reports, first page (rows + counts)", () => listInbox(prisma, "outage", open, now)],
    [
      "inbox: open outage reports, page 81 (keyset)",
      () => listInbox(prisma, "outage", { ...open, after: cursor }, now),
    ],
    [
      "inbox: area + age > 24 h filter",
      () => listInbox(prisma, "outage", { ...open, area: "AREA-07", age: "24h" }, now),
    ],
    [
      "inbox: all statuses, street scope",
      () => listInbox(prisma, "outage", { status: "all", type: "street", limit: 50 }, now),
    ],
    ["inbox: open service orders, first page", () => listInbox(prisma, "service", open, now)],
    ["readings flagged for review, first page", () => listFlaggedReadings(prisma, { limit: 51 })],
    ["account lookup by number", () => searchAccounts(prisma, "5000054321")],
    ["account lookup by meter serial", () => searchAccounts(prisma, "M00054321")],
    ["account lookup by address words", () => searchAccounts(prisma, "Вулиця-123 45")],
    ["dashboard (stats, two curves, ages)", () => dashboard(prisma, "2026-12", now)],
  ];
  console.log("\n| query | median of 7 (ms) |\n| --- | ---: |");
  for (const [label, run] of cases) console.log(`| ${label} | ${(await median(run)).toFixed(1)} |`);

  const page = inboxQuery("outage", { ...open, after: cursor }, now);
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const plan = await client.query<{ "QUERY PLAN": string }>(
      `EXPLAIN (ANALYZE, BUFFERS) ${page.statement.replace(/:(\d+)/g, "$$$1")}`,
      page.values,
    );
    console.log(
      "\nEXPLAIN ANALYZE of the inbox page 81:\n" + plan.rows.map((r) => r["QUERY PLAN"]).join("\n"),
    );
  } finally {
    await client.end();
  }
} finally {
  await prisma.$disconnect();
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
