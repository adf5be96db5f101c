// Prisma client factory: the pg driver adapter connects (no Rust query engine; see README).
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";

export type { PrismaClient };

export function createPrisma(databaseUrl: string, options: { poolSize?: number } = {}): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
  });
  return new PrismaClient({ adapter });
}

/** A small plain pg pool for bulk work (imports, exports) that streams through memory. */
export function createSqlPool(databaseUrl: string, options: { max?: number } = {}): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max: options.max ?? 3, connectionTimeoutMillis: 5_000 });
}
