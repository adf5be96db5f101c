// The migrations and schema.prisma agree: the database built by `prisma migrate deploy` (public)
// has the same tables, columns, indexes and constraints as one built from schema.prisma alone
// (`prisma migrate diff --from-empty` run into a scratch schema), except the CHECK constraints
// Prisma cannot express, which migrations add by hand: those are listed here and must exist.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { projectRoot } from "../../src/db/migrate.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const run = promisify(execFile);
/** CHECK constraints written by hand in a migration (schema.prisma names them in a comment). */
const HAND_WRITTEN_CHECKS = [
  "constraint schedule_subscription_lead_minutes_check CHECK ((lead_minutes = ANY (ARRAY[0, 15, 30, 60])))",
];

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function describeSchema(client: pg.Client, schema: string): Promise<string[]> {
  const strip = (s: string) => s.replaceAll(`${schema}.`, "").replaceAll(`"${schema}".`, "");
  const columns = await client.query(
    `SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = $1 AND table_name <> '_prisma_migrations'`,
    [schema],
  );
  const indexes = await client.query(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_prisma_migrations'`,
    [schema],
  );
  const constraints = await client.query(
    `SELECT c.conname, pg_get_constraintdef(c.oid) AS def FROM pg_constraint c
       JOIN pg_namespace n ON n.oid = c.connamespace
      WHERE n.nspname = $1 AND c.conrelid::regclass::text NOT LIKE '%_prisma_migrations%'`,
    [schema],
  );
  const enums = await client.query(
    `SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE n.nspname = $1 GROUP BY t.typname`,
    [schema],
  );
  return [
    ...columns.rows.map((r) =>
      strip(
        `column ${r.table_name}.${r.column_name} ${r.data_type} ${r.udt_name} ${r.is_nullable} ${r.column_default ?? ""}`,
      ),
    ),
    ...indexes.rows.map((r) => strip(`index ${r.indexname} ${r.indexdef}`)),
    ...constraints.rows.map((r) => strip(`constraint ${r.conname} ${r.def}`)),
    ...enums.rows.map((r) => `enum ${r.typname} ${r.labels}`),
  ].sort();
}

it("prisma/migrations produce exactly the schema in schema.prisma", async () => {
  const cli = path.join(projectRoot, "node_modules", "prisma", "build", "index.js");
  const { stdout: script } = await run(
    process.execPath,
    [cli, "migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
    { cwd: projectRoot, env: { ...process.env, DATABASE_URL: db.url } },
  );
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query("DROP SCHEMA IF EXISTS drift_check CASCADE; CREATE SCHEMA drift_check");
    await client.query(`SET search_path TO drift_check; ${script}`);
    await client.query("SET search_path TO public");
    const migrated = await describeSchema(client, "public");
    const fromSchema = await describeSchema(client, "drift_check");
    expect(migrated.length).toBeGreaterThan(50);
    for (const check of HAND_WRITTEN_CHECKS) expect(migrated).toContain(check);
    const fromMigrations = migrated.filter((entry) => !HAND_WRITTEN_CHECKS.includes(entry));
    expect(fromMigrations).toEqual(fromSchema);
  } finally {
    await client.query("DROP SCHEMA IF EXISTS drift_check CASCADE").catch(() => undefined);
    await client.end();
  }
});
