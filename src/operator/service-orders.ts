// Operators schedule and close customers' meter service orders; the customer is told of every
// change they can see (status, visit window, a new comment), naming the account by its label.
import type { PrismaClient, ServiceOrderStatus, ServiceType } from "../generated/prisma/client.js";
import { serviceOrderPhotoPath } from "./api-paths.js";
import { InvalidChangeError, NotFoundError } from "./errors.js";
import { accountLabelFor } from "./labels.js";
import { changeAndNotify, type NotificationItem, type OperatorNotifier } from "./notify.js";

export interface ServiceOrderView {
  id: number;
  accountNumber: string;
  type: ServiceType;
  description: string;
  preferredDate: Date | null;
  status: ServiceOrderStatus;
  visitFrom: Date | null;
  visitTo: Date | null;
  comment: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Where the operator API serves the customer's photo; null without one. */
  photoUrl: string | null;
}

const orderSelect = {
  id: true,
  type: true,
  description: true,
  preferredDate: true,
  status: true,
  visitFrom: true,
  visitTo: true,
  comment: true,
  createdAt: true,
  updatedAt: true,
  photoRef: true,
  account: { select: { number: true } },
} as const;

type OrderRow = Omit<ServiceOrderView, "accountNumber" | "photoUrl"> & {
  account: { number: string };
  photoRef: string | null;
};

function toView(row: OrderRow): ServiceOrderView {
  const { account, photoRef, ...rest } = row;
  return {
    ...rest,
    accountNumber: account.number,
    photoUrl: photoRef === null ? null : serviceOrderPhotoPath(row.id),
  };
}

export async function listServiceOrders(
  prisma: PrismaClient,
  filter: { status?: ServiceOrderStatus; afterId?: number; limit: number },
): Promise<ServiceOrderView[]> {
  const rows = await prisma.serviceOrder.findMany({
    where: {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.afterId !== undefined ? { id: { gt: filter.afterId } } : {}),
    },
    orderBy: { id: "asc" },
    take: filter.limit,
    select: orderSelect,
  });
  return rows.map(toView);
}

export interface ServiceOrderChange {
  status?: ServiceOrderStatus;
  /** null clears the bound. */
  visitFrom?: Date | null;
  visitTo?: Date | null;
  comment?: string;
}

export async function updateServiceOrder(
  prisma: PrismaClient,
  notifier: OperatorNotifier,
  id: number,
  change: ServiceOrderChange,
): Promise<ServiceOrderView> {
  return changeAndNotify(prisma, notifier, async (tx) => {
    const locked = await tx.$queryRaw<
      { id: number }[]
    >`SELECT id FROM service_order WHERE id = ${id} FOR UPDATE`;
    if (locked.length === 0) throw new NotFoundError("service order", id);
    const before = await tx.serviceOrder.findUniqueOrThrow({ where: { id } });
    // The window is checked against what will be stored, so changing one end alone cannot invert it.
    const visitFrom = change.visitFrom !== undefined ? change.visitFrom : before.visitFrom;
    const visitTo = change.visitTo !== undefined ? change.visitTo : before.visitTo;
    if (visitFrom && visitTo && visitTo.getTime() < visitFrom.getTime()) {
      throw new InvalidChangeError("body.visitTo", "must not be before visitFrom");
    }
    const after = await tx.serviceOrder.update({
      where: { id },
      data: {
        ...(change.status !== undefined ? { status: change.status } : {}),
        ...(change.visitFrom !== undefined ? { visitFrom: change.visitFrom } : {}),
        ...(change.visitTo !== undefined ? { visitTo: change.visitTo } : {}),
        ...(change.comment !== undefined ? { comment: change.comment } : {}),
      },
      select: { ...orderSelect, userId: true, accountId: true },
    });
    const visibleChange =
      before.status !== after.status ||
      before.visitFrom?.getTime() !== after.visitFrom?.getTime() ||
      before.visitTo?.getTime() !== after.visitTo?.getTime() ||
      (change.comment !== undefined && change.comment !== before.comment);
    const notifications: NotificationItem[] = [];
    if (visibleChange && after.userId !== null) {
      notifications.push({
        userId: after.userId,
        notification: {
          kind: "service_order_status",
          accountLabel: await accountLabelFor(tx, after.userId, after.accountId),
          orderId: after.id,
          status: after.status,
          ...(after.visitFrom ? { visitFrom: after.visitFrom.toISOString() } : {}),
          ...(after.visitTo ? { visitTo: after.visitTo.toISOString() } : {}),
          ...(after.comment ? { comment: after.comment } : {}),
        },
      });
    }
    const { userId: _userId, accountId: _accountId, ...viewRow } = after;
    return { result: toView(viewRow), notifications };
  });
}

export async function getServiceOrder(prisma: PrismaClient, id: number): Promise<ServiceOrderView> {
  const row = await prisma.serviceOrder.findUnique({ where: { id }, select: orderSelect });
  if (!row) throw new NotFoundError("service order", id);
  return toView(row);
}

/** The number the customer left for the visit: only roles that arrange visits are shown it in full. */
export async function serviceOrderContactPhone(prisma: PrismaClient, id: number): Promise<string> {
  const row = await prisma.serviceOrder.findUnique({ where: { id }, select: { contactPhone: true } });
  if (!row) throw new NotFoundError("service order", id);
  return row.contactPhone;
}
