// The embedded Postgres: PGlite (Postgres compiled to WASM) served over the wire protocol on
// 127.0.0.1, so Prisma, pg-boss and the Prisma CLI connect to it exactly as to a real server.
// Used when DATABASE_URL is unset, so a new user's first `npm start` needs nothing installed.
// PGlite runs one transaction at a time: fine for trying the service, not for production load.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

export interface EmbeddedPostgres {
  url: string;
  /** A gzipped tarball of the data directory (tests clone a migrated database from it). */
  dump(): Promise<Blob>;
  stop(): Promise<void>;
}

/** Starts PGlite with its data in `dataDir` (created if missing; `memory://` keeps it in memory). */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  maxConnections?: number;
  /** Start from a dump made by dump() instead of an empty cluster (memory:// only). */
  loadDataDir?: Blob;
}): Promise<EmbeddedPostgres> {
  const inMemory = options.dataDir.startsWith("memory://");
  const dataDir = inMemory ? options.dataDir : path.resolve(options.dataDir, "pg");
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir, options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
  const server = new PGLiteSocketServer({
    db,
    host: "127.0.0.1",
    port: options.port ?? 0,
    maxConnections: options.maxConnections ?? 50,
  });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgresql://postgres:postgres@${address}/postgres?sslmode=disable`,
    dump: () => db.dumpDataDir("gzip"),
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
