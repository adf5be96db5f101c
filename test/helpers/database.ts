// A fresh, migrated database for one test file: a clone of the run's template on a Postgres server,
// or an embedded Postgres of its own started from the run's migrated data directory.
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import pg from "pg";
import { inject } from "vitest";
import { createEnginePool, createPrisma, type PrismaClient } from "../../src/db/client.js";
import { startEmbeddedPostgres } from "../../src/db/embedded.js";

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
  /** A pg pool for the engine store (src/db/engine-store-pg.ts), as the service's `db.engine`. */
  enginePool: pg.Pool;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const setup = inject("testDb");
  if (setup.mode === "server") {
    const name = `pbt_${randomBytes(6).toString("hex")}`;
    await adminQuery(setup.serverUrl, `CREATE DATABASE ${name} TEMPLATE ${setup.template}`);
    const url = withDatabase(setup.serverUrl, name);
    const prisma = createPrisma(url, { poolSize: 20 });
    const enginePool = createEnginePool(url, { max: 10 });
    return {
      url,
      prisma,
      enginePool,
      async drop() {
        await prisma.$disconnect();
        await enginePool.end();
        await adminQuery(setup.serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  }
  const dump = new Blob([await readFile(setup.dumpFile)]);
  const embedded = await startEmbeddedPostgres({ dataDir: "memory://", loadDataDir: dump });
  const prisma = createPrisma(embedded.url, { poolSize: 5 });
  const enginePool = createEnginePool(embedded.url, { max: 5, embedded: true });
  return {
    url: embedded.url,
    prisma,
    enginePool,
    async drop() {
      await prisma.$disconnect();
      await enginePool.end();
      await embedded.stop();
    },
  };
}
