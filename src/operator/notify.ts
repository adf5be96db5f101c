// How operator changes reach customers: through the Notifier port, inside the change's own
// transaction when the queue can enqueue there (the outbound queue's notifyInTransaction: the
// messages exist if and only if the change commits), otherwise right after the commit.
import type { Notification, Notifier } from "../engine/notifications.js";
import type { Prisma, PrismaClient } from "../generated/prisma/client.js";

export type Tx = Prisma.TransactionClient;

export interface NotificationItem {
  userId: number;
  notification: Notification;
}

/** The Notifier port, optionally able to enqueue inside the caller's Prisma transaction. */
export interface OperatorNotifier extends Notifier {
  notifyInTransaction?(tx: Tx, items: NotificationItem[]): Promise<unknown>;
}

/** Notifications are handed over in chunks so a city-wide outage never becomes one huge statement. */
const NOTIFY_CHUNK = 500;

/**
 * Runs `work` in one transaction; the notifications it returns are enqueued in that transaction
 * when the notifier supports it, else after commit (a crash in between loses them: the at-most-once
 * side, preferred to telling a customer about a change that rolled back).
 */
export async function changeAndNotify<T>(
  prisma: PrismaClient,
  notifier: OperatorNotifier,
  work: (tx: Tx) => Promise<{ result: T; notifications: NotificationItem[] }>,
): Promise<T> {
  const inTransaction = notifier.notifyInTransaction?.bind(notifier);
  const { result, notifications } = await prisma.$transaction(async (tx) => {
    const outcome = await work(tx);
    if (inTransaction) {
      for (let i = 0; i < outcome.notifications.length; i += NOTIFY_CHUNK) {
        await inTransaction(tx, outcome.notifications.slice(i, i + NOTIFY_CHUNK));
      }
    }
    return outcome;
  });
  if (!inTransaction) {
    for (let i = 0; i < notifications.length; i += NOTIFY_CHUNK) {
      await notifier.notify(notifications.slice(i, i + NOTIFY_CHUNK));
    }
  }
  return result;
}
