// A fresh, migrated database for one test file: a clone of the run's template on a Postgres server,
// or the shared embedded Postgres emptied of data (files then run one at a time).
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";
import { createPrisma, type PrismaClient } from "../../src/db/client.js";

export interface TestDatabase {
  url: string;
  prisma: PrismaClient;
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

/** Empties every table except Prisma's migration log, and any pg-boss schema. */
export async function truncateAll(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string }>(
      `SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) AS t FROM pg_tables
        WHERE schemaname = 'public' AND tablename <> '_prisma_migrations'`,
    );
    if (rows.length > 0) await client.query(`TRUNCATE ${rows.map((r) => r.t).join(", ")} RESTART IDENTITY CASCADE`);
    await client.query("DROP SCHEMA IF EXISTS pgboss CASCADE");
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
    return {
      url,
      prisma,
      async drop() {
        await prisma.$disconnect();
        await adminQuery(setup.serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      },
    };
  }
  await truncateAll(setup.url);
  const prisma = createPrisma(setup.url, { poolSize: 5 });
  return {
    url: setup.url,
    prisma,
    async drop() {
      await prisma.$disconnect();
    },
  };
}
