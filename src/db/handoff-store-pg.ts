// The engine's "Write to a person" port on node-postgres (part of the engine store's transaction,
// so a customer's message is stored before the webhook is answered). The conversation row is
// opened while the engine holds the messenger_user row lock: one open conversation per user
// without a partial index. The console reads and changes the same tables through
// src/operator/handoff.ts.
import type pg from "pg";
import type { EngineTx, HandoffRecord } from "../engine/ports.js";

interface Statement {
  name?: string;
  text: string;
  values: unknown[];
}

/** What these repositories need of the engine store's session. */
export interface HandoffSession {
  query<R extends object>(text: string, values?: unknown[], name?: string): Promise<pg.QueryResult<R>>;
  defer(statement: Statement): void;
}

interface HandoffRow {
  id: number;
  status: "waiting" | "active";
  created_at: Date;
}

const toRecord = (row: HandoffRow): HandoffRecord => ({
  id: row.id,
  status: row.status,
  createdAt: row.created_at,
});

/** Appends a message and moves the conversation's counters (unread, awaiting) in one statement. */
export const APPEND_SQL = `WITH message AS (
     INSERT INTO handoff_message (conversation_id, author, operator_id, text, photo_ref, created_at)
     VALUES ($1, $2::"HandoffAuthor", $6, $3, $4, $5))
   UPDATE handoff_conversation SET
     last_message_at = $5,
     unread = unread + CASE WHEN $2::text = 'customer' THEN 1 ELSE 0 END,
     awaiting_since = CASE WHEN $2::text = 'customer' THEN COALESCE(awaiting_since, $5) ELSE awaiting_since END
   WHERE id = $1`;

const STATS_SQL = `SELECT (SELECT count(*)::int FROM handoff_conversation WHERE status = 'waiting') AS waiting,
     percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS median,
     count(*)::int AS answered
   FROM (SELECT extract(epoch FROM first_answer_at - created_at)::float8 AS seconds
         FROM handoff_conversation WHERE first_answer_at >= $2
         ORDER BY first_answer_at DESC LIMIT $1) recent`;

export function createHandoffRepositories(session: HandoffSession): Pick<EngineTx, "handoff"> {
  async function current(userId: number): Promise<HandoffRecord | null> {
    const { rows } = await session.query<HandoffRow>(
      `SELECT id, status::text AS status, created_at FROM handoff_conversation
       WHERE user_id = $1 AND status <> 'closed' ORDER BY id DESC LIMIT 1`,
      [userId],
      "engine_handoff_current",
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }
  return {
    handoff: {
      current,
      async open({ userId, at }) {
        const existing = await current(userId);
        if (existing) return existing;
        const { rows } = await session.query<HandoffRow>(
          `INSERT INTO handoff_conversation (user_id, status, last_message_at, created_at)
           VALUES ($1, 'waiting', $2, $2) RETURNING id, status::text AS status, created_at`,
          [userId, at],
          "engine_handoff_open",
        );
        const row = rows[0];
        if (!row) throw new Error("handoff conversation was not created");
        return toRecord(row);
      },
      async append(input) {
        session.defer({
          name: "engine_handoff_append",
          text: APPEND_SQL,
          values: [input.conversationId, input.author, input.text, input.photoRef, input.at, null],
        });
      },
      async close({ conversationId, at }) {
        session.defer({
          name: "engine_handoff_close",
          text: `WITH message AS (
                   INSERT INTO handoff_message (conversation_id, author, text, created_at)
                   SELECT $1, 'system', 'closed:customer', $2
                   WHERE EXISTS (SELECT 1 FROM handoff_conversation WHERE id = $1 AND status <> 'closed'))
                 UPDATE handoff_conversation SET status = 'closed', closed_at = $2, closed_by = 'customer',
                   awaiting_since = NULL, last_message_at = $2
                 WHERE id = $1 AND status <> 'closed'`,
          values: [conversationId, at],
        });
      },
      async queueStats({ sample, since }) {
        const { rows } = await session.query<{ waiting: number; median: number | null; answered: number }>(
          STATS_SQL,
          [sample, since],
          "engine_handoff_stats",
        );
        const row = rows[0];
        return {
          waiting: row?.waiting ?? 0,
          medianFirstAnswerSeconds: row?.median ?? null,
          answered: row?.answered ?? 0,
        };
      },
    },
  };
}
