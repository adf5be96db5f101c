// Dispatchers publish planned and emergency outages per area. Customers who asked "notify me when
// power is back" (an outage_watch row) hear once when the outage is resolved (notified_at marks it)
// and each time the expected end moves while it lasts.
import type { OutageKind, Prisma, PrismaClient } from "../generated/prisma/client.js";
import { InvalidChangeError, NotFoundError } from "./errors.js";
import { changeAndNotify, type NotificationItem, type OperatorNotifier } from "./notify.js";

export interface KnownOutageView {
  id: number;
  areaCodes: string[];
  kind: OutageKind;
  startsAt: Date;
  expectedEndAt: Date | null;
  note: string | null;
  resolvedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  /** How many "notify me when power is back" requests it has. */
  watchers: number;
}

const outageSelect = {
  id: true,
  areaCodes: true,
  kind: true,
  startsAt: true,
  expectedEndAt: true,
  note: true,
  resolvedAt: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { watchers: true } },
} as const;

type OutageRow = Omit<KnownOutageView, "watchers"> & { _count: { watchers: number } };

function toView(row: OutageRow): KnownOutageView {
  const { _count, ...rest } = row;
  return { ...rest, watchers: _count.watchers };
}

export interface NewKnownOutage {
  areaCodes: string[];
  kind: OutageKind;
  startsAt: Date;
  expectedEndAt?: Date | null;
  note?: string | null;
}

function checkWindow(startsAt: Date, expectedEndAt: Date | null | undefined): void {
  if (expectedEndAt && expectedEndAt.getTime() < startsAt.getTime()) {
    throw new InvalidChangeError("body.expectedEndAt", "must not be before startsAt");
  }
}

export async function createKnownOutage(
  prisma: PrismaClient,
  input: NewKnownOutage,
): Promise<KnownOutageView> {
  checkWindow(input.startsAt, input.expectedEndAt);
  const row = await prisma.knownOutage.create({
    data: {
      areaCodes: [...new Set(input.areaCodes)],
      kind: input.kind,
      startsAt: input.startsAt,
      expectedEndAt: input.expectedEndAt ?? null,
      note: input.note ?? null,
    },
    select: outageSelect,
  });
  return toView(row);
}

export async function listKnownOutages(
  prisma: PrismaClient,
  filter: { active?: boolean; area?: string; afterId?: number; limit: number },
): Promise<KnownOutageView[]> {
  const rows = await prisma.knownOutage.findMany({
    where: {
      ...(filter.active === true ? { resolvedAt: null } : {}),
      ...(filter.active === false ? { resolvedAt: { not: null } } : {}),
      ...(filter.area ? { areaCodes: { has: filter.area } } : {}),
      ...(filter.afterId !== undefined ? { id: { gt: filter.afterId } } : {}),
    },
    orderBy: { id: "asc" },
    take: filter.limit,
    select: outageSelect,
  });
  return rows.map(toView);
}

export async function getKnownOutage(prisma: PrismaClient, id: number): Promise<KnownOutageView> {
  const row = await prisma.knownOutage.findUnique({ where: { id }, select: outageSelect });
  if (!row) throw new NotFoundError("known outage", id);
  return toView(row);
}

export interface KnownOutageChange {
  areaCodes?: string[];
  kind?: OutageKind;
  startsAt?: Date;
  expectedEndAt?: Date | null;
  note?: string | null;
  /** true resolves the outage (power is back); resolving twice is harmless. */
  resolved?: true;
}

interface WatcherRow {
  user_id: number;
  label: string;
}

async function watchersToTell(
  tx: Prisma.TransactionClient,
  outageId: number,
  claim: boolean,
): Promise<WatcherRow[]> {
  // Claiming sets notified_at in the same statement that reads the watchers, so a second resolve
  // (or a concurrent one) finds nobody left to tell: the resolution is told once.
  if (claim) {
    return tx.$queryRaw<WatcherRow[]>`
      WITH claimed AS (
        UPDATE outage_watch SET notified_at = now()
        WHERE outage_id = ${outageId} AND notified_at IS NULL
        RETURNING id, user_id, account_id
      )
      SELECT c.user_id, COALESCE(l.label, a.number) AS label
      FROM claimed c
      JOIN account a ON a.id = c.account_id
      LEFT JOIN account_link l ON l.user_id = c.user_id AND l.account_id = c.account_id
      ORDER BY c.id`;
  }
  return tx.$queryRaw<WatcherRow[]>`
    SELECT w.user_id, COALESCE(l.label, a.number) AS label
    FROM outage_watch w
    JOIN account a ON a.id = w.account_id
    LEFT JOIN account_link l ON l.user_id = w.user_id AND l.account_id = w.account_id
    WHERE w.outage_id = ${outageId} AND w.notified_at IS NULL
    ORDER BY w.id`;
}

export async function updateKnownOutage(
  prisma: PrismaClient,
  notifier: OperatorNotifier,
  id: number,
  change: KnownOutageChange,
  now: Date = new Date(),
): Promise<KnownOutageView> {
  return changeAndNotify(prisma, notifier, async (tx) => {
    const locked = await tx.$queryRaw<
      { id: number }[]
    >`SELECT id FROM known_outage WHERE id = ${id} FOR UPDATE`;
    if (locked.length === 0) throw new NotFoundError("known outage", id);
    const before = await tx.knownOutage.findUniqueOrThrow({ where: { id } });
    const startsAt = change.startsAt ?? before.startsAt;
    const expectedEndAt = change.expectedEndAt !== undefined ? change.expectedEndAt : before.expectedEndAt;
    checkWindow(startsAt, expectedEndAt);
    const resolvingNow = change.resolved === true && before.resolvedAt === null;
    const row = await tx.knownOutage.update({
      where: { id },
      data: {
        ...(change.areaCodes !== undefined ? { areaCodes: [...new Set(change.areaCodes)] } : {}),
        ...(change.kind !== undefined ? { kind: change.kind } : {}),
        ...(change.startsAt !== undefined ? { startsAt: change.startsAt } : {}),
        ...(change.expectedEndAt !== undefined ? { expectedEndAt: change.expectedEndAt } : {}),
        ...(change.note !== undefined ? { note: change.note } : {}),
        ...(resolvingNow ? { resolvedAt: now } : {}),
      },
      select: outageSelect,
    });

    let notifications: NotificationItem[] = [];
    if (resolvingNow) {
      const watchers = await watchersToTell(tx, id, true);
      notifications = watchers.map((w) => ({
        userId: w.user_id,
        notification: {
          kind: "known_outage_update",
          accountLabel: w.label,
          outageId: id,
          change: "resolved",
        },
      }));
    } else if (row.resolvedAt === null && row.expectedEndAt?.getTime() !== before.expectedEndAt?.getTime()) {
      // A cleared time is news too: the customer is told the restoration time is not known now.
      const expectedEndAt = row.expectedEndAt?.toISOString();
      const watchers = await watchersToTell(tx, id, false);
      notifications = watchers.map((w) => ({
        userId: w.user_id,
        notification: {
          kind: "known_outage_update",
          accountLabel: w.label,
          outageId: id,
          change: "expected_end_changed",
          ...(expectedEndAt ? { expectedEndAt } : {}),
        },
      }));
    }
    return { result: toView(row), notifications };
  });
}
