// Readings flagged for review (far above the forecast): the billing queue, and the decision that
// the customer is told of (accepted, or rejected with the reason and a button to submit again).
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { recordAudit } from "../../../operator/audit.js";
import { decodeCursor, encodeCursor } from "../../../operator/paging.js";
import { listFlaggedReadings, reviewReading } from "../../../operator/reading-reviews.js";
import { actorOf } from "../auth.js";
import {
  errorResponse,
  flaggedReadingsPage,
  flaggedReadingsQuery,
  idParams,
  readingReviewBody,
  reviewedReadingView,
} from "../schemas.js";
import type { OperatorApiDeps } from "../deps.js";

export function readingReviewRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    api.get(
      "/readings/flagged",
      {
        schema: {
          summary: "Readings waiting for review, oldest first, with the last accepted reading to compare",
          tags: ["readings"],
          querystring: flaggedReadingsQuery,
          response: { 200: flaggedReadingsPage, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => {
        const { limit } = request.query;
        const after = decodeCursor(request.query.after);
        const rows = await listFlaggedReadings(deps.prisma, {
          limit: limit + 1,
          ...(after ? { after } : {}),
        });
        const items = rows.slice(0, limit);
        const last = items[items.length - 1];
        return { items, next: rows.length > limit && last ? encodeCursor(last) : null };
      },
    );

    api.post(
      "/readings/:id/review",
      {
        schema: {
          summary: "Accept a flagged reading, or reject it with a reason; the customer is told either way",
          tags: ["readings"],
          params: idParams,
          body: readingReviewBody,
          response: {
            200: reviewedReadingView,
            400: errorResponse,
            401: errorResponse,
            404: errorResponse,
            409: errorResponse,
          },
        },
      },
      async (request) => {
        const reviewed = await reviewReading(
          deps.prisma,
          deps.notifier,
          request.params.id,
          request.body,
          deps.now(),
        );
        await recordAudit(deps.prisma, actorOf(request), {
          action: `reading.${request.body.decision === "accepted" ? "accept" : "reject"}`,
          entity: "meter_reading",
          entityId: reviewed.id,
          details: request.body.reason ? { reason: request.body.reason } : {},
        });
        return reviewed;
      },
    );
  };
}
