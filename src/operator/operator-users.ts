// People who sign in to the operator console, with a role each. Created, listed, disabled and given
// a new password from the command line (`npm run operator:user`) or by an admin in the console.
// Disabling a user or resetting a password ends their sessions at once.
import type { OperatorRole, PrismaClient } from "../generated/prisma/client.js";
import { ConflictError, InvalidChangeError, NotFoundError } from "./errors.js";
import { hashPassword, MIN_PASSWORD_LENGTH } from "./passwords.js";

export const OPERATOR_ROLES = [
  "dispatcher",
  "service",
  "billing",
  "admin",
] as const satisfies readonly OperatorRole[];
export type { OperatorRole };

const LOGIN = /^[a-z0-9][a-z0-9._-]{1,63}$/;

export function normaliseLogin(login: string): string {
  return login.trim().toLowerCase();
}

export function checkLogin(login: string): string {
  const normalised = normaliseLogin(login);
  if (!LOGIN.test(normalised)) {
    throw new InvalidChangeError("login", "2-64 characters: letters, digits, '.', '_' or '-'");
  }
  return normalised;
}

export function checkPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new InvalidChangeError("password", `at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (password.length > 256) throw new InvalidChangeError("password", "at most 256 characters");
}

export interface OperatorUserView {
  id: number;
  login: string;
  role: OperatorRole;
  language: "uk" | "en";
  disabledAt: Date | null;
  createdAt: Date;
  /** Sessions that are not revoked or expired. */
  activeSessions: number;
}

export async function createOperatorUser(
  prisma: PrismaClient,
  input: { login: string; role: OperatorRole; password: string; language?: "uk" | "en" },
): Promise<OperatorUserView> {
  const login = checkLogin(input.login);
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const existing = await prisma.operatorUser.findUnique({ where: { login } });
  if (existing) throw new ConflictError(`an operator user "${login}" already exists`);
  const row = await prisma.operatorUser.create({
    data: { login, role: input.role, passwordHash, language: input.language ?? "uk" },
  });
  return { ...row, activeSessions: 0 };
}

export async function listOperatorUsers(
  prisma: PrismaClient,
  now: Date = new Date(),
): Promise<OperatorUserView[]> {
  const rows = await prisma.operatorUser.findMany({
    orderBy: { login: "asc" },
    include: { _count: { select: { sessions: { where: { revokedAt: null, expiresAt: { gt: now } } } } } },
  });
  return rows.map(({ _count, passwordHash: _hash, updatedAt: _updated, ...row }) => ({
    ...row,
    activeSessions: _count.sessions,
  }));
}

async function findUser(prisma: PrismaClient, login: string) {
  const user = await prisma.operatorUser.findUnique({ where: { login: normaliseLogin(login) } });
  if (!user) throw new NotFoundError("operator user", login);
  return user;
}

/** Disables the user and revokes every session of theirs in the same transaction. */
export async function disableOperatorUser(
  prisma: PrismaClient,
  login: string,
  now: Date = new Date(),
): Promise<void> {
  const user = await findUser(prisma, login);
  await prisma.$transaction([
    prisma.operatorUser.update({ where: { id: user.id }, data: { disabledAt: user.disabledAt ?? now } }),
    prisma.operatorSession.updateMany({
      where: { userId: user.id, revokedAt: null },
      data: { revokedAt: now },
    }),
  ]);
}

export async function enableOperatorUser(prisma: PrismaClient, login: string): Promise<void> {
  const user = await findUser(prisma, login);
  await prisma.operatorUser.update({ where: { id: user.id }, data: { disabledAt: null } });
}

/** Sets a new password; the user's sessions end (whoever knew the old one is signed out). */
export async function resetOperatorPassword(
  prisma: PrismaClient,
  login: string,
  password: string,
  now: Date = new Date(),
): Promise<void> {
  checkPassword(password);
  const user = await findUser(prisma, login);
  const passwordHash = await hashPassword(password);
  await prisma.$transaction([
    prisma.operatorUser.update({ where: { id: user.id }, data: { passwordHash } }),
    prisma.operatorSession.updateMany({
      where: { userId: user.id, revokedAt: null },
      data: { revokedAt: now },
    }),
  ]);
}

export async function setOperatorLanguage(
  prisma: PrismaClient,
  userId: number,
  language: "uk" | "en",
): Promise<void> {
  await prisma.operatorUser.update({ where: { id: userId }, data: { language } });
}
