// Finding an account from what a caller says: its number, the meter serial, or part of the address.
// Numbers and serials use their indexes (account.number unique, account.meter_serial); an address
// is matched word by word (every word must appear in settlement, street, building or apartment),
// which scans the table: measured at 100,000 accounts in the README.
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import { formatAddress } from "./inbox.js";

export interface AccountHit {
  number: string;
  holderName: string;
  address: string;
  areaCode: string;
  meterSerial: string;
  /** How it matched, for the operator. */
  matchedBy: "number" | "meter_serial" | "address";
}

interface Row {
  number: string;
  holder_name: string;
  settlement: string;
  street: string;
  building: string;
  apartment: string | null;
  area_code: string;
  meter_serial: string;
  matched_by: AccountHit["matchedBy"];
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export async function searchAccounts(prisma: PrismaClient, query: string, limit = 25): Promise<AccountHit[]> {
  const q = query.trim().slice(0, 100);
  if (q.length < 2) return [];
  // An account number or a meter serial answers from its index; only when neither matches is the
  // query taken as address words.
  let rows = await prisma.$queryRaw<Row[]>`
    SELECT number, holder_name, settlement, street, building, apartment, area_code, meter_serial,
           CASE WHEN number = ${q} THEN 'number' ELSE 'meter_serial' END AS matched_by
    FROM account WHERE number = ${q} OR meter_serial = ${q}
    LIMIT ${limit}`;
  if (rows.length === 0) {
    const words = q
      .split(/[\s,]+/)
      .filter((w) => w.length > 0)
      .slice(0, 5);
    const conditions = words.map(
      (w) =>
        Prisma.sql`(settlement || ' ' || street || ' ' || building || ' ' || coalesce(apartment, '')) ILIKE ${`%${escapeLike(w)}%`}`,
    );
    rows = await prisma.$queryRaw<Row[]>`
      SELECT number, holder_name, settlement, street, building, apartment, area_code, meter_serial, 'address' AS matched_by
      FROM account
      WHERE ${Prisma.join(conditions, " AND ")}
      ORDER BY settlement, street, building, apartment NULLS FIRST, number
      LIMIT ${limit}`;
  }
  return rows.map((r) => ({
    number: r.number,
    holderName: r.holder_name,
    address: formatAddress(r),
    areaCode: r.area_code,
    meterSerial: r.meter_serial,
    matchedBy: r.matched_by,
  }));
}
