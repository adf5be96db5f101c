// Readings the engine flagged for review (far above the forecast, usually with a meter photo):
// billing staff accept them (they count as submitted) or reject them with a reason (they stop
// counting: status superseded, review_decision rejected) and the customer is told either way, in
// their language, through the outbound queue. A reading already decided or superseded by a newer
// submission is a conflict, so two reviewers cannot both decide it.
import { Prisma, type PrismaClient } from "../generated/prisma/client.js";
import { readingPhotoPath } from "./api-paths.js";
import { ConflictError, InvalidChangeError, NotFoundError } from "./errors.js";
import { accountLabelFor } from "./labels.js";
import { changeAndNotify, type NotificationItem, type OperatorNotifier } from "./notify.js";

export interface FlaggedReadingView {
  id: number;
  accountNumber: string;
  areaCode: string;
  period: string;
  t1: number;
  t2: number | null;
  t3: number | null;
  takenAt: Date;
  source: string;
  flagReason: string | null;
  /** The counted reading before this one (the comparison an operator needs). */
  previous: { period: string; t1: number; t2: number | null; t3: number | null; takenAt: Date } | null;
  photoUrl: string | null;
  createdAt: Date;
}

export interface ReviewedReadingView {
  id: number;
  status: "accepted" | "flagged" | "superseded";
  reviewDecision: "accepted" | "rejected" | null;
  reviewReason: string | null;
  reviewedAt: Date | null;
}

interface FlaggedRow {
  id: number;
  account_number: string;
  area_code: string;
  account_id: number;
  period: string;
  t1: number;
  t2: number | null;
  t3: number | null;
  taken_at: Date;
  source: string;
  flag_reason: string | null;
  photo_ref: string | null;
  created_at: Date;
  prev_period: string | null;
  prev_t1: number | null;
  prev_t2: number | null;
  prev_t3: number | null;
  prev_taken_at: Date | null;
}

function toView(row: FlaggedRow): FlaggedReadingView {
  return {
    id: row.id,
    accountNumber: row.account_number,
    areaCode: row.area_code,
    period: row.period,
    t1: row.t1,
    t2: row.t2,
    t3: row.t3,
    takenAt: row.taken_at,
    source: row.source,
    flagReason: row.flag_reason,
    previous:
      row.prev_period !== null && row.prev_t1 !== null && row.prev_taken_at !== null
        ? {
            period: row.prev_period,
            t1: row.prev_t1,
            t2: row.prev_t2,
            t3: row.prev_t3,
            takenAt: row.prev_taken_at,
          }
        : null,
    photoUrl: row.photo_ref === null ? null : readingPhotoPath(row.id),
    createdAt: row.created_at,
  };
}

/** Oldest first, keyset-paged on (created_at, id) over the meter_reading(status, created_at) index. */
export async function listFlaggedReadings(
  prisma: PrismaClient,
  filter: { after?: { createdAt: Date; id: number }; limit: number; id?: number },
): Promise<FlaggedReadingView[]> {
  const afterAt = filter.after?.createdAt ?? new Date(0);
  const afterId = filter.after?.id ?? 0;
  const rows = await prisma.$queryRaw<FlaggedRow[]>`
    SELECT r.id, a.number AS account_number, a.area_code, r.account_id, r.period, r.t1, r.t2, r.t3,
           r.taken_at, r.source::text AS source, r.flag_reason, r.photo_ref, r.created_at,
           p.period AS prev_period, p.t1 AS prev_t1, p.t2 AS prev_t2, p.t3 AS prev_t3, p.taken_at AS prev_taken_at
    FROM meter_reading r
    JOIN account a ON a.id = r.account_id
    LEFT JOIN LATERAL (
      SELECT period, t1, t2, t3, taken_at FROM meter_reading q
      WHERE q.account_id = r.account_id AND q.taken_at < r.taken_at AND q.status = 'accepted'
      ORDER BY q.taken_at DESC, q.id DESC LIMIT 1
    ) p ON true
    WHERE r.status = 'flagged'
      AND (r.created_at, r.id) > (${afterAt}, ${afterId})
      ${filter.id !== undefined ? Prisma.sql`AND r.id = ${filter.id}` : Prisma.empty}
    ORDER BY r.created_at, r.id
    LIMIT ${filter.limit}`;
  return rows.map(toView);
}

export async function countFlaggedReadings(prisma: PrismaClient): Promise<number> {
  return prisma.meterReading.count({ where: { status: "flagged" } });
}

/** One flagged reading as the review page shows it; NotFound when it is not waiting for review. */
export async function getFlaggedReading(prisma: PrismaClient, id: number): Promise<FlaggedReadingView> {
  const [row] = await listFlaggedReadings(prisma, { id, limit: 1 });
  if (!row) throw new NotFoundError("flagged reading", id);
  return row;
}

export interface ReadingReview {
  decision: "accepted" | "rejected";
  /** Required to reject: the customer reads it. */
  reason?: string;
  /** The console user deciding (null for an API token). */
  reviewerId?: number | null;
}

export async function reviewReading(
  prisma: PrismaClient,
  notifier: OperatorNotifier,
  id: number,
  review: ReadingReview,
  now: Date = new Date(),
): Promise<ReviewedReadingView> {
  const reason = review.reason?.trim() || undefined;
  if (review.decision === "rejected" && !reason) {
    throw new InvalidChangeError("body.reason", "a rejection needs a reason the customer is told");
  }
  return changeAndNotify(prisma, notifier, async (tx) => {
    const locked = await tx.$queryRaw<
      { id: number; status: string; user_id: number | null; account_id: number; period: string }[]
    >`SELECT id, status::text AS status, user_id, account_id, period FROM meter_reading WHERE id = ${id} FOR UPDATE`;
    const row = locked[0];
    if (!row) throw new NotFoundError("meter reading", id);
    if (row.status !== "flagged") throw new ConflictError(`meter reading ${id} is not waiting for review`);
    const after = await tx.meterReading.update({
      where: { id },
      data: {
        status: review.decision === "accepted" ? "accepted" : "superseded",
        reviewDecision: review.decision,
        reviewReason: reason ?? null,
        reviewedAt: now,
        reviewedBy: review.reviewerId ?? null,
      },
      select: { id: true, status: true, reviewDecision: true, reviewReason: true, reviewedAt: true },
    });
    const notifications: NotificationItem[] = [];
    if (row.user_id !== null) {
      notifications.push({
        userId: row.user_id,
        notification: {
          kind: "reading_review",
          accountLabel: await accountLabelFor(tx, row.user_id, row.account_id),
          accountId: row.account_id,
          readingId: id,
          period: row.period.trim(),
          decision: review.decision,
          ...(reason ? { reason } : {}),
        },
      });
    }
    return { result: after, notifications };
  });
}
