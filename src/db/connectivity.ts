// Whether a database error means "the database cannot be used right now" (down, unreachable, pool or
// transaction timed out, shutting down) rather than a bug or bad data. Such failures become
// StoreUnavailableError in the engine store, so webhooks answer 503 and the platform redelivers.
// Knows pg's errors and Prisma's (the operator side and the tools still use Prisma).

import { StoreUnavailableError } from "../engine/errors.js";

const CONNECTIVITY_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
const CONNECTIVITY_SYSTEM_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "EHOSTUNREACH",
]);
const CONNECTIVITY_ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "DatabaseDoesNotExist",
  "DatabaseAccessDenied",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TransactionAlreadyClosed",
]);

/**
 * Whether an error means "the database cannot be used right now" (down, unreachable, pool or
 * transaction timed out) rather than a bug or bad data. Walks the cause chain: driver adapter
 * errors wrap the pg error.
 */
export function isConnectivityError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === "object"; depth += 1) {
    const candidate = current as {
      name?: unknown;
      code?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (candidate.name === "PrismaClientInitializationError") return true;
    if (typeof candidate.code === "string") {
      if (CONNECTIVITY_PRISMA_CODES.has(candidate.code) || CONNECTIVITY_SYSTEM_CODES.has(candidate.code))
        return true;
      // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now).
      if (/^08\w{3}$/.test(candidate.code) || /^57P0[123]$/.test(candidate.code)) return true;
    }
    if (typeof candidate.kind === "string" && CONNECTIVITY_ADAPTER_KINDS.has(candidate.kind)) return true;
    // A raw query's failure is P2010 with the driver's error under meta (e.g. SQLSTATE 57P01 when
    // Postgres is shutting down): seen by the reliability check "Postgres stopped mid-load".
    const meta = (candidate as { meta?: { code?: unknown; driverAdapterError?: unknown } }).meta;
    if (meta?.driverAdapterError !== undefined && isConnectivityError(meta.driverAdapterError)) return true;
    if (typeof meta?.code === "string" && (/^08\w{3}$/.test(meta.code) || /^57P0[123]$/.test(meta.code)))
      return true;
    if (
      typeof candidate.message === "string" &&
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed and is not queryable/i.test(
        candidate.message,
      )
    ) {
      return true;
    }
    current = candidate.cause;
  }
  return false;
}

/** Runs a store call; a connectivity failure becomes StoreUnavailableError, anything else passes. */
export async function guardStore<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isConnectivityError(error)) {
      throw new StoreUnavailableError("the database is unavailable", { cause: error });
    }
    throw error;
  }
}
