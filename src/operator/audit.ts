// The audit trail of operator changes (console and API): who, what, when, and the change itself
// (statuses, times, comments; never a customer's phone). Written by the HTTP layer right after the
// service committed the change, for the console and the API alike.
import type { Prisma, PrismaClient } from "../generated/prisma/client.js";

type Db = PrismaClient | Prisma.TransactionClient;

/** Who acted: a console user, an API token, the bootstrap token, or the command line. */
export type Actor =
  { kind: "user"; login: string } | { kind: "token"; name: string } | { kind: "bootstrap" } | { kind: "cli" };

export function actorName(actor: Actor): string {
  switch (actor.kind) {
    case "user":
      return `user:${actor.login}`;
    case "token":
      return `token:${actor.name}`;
    default:
      return actor.kind;
  }
}

export interface AuditInput {
  action: string;
  entity: string;
  entityId: string | number;
  details?: Record<string, unknown>;
}

export async function recordAudit(db: Db, actor: Actor, entry: AuditInput): Promise<void> {
  await db.auditEntry.create({
    data: {
      actor: actorName(actor),
      action: entry.action,
      entity: entry.entity,
      entityId: String(entry.entityId),
      details: JSON.parse(JSON.stringify(entry.details ?? {})) as Prisma.InputJsonValue,
    },
  });
}

export interface AuditView {
  id: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string;
  details: unknown;
  createdAt: Date;
}

/** Newest first, keyset-paged by id. */
export async function listAudit(
  prisma: PrismaClient,
  filter: { beforeId?: bigint; entity?: string; entityId?: string; limit: number },
): Promise<AuditView[]> {
  const rows = await prisma.auditEntry.findMany({
    where: {
      ...(filter.beforeId !== undefined ? { id: { lt: filter.beforeId } } : {}),
      ...(filter.entity ? { entity: filter.entity } : {}),
      ...(filter.entityId ? { entityId: filter.entityId } : {}),
    },
    orderBy: { id: "desc" },
    take: filter.limit,
  });
  return rows.map((r) => ({ ...r, id: r.id.toString() }));
}
