// Housekeeping that keeps hot tables small: processed update ids are needed only while a platform may
// still redeliver (Viber retries for an hour, Telegram keeps updates for 24 h), so ids older than
// seven days are deleted. Kept customer photos (customer_photo) that nothing refers to are deleted
// after two days: a Viber picture is kept before the engine sees it, so one sent where no flow takes
// a photo, or whose update then failed, is left without a reading or order. Safe with many
// instances: the deletes are idempotent. Schedule pictures whose days are all past go too.
import { KEPT_PHOTO_REF_PREFIXES } from "../channels/customer-photos.js";
import { addDays, kyivIsoDate } from "../schedules/kyiv-day.js";
import type { Logger } from "../logger.js";
import type { PrismaClient } from "./client.js";

export const PROCESSED_UPDATE_RETENTION_DAYS = 7;
/**
 * A kept photo nothing refers to is deleted once it is this old. Its reference is saved with a
 * reading or order, or held in a half-finished journey's state, within the update it arrived in;
 * the state is checked too, so the margin only covers updates still running.
 */
export const UNREFERENCED_PHOTO_RETENTION_DAYS = 2;
/** The photo sweep reads every reference (three table scans): once a day is enough. */
const PHOTO_SWEEP_EVERY_MS = 86_400_000;

export async function pruneProcessedUpdates(prisma: PrismaClient, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - PROCESSED_UPDATE_RETENTION_DAYS * 86_400_000);
  return prisma.$executeRaw`DELETE FROM processed_update WHERE processed_at < ${cutoff}`;
}

/** A kept photo's reference, capturing its id (`web-photo:<uuid>`, `viber-photo:<uuid>`). */
const KEPT_REF_PATTERN = `^(?:${Object.values(KEPT_PHOTO_REF_PREFIXES)
  .map((prefix) => prefix.replace(/[^a-z-]/g, ""))
  .join("|")}):([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$`;

/**
 * Deletes kept photos older than the retention that no reading, service order, conversation state
 * or message to a person (handoff_message) refers to. Referenced photos are kept as long as their record.
 */
export async function pruneUnreferencedPhotos(prisma: PrismaClient, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - UNREFERENCED_PHOTO_RETENTION_DAYS * 86_400_000);
  return prisma.$executeRaw`
    WITH referenced AS (
      SELECT substring(photo_ref FROM ${KEPT_REF_PATTERN})::uuid AS id
        FROM meter_reading WHERE photo_ref ~ ${KEPT_REF_PATTERN}
      UNION
      SELECT substring(photo_ref FROM ${KEPT_REF_PATTERN})::uuid
        FROM service_order WHERE photo_ref ~ ${KEPT_REF_PATTERN}
      UNION
      SELECT substring(state -> 'step' ->> 'photoRef' FROM ${KEPT_REF_PATTERN})::uuid
        FROM messenger_user WHERE state -> 'step' ->> 'photoRef' ~ ${KEPT_REF_PATTERN}
      UNION
      SELECT substring(photo_ref FROM ${KEPT_REF_PATTERN})::uuid
        FROM handoff_message WHERE photo_ref ~ ${KEPT_REF_PATTERN}
    )
    DELETE FROM customer_photo p
     WHERE p.created_at < ${cutoff}
       AND NOT EXISTS (SELECT 1 FROM referenced r WHERE r.id = p.id)`;
}

/** Console sessions that ended a day ago and sign-in attempts older than a day (the limit looks back 15 minutes). */
export async function pruneConsoleSessions(prisma: PrismaClient, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - 86_400_000);
  const sessions = await prisma.$executeRaw`DELETE FROM operator_session WHERE expires_at < ${cutoff}`;
  const attempts = await prisma.$executeRaw`DELETE FROM sign_in_attempt WHERE created_at < ${cutoff}`;
  return sessions + attempts;
}

/** A schedule picture is deleted once every day it shows ended this many days ago. */
export const SCHEDULE_PICTURE_RETENTION_DAYS = 2;

/**
 * Deletes schedule pictures (schedule_picture, ~25 KB each) whose days are all past: nobody is shown
 * a picture of a day before yesterday, and one that is asked for again is simply drawn again.
 */
export async function pruneSchedulePictures(prisma: PrismaClient, now = new Date()): Promise<number> {
  const cutoff = addDays(kyivIsoDate(now), -SCHEDULE_PICTURE_RETENTION_DAYS + 1);
  return prisma.$executeRaw`
    DELETE FROM schedule_picture p
     WHERE NOT EXISTS (
       SELECT 1 FROM jsonb_array_elements(p.days) AS d(day) WHERE (d.day ->> 'date') >= ${cutoff})`;
}

export function startRetention(prisma: PrismaClient, logger: Logger, everyMs = 3_600_000): { stop(): void } {
  let lastPhotoSweep = 0;
  const run = () => {
    pruneProcessedUpdates(prisma).then(
      (deleted) => {
        if (deleted > 0) logger.info({ deleted }, "pruned processed update ids");
      },
      (error: unknown) => logger.warn({ err: error }, "pruning processed update ids failed"),
    );
    pruneConsoleSessions(prisma).then(
      (deleted) => {
        if (deleted > 0) logger.info({ deleted }, "pruned ended console sessions and old sign-in attempts");
      },
      (error: unknown) => logger.warn({ err: error }, "pruning console sessions failed"),
    );
    pruneSchedulePictures(prisma).then(
      (deleted) => {
        if (deleted > 0) logger.info({ deleted }, "pruned schedule pictures of past days");
      },
      (error: unknown) => logger.warn({ err: error }, "pruning schedule pictures failed"),
    );
    if (Date.now() - lastPhotoSweep < PHOTO_SWEEP_EVERY_MS) return;
    lastPhotoSweep = Date.now();
    pruneUnreferencedPhotos(prisma).then(
      (deleted) => {
        if (deleted > 0) logger.info({ deleted }, "pruned customer photos nothing refers to");
      },
      (error: unknown) => {
        lastPhotoSweep = 0; // try again at the next run
        logger.warn({ err: error }, "pruning unreferenced customer photos failed");
      },
    );
  };
  const first = setTimeout(run, 60_000);
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();
  return {
    stop() {
      clearTimeout(first);
      clearInterval(timer);
    },
  };
}
