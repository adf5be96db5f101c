// Every notification names the account by the label its user gave it ("Квартира"). A user who has
// since unlinked the account still hears about their own ticket, named by the account number.
import type { Prisma } from "../generated/prisma/client.js";

type Tx = Prisma.TransactionClient;

export async function accountLabelFor(tx: Tx, userId: number, accountId: number): Promise<string> {
  const link = await tx.accountLink.findUnique({
    where: { userId_accountId: { userId, accountId } },
    select: { label: true },
  });
  if (link) return link.label;
  const account = await tx.account.findUniqueOrThrow({ where: { id: accountId }, select: { number: true } });
  return account.number;
}
