// Opens the database the configuration names: DATABASE_URL, or the embedded Postgres (PGlite) with
// its data under DATA_DIR. Applies pending migrations when asked and imports the demo accounts into
// an empty embedded database, so a new user can try every journey at once.
import { createReadStream } from "node:fs";
import path from "node:path";
import type { Config } from "../config.js";
import { importAccountsCsv } from "../import/accounts-csv.js";
import { createEnginePool, createPrisma, createSqlPool, type PrismaClient } from "./client.js";
import type pg from "pg";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./embedded.js";
import { migrateDeploy, migrationNames, projectRoot } from "./migrate.js";

export interface OpenDatabase {
  url: string;
  prisma: PrismaClient;
  /** Plain pg pool for bulk imports and exports (flat memory). */
  sql: pg.Pool;
  /** The engine store's pg pool (src/db/engine-store-pg.ts), DB_POOL_SIZE connections. */
  engine: pg.Pool;
  embedded: boolean;
  /** Demo import result when demo data was loaded at this start. */
  demoImported?: number;
  close(): Promise<void>;
}

export const demoCsvPath = path.join(projectRoot, "data", "demo-accounts.csv");

export async function openDatabase(
  db: Config["db"],
  options: { migrate: boolean; demoData?: boolean },
): Promise<OpenDatabase> {
  let embedded: EmbeddedPostgres | undefined;
  let url = db.url;
  if (!url) {
    embedded = await startEmbeddedPostgres({ dataDir: db.dataDir, port: db.embeddedPort });
    url = embedded.url;
  }
  const prisma = createPrisma(url, { poolSize: embedded ? Math.min(db.poolSize, 5) : db.poolSize });
  const sql = createSqlPool(url, { max: embedded ? 2 : 3 });
  const engine = createEnginePool(url, {
    max: embedded ? Math.min(db.poolSize, 5) : db.poolSize,
    embedded: embedded !== undefined,
  });
  const close = async () => {
    await engine.end();
    await sql.end();
    await prisma.$disconnect();
    await embedded?.stop();
  };
  try {
    if (options.migrate) await migrateDeploy(url);
    let demoImported: number | undefined;
    const wantDemo = db.demoData === "on" || (db.demoData === "auto" && embedded !== undefined);
    if (options.demoData && wantDemo && (await prisma.account.count()) === 0) {
      const report = await importAccountsCsv(sql, createReadStream(demoCsvPath));
      demoImported = report.imported;
    }
    return { url, prisma, sql, engine, embedded: embedded !== undefined, demoImported, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Readiness: the database answers and every migration in prisma/migrations is applied. */
let expectedMigrations: Promise<string[]> | undefined;

export async function databaseReadiness(prisma: PrismaClient): Promise<"ok" | string> {
  expectedMigrations ??= migrationNames();
  const expected = await expectedMigrations;
  try {
    const applied = await prisma.$queryRaw<{ migration_name: string }[]>`
      SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
    const names = new Set(applied.map((a) => a.migration_name));
    const missing = expected.filter((m) => !names.has(m));
    return missing.length === 0 ? "ok" : `pending migrations: ${missing.join(", ")}`;
  } catch (error) {
    return `database unavailable: ${error instanceof Error ? error.message.split("\n")[0] : "error"}`;
  }
}
