// Housekeeping that keeps hot tables small: processed update ids are needed only while a platform may
// still redeliver (Viber retries for an hour, Telegram keeps updates for 24 h), so ids older than
// seven days are deleted. Safe with many instances: the delete is idempotent.
import type { Logger } from "../logger.js";
import type { PrismaClient } from "./client.js";

export const PROCESSED_UPDATE_RETENTION_DAYS = 7;

export async function pruneProcessedUpdates(prisma: PrismaClient, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - PROCESSED_UPDATE_RETENTION_DAYS * 86_400_000);
  return prisma.$executeRaw`DELETE FROM processed_update WHERE processed_at < ${cutoff}`;
}

export function startRetention(prisma: PrismaClient, logger: Logger, everyMs = 3_600_000): { stop(): void } {
  const run = () => {
    pruneProcessedUpdates(prisma).then(
      (deleted) => {
        if (deleted > 0) logger.info({ deleted }, "pruned processed update ids");
      },
      (error: unknown) => logger.warn({ err: error }, "pruning processed update ids failed"),
    );
  };
  const first = setTimeout(run, 60_000);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
