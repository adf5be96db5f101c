// "Write to a person", the company side: the conversations inbox, one conversation with the
// customer's context, take (one conditional UPDATE: two operators can never both take it), reply
// (through the outbound queue, in the change's own transaction: stored, then sent at most once),
// transfer to an operator or a role, close with a resolution. Free of HTTP like the other services.
// The engine's side (customer messages, back to the bot) is src/db/handoff-store-pg.ts.
import { randomUUID } from "node:crypto";
import { keptPhotoRef } from "../channels/customer-photos.js";
import type { OperatorRole, PrismaClient } from "../generated/prisma/client.js";
import { accountContext, type AccountContext } from "./account-context.js";
import { ConflictError, NotFoundError } from "./errors.js";
import type { Cursor } from "./paging.js";
import { changeAndNotify, type OperatorNotifier, type Tx } from "./notify.js";

export type HandoffView = "waiting" | "mine" | "all" | "closed";
export const HANDOFF_VIEWS: readonly HandoffView[] = ["waiting", "mine", "all", "closed"];

export interface OperatorRef {
  userId: number;
  login: string;
  role: OperatorRole;
}

export interface HandoffListItem {
  id: number;
  status: "waiting" | "active" | "closed";
  channel: string;
  language: string;
  customerStatus: string;
  /** The customer's first linked account label and number, or null for someone without one. */
  accountLabel: string | null;
  accountNumber: string | null;
  lastMessageAt: Date;
  preview: string | null;
  previewPhoto: boolean;
  unread: number;
  awaitingSince: Date | null;
  /** Waiting for an answer longer than the threshold. */
  overdue: boolean;
  assignedLogin: string | null;
  assignedRole: OperatorRole | null;
  createdAt: Date;
}

export interface HandoffMessageView {
  id: string;
  author: "customer" | "operator" | "system";
  operatorLogin: string | null;
  text: string | null;
  hasPhoto: boolean;
  createdAt: Date;
}

export interface HandoffDetail extends HandoffListItem {
  userId: number;
  assignedTo: number | null;
  resolution: string | null;
  closedBy: string | null;
  firstAnswerAt: Date | null;
  messages: HandoffMessageView[];
  contexts: AccountContext[];
}

/** Parameters of a query built in pieces: `add` gives a value its $n. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** Which conversations a view shows a person: waiting ones for their role (or anyone's), theirs, all open, closed. */
function viewFilter(view: HandoffView, operator: OperatorRef, params: Params): string {
  if (view === "mine") return `c.status = 'active' AND c.assigned_to = ${params.add(operator.userId)}`;
  if (view === "waiting") {
    return operator.role === "admin"
      ? `c.status = 'waiting'`
      : `c.status = 'waiting' AND (c.assigned_role IS NULL OR c.assigned_role = ${params.add(operator.role)}::"OperatorRole")`;
  }
  if (view === "closed") return `c.status = 'closed'`;
  return `c.status <> 'closed'`;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * What a search matches: digits are the beginning of a linked account's number or the end of the
 * customer's phone (the console shows phones masked but for their last digits); any search also
 * matches the words of the conversation (customer's and operator's messages, the resolution).
 */
function searchFilter(search: string, params: Params): string {
  const words = params.add(`%${escapeLike(search)}%`);
  const text = `EXISTS (SELECT 1 FROM handoff_message sm WHERE sm.conversation_id = c.id
      AND sm.author <> 'system' AND sm.text ILIKE ${words}) OR c.resolution ILIKE ${words}`;
  if (!/^\d{2,}$/.test(search)) return `(${text})`;
  const digits = escapeLike(search);
  return `(EXISTS (SELECT 1 FROM account_link sl JOIN account sa ON sa.id = sl.account_id
      WHERE sl.user_id = c.user_id AND sa.number LIKE ${params.add(`${digits}%`)})
    OR u.phone LIKE ${params.add(`%${digits}`)} OR ${text})`;
}

const LIST_COLUMNS = `c.id, c.status::text AS status, u.channel::text AS channel, u.language::text AS language,
  u.status::text AS "customerStatus", l.label AS "accountLabel", l.number AS "accountNumber",
  c.last_message_at AS "lastMessageAt", m.text AS preview, (m.photo_ref IS NOT NULL) AS "previewPhoto",
  c.unread, c.awaiting_since AS "awaitingSince", o.login AS "assignedLogin",
  c.assigned_role::text AS "assignedRole", c.created_at AS "createdAt"`;

const LIST_JOINS = `FROM handoff_conversation c
  JOIN messenger_user u ON u.id = c.user_id
  LEFT JOIN operator_user o ON o.id = c.assigned_to
  LEFT JOIN LATERAL (SELECT al.label, a.number FROM account_link al JOIN account a ON a.id = al.account_id
                     WHERE al.user_id = c.user_id ORDER BY al.id LIMIT 1) l ON true
  LEFT JOIN LATERAL (SELECT text, photo_ref FROM handoff_message
                     WHERE conversation_id = c.id AND author <> 'system' ORDER BY id DESC LIMIT 1) m ON true`;

type ListRow = Omit<HandoffListItem, "overdue">;

function withOverdue<T extends ListRow>(
  row: T,
  now: Date,
  unansweredMinutes: number,
): T & { overdue: boolean } {
  const overdue =
    row.status !== "closed" &&
    row.awaitingSince !== null &&
    now.getTime() - row.awaitingSince.getTime() > unansweredMinutes * 60_000;
  return { ...row, overdue };
}

export interface HandoffListQuery {
  view: HandoffView;
  operator: OperatorRef;
  now: Date;
  unansweredMinutes: number;
  /** An account number's beginning, a phone's last digits, or words of the conversation. */
  search?: string;
  /** Keyset paging: the (last message time, id) of the previous page's last row. */
  after?: Cursor;
  limit?: number;
}

/** A view's conversations, newest message first: a page of at most `limit` after `after`. */
export async function listHandoffs(
  prisma: PrismaClient,
  input: HandoffListQuery,
): Promise<HandoffListItem[]> {
  const params = new Params();
  const where = [viewFilter(input.view, input.operator, params)];
  if (input.search) where.push(searchFilter(input.search, params));
  if (input.after) {
    where.push(
      `(c.last_message_at, c.id) < (${params.add(input.after.createdAt)}::timestamptz, ${params.add(input.after.id)})`,
    );
  }
  const limit = params.add(input.limit ?? 50);
  const rows = await prisma.$queryRawUnsafe<ListRow[]>(
    `SELECT ${LIST_COLUMNS} ${LIST_JOINS} WHERE ${where.join(" AND ")}
     ORDER BY c.last_message_at DESC, c.id DESC LIMIT ${limit}::int`,
    ...params.values,
  );
  return rows.map((row) => withOverdue(row, input.now, input.unansweredMinutes));
}

/** The cursor of a listed conversation (its place in the newest-first order). */
export function handoffCursor(item: HandoffListItem): Cursor {
  return { createdAt: item.lastMessageAt, id: item.id };
}

/** How many conversations each view holds for this person, and how many wait past the threshold. */
export async function handoffCounts(
  prisma: PrismaClient,
  input: { operator: OperatorRef; now: Date; unansweredMinutes: number },
): Promise<Record<Exclude<HandoffView, "closed">, number> & { overdue: number; unread: number }> {
  const rows = await prisma.$queryRawUnsafe<
    { waiting: number; mine: number; all: number; overdue: number; unread: number }[]
  >(
    `SELECT count(*) FILTER (WHERE c.status = 'waiting'
              AND ($2::text = 'admin' OR c.assigned_role IS NULL OR c.assigned_role::text = $2))::int AS waiting,
            count(*) FILTER (WHERE c.status = 'active' AND c.assigned_to = $1)::int AS mine,
            count(*)::int AS all,
            count(*) FILTER (WHERE c.awaiting_since < $3)::int AS overdue,
            coalesce(sum(c.unread) FILTER (WHERE c.assigned_to = $1), 0)::int AS unread
     FROM handoff_conversation c WHERE c.status <> 'closed'`,
    input.operator.userId,
    input.operator.role,
    new Date(input.now.getTime() - input.unansweredMinutes * 60_000),
  );
  return rows[0] ?? { waiting: 0, mine: 0, all: 0, overdue: 0, unread: 0 };
}

/**
 * A number that changes whenever anything in any conversation changes (every change writes a
 * message row, system ones included): the console polls it and reloads what it shows only then.
 */
export async function handoffVersion(prisma: PrismaClient): Promise<string> {
  const rows = await prisma.$queryRaw<
    { version: bigint | null }[]
  >`SELECT max(id) AS version FROM handoff_message`;
  return String(rows[0]?.version ?? 0);
}

export async function getHandoff(
  prisma: PrismaClient,
  id: number,
  input: { now: Date; unansweredMinutes: number },
): Promise<HandoffDetail> {
  const rows = await prisma.$queryRawUnsafe<
    (ListRow & {
      userId: number;
      assignedTo: number | null;
      resolution: string | null;
      closedBy: string | null;
      firstAnswerAt: Date | null;
    })[]
  >(
    `SELECT ${LIST_COLUMNS}, c.user_id AS "userId", c.assigned_to AS "assignedTo", c.resolution,
            c.closed_by AS "closedBy", c.first_answer_at AS "firstAnswerAt"
     ${LIST_JOINS} WHERE c.id = $1`,
    id,
  );
  const row = rows[0];
  if (!row) throw new NotFoundError("conversation", id);
  const messages = await prisma.$queryRaw<(Omit<HandoffMessageView, "id"> & { id: bigint })[]>`
    SELECT m.id, m.author::text AS author, o.login AS "operatorLogin", m.text,
           (m.photo_ref IS NOT NULL) AS "hasPhoto", m.created_at AS "createdAt"
    FROM handoff_message m LEFT JOIN operator_user o ON o.id = m.operator_id
    WHERE m.conversation_id = ${id} ORDER BY m.id ASC`;
  const accounts = await prisma.$queryRaw<{ number: string }[]>`
    SELECT a.number FROM account_link l JOIN account a ON a.id = l.account_id
    WHERE l.user_id = ${row.userId} ORDER BY l.id LIMIT 3`;
  const contexts = await Promise.all(accounts.map((a) => accountContext(prisma, a.number)));
  return {
    ...withOverdue(row, input.now, input.unansweredMinutes),
    messages: messages.map((m) => ({ ...m, id: String(m.id) })),
    contexts,
  };
}

/** The photo reference of a customer's message (the console serves it through src/operator/photos.ts). */
export async function handoffPhotoRef(
  prisma: PrismaClient,
  conversationId: number,
  messageId: bigint,
): Promise<string> {
  const rows = await prisma.$queryRaw<{ photoRef: string | null }[]>`
    SELECT photo_ref AS "photoRef" FROM handoff_message WHERE id = ${messageId} AND conversation_id = ${conversationId}`;
  const ref = rows[0]?.photoRef;
  if (!ref) throw new NotFoundError("photo of message", String(messageId));
  return ref;
}

async function systemMessage(
  tx: Tx,
  conversationId: number,
  operatorId: number,
  text: string,
  now: Date,
): Promise<void> {
  await tx.$executeRaw`INSERT INTO handoff_message (conversation_id, author, operator_id, text, created_at)
    VALUES (${conversationId}, 'system', ${operatorId}, ${text}, ${now})`;
}

/** Takes a waiting conversation: exactly one of any number of operators pressing at once gets it. */
export async function takeHandoff(
  prisma: PrismaClient,
  id: number,
  operator: OperatorRef,
  now: Date,
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    const taken = await tx.$executeRaw`UPDATE handoff_conversation
      SET status = 'active', assigned_to = ${operator.userId}, assigned_role = NULL, unread = 0
      WHERE id = ${id} AND status = 'waiting' AND assigned_to IS NULL`;
    if (taken !== 1) {
      const exists = await tx.$queryRaw<
        { id: number }[]
      >`SELECT id FROM handoff_conversation WHERE id = ${id}`;
      if (exists.length === 0) throw new NotFoundError("conversation", id);
      throw new ConflictError("This conversation has already been taken or closed");
    }
    await systemMessage(tx, id, operator.userId, `taken:${operator.login}`, now);
  });
}

async function lockOwn(
  tx: Tx,
  id: number,
  operator: OperatorRef,
): Promise<{ userId: number; firstAnswerAt: Date | null; createdAt: Date }> {
  const rows = await tx.$queryRaw<
    {
      userId: number;
      status: string;
      assignedTo: number | null;
      firstAnswerAt: Date | null;
      createdAt: Date;
    }[]
  >`SELECT user_id AS "userId", status::text AS status, assigned_to AS "assignedTo",
           first_answer_at AS "firstAnswerAt", created_at AS "createdAt"
    FROM handoff_conversation WHERE id = ${id} FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new NotFoundError("conversation", id);
  if (row.status !== "active" || row.assignedTo !== operator.userId) {
    throw new ConflictError("Only the operator who has taken this open conversation may do that");
  }
  return row;
}

/** A photo an operator attaches to an answer (type read from the bytes by the caller). */
export interface OperatorPhoto {
  bytes: Buffer;
  mimeType: string;
}

/**
 * An answer to the customer, as typed: stored and enqueued in one transaction (the outbound queue
 * sends it at most once, in the customer's channel; a blocked customer is marked there).
 * Returns the seconds to the first answer when this was the first one (for the metric).
 */
export async function replyToHandoff(
  prisma: PrismaClient,
  notifier: OperatorNotifier,
  id: number,
  operator: OperatorRef,
  text: string,
  now: Date,
  photo?: OperatorPhoto,
): Promise<{ firstAnswerSeconds: number | null }> {
  return changeAndNotify(prisma, notifier, async (tx) => {
    const row = await lockOwn(tx, id, operator);
    let photoRef: string | null = null;
    let photoId: string | undefined;
    if (photo) {
      photoId = randomUUID();
      // Kept like a web chat photo (the service keeps the bytes; the retention sweep spares it
      // while the message refers to it).
      await tx.$executeRaw`INSERT INTO customer_photo (id, address, mime_type, bytes)
        SELECT ${photoId}::uuid, u.address, ${photo.mimeType}, ${photo.bytes}
        FROM handoff_conversation c JOIN messenger_user u ON u.id = c.user_id WHERE c.id = ${id}`;
      photoRef = keptPhotoRef("web", photoId);
    }
    await tx.$executeRaw`INSERT INTO handoff_message (conversation_id, author, operator_id, text, photo_ref, created_at)
      VALUES (${id}, 'operator', ${operator.userId}, ${text || null}, ${photoRef}, ${now})`;
    await tx.$executeRaw`UPDATE handoff_conversation SET last_message_at = ${now}, unread = 0,
      awaiting_since = NULL, first_answer_at = COALESCE(first_answer_at, ${now}) WHERE id = ${id}`;
    const firstAnswerSeconds =
      row.firstAnswerAt === null ? (now.getTime() - row.createdAt.getTime()) / 1000 : null;
    return {
      result: { firstAnswerSeconds },
      notifications: [
        {
          userId: row.userId,
          notification: {
            kind: "handoff_reply",
            conversationId: id,
            text,
            // The id, not the bytes: the customer's channel shows the photo as a picture.
            ...(photoId ? { photoId } : {}),
          },
        },
      ],
    };
  });
}

/** Marks the customer's messages read by the operator who has the conversation. */
export async function markHandoffRead(
  prisma: PrismaClient,
  id: number,
  operator: OperatorRef,
): Promise<void> {
  await prisma.$executeRaw`UPDATE handoff_conversation SET unread = 0
    WHERE id = ${id} AND assigned_to = ${operator.userId} AND unread > 0`;
}

export type TransferTarget = { operatorId: number } | { role: OperatorRole };

/** Hands it to another operator (it stays active, theirs) or to a role (it waits for anyone of it). */
export async function transferHandoff(
  prisma: PrismaClient,
  id: number,
  operator: OperatorRef,
  target: TransferTarget,
  now: Date,
): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await lockOwn(tx, id, operator);
    if ("operatorId" in target) {
      const rows = await tx.$queryRaw<{ login: string }[]>`
        SELECT login FROM operator_user WHERE id = ${target.operatorId} AND disabled_at IS NULL`;
      const login = rows[0]?.login;
      if (!login) throw new NotFoundError("operator", target.operatorId);
      await tx.$executeRaw`UPDATE handoff_conversation SET assigned_to = ${target.operatorId}, assigned_role = NULL
        WHERE id = ${id}`;
      await systemMessage(tx, id, operator.userId, `transferred:${login}`, now);
    } else {
      await tx.$executeRaw`UPDATE handoff_conversation SET status = 'waiting', assigned_to = NULL,
        assigned_role = ${target.role}::"OperatorRole" WHERE id = ${id}`;
      await systemMessage(tx, id, operator.userId, `transferred-role:${target.role}`, now);
    }
  });
}

/** Closes it with a resolution; the customer is told and the bot answers them again. */
export async function closeHandoff(
  prisma: PrismaClient,
  notifier: OperatorNotifier,
  id: number,
  operator: OperatorRef,
  resolution: string,
  now: Date,
): Promise<void> {
  await changeAndNotify(prisma, notifier, async (tx) => {
    // The customer's row first, as the engine locks it for every update: a message the customer is
    // sending right now is stored on this conversation before it closes, or, arriving after, finds it
    // closed and is answered by the bot. Same lock order as the engine (user, then conversation).
    await tx.$queryRaw`SELECT 1 FROM messenger_user
      WHERE id = (SELECT user_id FROM handoff_conversation WHERE id = ${id}) FOR UPDATE`;
    const row = await lockOwn(tx, id, operator);
    await tx.$executeRaw`UPDATE handoff_conversation SET status = 'closed', closed_at = ${now},
      closed_by = 'operator', resolution = ${resolution}, awaiting_since = NULL, last_message_at = ${now}
      WHERE id = ${id}`;
    await systemMessage(tx, id, operator.userId, "closed:operator", now);
    return {
      result: undefined,
      notifications: [
        {
          userId: row.userId,
          notification: { kind: "handoff_closed", conversationId: id, ...(resolution ? { resolution } : {}) },
        },
      ],
    };
  });
}

/** Operators a conversation can be transferred to. */
export async function transferTargets(
  prisma: PrismaClient,
  except: number,
): Promise<{ id: number; login: string; role: OperatorRole }[]> {
  return prisma.operatorUser.findMany({
    where: { disabledAt: null, id: { not: except } },
    select: { id: true, login: true, role: true },
    orderBy: { login: "asc" },
  });
}

/** Open conversations whose customer has waited for an answer longer than the threshold. */
export async function overdueHandoffs(prisma: PrismaClient, olderThan: Date): Promise<number> {
  const rows = await prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM handoff_conversation WHERE status <> 'closed' AND awaiting_since < ${olderThan}`;
  return rows[0]?.n ?? 0;
}

/** Conversations nobody has taken yet (the /metrics gauge). */
export async function waitingHandoffs(prisma: PrismaClient): Promise<number> {
  const rows = await prisma.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM handoff_conversation WHERE status = 'waiting'`;
  return rows[0]?.n ?? 0;
}
