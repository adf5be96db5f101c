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
  releaseBrokenTransactions(adapter);
  return new PrismaClient({ adapter });
}

type PooledClient = { release(error?: Error | boolean): void };
type TransactionWithClient = { client?: PooledClient; executeRaw(query: { sql: string }): Promise<number> };

/**
 * Prisma 6.19 ends an interactive transaction by sending COMMIT/ROLLBACK through executeRaw and only
 * then calling the adapter's commit()/rollback(), which is what hands the pg client back to the pool.
 * When the connection died mid-transaction (Postgres restarted), that statement throws, the client
 * is never released, and after DB_POOL_SIZE such transactions the pool is empty for good: every
 * later update waits 5 s and fails although the database is back (found by the reliability check
 * "Postgres stopped mid-load"). Here a failed COMMIT/ROLLBACK releases the client as broken.
 */
function releaseBrokenTransactions(factory: PrismaPg): void {
  const connect = factory.connect.bind(factory);
  factory.connect = async () => {
    const adapter = await connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const transaction = await startTransaction(isolationLevel);
      const tx = transaction as unknown as TransactionWithClient;
      const executeRaw = tx.executeRaw.bind(tx);
      tx.executeRaw = async (query) => {
        try {
          return await executeRaw(query);
        } catch (error) {
          if (query.sql === "COMMIT" || query.sql === "ROLLBACK") {
            tx.client?.release(error instanceof Error ? error : true);
          }
          throw error;
        }
      };
      return transaction;
    };
    return adapter;
  };
}

/**
 * A plain pg pool for bulk work (imports, exports) that streams through memory, and the base of the
 * engine pool. connectionTimeoutMillis bounds the wait for a connection when all are busy.
 */
export function createSqlPool(
  databaseUrl: string,
  options: { max?: number; connectionTimeoutMillis?: number; pipeline?: boolean } = {},
): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 3,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
    ...(options.pipeline ? { pipeline: true } : {}),
  });
  // An idle connection that dies (Postgres restarted) is reported here; without a listener the
  // process would crash. The pool drops it and the next checkout opens a new one.
  pool.on("error", () => undefined);
  return pool;
}

const preparingPools = new WeakSet<pg.Pool>();

/**
 * The engine store's pool (src/db/engine-store-pg.ts). Its connections pipeline: statements are sent
 * without waiting for the previous answer, so a batch costs one round trip. On a Postgres server
 * the hot statements are also prepared once per connection (named); not on the embedded Postgres,
 * where every connection shares one session and the names would collide.
 */
export function createEnginePool(
  databaseUrl: string,
  options: { max?: number; connectionTimeoutMillis?: number; embedded?: boolean } = {},
): pg.Pool {
  const pool = createSqlPool(databaseUrl, { ...options, pipeline: true });
  if (!options.embedded) preparingPools.add(pool);
  return pool;
}

/** Whether the engine store may name (prepare) its statements on this pool's connections. */
export function preparesStatements(pool: pg.Pool): boolean {
  return preparingPools.has(pool);
}
