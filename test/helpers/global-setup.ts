// Once per test run: prepare a migrated database to clone (server mode) or start an embedded
// Postgres (no server configured). Test files get their database from createTestDatabase().
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "../../src/db/embedded.js";
import { migrateDeploy } from "../../src/db/migrate.js";

declare module "vitest" {
  export interface ProvidedContext {
    testDb: { mode: "server"; serverUrl: string; template: string } | { mode: "embedded"; dumpFile: string };
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (serverUrl) {
    const template = `pbt_tmpl_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${template}`);
    await admin.end();
    await migrateDeploy(withDatabase(serverUrl, template));
    project.provide("testDb", { mode: "server", serverUrl, template });
    return async () => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
      await client.end();
    };
  }
  // No server: migrate one embedded Postgres once and keep its data directory as a tarball; every
  // test file starts its own embedded Postgres from it (isolated, like a cloned database).
  const embedded: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: "memory://" });
  await migrateDeploy(embedded.url);
  const dir = await mkdtemp(path.join(os.tmpdir(), "power-bot-test-"));
  const dumpFile = path.join(dir, "migrated.tar.gz");
  await writeFile(dumpFile, Buffer.from(await (await embedded.dump()).arrayBuffer()));
  await embedded.stop();
  project.provide("testDb", { mode: "embedded", dumpFile });
  return async () => {
    await rm(dir, { recursive: true, force: true });
  };
}
