// Shared set-up for the operator API tests: the plugin on a bare fastify instance (inject only),
// a Notifier that records what it is asked to enqueue, and rows seeded the way the engine and the
// importer write them.
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Registry } from "prom-client";
import type { Notification, Notifier } from "../../src/engine/notifications.js";
import type { OperatorNotifier } from "../../src/operator/notify.js";
import type { Channel, PrismaClient } from "../../src/generated/prisma/client.js";
import { createSqlPool } from "../../src/db/client.js";
import { operatorApi } from "../../src/http/operator/plugin.js";
import type { PhotoSources } from "../../src/operator/photos.js";
import type { BulkSql } from "../../src/operator/readings-export.js";

export const BOOTSTRAP_TOKEN = "bootstrap-token-for-tests-0123456789";
export const AUTH = { authorization: `Bearer ${BOOTSTRAP_TOKEN}` };

/** Records every enqueue call, in order, so tests compare exact notifications. */
export class RecordingNotifier implements Notifier {
  readonly calls: { userId: number; notification: Notification }[][] = [];
  async notify(items: { userId: number; notification: Notification }[]): Promise<void> {
    this.calls.push(items);
  }
  get items(): { userId: number; notification: Notification }[] {
    return this.calls.flat();
  }
}

/** The plugin on a bare fastify instance over the test database (a small pg pool for bulk work). */
export async function buildOperatorApp(
  database: { prisma: PrismaClient; url: string },
  options: {
    notifier?: OperatorNotifier;
    now?: () => Date;
    currentPeriod?: (now: Date) => string;
    sql?: BulkSql;
    photoSources?: PhotoSources;
    /** Registers the API's counters here. */
    metrics?: Registry;
    /** Logs to this logger (tests that check what is logged); silent otherwise. */
    logger?: FastifyBaseLogger;
  } = {},
): Promise<FastifyInstance> {
  const app = options.logger ? Fastify({ loggerInstance: options.logger }) : Fastify({ logger: false });
  let sql = options.sql;
  if (!sql) {
    const pool = createSqlPool(database.url, { max: 2 });
    app.addHook("onClose", async () => {
      await pool.end();
    });
    sql = pool;
  }
  await app.register(
    operatorApi({
      prisma: database.prisma,
      sql,
      notifier: options.notifier ?? new RecordingNotifier(),
      bootstrapToken: BOOTSTRAP_TOKEN,
      ...(options.now ? { now: options.now } : {}),
      ...(options.currentPeriod ? { currentPeriod: options.currentPeriod } : {}),
      ...(options.photoSources ? { photoSources: options.photoSources } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    }),
  );
  await app.ready();
  return app;
}

let sequence = 0;

export async function seedAccount(
  prisma: PrismaClient,
  fields: { number?: string; areaCode?: string; zones?: number; phones?: string[] } = {},
) {
  sequence += 1;
  return prisma.account.create({
    data: {
      number: fields.number ?? String(2_000_000_000 + sequence),
      holderName: "Петренко Іван Іванович",
      phones: fields.phones ?? ["380671234567"],
      settlement: "Дніпро",
      street: "вул. Січеславська Набережна",
      building: "15",
      apartment: "12",
      areaCode: fields.areaCode ?? "DNP-01",
      meterSerial: `SN${sequence}`,
      meterDigits: 6,
      zones: fields.zones ?? 1,
    },
  });
}

export async function seedUser(
  prisma: PrismaClient,
  fields: { channel?: Channel; language?: "uk" | "en"; phone?: string; status?: "active" | "blocked" } = {},
) {
  sequence += 1;
  const channel = fields.channel ?? "telegram";
  return prisma.messengerUser.create({
    data: {
      address: `${channel}:${1000 + sequence}`,
      channel,
      ...(channel === "telegram" ? { telegramChatId: BigInt(1000 + sequence) } : {}),
      ...(channel === "viber" ? { viberUserId: `viber-${sequence}` } : {}),
      language: fields.language ?? "uk",
      status: fields.status ?? "active",
      phone: fields.phone ?? null,
    },
  });
}

export async function link(prisma: PrismaClient, userId: number, accountId: number, label: string) {
  return prisma.accountLink.create({ data: { userId, accountId, label, verifiedBy: "phone" } });
}
