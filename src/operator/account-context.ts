// What an operator needs beside a ticket: the customer's account (phones masked, linked channels,
// recent readings with photos, from accounts.ts) and everything else still open on that account.
import type { PrismaClient } from "../generated/prisma/client.js";
import { getAccountView, type AccountView } from "./accounts.js";

export interface OpenRequest {
  kind: "outage" | "service";
  id: number;
  status: string;
  type: string;
  createdAt: Date;
}

export interface AccountContext {
  account: AccountView;
  openRequests: OpenRequest[];
}

export async function accountContext(prisma: PrismaClient, accountNumber: string): Promise<AccountContext> {
  const account = await getAccountView(prisma, accountNumber);
  const openRequests = await prisma.$queryRaw<OpenRequest[]>`
    SELECT 'outage' AS kind, r.id, r.status::text AS status, r.scope::text AS type, r.created_at AS "createdAt"
    FROM outage_report r JOIN account a ON a.id = r.account_id
    WHERE a.number = ${accountNumber} AND r.status IN ('received', 'crew_dispatched')
    UNION ALL
    SELECT 'service', o.id, o.status::text, o.type::text, o.created_at
    FROM service_order o JOIN account a ON a.id = o.account_id
    WHERE a.number = ${accountNumber} AND o.status IN ('received', 'scheduled', 'in_progress')
    ORDER BY 5`;
  return { account, openRequests };
}
