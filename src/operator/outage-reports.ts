// Operators move customers' "no electricity" reports along (received -> crew dispatched ->
// restored); every change the reporter should know about becomes a notification to them.
import type { OutageReportStatus, PrismaClient } from "../generated/prisma/client.js";
import { NotFoundError } from "./errors.js";
import { accountLabelFor } from "./labels.js";
import { changeAndNotify, type NotificationItem, type OperatorNotifier } from "./notify.js";

export interface OutageReportView {
  id: number;
  accountNumber: string;
  areaCode: string;
  scope: "home" | "building" | "street";
  status: OutageReportStatus;
  expectedRestoreAt: Date | null;
  comment: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface OutageReportFilter {
  status?: OutageReportStatus;
  area?: string;
  /** Keyset pagination: only ids greater than this. */
  afterId?: number;
  limit: number;
}

const reportSelect = {
  id: true,
  scope: true,
  status: true,
  expectedRestoreAt: true,
  comment: true,
  createdAt: true,
  updatedAt: true,
  account: { select: { number: true, areaCode: true } },
} as const;

type ReportRow = {
  id: number;
  scope: OutageReportView["scope"];
  status: OutageReportStatus;
  expectedRestoreAt: Date | null;
  comment: string | null;
  createdAt: Date;
  updatedAt: Date;
  account: { number: string; areaCode: string };
};

function toView(row: ReportRow): OutageReportView {
  const { account, ...rest } = row;
  return { ...rest, accountNumber: account.number, areaCode: account.areaCode };
}

export async function listOutageReports(
  prisma: PrismaClient,
  filter: OutageReportFilter,
): Promise<OutageReportView[]> {
  const rows = await prisma.outageReport.findMany({
    where: {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.area ? { account: { areaCode: filter.area } } : {}),
      ...(filter.afterId !== undefined ? { id: { gt: filter.afterId } } : {}),
    },
    orderBy: { id: "asc" },
    take: filter.limit,
    select: reportSelect,
  });
  return rows.map(toView);
}

export interface OutageReportChange {
  status?: OutageReportStatus;
  /** null clears the expected time. */
  expectedRestoreAt?: Date | null;
  comment?: string;
}

/**
 * Applies the change in one transaction and, after commit, tells the reporter when something they
 * can see changed (status, expected time or a new comment). A no-op PATCH notifies nobody.
 */
export async function updateOutageReport(
  prisma: PrismaClient,
  notifier: OperatorNotifier,
  id: number,
  change: OutageReportChange,
): Promise<OutageReportView> {
  return changeAndNotify(prisma, notifier, async (tx) => {
    // FOR UPDATE: two operators editing the same report are serialised, so each sees the other's result.
    const locked = await tx.$queryRaw<
      { id: number }[]
    >`SELECT id FROM outage_report WHERE id = ${id} FOR UPDATE`;
    if (locked.length === 0) throw new NotFoundError("outage report", id);
    const before = await tx.outageReport.findUniqueOrThrow({ where: { id } });
    const after = await tx.outageReport.update({
      where: { id },
      data: {
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.expectedRestoreAt !== undefined ? { expectedRestoreAt: change.expectedRestoreAt } : {}),
        ...(change.comment !== undefined ? { comment: change.comment } : {}),
      },
      select: { ...reportSelect, userId: true, accountId: true },
    });
    const visibleChange =
      before.status !== after.status ||
      before.expectedRestoreAt?.getTime() !== after.expectedRestoreAt?.getTime() ||
      (change.comment !== undefined && change.comment !== before.comment);
    const notifications: NotificationItem[] = [];
    if (visibleChange && after.userId !== null) {
      notifications.push({
        userId: after.userId,
        notification: {
          kind: "outage_report_status",
          accountLabel: await accountLabelFor(tx, after.userId, after.accountId),
          reportId: after.id,
          status: after.status,
          ...(after.expectedRestoreAt ? { expectedRestoreAt: after.expectedRestoreAt.toISOString() } : {}),
          ...(after.comment ? { comment: after.comment } : {}),
        },
      });
    }
    const { userId: _userId, accountId: _accountId, ...viewRow } = after;
    return { result: toView(viewRow), notifications };
  });
}

export async function getOutageReport(prisma: PrismaClient, id: number): Promise<OutageReportView> {
  const row = await prisma.outageReport.findUnique({ where: { id }, select: reportSelect });
  if (!row) throw new NotFoundError("outage report", id);
  return toView(row);
}
