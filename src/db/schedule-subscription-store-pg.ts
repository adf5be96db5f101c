// The engine's schedule subscription port (`tx.scheduleSubscriptions`) on node-postgres, inside the
// engine store's transaction. Options are checked before they reach SQL (the table's CHECK holds
// the same rule); a subscription to a queue that is not configured is not stored (null).
import type { EngineTx, LeadMinutes, ScheduleSubscriptionRecord } from "../engine/ports.js";
import { checkedOptionChange, subscriptionOptionsSchema } from "../engine/schedule-subscriptions.js";
import type { ScheduleReadAhead, ScheduleSession } from "./schedule-store-pg.js";

interface SubscriptionRow {
  queue: string;
  queue_name: string;
  label: string | null;
  lead_minutes: number;
  include_maybe: boolean;
  night: boolean;
  power_back: boolean;
}

const COLUMNS = `s.queue, q.name AS queue_name, s.label, s.lead_minutes, s.include_maybe, s.night, s.power_back`;

function toRecord(row: SubscriptionRow): ScheduleSubscriptionRecord {
  return {
    queue: row.queue,
    queueName: row.queue_name,
    label: row.label,
    leadMinutes: row.lead_minutes as LeadMinutes,
    includeMaybe: row.include_maybe,
    night: row.night,
    powerBack: row.power_back,
  };
}

export function toSubscriptionRecords(rows: unknown[]): ScheduleSubscriptionRecord[] {
  return (rows as SubscriptionRow[]).map(toRecord);
}

export function createSubscriptionRepositories(
  session: ScheduleSession,
  readAhead: Pick<ScheduleReadAhead, "subscriptions"> = { subscriptions: null },
): Pick<EngineTx, "scheduleSubscriptions"> {
  return {
    scheduleSubscriptions: {
      async list(userId) {
        if (readAhead.subscriptions?.userId === userId) {
          return readAhead.subscriptions.rows.map((row) => ({ ...row }));
        }
        const { rows } = await session.query<SubscriptionRow>(
          `SELECT ${COLUMNS} FROM schedule_subscription s JOIN outage_queue q ON q.code = s.queue
           WHERE s.user_id = $1 ORDER BY s.created_at, s.queue`,
          [userId],
          "engine_subscriptions_list",
        );
        return rows.map(toRecord);
      },
      async get(userId, queue) {
        const { rows } = await session.query<SubscriptionRow>(
          `SELECT ${COLUMNS} FROM schedule_subscription s JOIN outage_queue q ON q.code = s.queue
           WHERE s.user_id = $1 AND s.queue = $2`,
          [userId, queue],
        );
        const row = rows[0];
        return row ? toRecord(row) : null;
      },
      async upsert(input) {
        readAhead.subscriptions = null;
        const options = subscriptionOptionsSchema.parse(input.options);
        // Inserted only when the queue is configured: an unknown queue returns no row, not an error.
        const { rows } = await session.query<SubscriptionRow>(
          `WITH saved AS (
             INSERT INTO schedule_subscription
               (user_id, queue, label, lead_minutes, include_maybe, night, power_back, created_at, updated_at)
             SELECT $1, q.code, $3, $4, $5, $6, $7, $8, $8 FROM outage_queue q WHERE q.code = $2
             ON CONFLICT (user_id, queue) DO UPDATE SET
               label = EXCLUDED.label, lead_minutes = EXCLUDED.lead_minutes,
               include_maybe = EXCLUDED.include_maybe, night = EXCLUDED.night,
               power_back = EXCLUDED.power_back, updated_at = EXCLUDED.updated_at
             RETURNING *)
           SELECT ${COLUMNS} FROM saved s JOIN outage_queue q ON q.code = s.queue`,
          [
            input.userId,
            input.queue,
            input.label,
            options.leadMinutes,
            options.includeMaybe,
            options.night,
            options.powerBack,
            input.at,
          ],
        );
        const row = rows[0];
        return row ? toRecord(row) : null;
      },
      async update(input) {
        readAhead.subscriptions = null;
        const change = checkedOptionChange(input.options);
        // An option not given keeps its value (COALESCE of a NULL parameter).
        const { rows } = await session.query<SubscriptionRow>(
          `WITH saved AS (
             UPDATE schedule_subscription SET
               lead_minutes = COALESCE($3::smallint, lead_minutes),
               include_maybe = COALESCE($4::boolean, include_maybe),
               night = COALESCE($5::boolean, night),
               power_back = COALESCE($6::boolean, power_back),
               updated_at = $7
             WHERE user_id = $1 AND queue = $2
             RETURNING *)
           SELECT ${COLUMNS} FROM saved s JOIN outage_queue q ON q.code = s.queue`,
          [
            input.userId,
            input.queue,
            change.leadMinutes ?? null,
            change.includeMaybe ?? null,
            change.night ?? null,
            change.powerBack ?? null,
            input.at,
          ],
        );
        const row = rows[0];
        return row ? toRecord(row) : null;
      },
      async remove(userId, queue) {
        readAhead.subscriptions = null;
        const { rowCount } = await session.query(
          "DELETE FROM schedule_subscription WHERE user_id = $1 AND queue = $2",
          [userId, queue],
        );
        return (rowCount ?? 0) > 0;
      },
    },
  };
}
