// Applies pending migrations with the Prisma CLI (`prisma migrate deploy`, wasm schema engine through
// the pg adapter: see prisma.config.ts), and tells whether a database is fully migrated.
import { execFile } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const migrationsDir = path.join(projectRoot, "prisma", "migrations");

export async function migrateDeploy(databaseUrl: string): Promise<string> {
  const cli = path.join(projectRoot, "node_modules", "prisma", "build", "index.js");
  const { stdout } = await run(process.execPath, [cli, "migrate", "deploy"], {
    cwd: projectRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    timeout: 120_000,
  });
  return stdout;
}

/** Names of the migrations in prisma/migrations, in order. */
export async function migrationNames(): Promise<string[]> {
  const entries = await readdir(migrationsDir, { withFileTypes: true });
  return entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}
