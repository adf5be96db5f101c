// The numbers an operator checks first: who uses which messenger, how many accounts are verified,
// how many accounts submitted readings for the period (the submission rate the company tracks:
// 38 % missed the window in April 2025), and the open work queue.
import type { Channel, PrismaClient } from "../generated/prisma/client.js";

export interface OperatorStats {
  period: string;
  usersPerChannel: Record<Channel, { total: number; active: number }>;
  accounts: number;
  verifiedAccounts: number;
  accountsWithReading: number;
  /** accountsWithReading / accounts, 0 when there are no accounts. */
  submissionRate: number;
  openOutageReports: number;
  openServiceOrders: number;
  activeKnownOutages: number;
}

export async function operatorStats(prisma: PrismaClient, period: string): Promise<OperatorStats> {
  const [users, accounts, verified, withReading, openReports, openOrders, activeOutages] = await Promise.all([
    prisma.$queryRaw<{ channel: Channel; total: number; active: number }[]>`
      SELECT channel::text AS channel, count(*)::int AS total,
             (count(*) FILTER (WHERE status = 'active'))::int AS active
      FROM messenger_user GROUP BY channel`,
    prisma.account.count(),
    prisma.$queryRaw<{ n: number }[]>`SELECT count(DISTINCT account_id)::int AS n FROM account_link`,
    prisma.$queryRaw<{ n: number }[]>`
      SELECT count(DISTINCT account_id)::int AS n FROM meter_reading
      WHERE period = ${period} AND status <> 'superseded'`,
    prisma.outageReport.count({ where: { status: { in: ["received", "crew_dispatched"] } } }),
    prisma.serviceOrder.count({ where: { status: { in: ["received", "scheduled", "in_progress"] } } }),
    prisma.knownOutage.count({ where: { resolvedAt: null } }),
  ]);
  const usersPerChannel: OperatorStats["usersPerChannel"] = {
    telegram: { total: 0, active: 0 },
    viber: { total: 0, active: 0 },
    web: { total: 0, active: 0 },
  };
  for (const row of users) usersPerChannel[row.channel] = { total: row.total, active: row.active };
  const accountsWithReading = withReading[0]?.n ?? 0;
  return {
    period,
    usersPerChannel,
    accounts,
    verifiedAccounts: verified[0]?.n ?? 0,
    accountsWithReading,
    submissionRate: accounts === 0 ? 0 : accountsWithReading / accounts,
    openOutageReports: openReports,
    openServiceOrders: openOrders,
    activeKnownOutages: activeOutages,
  };
}
