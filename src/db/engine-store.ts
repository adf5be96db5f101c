// The engine's storage ports on Prisma/Postgres. One interactive transaction per update; the hot
// path is three cheap statements: the dedupe insert (ON CONFLICT DO NOTHING), the conversation
// upsert that also takes the row lock (INSERT ... ON CONFLICT DO UPDATE ... RETURNING), and the
// save. Connectivity failures become StoreUnavailableError so webhooks answer 503 and get redelivered.
import { StoreUnavailableError } from "../engine/errors.js";
import type {
  AccountRecord,
  ConversationRecord,
  EngineStore,
  EngineTx,
  KnownOutageRecord,
  OutageReportRecord,
  ReadingRecord,
  ServiceOrderRecord,
  UserStatus,
} from "../engine/ports.js";
import type { Language } from "../engine/replies.js";
import type { Prisma } from "../generated/prisma/client.js";
import type { PrismaClient } from "./client.js";

type Tx = Prisma.TransactionClient;

export interface EngineStoreOptions {
  /** How long to wait for a pooled connection to start the transaction. */
  maxWaitMs?: number;
  /** Upper bound of one update's transaction (includes waiting for the conversation lock). */
  timeoutMs?: number;
}

const CONNECTIVITY_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
const CONNECTIVITY_SYSTEM_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "EHOSTUNREACH",
]);
const CONNECTIVITY_ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "DatabaseDoesNotExist",
  "DatabaseAccessDenied",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TransactionAlreadyClosed",
]);

/**
 * Whether an error means "the database cannot be used right now" (down, unreachable, pool or
 * transaction timed out) rather than a bug or bad data. Walks the cause chain: driver adapter
 * errors wrap the pg error.
 */
export function isConnectivityError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== null && typeof current === "object"; depth += 1) {
    const candidate = current as {
      name?: unknown;
      code?: unknown;
      kind?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (candidate.name === "PrismaClientInitializationError") return true;
    if (typeof candidate.code === "string") {
      if (CONNECTIVITY_PRISMA_CODES.has(candidate.code) || CONNECTIVITY_SYSTEM_CODES.has(candidate.code))
        return true;
      // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, cannot connect now).
      if (/^08\w{3}$/.test(candidate.code) || /^57P0[123]$/.test(candidate.code)) return true;
    }
    if (typeof candidate.kind === "string" && CONNECTIVITY_ADAPTER_KINDS.has(candidate.kind)) return true;
    // A raw query's failure is P2010 with the driver's error under meta (e.g. SQLSTATE 57P01 when
    // Postgres is shutting down): seen by the reliability check "Postgres stopped mid-load".
    const meta = (candidate as { meta?: { code?: unknown; driverAdapterError?: unknown } }).meta;
    if (meta?.driverAdapterError !== undefined && isConnectivityError(meta.driverAdapterError)) return true;
    if (typeof meta?.code === "string" && (/^08\w{3}$/.test(meta.code) || /^57P0[123]$/.test(meta.code)))
      return true;
    if (
      typeof candidate.message === "string" &&
      /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|connection error and is not queryable|Client was closed and is not queryable/i.test(
        candidate.message,
      )
    ) {
      return true;
    }
    current = candidate.cause;
  }
  return false;
}

interface ConversationRow {
  id: number;
  created: boolean;
  language: Language;
  status: UserStatus;
  reminders_enabled: boolean;
  phone: string | null;
  phone_proven: boolean;
  state: unknown;
  state_version: number;
  state_updated_at: Date;
  flood_count: number;
}

const OPEN_REPORT = ["received", "crew_dispatched"] as const;
const OPEN_ORDER = ["received", "scheduled", "in_progress"] as const;

function toAccount(row: {
  id: number;
  number: string;
  holderName: string;
  phones: string[];
  settlement: string;
  street: string;
  building: string;
  apartment: string | null;
  areaCode: string;
  meterSerial: string;
  meterDigits: number;
  zones: number;
}): AccountRecord {
  return {
    id: row.id,
    number: row.number,
    holderName: row.holderName,
    phones: row.phones,
    settlement: row.settlement,
    street: row.street,
    building: row.building,
    apartment: row.apartment,
    areaCode: row.areaCode,
    meterSerial: row.meterSerial,
    meterDigits: row.meterDigits,
    zones: row.zones,
  };
}

function toReading(row: Prisma.MeterReadingGetPayload<object>): ReadingRecord {
  return {
    id: row.id,
    accountId: row.accountId,
    period: row.period,
    t1: row.t1,
    t2: row.t2,
    t3: row.t3,
    takenAt: row.takenAt,
    source: row.source,
    status: row.status,
    flagReason: row.flagReason,
    photoRef: row.photoRef,
    inWindow: row.inWindow,
  };
}

function toReport(row: Prisma.OutageReportGetPayload<object>): OutageReportRecord {
  return {
    id: row.id,
    accountId: row.accountId,
    scope: row.scope,
    status: row.status,
    expectedRestoreAt: row.expectedRestoreAt,
    comment: row.comment,
    createdAt: row.createdAt,
  };
}

function toOutage(row: Prisma.KnownOutageGetPayload<object>): KnownOutageRecord {
  return {
    id: row.id,
    kind: row.kind,
    startsAt: row.startsAt,
    expectedEndAt: row.expectedEndAt,
    note: row.note,
  };
}

function toOrder(row: Prisma.ServiceOrderGetPayload<object>): ServiceOrderRecord {
  return {
    id: row.id,
    accountId: row.accountId,
    type: row.type,
    description: row.description,
    photoRef: row.photoRef,
    preferredDate: row.preferredDate ? row.preferredDate.toISOString().slice(0, 10) : null,
    contactPhone: row.contactPhone,
    status: row.status,
    visitFrom: row.visitFrom,
    visitTo: row.visitTo,
    comment: row.comment,
    createdAt: row.createdAt,
  };
}

/** Serialises writes that must see each other per account (the current reading, the one open report). */
async function lockAccount(tx: Tx, accountId: number): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM account WHERE id = ${accountId} FOR UPDATE`;
}

function createTx(tx: Tx): EngineTx {
  return {
    async claimUpdate(channel, updateId, now) {
      const rows = await tx.$queryRaw<{ claimed: number }[]>`
        INSERT INTO processed_update (channel, update_id, processed_at)
        VALUES (${channel}::"Channel", ${updateId}, ${now})
        ON CONFLICT DO NOTHING
        RETURNING 1 AS claimed`;
      return rows.length === 1;
    },

    async openConversation(input): Promise<ConversationRecord> {
      // ON CONFLICT DO UPDATE locks the existing row until commit: this statement is the conversation lock.
      // xmax = 0 only on a freshly inserted row. The same statement counts the address's updates in
      // the flood window (on the row, so every instance sees one counter; no extra round trip).
      const windowSeconds = input.floodWindowSeconds ?? 10;
      const rows = await tx.$queryRaw<ConversationRow[]>`
        INSERT INTO messenger_user (address, channel, telegram_chat_id, viber_user_id, language, last_inbound_at, state_updated_at, updated_at,
                                    flood_window_at, flood_count)
        VALUES (${input.address}, ${input.channel}::"Channel", ${input.telegramChatId ?? null}::bigint, ${input.viberUserId ?? null}::varchar,
                ${input.language}::"Language", ${input.now}, ${input.now}, ${input.now}, ${input.now}, 1)
        ON CONFLICT (address) DO UPDATE SET
          last_inbound_at = EXCLUDED.last_inbound_at,
          telegram_chat_id = COALESCE(EXCLUDED.telegram_chat_id, messenger_user.telegram_chat_id),
          viber_user_id = COALESCE(EXCLUDED.viber_user_id, messenger_user.viber_user_id),
          flood_count = CASE WHEN messenger_user.flood_window_at > EXCLUDED.flood_window_at - ${windowSeconds} * interval '1 second'
                             THEN messenger_user.flood_count + 1 ELSE 1 END,
          flood_window_at = CASE WHEN messenger_user.flood_window_at > EXCLUDED.flood_window_at - ${windowSeconds} * interval '1 second'
                                 THEN messenger_user.flood_window_at ELSE EXCLUDED.flood_window_at END
        RETURNING id, (xmax = 0) AS created, language::text AS language, status::text AS status, reminders_enabled,
                  phone, phone_proven, state, state_version, state_updated_at, flood_count`;
      const row = rows[0];
      if (!row) throw new Error("conversation upsert returned no row");
      return {
        userId: row.id,
        created: row.created,
        language: row.language,
        status: row.status,
        remindersEnabled: row.reminders_enabled,
        phone: row.phone,
        phoneProven: row.phone_proven,
        state: row.state,
        stateVersion: row.state_version,
        stateUpdatedAt: row.state_updated_at,
        recentUpdates: row.flood_count,
      };
    },

    async saveConversation(userId, update) {
      await tx.$executeRaw`
        UPDATE messenger_user SET
          language = ${update.language}::"Language",
          status = ${update.status}::"UserStatus",
          reminders_enabled = ${update.remindersEnabled},
          phone = ${update.phone},
          phone_proven = ${update.phoneProven},
          state = ${JSON.stringify(update.state ?? {})}::jsonb,
          state_version = ${update.stateVersion},
          state_updated_at = ${update.stateUpdatedAt},
          updated_at = now()
        WHERE id = ${userId}`;
    },

    accounts: {
      async findByNumber(number) {
        const row = await tx.account.findUnique({ where: { number } });
        return row ? toAccount(row) : null;
      },
    },

    links: {
      async listForUser(userId) {
        const rows = await tx.accountLink.findMany({
          where: { userId },
          include: { account: true },
          orderBy: { id: "asc" },
        });
        return rows.map((row) => ({ linkId: row.id, label: row.label, account: toAccount(row.account) }));
      },
      async link(input) {
        const existing = await tx.accountLink.findUnique({
          where: { userId_accountId: { userId: input.userId, accountId: input.accountId } },
          select: { id: true },
        });
        if (existing) return { linkId: existing.id, existed: true };
        const created = await tx.accountLink.create({ data: input, select: { id: true } });
        return { linkId: created.id, existed: false };
      },
      async rename(userId, accountId, label) {
        await tx.accountLink.updateMany({ where: { userId, accountId }, data: { label } });
      },
      async unlink(userId, accountId) {
        await tx.accountLink.deleteMany({ where: { userId, accountId } });
      },
    },

    verificationAttempts: {
      async failuresSince(userId, since) {
        const rows = await tx.verificationAttempt.findMany({
          where: { userId, success: false, createdAt: { gte: since } },
          orderBy: { createdAt: "asc" },
          select: { createdAt: true },
        });
        return rows.map((row) => row.createdAt);
      },
      async record(input) {
        await tx.verificationAttempt.create({
          data: {
            userId: input.userId,
            method: input.method,
            success: input.success,
            accountNumber: input.accountNumber,
            createdAt: input.at,
          },
        });
      },
    },

    readings: {
      async latest(accountId, limit) {
        const rows = await tx.meterReading.findMany({
          where: { accountId, status: { not: "superseded" } },
          orderBy: [{ takenAt: "desc" }, { id: "desc" }],
          take: limit,
        });
        return rows.map(toReading);
      },
      async submit(input) {
        await lockAccount(tx, input.accountId);
        const { count } = await tx.meterReading.updateMany({
          where: { accountId: input.accountId, period: input.period, status: { not: "superseded" } },
          data: { status: "superseded" },
        });
        const row = await tx.meterReading.create({
          data: { ...input, status: input.flagReason ? "flagged" : "accepted", createdAt: input.takenAt },
        });
        return { reading: toReading(row), replaced: count };
      },
    },

    outageReports: {
      async findOpenForAccount(accountId) {
        const row = await tx.outageReport.findFirst({
          where: { accountId, status: { in: [...OPEN_REPORT] } },
          orderBy: { createdAt: "desc" },
        });
        return row ? toReport(row) : null;
      },
      async create(input) {
        await lockAccount(tx, input.accountId);
        const row = await tx.outageReport.create({
          data: {
            accountId: input.accountId,
            userId: input.userId,
            scope: input.scope,
            createdAt: input.at,
            updatedAt: input.at,
          },
        });
        return toReport(row);
      },
      async listOpenForAccounts(accountIds) {
        if (accountIds.length === 0) return [];
        const rows = await tx.outageReport.findMany({
          where: { accountId: { in: accountIds }, status: { in: [...OPEN_REPORT] } },
          orderBy: { createdAt: "asc" },
        });
        return rows.map(toReport);
      },
    },

    knownOutages: {
      async findActiveForArea(areaCode, now) {
        const row = await tx.knownOutage.findFirst({
          where: { areaCodes: { has: areaCode }, resolvedAt: null, startsAt: { lte: now } },
          orderBy: { startsAt: "desc" },
        });
        return row ? toOutage(row) : null;
      },
    },

    outageWatches: {
      async watch(input) {
        await tx.outageWatch.createMany({
          data: [
            {
              outageId: input.outageId,
              userId: input.userId,
              accountId: input.accountId,
              createdAt: input.at,
            },
          ],
          skipDuplicates: true,
        });
      },
    },

    serviceOrders: {
      async create(input) {
        const row = await tx.serviceOrder.create({
          data: {
            accountId: input.accountId,
            userId: input.userId,
            type: input.type,
            description: input.description,
            photoRef: input.photoRef,
            preferredDate: input.preferredDate ? new Date(`${input.preferredDate}T00:00:00Z`) : null,
            contactPhone: input.contactPhone,
            createdAt: input.at,
            updatedAt: input.at,
          },
        });
        return toOrder(row);
      },
      async listOpenForAccounts(accountIds) {
        if (accountIds.length === 0) return [];
        const rows = await tx.serviceOrder.findMany({
          where: { accountId: { in: accountIds }, status: { in: [...OPEN_ORDER] } },
          orderBy: { createdAt: "asc" },
        });
        return rows.map(toOrder);
      },
    },
  };
}

export function createEngineStore(prisma: PrismaClient, options: EngineStoreOptions = {}): EngineStore {
  return {
    async transaction(fn) {
      try {
        return await prisma.$transaction((tx) => fn(createTx(tx)), {
          maxWait: options.maxWaitMs ?? 10_000,
          timeout: options.timeoutMs ?? 20_000,
        });
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw error;
        if (isConnectivityError(error)) {
          throw new StoreUnavailableError("the database is unavailable", { cause: error });
        }
        throw error;
      }
    },
  };
}
