// What the console's dashboard draws: how this billing period's submissions are going day by day
// against the previous period's (the company's problem: 38 % of accounts missed the window in
// April 2025), users per messenger, and open tickets by age. Plain numbers; the HTTP layer draws
// them as SVG.
import type { PrismaClient } from "../generated/prisma/client.js";
import { kyivDate, previousPeriod, readingWindow } from "../engine/reading-window.js";
import { operatorStats, type OperatorStats } from "./stats.js";

export interface SubmissionCurve {
  period: string;
  /** Day 1 is the day the period's window opens (Kyiv); cumulative share of accounts submitted by its end. */
  days: { day: number; date: string; submitted: number; rate: number }[];
}

export interface AgeBucket {
  key: "lt1h" | "1to4h" | "4to24h" | "1to3d" | "gt3d";
  outageReports: number;
  serviceOrders: number;
}

export interface Dashboard {
  stats: OperatorStats;
  accounts: number;
  current: SubmissionCurve;
  previous: SubmissionCurve;
  openByAge: AgeBucket[];
  flaggedReadings: number;
}

/** Days shown per period: the window (last two days of the month before, 1st-3rd) and a week after. */
const CURVE_DAYS = 12;

const isoDay = (instant: Date) => {
  const d = kyivDate(instant);
  return `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`;
};

async function submissionCurve(
  prisma: PrismaClient,
  period: string,
  accounts: number,
  now: Date,
): Promise<SubmissionCurve> {
  const { opensAt } = readingWindow(period);
  // Each account counts once, on the day of its first reading that still counts for the period.
  const rows = await prisma.$queryRaw<{ day: string; n: number }[]>`
    SELECT to_char(first_at AT TIME ZONE 'Europe/Kyiv', 'YYYY-MM-DD') AS day, count(*)::int AS n
    FROM (
      SELECT account_id, min(taken_at) AS first_at FROM meter_reading
      WHERE period = ${period} AND status <> 'superseded'
      GROUP BY account_id
    ) f
    GROUP BY 1`;
  const perDay = new Map(rows.map((r) => [r.day, r.n]));
  let before = 0;
  const firstDay = isoDay(opensAt);
  for (const r of rows) if (r.day < firstDay) before += r.n;
  const days: SubmissionCurve["days"] = [];
  let cumulative = before;
  for (let i = 0; i < CURVE_DAYS; i++) {
    // Days that have begun only (a day's noon names it, clear of DST shifts).
    if (opensAt.getTime() + i * 86_400_000 > now.getTime()) break;
    const instant = new Date(opensAt.getTime() + i * 86_400_000 + 12 * 3_600_000);
    const date = isoDay(instant);
    cumulative += perDay.get(date) ?? 0;
    days.push({ day: i + 1, date, submitted: cumulative, rate: accounts === 0 ? 0 : cumulative / accounts });
  }
  return { period, days };
}

export async function dashboard(
  prisma: PrismaClient,
  period: string,
  now: Date = new Date(),
): Promise<Dashboard> {
  const stats = await operatorStats(prisma, period);
  const [current, previous, ages, flagged] = await Promise.all([
    submissionCurve(prisma, period, stats.accounts, now),
    submissionCurve(prisma, previousPeriod(period), stats.accounts, now),
    prisma.$queryRaw<{ bucket: AgeBucket["key"]; kind: "outage" | "service"; n: number }[]>`
      WITH open AS (
        SELECT 'outage' AS kind, created_at FROM outage_report WHERE status IN ('received', 'crew_dispatched')
        UNION ALL
        SELECT 'service', created_at FROM service_order WHERE status IN ('received', 'scheduled', 'in_progress')
      )
      SELECT CASE
               WHEN created_at > ${now}::timestamptz - interval '1 hour' THEN 'lt1h'
               WHEN created_at > ${now}::timestamptz - interval '4 hours' THEN '1to4h'
               WHEN created_at > ${now}::timestamptz - interval '24 hours' THEN '4to24h'
               WHEN created_at > ${now}::timestamptz - interval '72 hours' THEN '1to3d'
               ELSE 'gt3d' END AS bucket,
             kind, count(*)::int AS n
      FROM open GROUP BY 1, 2`,
    prisma.meterReading.count({ where: { status: "flagged" } }),
  ]);
  const openByAge: AgeBucket[] = (["lt1h", "1to4h", "4to24h", "1to3d", "gt3d"] as const).map((key) => ({
    key,
    outageReports: ages.find((a) => a.bucket === key && a.kind === "outage")?.n ?? 0,
    serviceOrders: ages.find((a) => a.bucket === key && a.kind === "service")?.n ?? 0,
  }));
  return { stats, accounts: stats.accounts, current, previous, openByAge, flaggedReadings: flagged };
}
