// Operator API credentials: random bearer tokens of which only a SHA-256 hash is stored, plus the
// OPERATOR_API_TOKEN bootstrap token from the environment (compared in constant time).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "../generated/prisma/client.js";
import { ConflictError, NotFoundError } from "./errors.js";

/** Who made an authenticated request: a named token from the table, or the bootstrap token. */
export type OperatorIdentity = { kind: "token"; name: string } | { kind: "bootstrap" };

/** last_used_at is refreshed at most this often, so reads do not turn into a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** Equal-length digests make the comparison constant-time whatever the presented token's length. */
function sameSecret(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

export interface CreatedToken {
  name: string;
  /** Shown once; only its hash is kept. */
  token: string;
}

/** Creates a token (or re-issues one for a revoked name). A live token with the same name is a conflict. */
export async function createOperatorToken(prisma: PrismaClient, name: string): Promise<CreatedToken> {
  const token = `op_${randomBytes(32).toString("base64url")}`;
  const tokenHash = hashToken(token);
  await prisma.$transaction(async (tx) => {
    const existing = await tx.operatorToken.findUnique({ where: { name } });
    if (existing && existing.revokedAt === null) {
      throw new ConflictError(`an active token named "${name}" already exists; revoke it first`);
    }
    if (existing) {
      await tx.operatorToken.update({
        where: { id: existing.id },
        data: { tokenHash, revokedAt: null, lastUsedAt: null, createdAt: new Date() },
      });
    } else {
      await tx.operatorToken.create({ data: { name, tokenHash } });
    }
  });
  return { name, token };
}

export async function revokeOperatorToken(prisma: PrismaClient, name: string): Promise<void> {
  const result = await prisma.operatorToken.updateMany({
    where: { name, revokedAt: null },
    data: { revokedAt: new Date() },
  });
  if (result.count === 0) throw new NotFoundError("active operator token", name);
}

export interface TokenSummary {
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export async function listOperatorTokens(prisma: PrismaClient): Promise<TokenSummary[]> {
  return prisma.operatorToken.findMany({
    orderBy: { name: "asc" },
    select: { name: true, createdAt: true, lastUsedAt: true, revokedAt: true },
  });
}

/**
 * Checks a presented bearer token: the bootstrap token first (no database round trip), then the
 * table by hash (the unique index lookup reveals nothing about near misses). Null means 401.
 */
export async function authenticateOperator(
  prisma: PrismaClient,
  bootstrapToken: string | undefined,
  presented: string,
  now: Date = new Date(),
): Promise<OperatorIdentity | null> {
  if (presented.length === 0) return null;
  if (bootstrapToken && sameSecret(presented, bootstrapToken)) return { kind: "bootstrap" };
  const row = await prisma.operatorToken.findUnique({ where: { tokenHash: hashToken(presented) } });
  if (!row || row.revokedAt !== null) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await prisma.operatorToken.update({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return { kind: "token", name: row.name };
}
