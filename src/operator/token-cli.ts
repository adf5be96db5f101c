// `npm run operator:token -- create <name> | revoke <name> | list`: the command logic, apart from
// the script that opens the database, so it is tested against a real one. The token is printed
// once at creation; afterwards only its hash exists.
import type { PrismaClient } from "../generated/prisma/client.js";
import { ConflictError, NotFoundError } from "./errors.js";
import { createOperatorToken, listOperatorTokens, revokeOperatorToken } from "./tokens.js";

export const TOKEN_CLI_USAGE = "usage: npm run operator:token -- create <name> | revoke <name> | list";

const TOKEN_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export interface CliOutput {
  out(line: string): void;
  err(line: string): void;
}

/** Runs one command; returns the process exit code (0 ok, 1 refused, 2 usage). */
export async function runTokenCommand(prisma: PrismaClient, args: string[], io: CliOutput): Promise<number> {
  const [command, name, ...extra] = args;
  if (command === "list" && name === undefined) {
    const tokens = await listOperatorTokens(prisma);
    if (tokens.length === 0) io.out("no operator tokens");
    for (const t of tokens) {
      const state = t.revokedAt ? `revoked ${t.revokedAt.toISOString()}` : "active";
      const used = t.lastUsedAt ? `last used ${t.lastUsedAt.toISOString()}` : "never used";
      io.out(`${t.name}\t${state}\tcreated ${t.createdAt.toISOString()}\t${used}`);
    }
    return 0;
  }
  if ((command !== "create" && command !== "revoke") || name === undefined || extra.length > 0) {
    io.err(TOKEN_CLI_USAGE);
    return 2;
  }
  if (!TOKEN_NAME.test(name)) {
    io.err("a token name is 1-64 characters: letters, digits, '.', '_' or '-'");
    return 2;
  }
  try {
    if (command === "create") {
      const created = await createOperatorToken(prisma, name);
      io.err(`token "${name}" created; it is shown only this once:`);
      io.out(created.token);
    } else {
      await revokeOperatorToken(prisma, name);
      io.out(`token "${name}" revoked`);
    }
    return 0;
  } catch (error) {
    if (error instanceof ConflictError || error instanceof NotFoundError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
}
