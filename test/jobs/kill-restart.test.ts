// Acceptance: kill -9 during a reminder campaign, restart, and it completes with nobody reminded
// twice. The service runs in a child process (tsx); its sender records every delivered message in
// the database, so duplicates would show as two rows for one address.
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { seedUser, until } from "./support.js";

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "campaign-worker.ts");
const USERS = 150;
const PERIOD = "2026-12";
let db: TestDatabase;
const children: ChildProcess[] = [];
// Two processes racing pg-boss's expiry and retry timers: on the embedded PGlite (one transaction at
// a time, shared with every other test file's load) the timing is not what this check measures, so
// it runs against a Postgres server only (TEST_DATABASE_URL / DATABASE_URL, as CI has).
const noServer = inject("testDb").mode === "embedded";
if (noServer)
  console.log("[jobs] kill -9 campaign check skipped: no Postgres server (set TEST_DATABASE_URL)");

beforeAll(async () => {
  if (noServer) return;
  db = await createTestDatabase();
  await db.prisma.$executeRawUnsafe(
    "CREATE TABLE test_delivery (id serial PRIMARY KEY, address text NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())",
  );
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await db?.drop();
});

function startService(): { child: ChildProcess; output: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ["--import", "tsx", fixture], {
    env: { ...process.env, DATABASE_URL: db.url, CAMPAIGN_PERIOD: PERIOD },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const output: string[] = [];
  child.stdout!.on("data", (d: Buffer) => output.push(d.toString()));
  child.stderr!.on("data", (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output, exited };
}

const delivered = async () =>
  (await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM test_delivery`)[0]!.n;

describe.skipIf(noServer)("kill -9 mid-campaign", () => {
  it("completes after a restart and nobody gets two reminders", async () => {
    for (let i = 0; i < USERS; i++) await seedUser(db.prisma, { accounts: [`Рахунок ${i}`] });

    const first = startService();
    // Kill it once a good part, but not all, of the campaign went out.
    await until(async () => (await delivered()) >= 40, 30_000, 10);
    first.child.kill("SIGKILL");
    await first.exited;
    const atKill = await delivered();
    expect(atKill).toBeLessThan(USERS);

    const second = startService();
    const code = await second.exited;
    expect(code, second.output.join("")).toBe(0);

    const perAddress = await db.prisma.$queryRaw<{ address: string; n: number }[]>`
      SELECT address, count(*)::int AS n FROM test_delivery GROUP BY address`;
    expect(perAddress.filter((r) => r.n > 1)).toEqual([]);
    // One reminder per user was ever created, and each ended sent, or uncertain when the kill hit it
    // between the gate and the platform's answer (never re-sent: at most once).
    const states = await db.prisma.$queryRaw<{ state: string; n: number }[]>`
      SELECT state::text, count(*)::int AS n FROM outbound_message GROUP BY state ORDER BY state`;
    const byState = Object.fromEntries(states.map((s) => [s.state, s.n]));
    expect((byState.sent ?? 0) + (byState.uncertain ?? 0)).toBe(USERS);
    expect(byState.uncertain ?? 0).toBeLessThanOrEqual(10); // at most the killed process's in-flight sends
    expect(await db.prisma.reminderDelivery.count()).toBe(USERS);
    // Every "sent" message reached its user exactly once; the second process did part of the work.
    const sentButMissing = await db.prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM outbound_message m JOIN messenger_user u ON u.id = m.user_id
       WHERE m.state = 'sent' AND NOT EXISTS (SELECT 1 FROM test_delivery d WHERE d.address = u.address)`;
    expect(sentButMissing[0]!.n).toBe(0);
    expect(await delivered()).toBeGreaterThan(atKill);
    expect(await delivered()).toBeGreaterThanOrEqual(USERS - (byState.uncertain ?? 0));
  }, 60_000);
});
