// Durable store for web-chat messages that are not replies (notifications from the outbound
// queue). The sender on any instance writes here; the instance holding the browser's event stream
// reads and pushes them, so a message reaches the browser whichever instance it is connected to.
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { Reply } from "../../engine/replies.js";
import { storedReplySchema, type StoredReply } from "./wire.js";

export interface OutboxRow {
  id: number;
  address: string;
  reply: StoredReply;
}

export interface WebOutbox {
  put(address: string, replies: Reply[]): Promise<void>;
  /** Messages for these addresses with an id above `afterId`, oldest first. */
  pending(addresses: string[], afterId: number, limit: number): Promise<OutboxRow[]>;
  /** The browser has shown everything up to `upToId`: forget it. */
  acknowledge(address: string, upToId: number): Promise<number>;
  /** Drops messages nobody collected (a browser that never came back). */
  pruneOlderThan(cutoff: Date): Promise<number>;
}

/** How long a stored message waits before streams may read it (see pending()). */
export const DEFAULT_SETTLE_MS = 1000;

export function createWebOutbox(prisma: PrismaClient, settleMs = DEFAULT_SETTLE_MS): WebOutbox {
  return {
    async put(address, replies) {
      if (replies.length === 0) return;
      // One createMany keeps the replies of one send in order (ids grow with insertion order).
      await prisma.webOutboxMessage.createMany({
        data: replies.map((reply) => ({ address, reply: JSON.parse(JSON.stringify(reply)) as object })),
      });
    },

    async pending(addresses, afterId, limit) {
      if (addresses.length === 0) return [];
      // Ids come from a sequence, but two senders' inserts may COMMIT out of id order: a reader
      // that saw id 11 before id 10 became visible would skip 10 for good. Reading only rows
      // older than a settle time (by the database's clock) closes that gap, since each put is one
      // short autocommit statement.
      const rows = await prisma.$queryRaw<{ id: bigint; address: string; reply: unknown }[]>`
        SELECT id, address, reply FROM web_outbox
         WHERE address = ANY(${addresses}::text[]) AND id > ${BigInt(afterId)}
           AND created_at <= now() - make_interval(secs => ${settleMs / 1000})
         ORDER BY id
         LIMIT ${limit}`;
      const result: OutboxRow[] = [];
      for (const row of rows) {
        const parsed = storedReplySchema.safeParse(row.reply);
        // A row that does not parse was not written by this code: skip it rather than break the stream.
        if (parsed.success) result.push({ id: Number(row.id), address: row.address, reply: parsed.data });
      }
      return result;
    },

    async acknowledge(address, upToId) {
      if (upToId <= 0) return 0;
      const { count } = await prisma.webOutboxMessage.deleteMany({
        where: { address, id: { lte: BigInt(upToId) } },
      });
      return count;
    },

    async pruneOlderThan(cutoff) {
      const { count } = await prisma.webOutboxMessage.deleteMany({ where: { createdAt: { lt: cutoff } } });
      return count;
    },
  };
}
