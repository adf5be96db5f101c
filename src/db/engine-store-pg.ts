// The engine's storage ports on node-postgres: one checked-out client per update's transaction, every
// repository method parameterised SQL on it. Built for few round trips, because on a small machine each
// one (a socket write that wakes Postgres, and the answer) costs more than the statements themselves
// (docs/benchmarks.md):
// - open(): BEGIN, the dedupe claim with the conversation lock (one statement that writes nothing to
//   an existing row), and one read of the row with the user's links and latest readings, pipelined
//   in one write: one round trip;
// - writes whose result nobody needs (the state save, which also carries the flood counter and the
//   last inbound time, verification attempts, label changes, account locks before a write) are held
//   back and travel with the next statement or with COMMIT;
// - so an ordinary update costs two round trips (BEGIN, claim-and-lock, read; then save, COMMIT) and
//   writes one new version of its conversation row.
// Every statement is prepared once per connection (named).
// Pipelining needs a pool from createEnginePool(); on a plain pool the same statements run one by one.
import type pg from "pg";
import { StoreUnavailableError } from "../engine/errors.js";
import type {
  AccountRecord,
  ConversationRecord,
  EngineStore,
  EngineTx,
  KnownOutageRecord,
  LinkedAccount,
  OutageReportRecord,
  ReadingRecord,
  ServiceOrderRecord,
  UserStatus,
} from "../engine/ports.js";
import type { Language } from "../engine/replies.js";
import { preparesStatements } from "./client.js";
import { isConnectivityError } from "./connectivity.js";
import { createHandoffRepositories } from "./handoff-store-pg.js";
import {
  createScheduleRepositories,
  emptyScheduleReadAhead,
  keepScheduleView,
  scheduleViewSql,
  type ScheduleViewRow,
} from "./schedule-store-pg.js";
import { createSubscriptionRepositories, toSubscriptionRecords } from "./schedule-subscription-store-pg.js";

export interface PgEngineStoreOptions {
  /** Name (prepare) the hot statements; default: what the pool allows (see createEnginePool). */
  prepared?: boolean;
  /** Upper bound of one update's transaction (includes waiting for the conversation lock). */
  timeoutMs?: number;
  /** Told how many round trips to the database each exchange took (the service counts them in /metrics). */
  onRoundTrips?: (count: number) => void;
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
  meter_serial, meter_digits, zones, outage_queue, avg_daily_kwh`;
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
  outage_queue: string | null;
  avg_daily_kwh: number | null;
}

/** One row of OPENED_SQL: the conversation (u_*), a link and its account, one of its readings (r_*). */
interface OpenedRow extends Partial<AccountRow> {
  u_id: number;
  u_language: Language;
  u_status: UserStatus;
  u_reminders_enabled: boolean;
  u_phone: string | null;
  u_phone_proven: boolean;
  u_state: string | null;
  u_state_version: number;
  u_state_updated_at: Date;
  u_flood_window_at: Date | null;
  u_flood_count: number;
  u_has_chat_id: boolean;
  u_has_viber_id: boolean;
  link_id: number | null;
  label: string | null;
  r_id: number | null;
  r_period: string;
  r_t1: number;
  r_t2: number | null;
  r_t3: number | null;
  r_taken_at: Date;
  r_source: ReadingRecord["source"];
  r_status: ReadingRecord["status"];
  r_flag_reason: string | null;
  r_photo_ref: string | null;
  r_in_window: boolean;
  /** OPENED_VIEW_SQL only (and it has no r_* columns): what the schedule view shows, as JSON text. */
  u_view?: string;
}

type LinkRow = AccountRow & { link_id: number; label: string };

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
    outageQueue: row.outage_queue,
    avgDailyKwh: row.avg_daily_kwh,
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

/** One statement: parameterised, and named when it runs on every update (prepared once per connection). */
interface Statement {
  text: string;
  values?: unknown[];
  name?: string;
}

/** Runs statements on the transaction's client. */
interface Session {
  query<R extends object>(text: string, values?: unknown[], name?: string): Promise<pg.QueryResult<R>>;
  /** Statements in order, in one round trip when the client pipelines (BEGIN travels with the first batch). */
  batch(statements: Statement[]): Promise<pg.QueryResult[]>;
  /**
   * A write held back to travel with the next batch (or COMMIT): for writes whose result nobody needs.
   * Order is kept (held statements go first in the next batch); a failure fails the update as before.
   */
  defer(statement: Statement): void;
}

/** Rows read ahead with the conversation lock, valid until this transaction writes what they show. */
interface ReadAhead {
  links: LinkedAccount[] | null;
  /** Newest first, at most READ_AHEAD_READINGS per linked account. */
  readings: Map<number, ReadingRecord[]>;
}

/**
 * How many counting readings per linked account are read ahead: the most any step asks for (the
 * plausibility check: 12 of history + 2). A step asking for more queries the database.
 */
const READ_AHEAD_READINGS = 14;

// The dedupe claim and the conversation lock in one statement, with no write to an existing row: a
// conflicting row is locked (ON CONFLICT DO UPDATE locks it whether or not its WHERE lets it update)
// and left as it is, so an update writes the row once, at the save (SAVE_SQL carries the flood counter
// and the last-inbound time). A new row is inserted here. Nothing is locked when the claim finds the
// update already handled.
const OPEN_SQL = `WITH claim AS (
     INSERT INTO processed_update (channel, update_id, processed_at)
     VALUES ($7::"Channel", $8, $6)
     ON CONFLICT DO NOTHING
     RETURNING 1),
   created AS (
     INSERT INTO messenger_user (address, channel, telegram_chat_id, viber_user_id, language, last_inbound_at,
                                 state_updated_at, updated_at, flood_window_at, flood_count)
     SELECT $1, $2::"Channel", $3::bigint, $4::varchar, $5::"Language", $6, $6, $6, $6, 0
     WHERE EXISTS (SELECT 1 FROM claim)
     ON CONFLICT (address) DO UPDATE SET updated_at = messenger_user.updated_at WHERE false
     RETURNING 1)
   SELECT EXISTS (SELECT 1 FROM claim) AS claimed, EXISTS (SELECT 1 FROM created) AS created`;

const LINKS_COLUMNS = `l.id AS link_id, l.label, a.id, a.number, a.holder_name, a.phones, a.settlement, a.street,
  a.building, a.apartment, a.area_code, a.meter_serial, a.meter_digits, a.zones, a.outage_queue, a.avg_daily_kwh`;

const CONVERSATION_COLUMNS = `u.id AS u_id, u.language::text AS u_language, u.status::text AS u_status,
  u.reminders_enabled AS u_reminders_enabled, u.phone AS u_phone, u.phone_proven AS u_phone_proven,
  u.state::text AS u_state, u.state_version AS u_state_version, u.state_updated_at AS u_state_updated_at,
  u.flood_window_at AS u_flood_window_at, u.flood_count AS u_flood_count,
  u.telegram_chat_id IS NOT NULL AS u_has_chat_id, u.viber_user_id IS NOT NULL AS u_has_viber_id`;

// Everything an update reads about its conversation, in one statement after the lock (its snapshot
// shows what an earlier update of this conversation committed, or the row the statement before
// inserted): the row, the linked accounts and each one's latest counting readings. One result row per
// (link, reading), at least one; the conversation's columns (u_*) repeat on each and are read from the
// first (the state as text: parsed once, not per row); link and reading columns are null where there
// are none.
const OPENED_SQL = `SELECT ${CONVERSATION_COLUMNS},
     ${LINKS_COLUMNS},
     r.id AS r_id, r.period AS r_period, r.t1 AS r_t1, r.t2 AS r_t2, r.t3 AS r_t3, r.taken_at AS r_taken_at,
     r.source::text AS r_source, r.status::text AS r_status, r.flag_reason AS r_flag_reason,
     r.photo_ref AS r_photo_ref, r.in_window AS r_in_window
   FROM messenger_user u
   LEFT JOIN account_link l ON l.user_id = u.id
   LEFT JOIN account a ON a.id = l.account_id
   LEFT JOIN LATERAL (
     SELECT id, period, t1, t2, t3, taken_at, source, status, flag_reason, photo_ref, in_window
     FROM meter_reading
     WHERE account_id = a.id AND status <> 'superseded'
     ORDER BY taken_at DESC, id DESC
     LIMIT ${READ_AHEAD_READINGS}) r ON true
   WHERE u.address = $1
   ORDER BY l.id, r.taken_at DESC, r.id DESC`;

// The same read for an update the engine says opens the schedule view: the row and its links, and
// instead of the readings (a view shows none; a step that asks reads them then) what the view shows,
// as one JSON text (u_view, parsed once) in the same statement and snapshot. One row per link.
const OPENED_VIEW_SQL = `SELECT ${CONVERSATION_COLUMNS},
     ${LINKS_COLUMNS},
     v.parts AS u_view
   FROM messenger_user u
   CROSS JOIN LATERAL (SELECT (${scheduleViewSql("u.id", "$2::date[]")})::text AS parts) v
   LEFT JOIN account_link l ON l.user_id = u.id
   LEFT JOIN account a ON a.id = l.account_id
   WHERE u.address = $1
   ORDER BY l.id`;

// The one write of the conversation row per update: the state, and what open() counted (the flood
// window and counter, the last inbound time, a platform id the row lacked).
const SAVE_SQL = `UPDATE messenger_user SET
     language = $2::"Language",
     status = $3::"UserStatus",
     reminders_enabled = $4,
     phone = $5,
     phone_proven = $6,
     state = $7::jsonb,
     state_version = $8,
     state_updated_at = $9,
     updated_at = now(),
     last_inbound_at = COALESCE($10, last_inbound_at),
     flood_window_at = COALESCE($11, flood_window_at),
     flood_count = COALESCE($12, flood_count),
     telegram_chat_id = COALESCE(telegram_chat_id, $13::bigint),
     viber_user_id = COALESCE(viber_user_id, $14::varchar)
   WHERE id = $1`;

// An update that saves no state (a duplicate never gets here; a flood-limited one does) still counts.
const COUNT_SQL = `UPDATE messenger_user SET
     last_inbound_at = $2,
     flood_window_at = $3,
     flood_count = $4,
     telegram_chat_id = COALESCE(telegram_chat_id, $5::bigint),
     viber_user_id = COALESCE(viber_user_id, $6::varchar)
   WHERE id = $1`;

/** What open() counted for the conversation row, written with the save (or on its own at commit). */
interface InboundCount {
  userId: number;
  at: Date;
  windowAt: Date;
  count: number;
  telegramChatId: string | null;
  viberUserId: string | null;
}

function toLinked(row: LinkRow): LinkedAccount {
  return { linkId: row.link_id, label: row.label, account: toAccount(row) };
}

/** The engine's transaction, and what must go with COMMIT. */
interface OpenTx {
  tx: EngineTx;
  /** Writes the update's count when no save carried it. */
  beforeCommit(): void;
}

function createTx(session: Session): OpenTx {
  let inbound: InboundCount | null = null;
  const readAhead: ReadAhead = { links: null, readings: new Map() };
  const scheduleReadAhead = emptyScheduleReadAhead();
  let readAheadUserId: number | null = null;
  const forgetLinks = (): void => {
    readAhead.links = null;
    readAhead.readings.clear();
  };

  const lockAccount = (accountId: number): void => {
    // Serialises writes that must see each other per account (the current reading, the one open report).
    // Its own statement, sent in the same batch as the write that follows it: that one starts (takes
    // its snapshot) only once the lock is held, so it sees a concurrent write that committed first.
    session.defer({
      name: "engine_lock_account",
      text: "SELECT 1 FROM account WHERE id = $1 FOR UPDATE",
      values: [accountId],
    });
  };

  const tx: EngineTx = {
    async open(update, input): Promise<ConversationRecord | null> {
      // One round trip: BEGIN, then the dedupe claim and the conversation lock in one statement (ON
      // CONFLICT DO UPDATE ... WHERE false locks the row until commit without writing it), then the
      // row with the user's links and their latest readings. The read is a separate statement after
      // the lock, so it takes its snapshot once the lock is held and sees what an earlier update of
      // this conversation committed. The flood count is worked out here and written with the save.
      const view = input.scheduleView;
      const telegramChatId = input.telegramChatId === undefined ? null : input.telegramChatId.toString();
      const viberUserId = input.viberUserId ?? null;
      const [opened, conversation] = await session.batch([
        {
          name: "engine_open",
          text: OPEN_SQL,
          values: [
            input.address,
            input.channel,
            telegramChatId,
            viberUserId,
            input.language,
            input.now,
            update.channel,
            update.updateId,
          ],
        },
        // With what the schedule view shows, when the engine says this update opens it.
        view
          ? { name: "engine_opened_view", text: OPENED_VIEW_SQL, values: [input.address, view.dates] }
          : { name: "engine_opened", text: OPENED_SQL, values: [input.address] },
      ]);
      const claim = (opened?.rows as { claimed: boolean; created: boolean }[] | undefined)?.[0];
      const rows = (conversation?.rows ?? []) as OpenedRow[];
      const row = rows[0];
      // Not claimed: the update id was already stored, so nothing was locked or written.
      if (!claim?.claimed) return null;
      if (!row) throw new Error("the conversation row is missing after its upsert");
      // The flood window: the counter restarts when the window started longer ago than its length.
      const windowMs = (input.floodWindowSeconds ?? 10) * 1000;
      const inWindow =
        row.u_flood_window_at !== null && row.u_flood_window_at.getTime() > input.now.getTime() - windowMs;
      inbound = {
        userId: row.u_id,
        at: input.now,
        windowAt: inWindow && row.u_flood_window_at ? row.u_flood_window_at : input.now,
        count: inWindow ? row.u_flood_count + 1 : 1,
        telegramChatId: row.u_has_chat_id ? null : telegramChatId,
        viberUserId: row.u_has_viber_id ? null : viberUserId,
      };
      readAheadUserId = row.u_id;
      readAhead.links = [];
      if (view) {
        // One row per link, no readings (readings.latest() reads them if a step asks).
        for (const opened of rows) {
          if (opened.link_id !== null) readAhead.links.push(toLinked(opened as LinkRow));
        }
        const linkQueues = readAhead.links.map((link) => link.account.outageQueue);
        const viewRow = row.u_view ? (JSON.parse(row.u_view) as ScheduleViewRow) : undefined;
        keepScheduleView(scheduleReadAhead, row.u_id, view.dates, linkQueues, viewRow);
        scheduleReadAhead.subscriptions = {
          userId: row.u_id,
          rows: toSubscriptionRecords(viewRow?.subscriptions ?? []),
        };
      } else {
        for (const opened of rows) {
          if (opened.link_id === null) continue;
          const accountId = opened.id as number;
          let readings = readAhead.readings.get(accountId);
          if (!readings) {
            readAhead.links.push(toLinked(opened as LinkRow));
            readings = [];
            readAhead.readings.set(accountId, readings);
          }
          if (opened.r_id !== null) {
            readings.push({
              id: opened.r_id,
              accountId,
              period: opened.r_period,
              t1: opened.r_t1,
              t2: opened.r_t2,
              t3: opened.r_t3,
              takenAt: opened.r_taken_at,
              source: opened.r_source,
              status: opened.r_status,
              flagReason: opened.r_flag_reason,
              photoRef: opened.r_photo_ref,
              inWindow: opened.r_in_window,
            });
          }
        }
      }
      return {
        userId: row.u_id,
        created: claim.created,
        language: row.u_language,
        status: row.u_status,
        remindersEnabled: row.u_reminders_enabled,
        phone: row.u_phone,
        phoneProven: row.u_phone_proven,
        state: row.u_state === null ? null : (JSON.parse(row.u_state) as unknown),
        stateVersion: row.u_state_version,
        stateUpdatedAt: row.u_state_updated_at,
        recentUpdates: inbound.count,
      };
    },

    async saveConversation(userId, update) {
      // Nothing in the update reads the row back: the save travels with COMMIT (or the next batch).
      const count = inbound?.userId === userId ? inbound : null;
      if (count) inbound = null;
      session.defer({
        name: "engine_save",
        text: SAVE_SQL,
        values: [
          userId,
          update.language,
          update.status,
          update.remindersEnabled,
          update.phone,
          update.phoneProven,
          JSON.stringify(update.state ?? {}),
          update.stateVersion,
          update.stateUpdatedAt,
          count?.at ?? null,
          count?.windowAt ?? null,
          count?.count ?? null,
          count?.telegramChatId ?? null,
          count?.viberUserId ?? null,
        ],
      });
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
        if (readAhead.links && userId === readAheadUserId) {
          return readAhead.links.map((link) => ({ ...link, account: { ...link.account } }));
        }
        const { rows } = await session.query<LinkRow>(
          `SELECT ${LINKS_COLUMNS}
           FROM account_link l JOIN account a ON a.id = l.account_id
           WHERE l.user_id = $1
           ORDER BY l.id ASC`,
          [userId],
          "engine_links",
        );
        return rows.map(toLinked);
      },
      async link(input) {
        forgetLinks();
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
        forgetLinks();
        session.defer({
          text: "UPDATE account_link SET label = $3 WHERE user_id = $1 AND account_id = $2",
          values: [userId, accountId, label],
        });
      },
      async unlink(userId, accountId) {
        forgetLinks();
        session.defer({
          text: "DELETE FROM account_link WHERE user_id = $1 AND account_id = $2",
          values: [userId, accountId],
        });
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
        session.defer({
          text: `INSERT INTO verification_attempt (user_id, method, success, account_number, created_at)
                 VALUES ($1, $2::"VerificationMethod", $3, $4, $5)`,
          values: [input.userId, input.method, input.success, input.accountNumber, input.at],
        });
      },
    },

    readings: {
      async latest(accountId, limit) {
        const known = readAhead.readings.get(accountId);
        if (known && limit <= READ_AHEAD_READINGS) return known.slice(0, limit).map((r) => ({ ...r }));
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
        readAhead.readings.delete(input.accountId);
        lockAccount(input.accountId);
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
        lockAccount(input.accountId);
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
        session.defer({
          text: `INSERT INTO outage_watch (outage_id, user_id, account_id, created_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING`,
          values: [input.outageId, input.userId, input.accountId, input.at],
        });
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
    ...createScheduleRepositories(session, scheduleReadAhead),
    ...createSubscriptionRepositories(session, scheduleReadAhead),
    ...createHandoffRepositories(session),
  };
  return {
    tx,
    beforeCommit() {
      if (!inbound) return;
      const count = inbound;
      inbound = null;
      session.defer({
        name: "engine_count",
        text: COUNT_SQL,
        values: [
          count.userId,
          count.at,
          count.windowAt,
          count.count,
          count.telegramChatId,
          count.viberUserId,
        ],
      });
    },
  };
}

function ignoreClientError(): void {
  // A checked-out connection that dies between statements emits "error" on the client; without a
  // listener that would crash the process. The next statement fails and is mapped instead.
}

/** SQLSTATE 25P02: a statement after an earlier failure in the same transaction; the earlier one is the cause. */
const IN_FAILED_TRANSACTION = "25P02";

/** The socket under a pg client, to cork a batch into one write (pg keeps it on `connection.stream`). */
function socketOf(client: pg.PoolClient): { cork(): void; uncork(): void } | undefined {
  const stream = (client as unknown as { connection?: { stream?: { cork?: unknown; uncork?: unknown } } })
    .connection?.stream;
  return typeof stream?.cork === "function" && typeof stream.uncork === "function"
    ? (stream as { cork(): void; uncork(): void })
    : undefined;
}

/**
 * Names for the statements that were not given one: every statement of the engine's repositories is
 * fixed text, so each is parsed once per connection and, after Postgres's first few custom plans, runs
 * on its generic plan instead of being parsed and planned on every update (about a tenth of
 * Postgres's CPU per update, docs/benchmarks.md). Bounded, so text built at run time could never fill
 * a connection with prepared statements: past the bound a new text runs unnamed.
 */
const autoNames = new Map<string, string>();
const AUTO_NAMES_MAX = 300;

function autoName(text: string): string | undefined {
  const known = autoNames.get(text);
  if (known !== undefined || autoNames.size >= AUTO_NAMES_MAX) return known;
  const name = `engine_auto_${autoNames.size + 1}`;
  autoNames.set(text, name);
  return name;
}

/**
 * Sends statements in order. On a pipelining client (see createEnginePool) they are all written at
 * once, corked into one socket write, and answered in one round trip; otherwise one after another.
 * Fails with the first statement's error (not the "transaction is aborted" errors that follow it).
 */
async function runBatch(
  client: pg.PoolClient,
  statements: Statement[],
  prepared: boolean,
  onRoundTrips: (count: number) => void,
): Promise<pg.QueryResult[]> {
  const toConfig = (statement: Statement): pg.QueryConfig => {
    const name = prepared ? (statement.name ?? autoName(statement.text)) : undefined;
    return name === undefined
      ? { text: statement.text, values: statement.values }
      : { name, text: statement.text, values: statement.values };
  };
  if (!(client as unknown as { pipeline?: boolean }).pipeline) {
    onRoundTrips(statements.length);
    const results: pg.QueryResult[] = [];
    for (const statement of statements) {
      results.push(
        statement.values === undefined
          ? await client.query(statement.text)
          : await client.query(toConfig(statement)),
      );
    }
    return results;
  }
  onRoundTrips(1);
  const socket = socketOf(client);
  socket?.cork();
  let pending: Promise<pg.QueryResult>[];
  try {
    pending = statements.map((statement) =>
      statement.values === undefined ? client.query(statement.text) : client.query(toConfig(statement)),
    );
  } finally {
    socket?.uncork();
  }
  const settled = await Promise.allSettled(pending);
  const failures = settled.flatMap((outcome) =>
    outcome.status === "rejected" ? [outcome.reason as unknown] : [],
  );
  if (failures.length > 0) {
    throw (
      failures.find((error) => (error as { code?: unknown }).code !== IN_FAILED_TRANSACTION) ?? failures[0]
    );
  }
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<pg.QueryResult>).value);
}

/**
 * The engine store on a pg pool. The pool's connectionTimeoutMillis bounds the wait for a connection;
 * timeoutMs bounds the whole transaction: when it passes, the connection is closed (Postgres rolls
 * back) and the update fails with StoreUnavailableError. With a pipelining pool (createEnginePool)
 * an ordinary update costs two round trips: BEGIN + claim + lock + read-ahead, then save + COMMIT.
 */
export function createPgEngineStore(pool: pg.Pool, options: PgEngineStoreOptions = {}): EngineStore {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const prepared = options.prepared ?? preparesStatements(pool);
  const onRoundTrips = options.onRoundTrips ?? (() => undefined);
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
      let deferred: Statement[] = [];
      let timedOut: TransactionTimeoutError | undefined;
      const timer = setTimeout(() => {
        timedOut = new TransactionTimeoutError(timeoutMs);
        // Destroying the connection fails the statement in flight and rolls the transaction back.
        release(timedOut);
      }, timeoutMs);
      const ensureOpen = (): void => {
        if (timedOut) throw timedOut;
      };
      let queued: {
        statement: Statement;
        resolve: (result: pg.QueryResult) => void;
        reject: (error: unknown) => void;
      }[] = [];
      const flushQueued = (): void => {
        const items = queued;
        queued = [];
        session.batch(items.map((item) => item.statement)).then(
          (results) =>
            items.forEach((item, index) => {
              const result = results[index];
              if (result) item.resolve(result);
              else item.reject(new Error("no result for the statement"));
            }),
          (error: unknown) => items.forEach((item) => item.reject(error)),
        );
      };
      const session: Session = {
        async batch(statements) {
          ensureOpen();
          const all = [...(begun ? [] : [{ text: "BEGIN" }]), ...deferred, ...statements];
          const skip = all.length - statements.length;
          begun = true;
          deferred = [];
          const results = await runBatch(client, all, prepared, onRoundTrips);
          return results.slice(skip);
        },
        // Statements asked for in the same tick (reads started together with Promise.all) travel in
        // one batch: one socket write and one round trip instead of one each.
        query<R extends object>(text: string, values?: unknown[], name?: string) {
          return new Promise<pg.QueryResult<R>>((resolve, reject) => {
            queued.push({
              statement: { text, values: values ?? [], ...(name ? { name } : {}) },
              resolve: (result) => resolve(result as pg.QueryResult<R>),
              reject,
            });
            if (queued.length === 1) queueMicrotask(flushQueued);
          });
        },
        defer(statement) {
          deferred.push(statement);
        },
      };
      try {
        const open = createTx(session);
        const result = await fn(open.tx);
        ensureOpen();
        open.beforeCommit();
        // Held writes are never dropped: with nothing sent yet they still go, inside BEGIN ... COMMIT.
        if (begun || deferred.length > 0) await session.batch([{ text: "COMMIT" }]);
        clearTimeout(timer);
        release();
        return result;
      } catch (error) {
        clearTimeout(timer);
        const failure = timedOut ?? error;
        if (!released && begun) {
          try {
            onRoundTrips(1);
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
