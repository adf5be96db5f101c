// The console's work queue: customers' outage reports and service orders, filtered by status, area,
// type and age, oldest first, paged on the database with a keyset on (created_at, id) so page 500
// costs what page 1 does (the (status, created_at) indexes of both tables). Counts per status for
// the filter tabs come from one GROUP BY over the same filters.
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import type { OutageReportStatus, ServiceOrderStatus, ServiceType } from "../generated/prisma/client.js";

export type InboxKind = "outage" | "service";

export const OUTAGE_STATUSES = ["received", "crew_dispatched", "restored", "cancelled"] as const;
export const SERVICE_STATUSES = ["received", "scheduled", "in_progress", "done", "cancelled"] as const;
export const SERVICE_TYPES = [
  "meter_replacement",
  "meter_setup",
  "sealing",
  "unsealing",
  "meter_fault",
] as const;
export const OPEN_OUTAGE_STATUSES: OutageReportStatus[] = ["received", "crew_dispatched"];
export const OPEN_SERVICE_STATUSES: ServiceOrderStatus[] = ["received", "scheduled", "in_progress"];

/** "Older than" choices of the age filter, in hours. */
export const AGE_FILTERS = { "1h": 1, "4h": 4, "24h": 24, "72h": 72 } as const;
export type AgeFilter = keyof typeof AGE_FILTERS;

export interface InboxFilter {
  /** One status, or "open" (the statuses still to be worked). */
  status: string;
  area?: string;
  /** Service orders only: the service type. Outage reports: the scope (home/building/street). */
  type?: string;
  age?: AgeFilter;
  after?: { createdAt: Date; id: number };
  limit: number;
}

export interface InboxItem {
  kind: InboxKind;
  id: number;
  accountNumber: string;
  areaCode: string;
  address: string;
  status: string;
  /** Outage: scope; service: service type. */
  type: string;
  createdAt: Date;
  updatedAt: Date;
  hasPhoto: boolean;
}

export interface InboxPage {
  items: InboxItem[];
  /** Cursor of the next page, absent on the last. */
  next?: { createdAt: Date; id: number };
  /** Rows per status under the other filters (area, type, age). */
  counts: Record<string, number>;
}

interface Row {
  id: number;
  account_number: string;
  area_code: string;
  settlement: string;
  street: string;
  building: string;
  apartment: string | null;
  status: string;
  type: string;
  created_at: Date;
  updated_at: Date;
  has_photo: boolean;
}

function statusesFor(kind: InboxKind, status: string): string[] {
  const all: readonly string[] = kind === "outage" ? OUTAGE_STATUSES : SERVICE_STATUSES;
  if (status === "open") return kind === "outage" ? OPEN_OUTAGE_STATUSES : OPEN_SERVICE_STATUSES;
  if (status === "all") return [...all];
  return all.includes(status) ? [status] : [];
}

/**
 * The SQL of one page, exported so the measurement script EXPLAINs exactly what the console runs.
 * The page is cut from the ticket table alone (the (status, created_at) index, the area through a
 * semi-join on account(area_code)) and only its rows are joined to their accounts by primary key.
 */
export function inboxQuery(kind: InboxKind, filter: InboxFilter, now: Date): Prisma.Sql {
  const table = kind === "outage" ? Prisma.sql`outage_report` : Prisma.sql`service_order`;
  const type = kind === "outage" ? Prisma.sql`t.scope::text` : Prisma.sql`t.type::text`;
  const photo = kind === "outage" ? Prisma.sql`false` : Prisma.sql`t.photo_ref IS NOT NULL`;
  const statusEnum = kind === "outage" ? Prisma.sql`"OutageReportStatus"` : Prisma.sql`"ServiceOrderStatus"`;
  const statuses = statusesFor(kind, filter.status);
  const afterAt = filter.after?.createdAt ?? new Date(0);
  const afterId = filter.after?.id ?? 0;
  return Prisma.sql`
    SELECT t.id, a.number AS account_number, a.area_code, a.settlement, a.street, a.building, a.apartment,
           t.status::text AS status, ${type} AS type, t.created_at, t.updated_at, ${photo} AS has_photo
    FROM (
      SELECT * FROM ${table} t
      WHERE t.status = ANY(${statuses}::text[]::${statusEnum}[])
        ${conditions(kind, filter, now)}
        AND (t.created_at, t.id) > (${afterAt}, ${afterId})
      ORDER BY t.created_at, t.id
      LIMIT ${filter.limit + 1}
    ) t
    JOIN account a ON a.id = t.account_id
    ORDER BY t.created_at, t.id`;
}

/** Filters on the ticket table itself (the area through a semi-join on account's area index). */
function conditions(kind: InboxKind, filter: InboxFilter, now: Date): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (filter.area) {
    parts.push(Prisma.sql`AND t.account_id IN (SELECT id FROM account WHERE area_code = ${filter.area})`);
  }
  if (filter.type) {
    parts.push(
      kind === "outage"
        ? Prisma.sql`AND t.scope::text = ${filter.type}`
        : Prisma.sql`AND t.type::text = ${filter.type}`,
    );
  }
  if (filter.age) {
    parts.push(
      Prisma.sql`AND t.created_at < ${new Date(now.getTime() - AGE_FILTERS[filter.age] * 3_600_000)}`,
    );
  }
  return parts.length === 0 ? Prisma.empty : Prisma.join(parts, " ");
}

export async function listInbox(
  prisma: PrismaClient,
  kind: InboxKind,
  filter: InboxFilter,
  now: Date = new Date(),
): Promise<InboxPage> {
  const table = kind === "outage" ? Prisma.sql`outage_report` : Prisma.sql`service_order`;
  const [rows, counts] = await Promise.all([
    prisma.$queryRaw<Row[]>(inboxQuery(kind, filter, now)),
    prisma.$queryRaw<{ status: string; n: number }[]>`
      SELECT t.status::text AS status, count(*)::int AS n
      FROM ${table} t
      WHERE true ${conditions(kind, filter, now)}
      GROUP BY t.status`,
  ]);
  const page = rows.slice(0, filter.limit);
  const last = page[page.length - 1];
  const byStatus: Record<string, number> = {};
  for (const s of kind === "outage" ? OUTAGE_STATUSES : SERVICE_STATUSES) byStatus[s] = 0;
  for (const c of counts) byStatus[c.status] = c.n;
  return {
    items: page.map((r) => ({
      kind,
      id: r.id,
      accountNumber: r.account_number,
      areaCode: r.area_code,
      address: formatAddress(r),
      status: r.status,
      type: r.type,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      hasPhoto: r.has_photo,
    })),
    ...(rows.length > filter.limit && last ? { next: { createdAt: last.created_at, id: last.id } } : {}),
    counts: byStatus,
  };
}

export function formatAddress(a: {
  settlement: string;
  street: string;
  building: string;
  apartment: string | null;
}): string {
  return `${a.settlement}, ${a.street}, ${a.building}${a.apartment ? `, кв. ${a.apartment}` : ""}`;
}

/** Areas that have accounts, for the area filter. */
export async function listAreas(prisma: PrismaClient): Promise<string[]> {
  const rows = await prisma.$queryRaw<
    { area_code: string }[]
  >`SELECT DISTINCT area_code FROM account ORDER BY 1`;
  return rows.map((r) => r.area_code);
}

export type { OutageReportStatus, ServiceOrderStatus, ServiceType };
