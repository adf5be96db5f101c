// Schedule notices: the planner tick. Every minute (pg-boss cron, one tick at a time cluster-wide;
// tests call tick() with a pinned clock) it reads the schedule in force and starts fan-outs for
// what is due: warnings before off (and possible) periods, "power should be back", a day's
// schedule published or changed (debounced), and region-wide mode changes. Every fan-out has a key
// that names the notice, so a second tick, a restart or another instance adds nothing; what a
// subscriber reads is built in SQL per recipient and rendered at send time. See README.md
// ("Schedule notices") for what is sent when.
import type { Logger } from "pino";
import { addDays, kyivIsoDate } from "../schedules/kyiv-day.js";
import {
  dayNoticeDue,
  dueBeforeNotices,
  duePowerBack,
  periodsInForce,
  type DayInForce,
  type PlannedPeriod,
} from "../schedules/notice-plan.js";
import { slotsToPeriods } from "../schedules/periods.js";
import { decodeSlots } from "../schedules/slot-codes.js";
import type { OutageMode } from "../schedules/types.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { FANOUT_TRANSACTION, type FanoutRequest, type FanoutStarted, type FanoutTx } from "./fanout-store.js";
import type { ScheduleNoticeSettings } from "./outbound-settings.js";
import { isQuiet, type QuietHours } from "./quiet-hours.js";

export type NoticeKind = "before_off" | "power_back" | "day" | "mode";

export interface NoticeTickReport {
  /** Fan-outs this tick created (a key that existed already is not listed). */
  started: { kind: NoticeKind; key: string; total: number }[];
  /** Before-off fan-outs whose period is no longer in force: what was still queued was skipped. */
  cancelled: { key: string; skipped: number }[];
}

export interface ScheduleNoticeDeps {
  prisma: PrismaClient;
  /** outbound.fanout: start (optionally inside a transaction) and cancel. */
  fanout: {
    start(request: FanoutRequest, tx?: FanoutTx): Promise<FanoutStarted>;
    cancel(key: string): Promise<number>;
  };
  logger: Logger;
  quietHours: QuietHours;
  settings: ScheduleNoticeSettings;
  now: () => Date;
  /** Counts the messages of every fan-out created, per kind. */
  onPlanned?: (kind: NoticeKind, messages: number) => void;
}

/** Audience classes: "n" = subscribers with night = true (told at any hour), "q" = the others. */
type Audience = "n" | "q";
const AUDIENCE_NAME: Record<Audience, string> = { n: "night", q: "day" };

/** Each recipient once per (queue, state, start): a notice re-planned for a moved end is not repeated. */
const BEFORE_AUDIENCE = `
  SELECT s.user_id,
         jsonb_strip_nulls(jsonb_build_object('kind', 'schedule_before_off', 'queue', s.queue, 'label', s.label,
                                              'state', $2::text, 'from', $3::text, 'to', $4::text))
    FROM schedule_subscription s
   WHERE s.queue = $1 AND s.lead_minutes = $5::int AND s.night = $6::boolean
     AND ($2::text = 'off' OR s.include_maybe)
     AND NOT EXISTS (
       SELECT 1 FROM fanout f JOIN outbound_message m ON m.fanout_id = f.id
        WHERE f.key LIKE $7 AND m.user_id = s.user_id AND m.state IN ('queued', 'sending', 'sent', 'uncertain'))`;

const POWER_BACK_AUDIENCE = `
  SELECT s.user_id,
         jsonb_strip_nulls(jsonb_build_object('kind', 'schedule_power_back', 'queue', s.queue, 'label', s.label,
                                              'at', $2::text))
    FROM schedule_subscription s
   WHERE s.queue = $1 AND s.power_back AND (s.night OR NOT $3::boolean)`;

const DAY_AUDIENCE = `
  SELECT s.user_id,
         jsonb_strip_nulls(jsonb_build_object('kind', 'schedule_day', 'queue', s.queue, 'label', s.label,
                                              'date', $2::text, 'change', $3::text, 'periods', $4::jsonb,
                                              'previous', $5::jsonb))
    FROM schedule_subscription s
   WHERE s.queue = $1 AND s.night = $6::boolean`;

/** One message per person (whatever their queues); "night" when any of their subscriptions says so. */
const MODE_AUDIENCE = `
  SELECT s.user_id,
         jsonb_strip_nulls(jsonb_build_object('kind', 'schedule_mode', 'mode', $1::text, 'message', $2::text))
    FROM schedule_subscription s
   GROUP BY s.user_id
  HAVING bool_or(s.night) = $3::boolean`;

/** Advisory lock class of the day notices (with a hash of queue, date and audience). */
const DAY_NOTICE_LOCK = 7_301_140;

interface DayRow {
  queue: string;
  date: string;
  slots: string;
  version: number;
  publishedAt: Date;
}

interface Candidate {
  kind: NoticeKind;
  request: FanoutRequest;
  /** Which subscribers it needs (to skip fan-outs nobody would get). */
  needs: { queue: string; lead?: number; night?: boolean; maybe?: boolean; powerBack?: boolean } | null;
}

const beforePrefix = (queue: string, period: PlannedPeriod): string =>
  `sched:before:${queue}:${period.state}:${period.from.toISOString()}:${period.to.toISOString()}:`;

/** The key without its lead and audience: the period it announces. */
const periodOfKey = (key: string): string => key.slice(0, key.lastIndexOf(":", key.lastIndexOf(":") - 1) + 1);

interface ModeRow {
  id: number;
  mode: OutageMode;
  message: string | null;
  changedAt: Date;
}

/** (d) The newest mode change, to each audience, unless it is old or only repeats the one before it. */
function modeCandidates(
  now: Date,
  [mode, before]: ModeRow[],
  audiences: Audience[],
  windowMs: number,
): Candidate[] {
  if (!mode || mode.changedAt.getTime() <= now.getTime() - windowMs) return [];
  if (before && before.mode === mode.mode && before.message === mode.message) return [];
  return audiences.map((audience) => ({
    kind: "mode",
    needs: null,
    request: {
      key: `sched:mode:${mode.id}:${AUDIENCE_NAME[audience]}`,
      priority: "urgent",
      audienceSql: MODE_AUDIENCE,
      params: [mode.mode, mode.message, audience === "n"],
    },
  }));
}

/**
 * (a, e) One queue's warnings due now (per lead and audience) and its "power back" notices, from
 * its days in force; and the periods still to come or running (`live`: what a queued warning may
 * still be about).
 */
function queueCandidates(
  now: Date,
  queue: string,
  rows: DayRow[],
  audiences: Audience[],
  quiet: boolean,
  powerBackWindowMs: number,
): { candidates: Candidate[]; live: string[] } {
  const periods = periodsInForce(
    rows.map((row): DayInForce => ({
      date: row.date,
      slots: decodeSlots(row.slots),
      publishedAt: row.publishedAt,
    })),
  );
  const live = periods.filter((p) => p.to.getTime() > now.getTime()).map((p) => beforePrefix(queue, p));
  const candidates: Candidate[] = [];
  for (const { period, lead } of dueBeforeNotices(now, periods)) {
    const prefix = beforePrefix(queue, period);
    const from = period.from.toISOString();
    for (const audience of audiences) {
      candidates.push({
        kind: "before_off",
        needs: { queue, lead, night: audience === "n", maybe: period.state === "maybe" },
        request: {
          key: `${prefix}${lead}:${AUDIENCE_NAME[audience]}`,
          priority: "urgent",
          paid: true,
          audienceSql: BEFORE_AUDIENCE,
          params: [
            queue,
            period.state,
            from,
            period.to.toISOString(),
            lead,
            audience === "n",
            // Anyone told of this start (whatever end it had then) is not told again.
            `sched:before:${queue}:${period.state}:${from}:%`,
          ],
        },
      });
    }
  }
  // Power back is not deferred past quiet hours (it would be old news by the morning).
  for (const period of duePowerBack(now, periods, powerBackWindowMs)) {
    candidates.push({
      kind: "power_back",
      needs: { queue, powerBack: true },
      request: {
        key: `sched:back:${queue}:${period.to.toISOString()}`,
        priority: "urgent",
        audienceSql: POWER_BACK_AUDIENCE,
        params: [queue, period.to.toISOString(), quiet],
      },
    });
  }
  return { candidates, live };
}

export function createScheduleNotices(deps: ScheduleNoticeDeps) {
  const { prisma, settings } = deps;
  const log = deps.logger.child({ component: "schedule-notices" });

  async function start(kind: NoticeKind, request: FanoutRequest, tx?: FanoutTx): Promise<FanoutStarted> {
    const started = await deps.fanout.start(request, tx);
    if (started.created) deps.onPlanned?.(kind, started.total);
    return started;
  }

  /** One day notice and the told state in one transaction, serialised per (queue, date, audience). */
  async function tellDay(
    row: DayRow,
    audience: Audience,
    now: Date,
  ): Promise<{ key: string; total: number } | null> {
    return prisma.$transaction(async (tx) => {
      const name = AUDIENCE_NAME[audience];
      await tx.$queryRaw`
        SELECT 1 AS locked FROM pg_advisory_xact_lock(${DAY_NOTICE_LOCK}::int, hashtext(${`${row.queue} ${row.date} ${name}`}))`;
      const [told] = await tx.$queryRaw<{ slots: string }[]>`
        SELECT slots FROM schedule_day_notice
         WHERE queue = ${row.queue} AND date = ${row.date}::date AND audience = ${name}`;
      const change = dayNoticeDue(now, told ?? null, row, settings.debounceMs);
      if (!change) return null;
      const periods = slotsToPeriods(decodeSlots(row.slots));
      const previous = told ? slotsToPeriods(decodeSlots(told.slots)) : null;
      const key = `sched:day:${row.queue}:${row.date}:${name}:v${row.version}`;
      const started = await start(
        "day",
        {
          key,
          priority: "bulk",
          audienceSql: DAY_AUDIENCE,
          params: [
            row.queue,
            row.date,
            change,
            JSON.stringify(periods),
            previous ? JSON.stringify(previous) : null,
            audience === "n",
          ],
        },
        tx,
      );
      await tx.$executeRaw`
        INSERT INTO schedule_day_notice (queue, date, audience, slots, publication_id, told_at)
        VALUES (${row.queue}, ${row.date}::date, ${name}, ${row.slots}, ${row.version}, ${now})
        ON CONFLICT (queue, date, audience) DO UPDATE
          SET slots = EXCLUDED.slots, publication_id = EXCLUDED.publication_id, told_at = EXCLUDED.told_at`;
      return started.created ? { key, total: started.total } : null;
    }, FANOUT_TRANSACTION);
  }

  /** (b) Cancels what is still queued of warnings whose period is gone (removed, moved, or over). */
  async function cancelStale(live: Set<string>, report: NoticeTickReport): Promise<void> {
    const open = await prisma.$queryRaw<{ key: string }[]>`
      SELECT f.key FROM fanout f
       WHERE f.finished_at IS NULL AND f.key LIKE 'sched:before:%'
         AND EXISTS (SELECT 1 FROM outbound_message m WHERE m.fanout_id = f.id AND m.state = 'queued')`;
    for (const { key } of open) {
      if (live.has(periodOfKey(key))) continue;
      const skipped = await deps.fanout.cancel(key);
      report.cancelled.push({ key, skipped });
      log.info({ key, skipped }, "schedule notice cancelled: its period is no longer in force");
    }
  }

  /** Starts the candidates not started yet whose audience has somebody in it. */
  async function startDue(candidates: Candidate[], report: NoticeTickReport): Promise<void> {
    if (candidates.length === 0) return;
    const keys = candidates.map((c) => c.request.key);
    const existing = new Set(
      (
        await prisma.$queryRaw<{ key: string }[]>`SELECT key FROM fanout WHERE key = ANY(${keys}::text[])`
      ).map((r) => r.key),
    );
    const missing = candidates.filter((c) => !existing.has(c.request.key));
    const queues = [...new Set(missing.flatMap((c) => (c.needs ? [c.needs.queue] : [])))];
    const groups =
      queues.length === 0
        ? []
        : await prisma.$queryRaw<
            { queue: string; lead: number; night: boolean; maybe: boolean; powerBack: boolean }[]
          >`
            SELECT queue, lead_minutes::int AS lead, night, bool_or(include_maybe) AS maybe,
                   bool_or(power_back) AS "powerBack"
              FROM schedule_subscription WHERE queue = ANY(${queues}::text[])
             GROUP BY queue, lead_minutes, night`;
    for (const candidate of missing) {
      const needs = candidate.needs;
      const anybody =
        !needs ||
        groups.some(
          (g) =>
            g.queue === needs.queue &&
            (needs.lead === undefined || g.lead === needs.lead) &&
            (needs.night === undefined || g.night === needs.night) &&
            (!needs.maybe || g.maybe) &&
            (!needs.powerBack || g.powerBack),
        );
      if (!anybody) continue;
      const started = await start(candidate.kind, candidate.request);
      if (started.created)
        report.started.push({ kind: candidate.kind, key: started.key, total: started.total });
    }
  }

  /** (c) Day notices for today and tomorrow, per audience, once the debounce has passed. */
  async function tellDays(
    now: Date,
    days: DayRow[],
    audiences: Audience[],
    report: NoticeTickReport,
  ): Promise<void> {
    const today = kyivIsoDate(now);
    const dates = [today, addDays(today, 1)];
    const told = await prisma.$queryRaw<{ queue: string; date: string; audience: string; slots: string }[]>`
      SELECT queue, date::text AS date, audience, slots FROM schedule_day_notice
       WHERE date = ANY(${dates}::text[]::date[])`;
    const toldSlots = new Map(told.map((r) => [`${r.queue} ${r.date} ${r.audience}`, r.slots]));
    const due: { row: DayRow; audience: Audience }[] = [];
    for (const row of days) {
      if (!dates.includes(row.date)) continue;
      for (const audience of audiences) {
        const previous = toldSlots.get(`${row.queue} ${row.date} ${AUDIENCE_NAME[audience]}`);
        const last = previous === undefined ? null : { slots: previous };
        if (dayNoticeDue(now, last, row, settings.debounceMs)) due.push({ row, audience });
      }
    }
    if (due.length > 0) {
      // Only audiences with somebody in them (asked only when a day is due: rarely).
      const present = new Set(
        (
          await prisma.$queryRaw<{ queue: string; night: boolean }[]>`
            SELECT DISTINCT queue, night FROM schedule_subscription
             WHERE queue = ANY(${[...new Set(due.map((d) => d.row.queue))]}::text[])`
        ).map((p) => `${p.queue} ${p.night ? "n" : "q"}`),
      );
      for (const { row, audience } of due) {
        if (!present.has(`${row.queue} ${audience}`)) continue;
        const started = await tellDay(row, audience, now);
        if (started) report.started.push({ kind: "day", ...started });
      }
    }
    await prisma.$executeRaw`DELETE FROM schedule_day_notice WHERE date < ${addDays(today, -7)}::date`;
  }

  async function tick(at?: Date): Promise<NoticeTickReport> {
    const now = at ?? deps.now();
    const report: NoticeTickReport = { started: [], cancelled: [] };
    const quiet = isQuiet(now, deps.quietHours);
    // "n": night subscribers, at any hour; "q": the others, outside quiet hours.
    const audiences: Audience[] = quiet ? ["n"] : ["n", "q"];
    const today = kyivIsoDate(now);
    const dates = [addDays(today, -1), today, addDays(today, 1)];

    // The schedule in force for yesterday (periods running past midnight), today and tomorrow, of
    // the queues somebody follows, and the two newest mode changes.
    const [days, modes] = await Promise.all([
      prisma.$queryRaw<DayRow[]>`
        SELECT DISTINCT ON (d.queue, d.date) d.queue, d.date::text AS date, d.slots,
               d.publication_id AS version, p.published_at AS "publishedAt"
          FROM schedule_day d JOIN schedule_publication p ON p.id = d.publication_id
         WHERE d.date = ANY(${dates}::text[]::date[])
           AND EXISTS (SELECT 1 FROM schedule_subscription s WHERE s.queue = d.queue)
         ORDER BY d.queue, d.date, d.publication_id DESC`,
      prisma.$queryRaw<ModeRow[]>`
        SELECT id, mode::text AS mode, message, changed_at AS "changedAt"
          FROM outage_mode_change ORDER BY id DESC LIMIT 2`,
    ]);
    const candidates = modeCandidates(now, modes, audiences, settings.modeWindowMs);
    const live = new Set<string>();
    // Warnings and "power back" follow the schedules only while they apply.
    if ((modes[0]?.mode ?? "schedules") === "schedules") {
      const byQueue = new Map<string, DayRow[]>();
      for (const row of days) byQueue.set(row.queue, [...(byQueue.get(row.queue) ?? []), row]);
      for (const [queue, rows] of byQueue) {
        const planned = queueCandidates(now, queue, rows, audiences, quiet, settings.powerBackWindowMs);
        candidates.push(...planned.candidates);
        for (const key of planned.live) live.add(key);
      }
    }
    await cancelStale(live, report);
    await startDue(candidates, report);
    await tellDays(now, days, audiences, report);
    if (report.started.length > 0 || report.cancelled.length > 0) {
      log.info({ started: report.started, cancelled: report.cancelled.length }, "schedule notices planned");
    }
    return report;
  }

  return { tick };
}
