// Outage schedules by queue, the company side: configure queues, publish a day (our JSON) or DTEK's
// document, read a day and its versions, set the region-wide mode. Free of HTTP: the operator API
// and the console call these with the actor's name (the token's name, the console login).
//
// A publication is one transaction under one advisory lock (two never interleave): it adds a
// schedule_publication row (the version) and a schedule_day row only for the queue-days whose slots
// changed. A publication that changes nothing adds nothing and answers the version in force.
import type { PrismaClient } from "../generated/prisma/client.js";
import { QUEUE_CODE_PATTERN } from "../import/accounts-csv.js";
import { diffDays, type QueueDayChange } from "../schedules/diff.js";
import { parseDtekSchedule } from "../schedules/dtek.js";
import { dayHours, isIsoDate } from "../schedules/kyiv-day.js";
import { periodsToSlots, slotsToPeriods } from "../schedules/periods.js";
import { decodeSlots, encodeSlots } from "../schedules/slot-codes.js";
import type { OutageMode, SchedulePeriod, SlotState } from "../schedules/types.js";
import { InvalidChangeError } from "./errors.js";

/** Where a publication came from: our JSON over the API, DTEK's document, the operator console. */
export type PublicationSource = "api" | "dtek" | "console";

export interface Publisher {
  source: PublicationSource;
  /** Who: the operator token's name ("bootstrap" for OPERATOR_API_TOKEN) or the console login. */
  actor: string;
}

/** What the source says of itself: when it was updated (DTEK's fact.update). */
interface SourceInfo {
  updatedAt: Date | null;
}

/** Key of the advisory lock every publication and queue change takes (any constant bigint). */
const PUBLICATION_LOCK = 7_301_132_013n;

type Tx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/* ---------- queues ---------- */

export interface QueueView {
  code: string;
  name: string;
  sort: number;
}

/** "3.2" -> 32, "1001.1" -> 10011: the seeded queues' order, new ones after them. */
export function defaultQueueSort(code: string): number {
  const [major, minor] = code.split(".").map(Number) as [number, number];
  return major * 10 + minor;
}

export async function listQueues(prisma: PrismaClient): Promise<QueueView[]> {
  return prisma.outageQueue.findMany({
    select: { code: true, name: true, sort: true },
    orderBy: [{ sort: "asc" }, { code: "asc" }],
  });
}

export interface QueueInput {
  code: string;
  name: string;
  sort?: number | undefined;
}

/**
 * Adds queues and renames or re-sorts existing ones. Queues are never removed here: a removal would
 * take the queue's schedule history and its followers with it.
 */
export async function configureQueues(
  prisma: PrismaClient,
  queues: readonly QueueInput[],
): Promise<{ added: string[]; updated: string[]; queues: QueueView[] }> {
  const seen = new Set<string>();
  queues.forEach((queue, index) => {
    if (!QUEUE_CODE_PATTERN.test(queue.code)) {
      throw new InvalidChangeError(`body.queues.${index}.code`, 'must be a queue code like "3.2"');
    }
    if (seen.has(queue.code)) throw new InvalidChangeError(`body.queues.${index}.code`, "is listed twice");
    seen.add(queue.code);
    if (queue.name.trim() === "" || queue.name.length > 64) {
      throw new InvalidChangeError(`body.queues.${index}.name`, "must be 1-64 characters");
    }
  });
  const added: string[] = [];
  const updated: string[] = [];
  await prisma.$transaction(async (tx) => {
    await lockPublications(tx);
    const existing = new Map(
      (await tx.outageQueue.findMany({ where: { code: { in: [...seen] } } })).map((q) => [q.code, q]),
    );
    for (const queue of queues) {
      const name = queue.name.trim();
      const sort = queue.sort ?? existing.get(queue.code)?.sort ?? defaultQueueSort(queue.code);
      const before = existing.get(queue.code);
      if (!before) {
        await tx.outageQueue.create({ data: { code: queue.code, name, sort } });
        added.push(queue.code);
      } else if (before.name !== name || before.sort !== sort) {
        await tx.outageQueue.update({ where: { code: queue.code }, data: { name, sort } });
        updated.push(queue.code);
      }
    }
  });
  return { added, updated, queues: await listQueues(prisma) };
}

/* ---------- publishing ---------- */

interface QueueDaySlots {
  date: string;
  queue: string;
  slots: SlotState[];
}

interface PublishOutcome {
  /** The new version, or (nothing changed) the newest version in force among the named queue-days. */
  version: number | null;
  publishedAt: Date | null;
  /** Per date, the queues whose day changed (empty when nothing did). */
  changed: { date: string; queues: QueueDayChange[] }[];
  addedQueues: string[];
}

async function lockPublications(tx: Tx): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(${PUBLICATION_LOCK})`;
}

/** The newest stored slots per (queue, date) for these dates. */
async function currentDays(
  tx: Tx | PrismaClient,
  dates: string[],
): Promise<{ queue: string; date: string; slots: string; version: number; publishedAt: Date }[]> {
  return tx.$queryRaw`
    SELECT DISTINCT ON (d.queue, d.date) d.queue, d.date::text AS date, d.slots,
           d.publication_id AS version, p.published_at AS "publishedAt"
      FROM schedule_day d JOIN schedule_publication p ON p.id = d.publication_id
     WHERE d.date = ANY(${dates}::text[]::date[])
     ORDER BY d.queue, d.date, d.publication_id DESC`;
}

async function publish(
  prisma: PrismaClient,
  publisher: Publisher,
  days: readonly QueueDaySlots[],
  newQueues: readonly QueueView[] = [],
  sourceInfo: SourceInfo = { updatedAt: null },
): Promise<PublishOutcome> {
  const dates = [...new Set(days.map((day) => day.date))].sort();
  return prisma.$transaction(
    async (tx) => {
      await lockPublications(tx);
      const addedQueues: string[] = [];
      for (const queue of newQueues) {
        const inserted = await tx.outageQueue.createMany({ data: [queue], skipDuplicates: true });
        if (inserted.count > 0) addedQueues.push(queue.code);
      }
      const current = await currentDays(tx, dates);
      const namedDays = new Set(days.map((day) => `${day.date} ${day.queue}`));
      const changed: PublishOutcome["changed"] = [];
      const rows: { date: string; queue: string; slots: string }[] = [];
      let inForce: { version: number; publishedAt: Date } | null = null;
      for (const date of dates) {
        const before: Record<string, SlotState[]> = {};
        for (const row of current) {
          if (row.date !== date) continue;
          before[row.queue] = decodeSlots(row.slots);
          const named = namedDays.has(`${date} ${row.queue}`);
          if (named && (!inForce || row.version > inForce.version)) inForce = row;
        }
        const after: Record<string, SlotState[]> = {};
        for (const day of days) if (day.date === date) after[day.queue] = day.slots;
        const queues = diffDays(before, after);
        if (queues.length === 0) continue;
        changed.push({ date, queues });
        for (const queue of queues)
          rows.push({ date, queue: queue.queue, slots: encodeSlots(after[queue.queue]!) });
      }
      if (rows.length === 0) {
        return {
          version: inForce?.version ?? null,
          publishedAt: inForce?.publishedAt ?? null,
          changed: [],
          addedQueues,
        };
      }
      const publication = await tx.schedulePublication.create({
        data: {
          source: publisher.source,
          actor: publisher.actor.slice(0, 64),
          sourceUpdatedAt: sourceInfo.updatedAt,
        },
      });
      await tx.scheduleDay.createMany({
        data: rows.map((row) => ({
          queue: row.queue,
          date: new Date(`${row.date}T00:00:00Z`),
          publicationId: publication.id,
          slots: row.slots,
        })),
      });
      return { version: publication.id, publishedAt: publication.publishedAt, changed, addedQueues };
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}

function checkDate(date: string, path: string): void {
  if (!isIsoDate(date)) throw new InvalidChangeError(path, "must be a real date YYYY-MM-DD");
}

export interface DayPublication {
  version: number | null;
  publishedAt: Date | null;
  date: string;
  /** The named queues whose day changed; [] when the publication changed nothing (no new version). */
  changed: string[];
}

/**
 * Publishes one Kyiv day for the named queues (`[]`: no outages that day); queues not named keep
 * their day. Every queue must be configured; periods are on :00/:30 and must not overlap.
 */
export async function publishDay(
  prisma: PrismaClient,
  date: string,
  queues: Readonly<Record<string, readonly SchedulePeriod[]>>,
  publisher: Publisher,
): Promise<DayPublication> {
  checkDate(date, "params.date");
  const codes = Object.keys(queues);
  if (codes.length === 0) throw new InvalidChangeError("body.queues", "must name at least one queue");
  const known = new Set(
    (await prisma.outageQueue.findMany({ where: { code: { in: codes } }, select: { code: true } })).map(
      (q) => q.code,
    ),
  );
  const days: QueueDaySlots[] = [];
  for (const code of codes) {
    if (!known.has(code)) {
      throw new InvalidChangeError(
        `body.queues.${code}`,
        "is not a configured queue (see GET /outage-queues)",
      );
    }
    const result = periodsToSlots(queues[code] ?? []);
    if (!result.ok) {
      const { index, field, message } = result.error;
      throw new InvalidChangeError(`body.queues.${code}.${index}.${field}`, message);
    }
    days.push({ date, queue: code, slots: result.slots });
  }
  const outcome = await publish(prisma, publisher, days);
  return {
    version: outcome.version,
    publishedAt: outcome.publishedAt,
    date,
    changed: outcome.changed.flatMap((day) => day.queues.map((queue) => queue.queue)),
  };
}

export interface DtekPublication {
  version: number | null;
  publishedAt: Date | null;
  /** Dates stored from the document, each with its queues. */
  days: { date: string; queues: number }[];
  changed: { date: string; queues: string[] }[];
  /** Days not stored and why (all "yes" after today: not published yet). */
  skipped: { date: string; reason: string }[];
  /** Queues the document defined that were not configured: added with DTEK's names. */
  addedQueues: string[];
  /** The document's own `update` time, if any. */
  documentUpdatedAt: Date | null;
}

/** Publishes every day and queue of DTEK's document (see src/schedules/dtek.ts for the mapping). */
export async function publishDtek(
  prisma: PrismaClient,
  document: unknown,
  publisher: Publisher,
  now: Date,
): Promise<DtekPublication> {
  const parsed = parseDtekSchedule(document, now);
  if (!parsed.ok) throw new InvalidChangeError(parsed.error.path, parsed.error.message);
  const { schedule } = parsed;
  const codes = new Set(schedule.days.flatMap((day) => Object.keys(day.queues)));
  const configured = new Set(
    (await prisma.outageQueue.findMany({ select: { code: true } })).map((q) => q.code),
  );
  const newQueues = [...codes]
    .filter((code) => !configured.has(code))
    .map((code) => ({ code, name: schedule.names[code] ?? `Черга ${code}`, sort: defaultQueueSort(code) }));
  const days = schedule.days.flatMap((day) =>
    Object.entries(day.queues).map(([queue, slots]) => ({ date: day.date, queue, slots })),
  );
  const outcome =
    days.length > 0
      ? await publish(prisma, publisher, days, newQueues, { updatedAt: schedule.updatedAt })
      : { version: null, publishedAt: null, changed: [], addedQueues: [] };
  return {
    version: outcome.version,
    publishedAt: outcome.publishedAt,
    days: schedule.days.map((day) => ({ date: day.date, queues: Object.keys(day.queues).length })),
    changed: outcome.changed.map((day) => ({ date: day.date, queues: day.queues.map((q) => q.queue) })),
    skipped: schedule.skipped,
    addedQueues: outcome.addedQueues,
    documentUpdatedAt: schedule.updatedAt,
  };
}

/* ---------- reading ---------- */

export interface QueueDayView {
  queue: string;
  name: string;
  /** False: nothing was ever published for this queue and day (periods are then empty). */
  published: boolean;
  version: number | null;
  publishedAt: Date | null;
  source: string | null;
  actor: string | null;
  periods: SchedulePeriod[];
  /** The 48 half hours from 00:00 Kyiv: "0" on, "1" off, "2" maybe; null when not published. */
  slots: string | null;
}

export interface DayView {
  date: string;
  /** 24, or 23 / 25 on the days the clocks change (slots stay by the wall clock). */
  hours: number;
  mode: ModeView;
  queues: QueueDayView[];
}

export async function getDay(prisma: PrismaClient, date: string): Promise<DayView> {
  checkDate(date, "params.date");
  const rows = await prisma.$queryRaw<
    {
      code: string;
      name: string;
      slots: string | null;
      version: number | null;
      publishedAt: Date | null;
      source: string | null;
      actor: string | null;
    }[]
  >`
    SELECT q.code, q.name, d.slots, d.publication_id AS version, p.published_at AS "publishedAt",
           p.source, p.actor
      FROM outage_queue q
      LEFT JOIN LATERAL (
        SELECT slots, publication_id FROM schedule_day
         WHERE queue = q.code AND date = ${date}::date
         ORDER BY publication_id DESC LIMIT 1) d ON true
      LEFT JOIN schedule_publication p ON p.id = d.publication_id
     ORDER BY q.sort, q.code`;
  return {
    date,
    hours: dayHours(date),
    mode: await getOutageMode(prisma),
    queues: rows.map((row) => ({
      queue: row.code,
      name: row.name,
      published: row.slots !== null,
      version: row.version,
      publishedAt: row.publishedAt,
      source: row.source,
      actor: row.actor,
      periods: row.slots === null ? [] : slotsToPeriods(decodeSlots(row.slots)),
      slots: row.slots,
    })),
  };
}

export interface DayVersion {
  version: number;
  publishedAt: Date;
  source: string;
  actor: string | null;
  /** When the source says it was updated (DTEK's fact.update); null for our own publications. */
  sourceUpdatedAt: Date | null;
  /** What this publication changed on the day, per queue, against the version before it. */
  queues: QueueDayChange[];
}

/** Every publication that changed this day, newest first, with what it changed. */
export async function listDayVersions(prisma: PrismaClient, date: string): Promise<DayVersion[]> {
  checkDate(date, "params.date");
  const rows = await prisma.$queryRaw<
    {
      queue: string;
      slots: string;
      version: number;
      publishedAt: Date;
      source: string;
      actor: string | null;
      sourceUpdatedAt: Date | null;
    }[]
  >`
    SELECT d.queue, d.slots, d.publication_id AS version, p.published_at AS "publishedAt", p.source, p.actor,
           p.source_updated_at AS "sourceUpdatedAt"
      FROM schedule_day d JOIN schedule_publication p ON p.id = d.publication_id
     WHERE d.date = ${date}::date
     ORDER BY d.publication_id, d.queue`;
  const previous: Record<string, SlotState[]> = {};
  const versions: DayVersion[] = [];
  for (const row of rows) {
    let version = versions.at(-1);
    if (version?.version !== row.version) {
      version = {
        version: row.version,
        publishedAt: row.publishedAt,
        source: row.source,
        actor: row.actor,
        sourceUpdatedAt: row.sourceUpdatedAt,
        queues: [],
      };
      versions.push(version);
    }
    const slots = decodeSlots(row.slots);
    version.queues.push(...diffDays({ [row.queue]: previous[row.queue] }, { [row.queue]: slots }));
    previous[row.queue] = slots;
  }
  return versions.reverse();
}

export interface PublicationChanges {
  version: number;
  publishedAt: Date;
  source: string;
  actor: string | null;
  /** Per date, what the publication changed against the version before it, per queue. */
  days: { date: string; queues: QueueDayChange[] }[];
}

/**
 * What one publication changed, every date and queue of it: what the notifications of a new or
 * changed schedule are planned from. Null when there is no such version.
 */
export async function publicationChanges(
  prisma: PrismaClient,
  version: number,
): Promise<PublicationChanges | null> {
  const publication = await prisma.schedulePublication.findUnique({ where: { id: version } });
  if (!publication) return null;
  const rows = await prisma.$queryRaw<
    { queue: string; date: string; slots: string; before: string | null }[]
  >`
    SELECT d.queue, d.date::text AS date, d.slots,
           (SELECT prev.slots FROM schedule_day prev
             WHERE prev.queue = d.queue AND prev.date = d.date AND prev.publication_id < d.publication_id
             ORDER BY prev.publication_id DESC LIMIT 1) AS before
      FROM schedule_day d
     WHERE d.publication_id = ${version}
     ORDER BY d.date, d.queue`;
  const days: PublicationChanges["days"] = [];
  for (const row of rows) {
    let day = days.at(-1);
    if (day?.date !== row.date) {
      day = { date: row.date, queues: [] };
      days.push(day);
    }
    day.queues.push(
      ...diffDays(
        { [row.queue]: row.before === null ? undefined : decodeSlots(row.before) },
        { [row.queue]: decodeSlots(row.slots) },
      ),
    );
  }
  return {
    version: publication.id,
    publishedAt: publication.publishedAt,
    source: publication.source,
    actor: publication.actor,
    days,
  };
}

/* ---------- mode ---------- */

export interface ModeView {
  mode: OutageMode;
  message: string | null;
  /** When it was set; null: never set (schedules apply). */
  since: Date | null;
  actor: string | null;
}

export async function getOutageMode(prisma: PrismaClient): Promise<ModeView> {
  const row = await prisma.outageModeChange.findFirst({ orderBy: { id: "desc" } });
  return row
    ? { mode: row.mode, message: row.message, since: row.changedAt, actor: row.actor }
    : { mode: "schedules", message: null, since: null, actor: null };
}

/** Sets the region-wide mode (each change is kept); the message is shown to customers with it. */
export async function setOutageMode(
  prisma: PrismaClient,
  input: { mode: OutageMode; message?: string | null | undefined },
  actor: string,
): Promise<ModeView> {
  const message = input.message?.trim() ? input.message.trim() : null;
  if (message !== null && message.length > 1000) {
    throw new InvalidChangeError("body.message", "must be at most 1000 characters");
  }
  const row = await prisma.outageModeChange.create({
    data: { mode: input.mode, message, actor: actor.slice(0, 64) },
  });
  return { mode: row.mode, message: row.message, since: row.changedAt, actor: row.actor };
}
