// `npm run operator:user -- create <login> --role <role> [--password-stdin] | list | disable <login>
// | enable <login> | reset-password <login> [--password-stdin]`: the command logic, apart from the
// script that opens the database and reads the password, so it is tested against a real database.
// Every change is written to the audit log as actor "cli".
import type { PrismaClient } from "../generated/prisma/client.js";
import { recordAudit } from "./audit.js";
import { ConflictError, InvalidChangeError, NotFoundError } from "./errors.js";
import {
  createOperatorUser,
  disableOperatorUser,
  enableOperatorUser,
  listOperatorUsers,
  OPERATOR_ROLES,
  resetOperatorPassword,
  type OperatorRole,
} from "./operator-users.js";
import type { CliOutput } from "./token-cli.js";

export const USER_CLI_USAGE = [
  "usage: npm run operator:user -- create <login> --role <dispatcher|service|billing|admin> [--password-stdin]",
  "       npm run operator:user -- list",
  "       npm run operator:user -- disable <login> | enable <login>",
  "       npm run operator:user -- reset-password <login> [--password-stdin]",
].join("\n");

export interface UserCliIo extends CliOutput {
  /** Asks for the password (twice on a terminal), or reads the first line of stdin with --password-stdin. */
  readPassword(fromStdin: boolean): Promise<string>;
}

function parse(args: string[]) {
  const positional: string[] = [];
  let role: string | undefined;
  let passwordStdin = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--role") role = args[++i];
    else if (arg.startsWith("--role=")) role = arg.slice("--role=".length);
    else if (arg === "--password-stdin") passwordStdin = true;
    else positional.push(arg);
  }
  return { positional, role, passwordStdin };
}

/** Runs one command; returns the process exit code (0 ok, 1 refused, 2 usage). */
export async function runUserCommand(prisma: PrismaClient, args: string[], io: UserCliIo): Promise<number> {
  const { positional, role, passwordStdin } = parse(args);
  const [command, login, ...extra] = positional;
  const usage = () => {
    io.err(USER_CLI_USAGE);
    return 2;
  };
  if (extra.length > 0) return usage();
  try {
    switch (command) {
      case "list": {
        if (login !== undefined) return usage();
        const users = await listOperatorUsers(prisma);
        if (users.length === 0) io.out("no operator users");
        for (const u of users) {
          const state = u.disabledAt ? `disabled ${u.disabledAt.toISOString()}` : "active";
          io.out(
            `${u.login}\t${u.role}\t${state}\t${u.activeSessions} session(s)\tcreated ${u.createdAt.toISOString()}`,
          );
        }
        return 0;
      }
      case "create": {
        if (login === undefined || !OPERATOR_ROLES.includes(role as OperatorRole)) return usage();
        const password = await io.readPassword(passwordStdin);
        const user = await createOperatorUser(prisma, { login, role: role as OperatorRole, password });
        await recordAudit(
          prisma,
          { kind: "cli" },
          {
            action: "operator_user.create",
            entity: "operator_user",
            entityId: user.login,
            details: { role: user.role },
          },
        );
        io.out(`operator user "${user.login}" created with role ${user.role}`);
        return 0;
      }
      case "disable":
      case "enable": {
        if (login === undefined || role !== undefined) return usage();
        await (command === "disable"
          ? disableOperatorUser(prisma, login)
          : enableOperatorUser(prisma, login));
        await recordAudit(
          prisma,
          { kind: "cli" },
          {
            action: `operator_user.${command}`,
            entity: "operator_user",
            entityId: login.toLowerCase(),
          },
        );
        io.out(`operator user "${login.toLowerCase()}" ${command}d`);
        return 0;
      }
      case "reset-password": {
        if (login === undefined || role !== undefined) return usage();
        const password = await io.readPassword(passwordStdin);
        await resetOperatorPassword(prisma, login, password);
        await recordAudit(
          prisma,
          { kind: "cli" },
          {
            action: "operator_user.reset_password",
            entity: "operator_user",
            entityId: login.toLowerCase(),
          },
        );
        io.out(`password of "${login.toLowerCase()}" changed; their sessions ended`);
        return 0;
      }
      default:
        return usage();
    }
  } catch (error) {
    if (error instanceof ConflictError || error instanceof NotFoundError) {
      io.err(error.message);
      return 1;
    }
    if (error instanceof InvalidChangeError) {
      io.err(`${error.path}: ${error.reason}`);
      return 1;
    }
    throw error;
  }
}
