// The engine's storage ports on node-postgres directly: the same rows, locks and error mapping as the
// Prisma store (src/db/engine-store.ts), without Prisma's runtime and query compiler, which were half
// of the service's CPU per update (docs/benchmarks.md). One checked-out client per transaction; every
// repository method is parameterised SQL on it. Round trips are cut where it is safe: BEGIN travels
// with the dedupe insert, links come with their accounts in one JOIN, and a reading's supersede and
// insert are one statement.
import type pg from "pg";
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
import { isConnectivityError } from "./connectivity.js";

export interface PgEngineStoreOptions {
  /** Upper bound of one update's transaction (includes waiting for the conversation lock). */
  timeoutMs?: number;
}

/** The transaction outlived its time limit: its connection was closed so Postgres rolled it back. */
class TransactionTimeoutError extends Error {
  // "Connection terminated" in the message lets isConnectivityError treat it like Prisma's P2028.
  constructor(timeoutMs: number) {
    super(`transaction timed out after ${timeoutMs} ms (Connection terminated)`);
    this.name = "TransactionTimeoutError";
  }
}

const ACCOUNT_COLUMNS = `id, number, holder_name, phones, settlement, street, building, apartment, area_code,
  meter_serial, meter_digits, zones`;
const READING_COLUMNS = `id, account_id, period, t1, t2, t3, taken_at, source::text AS source, status::text AS status,
  flag_reason, photo_ref, in_window`;
const REPORT_COLUMNS = `id, account_id, scope::text AS scope, status::text AS status, expected_restore_at, comment, created_at`;
// preferred_date as text: pg would turn a DATE into a local-midnight Date and shift the day.
const ORDER_COLUMNS = `id, account_id, type::text AS type, description, photo_ref, preferred_date::text AS preferred_date,
  contact_phone, status::text AS status, visit_from, visit_to, comment, created_at`;
const OPEN_REPORT = `('received', 'crew_dispatched')`;
const OPEN_ORDER = `('received', 'scheduled', 'in_progress')`;

interface AccountRow {
  id: number;
  number: string;
  holder_name: string;
  phones: string[];
  settlement: string;
  street: string;
  building: string;
  apartment: string | null;
  area_code: string;
  meter_serial: string;
  meter_digits: number;
  zones: number;
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

interface ReadingRow {
  id: number;
  account_id: number;
  period: string;
  t1: number;
  t2: number | null;
  t3: number | null;
  taken_at: Date;
  source: ReadingRecord["source"];
  status: ReadingRecord["status"];
  flag_reason: string | null;
  photo_ref: string | null;
  in_window: boolean;
}

interface ReportRow {
  id: number;
  account_id: number;
  scope: OutageReportRecord["scope"];
  status: OutageReportRecord["status"];
  expected_restore_at: Date | null;
  comment: string | null;
  created_at: Date;
}

interface OutageRow {
  id: number;
  kind: KnownOutageRecord["kind"];
  starts_at: Date;
  expected_end_at: Date | null;
  note: string | null;
}

interface OrderRow {
  id: number;
  account_id: number;
  type: ServiceOrderRecord["type"];
  description: string;
  photo_ref: string | null;
  preferred_date: string | null;
  contact_phone: string;
  status: ServiceOrderRecord["status"];
  visit_from: Date | null;
  visit_to: Date | null;
  comment: string | null;
  created_at: Date;
}

function toAccount(row: AccountRow): AccountRecord {
  return {
    id: row.id,
    number: row.number,
    holderName: row.holder_name,
    phones: row.phones,
    settlement: row.settlement,
    street: row.street,
    building: row.building,
    apartment: row.apartment,
    areaCode: row.area_code,
    meterSerial: row.meter_serial,
    meterDigits: row.meter_digits,
    zones: row.zones,
  };
}

function toReading(row: ReadingRow): ReadingRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    period: row.period,
    t1: row.t1,
    t2: row.t2,
    t3: row.t3,
    takenAt: row.taken_at,
    source: row.source,
    status: row.status,
    flagReason: row.flag_reason,
    photoRef: row.photo_ref,
    inWindow: row.in_window,
  };
}

function toReport(row: ReportRow): OutageReportRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    scope: row.scope,
    status: row.status,
    expectedRestoreAt: row.expected_restore_at,
    comment: row.comment,
    createdAt: row.created_at,
  };
}

function toOutage(row: OutageRow): KnownOutageRecord {
  return {
    id: row.id,
    kind: row.kind,
    startsAt: row.starts_at,
    expectedEndAt: row.expected_end_at,
    note: row.note,
  };
}

function toOrder(row: OrderRow): ServiceOrderRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    type: row.type,
    description: row.description,
    photoRef: row.photo_ref,
    preferredDate: row.preferred_date,
    contactPhone: row.contact_phone,
    status: row.status,
    visitFrom: row.visit_from,
    visitTo: row.visit_to,
    comment: row.comment,
    createdAt: row.created_at,
  };
}

/** Runs statements on the transaction's client; the first one carries the deferred BEGIN. */
interface Session {
  query<R extends object>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Sends BEGIN and `sql` (literal values only) as one simple-protocol message when BEGIN is still pending. */
  queryOpening<R extends object>(sql: string): Promise<pg.QueryResult<R>>;
}

function createTx(session: Session, client: pg.PoolClient): EngineTx {
  const lockAccount = async (accountId: number): Promise<void> => {
    // Serialises writes that must see each other per account (the current reading, the one open report).
    await session.query("SELECT 1 FROM account WHERE id = $1 FOR UPDATE", [accountId]);
  };

  return {
    async claimUpdate(channel, updateId, now) {
      // The update's first statement: sent together with BEGIN in one simple-protocol message (values
      // as escaped literals, since that protocol has no parameters), saving a round trip per update.
      const result = await session.queryOpening<{ claimed: number }>(
        `INSERT INTO processed_update (channel, update_id, processed_at)
         VALUES (${client.escapeLiteral(channel)}::"Channel", ${client.escapeLiteral(updateId)}, ${client.escapeLiteral(now.toISOString())}::timestamptz)
         ON CONFLICT DO NOTHING
         RETURNING 1 AS claimed`,
      );
      return result.rows.length === 1;
    },

    async openConversation(input): Promise<ConversationRecord> {
      // ON CONFLICT DO UPDATE locks the existing row until commit: this statement is the conversation
      // lock, and it counts the address's updates in the flood window (see the Prisma store).
      const windowSeconds = input.floodWindowSeconds ?? 10;
      const { rows } = await session.query<ConversationRow>(
        `INSERT INTO messenger_user (address, channel, telegram_chat_id, viber_user_id, language, last_inbound_at,
                                     state_updated_at, updated_at, flood_window_at, flood_count)
         VALUES ($1, $2::"Channel", $3::bigint, $4::varchar, $5::"Language", $6, $6, $6, $6, 1)
         ON CONFLICT (address) DO UPDATE SET
           last_inbound_at = EXCLUDED.last_inbound_at,
           telegram_chat_id = COALESCE(EXCLUDED.telegram_chat_id, messenger_user.telegram_chat_id),
           viber_user_id = COALESCE(EXCLUDED.viber_user_id, messenger_user.viber_user_id),
           flood_count = CASE WHEN messenger_user.flood_window_at > EXCLUDED.flood_window_at - $7 * interval '1 second'
                              THEN messenger_user.flood_count + 1 ELSE 1 END,
           flood_window_at = CASE WHEN messenger_user.flood_window_at > EXCLUDED.flood_window_at - $7 * interval '1 second'
                                  THEN messenger_user.flood_window_at ELSE EXCLUDED.flood_window_at END
         RETURNING id, (xmax = 0) AS created, language::text AS language, status::text AS status, reminders_enabled,
                   phone, phone_proven, state, state_version, state_updated_at, flood_count`,
        [
          input.address,
          input.channel,
          input.telegramChatId === undefined ? null : input.telegramChatId.toString(),
          input.viberUserId ?? null,
          input.language,
          input.now,
          windowSeconds,
        ],
      );
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
      await session.query(
        `UPDATE messenger_user SET
           language = $2::"Language",
           status = $3::"UserStatus",
           reminders_enabled = $4,
           phone = $5,
           phone_proven = $6,
           state = $7::jsonb,
           state_version = $8,
           state_updated_at = $9,
           updated_at = now()
         WHERE id = $1`,
        [
          userId,
          update.language,
          update.status,
          update.remindersEnabled,
          update.phone,
          update.phoneProven,
          JSON.stringify(update.state ?? {}),
          update.stateVersion,
          update.stateUpdatedAt,
        ],
      );
    },

    accounts: {
      async findByNumber(number) {
        const { rows } = await session.query<AccountRow>(
          `SELECT ${ACCOUNT_COLUMNS} FROM account WHERE number = $1`,
          [number],
        );
        return rows[0] ? toAccount(rows[0]) : null;
      },
    },

    links: {
      async listForUser(userId) {
        // One JOIN where Prisma's include sends two queries.
        const { rows } = await session.query<AccountRow & { link_id: number; label: string }>(
          `SELECT l.id AS link_id, l.label, a.id, a.number, a.holder_name, a.phones, a.settlement, a.street, a.building,
                  a.apartment, a.area_code, a.meter_serial, a.meter_digits, a.zones
           FROM account_link l JOIN account a ON a.id = l.account_id
           WHERE l.user_id = $1
           ORDER BY l.id ASC`,
          [userId],
        );
        return rows.map((row) => ({ linkId: row.link_id, label: row.label, account: toAccount(row) }));
      },
      async link(input) {
        // Insert-or-find in one statement. The SELECT branch reads the statement's snapshot, so it
        // returns the existing link only when the insert did nothing.
        const { rows } = await session.query<{ id: number; existed: boolean }>(
          `WITH inserted AS (
             INSERT INTO account_link (user_id, account_id, label, verified_by)
             VALUES ($1, $2, $3, $4::"VerificationMethod")
             ON CONFLICT (user_id, account_id) DO NOTHING
             RETURNING id)
           SELECT id, false AS existed FROM inserted
           UNION ALL
           SELECT id, true AS existed FROM account_link WHERE user_id = $1 AND account_id = $2`,
          [input.userId, input.accountId, input.label, input.verifiedBy],
        );
        const row = rows[0];
        if (!row) throw new Error("account link insert returned no row");
        return { linkId: row.id, existed: row.existed };
      },
      async rename(userId, accountId, label) {
        await session.query("UPDATE account_link SET label = $3 WHERE user_id = $1 AND account_id = $2", [
          userId,
          accountId,
          label,
        ]);
      },
      async unlink(userId, accountId) {
        await session.query("DELETE FROM account_link WHERE user_id = $1 AND account_id = $2", [
          userId,
          accountId,
        ]);
      },
    },

    verificationAttempts: {
      async failuresSince(userId, since) {
        const { rows } = await session.query<{ created_at: Date }>(
          `SELECT created_at FROM verification_attempt
           WHERE user_id = $1 AND success = false AND created_at >= $2
           ORDER BY created_at ASC`,
          [userId, since],
        );
        return rows.map((row) => row.created_at);
      },
      async record(input) {
        await session.query(
          `INSERT INTO verification_attempt (user_id, method, success, account_number, created_at)
           VALUES ($1, $2::"VerificationMethod", $3, $4, $5)`,
          [input.userId, input.method, input.success, input.accountNumber, input.at],
        );
      },
    },

    readings: {
      async latest(accountId, limit) {
        const { rows } = await session.query<ReadingRow>(
          `SELECT ${READING_COLUMNS} FROM meter_reading
           WHERE account_id = $1 AND status <> 'superseded'
           ORDER BY taken_at DESC, id DESC
           LIMIT $2`,
          [accountId, limit],
        );
        return rows.map(toReading);
      },
      async submit(input) {
        // The lock is its own statement: the next one must start (take its snapshot) after a
        // concurrent submit for this account has committed, so it supersedes that reading too.
        await lockAccount(input.accountId);
        const { rows } = await session.query<ReadingRow & { replaced: number }>(
          `WITH superseded AS (
             UPDATE meter_reading SET status = 'superseded'
             WHERE account_id = $1 AND period = $2 AND status <> 'superseded'
             RETURNING 1),
           inserted AS (
             INSERT INTO meter_reading (account_id, user_id, period, t1, t2, t3, taken_at, source, status, flag_reason,
                                        photo_ref, in_window, created_at)
             VALUES ($1, $3, $2, $4, $5, $6, $7, $8::"ReadingSource", $9::"ReadingStatus", $10, $11, $12, $7)
             RETURNING ${READING_COLUMNS})
           SELECT inserted.*, (SELECT count(*)::int FROM superseded) AS replaced FROM inserted`,
          [
            input.accountId,
            input.period,
            input.userId,
            input.t1,
            input.t2,
            input.t3,
            input.takenAt,
            input.source,
            input.flagReason ? "flagged" : "accepted",
            input.flagReason,
            input.photoRef,
            input.inWindow,
          ],
        );
        const row = rows[0];
        if (!row) throw new Error("reading insert returned no row");
        return { reading: toReading(row), replaced: row.replaced };
      },
    },

    outageReports: {
      async findOpenForAccount(accountId) {
        const { rows } = await session.query<ReportRow>(
          `SELECT ${REPORT_COLUMNS} FROM outage_report
           WHERE account_id = $1 AND status IN ${OPEN_REPORT}
           ORDER BY created_at DESC
           LIMIT 1`,
          [accountId],
        );
        return rows[0] ? toReport(rows[0]) : null;
      },
      async create(input) {
        await lockAccount(input.accountId);
        const { rows } = await session.query<ReportRow>(
          `INSERT INTO outage_report (account_id, user_id, scope, created_at, updated_at)
           VALUES ($1, $2, $3::"OutageScope", $4, $4)
           RETURNING ${REPORT_COLUMNS}`,
          [input.accountId, input.userId, input.scope, input.at],
        );
        const row = rows[0];
        if (!row) throw new Error("outage report insert returned no row");
        return toReport(row);
      },
      async listOpenForAccounts(accountIds) {
        if (accountIds.length === 0) return [];
        const { rows } = await session.query<ReportRow>(
          `SELECT ${REPORT_COLUMNS} FROM outage_report
           WHERE account_id = ANY($1::int[]) AND status IN ${OPEN_REPORT}
           ORDER BY created_at ASC`,
          [accountIds],
        );
        return rows.map(toReport);
      },
    },

    knownOutages: {
      async findActiveForArea(areaCode, now) {
        // @> (not = ANY) so the GIN index on area_codes serves it, as with Prisma's `has`.
        const { rows } = await session.query<OutageRow>(
          `SELECT id, kind::text AS kind, starts_at, expected_end_at, note FROM known_outage
           WHERE area_codes @> ARRAY[$1]::text[] AND resolved_at IS NULL AND starts_at <= $2
           ORDER BY starts_at DESC
           LIMIT 1`,
          [areaCode, now],
        );
        return rows[0] ? toOutage(rows[0]) : null;
      },
    },

    outageWatches: {
      async watch(input) {
        await session.query(
          `INSERT INTO outage_watch (outage_id, user_id, account_id, created_at)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [input.outageId, input.userId, input.accountId, input.at],
        );
      },
    },

    serviceOrders: {
      async create(input) {
        const { rows } = await session.query<OrderRow>(
          `INSERT INTO service_order (account_id, user_id, type, description, photo_ref, preferred_date, contact_phone,
                                      created_at, updated_at)
           VALUES ($1, $2, $3::"ServiceType", $4, $5, $6::date, $7, $8, $8)
           RETURNING ${ORDER_COLUMNS}`,
          [
            input.accountId,
            input.userId,
            input.type,
            input.description,
            input.photoRef,
            input.preferredDate,
            input.contactPhone,
            input.at,
          ],
        );
        const row = rows[0];
        if (!row) throw new Error("service order insert returned no row");
        return toOrder(row);
      },
      async listOpenForAccounts(accountIds) {
        if (accountIds.length === 0) return [];
        const { rows } = await session.query<OrderRow>(
          `SELECT ${ORDER_COLUMNS} FROM service_order
           WHERE account_id = ANY($1::int[]) AND status IN ${OPEN_ORDER}
           ORDER BY created_at ASC`,
          [accountIds],
        );
        return rows.map(toOrder);
      },
    },
  };
}

function ignoreClientError(): void {
  // A checked-out connection that dies between statements emits "error" on the client; without a
  // listener that would crash the process. The next statement fails and is mapped instead.
}

/**
 * The engine store on a pg pool. The pool's connectionTimeoutMillis bounds the wait for a connection
 * (Prisma's maxWait); timeoutMs bounds the whole transaction (Prisma's timeout): when it passes, the
 * connection is closed (Postgres rolls back) and the update fails with StoreUnavailableError.
 */
export function createPgEngineStore(pool: pg.Pool, options: PgEngineStoreOptions = {}): EngineStore {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return {
    async transaction(fn) {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw new StoreUnavailableError("the database is unavailable", { cause: error });
      }
      client.on("error", ignoreClientError);
      let released = false;
      const release = (broken?: Error): void => {
        if (released) return;
        released = true;
        client.off("error", ignoreClientError);
        client.release(broken ?? false);
      };
      let begun = false;
      let timedOut: TransactionTimeoutError | undefined;
      const timer = setTimeout(() => {
        timedOut = new TransactionTimeoutError(timeoutMs);
        // Destroying the connection fails the statement in flight and rolls the transaction back.
        release(timedOut);
      }, timeoutMs);
      const ensureOpen = (): void => {
        if (timedOut) throw timedOut;
      };
      const session: Session = {
        async query<R extends object>(text: string, values?: unknown[]) {
          ensureOpen();
          if (!begun) {
            begun = true;
            await client.query("BEGIN");
          }
          return client.query<R>(text, values);
        },
        async queryOpening<R extends object>(sql: string) {
          ensureOpen();
          if (begun) return client.query<R>(sql);
          begun = true;
          // A multi-statement simple query answers with one result per statement.
          const results = (await client.query(`BEGIN; ${sql}`)) as unknown as pg.QueryResult<R>[];
          const last = results[results.length - 1];
          if (!last) throw new Error("no result for the opening statement");
          return last;
        },
      };
      try {
        const result = await fn(createTx(session, client));
        ensureOpen();
        if (begun) await client.query("COMMIT");
        clearTimeout(timer);
        release();
        return result;
      } catch (error) {
        clearTimeout(timer);
        const failure = timedOut ?? error;
        if (!released && begun) {
          try {
            await client.query("ROLLBACK");
            release();
          } catch (rollbackError) {
            release(rollbackError instanceof Error ? rollbackError : new Error("ROLLBACK failed"));
          }
        } else {
          release(failure instanceof Error && isConnectivityError(failure) ? failure : undefined);
        }
        if (failure instanceof StoreUnavailableError) throw failure;
        if (isConnectivityError(failure)) {
          throw new StoreUnavailableError("the database is unavailable", { cause: failure });
        }
        throw failure;
      }
    },
  };
}
