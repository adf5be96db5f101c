// What the operator API's routes get from the plugin that registers them. Its own file so routes
// never import the plugin (no circle).
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { OperatorNotifier } from "../../operator/notify.js";
import type { PhotoSources } from "../../operator/photos.js";
import type { BulkSql } from "../../operator/readings-export.js";

export interface OperatorApiDeps {
  prisma: PrismaClient;
  sql: BulkSql;
  notifier: OperatorNotifier;
  now: () => Date;
  currentPeriod: (now: Date) => string;
  photoSources: PhotoSources;
  /** Counts a schedule publication that made a new version, by source. */
  countPublication: (source: "api" | "dtek") => void;
}
