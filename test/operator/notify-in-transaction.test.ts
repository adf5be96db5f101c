// With a queue that enqueues inside the caller's transaction, a status change and its notification
// commit together: a failing enqueue rolls the change back, and the 500 reveals nothing.
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NotificationItem, OperatorNotifier, Tx } from "../../src/operator/notify.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, buildOperatorApp, link, seedAccount, seedUser } from "./support.js";

/** Enqueues the way the outbound queue does: rows written through the caller's transaction. */
class TransactionalRecorder implements OperatorNotifier {
  afterCommit: NotificationItem[] = [];
  inTransaction: { outageReportStatusSeen: string; items: NotificationItem[] }[] = [];
  failNext = false;
  async notify(items: NotificationItem[]): Promise<void> {
    this.afterCommit.push(...items);
  }
  async notifyInTransaction(tx: Tx, items: NotificationItem[]): Promise<number> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error("queue table is locked: secret connection detail");
    }
    // Reads through the transaction: sees the change that is not committed yet.
    const first = items[0]?.notification;
    const reportId = first && first.kind === "outage_report_status" ? first.reportId : 0;
    const row = await tx.outageReport.findUniqueOrThrow({ where: { id: reportId } });
    this.inTransaction.push({ outageReportStatusSeen: row.status, items });
    return items.length;
  }
}

let db: TestDatabase;
let app: FastifyInstance;
const notifier = new TransactionalRecorder();
let reportId: number;
let userId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildOperatorApp(db, { notifier });
  const account = await seedAccount(db.prisma);
  const user = await seedUser(db.prisma);
  userId = user.id;
  await link(db.prisma, user.id, account.id, "Квартира");
  reportId = (
    await db.prisma.outageReport.create({ data: { accountId: account.id, userId: user.id, scope: "home" } })
  ).id;
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe("notifications enqueued in the change's transaction", () => {
  it("enqueues inside the transaction, not after it", async () => {
    const response = await app.inject({
      method: "PATCH",
      url: `/api/v1/outage-reports/${reportId}`,
      headers: AUTH,
      payload: { status: "crew_dispatched" },
    });
    expect(response.statusCode).toBe(200);
    expect(notifier.afterCommit).toEqual([]);
    expect(notifier.inTransaction).toEqual([
      {
        outageReportStatusSeen: "crew_dispatched",
        items: [
          {
            userId,
            notification: {
              kind: "outage_report_status",
              accountLabel: "Квартира",
              reportId,
              status: "crew_dispatched",
            },
          },
        ],
      },
    ]);
  });

  it("rolls the change back when the enqueue fails, answering a bare 500", async () => {
    notifier.failNext = true;
    const response = await app.inject({
      method: "PATCH",
      url: `/api/v1/outage-reports/${reportId}`,
      headers: AUTH,
      payload: { status: "restored", comment: "Світло є" },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: "internal", message: "Internal error" });
    const row = await db.prisma.outageReport.findUniqueOrThrow({ where: { id: reportId } });
    expect(row).toMatchObject({ status: "crew_dispatched", comment: null });
  });
});
