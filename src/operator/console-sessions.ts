// Console sign-in and sessions, all in Postgres so any instance behind the load balancer can check
// a session or count a client's failed attempts. A session id is 32 random bytes carried by the
// cookie; only its SHA-256 hash is stored. Every sign-in creates a new id (no session fixation),
// and a session stops working when it is revoked, expires, sits idle too long, or its user is
// disabled.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { OperatorRole, PrismaClient } from "../generated/prisma/client.js";
import { normaliseLogin } from "./operator-users.js";
import { decoyHash, verifyPassword } from "./passwords.js";

export interface SessionPolicy {
  /** A session ends this long after sign-in, whatever happens. */
  absoluteMs: number;
  /** ... or after this long without a request. */
  idleMs: number;
  /** Failed attempts for one login within the window before further attempts are refused. */
  maxFailuresPerLogin: number;
  /** Failed attempts from one client address within the window (any login). */
  maxFailuresPerIp: number;
  windowMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = {
  absoluteMs: 12 * 3_600_000,
  idleMs: 2 * 3_600_000,
  maxFailuresPerLogin: 5,
  maxFailuresPerIp: 20,
  windowMs: 15 * 60_000,
};

/** last_seen_at is refreshed at most this often. */
const TOUCH_RESOLUTION_MS = 60_000;

export interface ConsoleIdentity {
  sessionId: number;
  userId: number;
  login: string;
  role: OperatorRole;
  language: "uk" | "en";
  csrfToken: string;
}

export type SignInResult =
  | { kind: "signed_in"; token: string; identity: ConsoleIdentity }
  | { kind: "invalid" }
  | { kind: "limited"; retryAfterSeconds: number };

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest("hex");

export function sameToken(presented: string, expected: string): boolean {
  const a = createHash("sha256").update(presented, "utf8").digest();
  const b = createHash("sha256").update(expected, "utf8").digest();
  return timingSafeEqual(a, b);
}

async function limited(
  prisma: PrismaClient,
  login: string,
  ip: string,
  now: Date,
  policy: SessionPolicy,
): Promise<number | null> {
  const since = new Date(now.getTime() - policy.windowMs);
  const rows = await prisma.$queryRaw<{ by_login: number; by_ip: number; oldest: Date | null }[]>`
    SELECT (count(*) FILTER (WHERE login = ${login}))::int AS by_login,
           (count(*) FILTER (WHERE ip = ${ip}))::int AS by_ip,
           min(created_at) AS oldest
    FROM sign_in_attempt
    WHERE (login = ${login} OR ip = ${ip}) AND NOT success AND created_at > ${since}`;
  const row = rows[0];
  if (!row) return null;
  if (row.by_login < policy.maxFailuresPerLogin && row.by_ip < policy.maxFailuresPerIp) return null;
  const oldest = row.oldest ? row.oldest.getTime() : now.getTime();
  return Math.max(1, Math.ceil((oldest + policy.windowMs - now.getTime()) / 1000));
}

export async function signIn(
  prisma: PrismaClient,
  input: { login: string; password: string; ip: string; previousToken?: string },
  now: Date = new Date(),
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<SignInResult> {
  const login = normaliseLogin(input.login).slice(0, 64);
  const ip = input.ip.slice(0, 64);
  const retryAfter = await limited(prisma, login, ip, now, policy);
  if (retryAfter !== null) return { kind: "limited", retryAfterSeconds: retryAfter };

  const user = await prisma.operatorUser.findUnique({ where: { login } });
  // An unknown login costs one scrypt too, so the answer's timing does not tell which logins exist.
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await decoyHash()));
  const success = ok && user !== null && user.disabledAt === null;
  await prisma.signInAttempt.create({ data: { login, ip, success, createdAt: now } });
  if (!success || !user) return { kind: "invalid" };

  // The id a browser brought to the sign-in page never becomes the signed-in one.
  if (input.previousToken) await signOut(prisma, input.previousToken, now);
  const token = randomBytes(32).toString("base64url");
  const csrfToken = randomBytes(32).toString("base64url");
  const session = await prisma.operatorSession.create({
    data: {
      tokenHash: sha256(token),
      userId: user.id,
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + policy.absoluteMs),
    },
  });
  return {
    kind: "signed_in",
    token,
    identity: {
      sessionId: session.id,
      userId: user.id,
      login: user.login,
      role: user.role,
      language: user.language,
      csrfToken,
    },
  };
}

/** The signed-in person behind a session cookie, or null (unknown, revoked, expired, idle, disabled). */
export async function authenticateSession(
  prisma: PrismaClient,
  token: string,
  now: Date = new Date(),
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<ConsoleIdentity | null> {
  if (token.length === 0 || token.length > 128) return null;
  const session = await prisma.operatorSession.findUnique({
    where: { tokenHash: sha256(token) },
    include: { user: true },
  });
  if (!session || session.revokedAt !== null || session.user.disabledAt !== null) return null;
  if (session.expiresAt.getTime() <= now.getTime()) return null;
  if (now.getTime() - session.lastSeenAt.getTime() > policy.idleMs) return null;
  if (now.getTime() - session.lastSeenAt.getTime() > TOUCH_RESOLUTION_MS) {
    await prisma.operatorSession.update({ where: { id: session.id }, data: { lastSeenAt: now } });
  }
  return {
    sessionId: session.id,
    userId: session.userId,
    login: session.user.login,
    role: session.user.role,
    language: session.user.language,
    csrfToken: session.csrfToken,
  };
}

export async function signOut(prisma: PrismaClient, token: string, now: Date = new Date()): Promise<void> {
  await prisma.operatorSession.updateMany({
    where: { tokenHash: sha256(token), revokedAt: null },
    data: { revokedAt: now },
  });
}
