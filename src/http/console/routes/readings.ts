// Readings flagged for review, for billing staff: the queue (oldest first, paged), one reading with
// the previous accepted one and the meter photo, and accept / reject-with-reason, which the customer
// is told (src/operator/reading-reviews.ts, as POST /api/v1/readings/{id}/review).
import type { FastifyPluginAsync } from "fastify";
import { recordAudit } from "../../../operator/audit.js";
import { decodeCursor, encodeCursor } from "../../../operator/paging.js";
import { readingPhoto } from "../../../operator/photos.js";
import {
  countFlaggedReadings,
  getFlaggedReading,
  listFlaggedReadings,
  reviewReading,
} from "../../../operator/reading-reviews.js";
import { body, oneOf, parseId, text } from "../forms.js";
import { mayOpen } from "../nav.js";
import { userOf, type ConsoleDeps } from "../context.js";
import { renderPage } from "../render.js";
import { forbidden, requireAction } from "./inbox.js";
import { sendPhoto } from "./photos.js";

const PAGE_SIZE = 50;

export function readingRoutes(deps: ConsoleDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/readings", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "readings")) throw forbidden();
      const query = request.query as Record<string, unknown>;
      const after = decodeCursor(typeof query.after === "string" ? query.after : undefined);
      const [rows, total] = await Promise.all([
        listFlaggedReadings(deps.prisma, { limit: PAGE_SIZE + 1, ...(after ? { after } : {}) }),
        countFlaggedReadings(deps.prisma),
      ]);
      const items = rows.slice(0, PAGE_SIZE);
      const last = items[items.length - 1];
      return renderPage(
        reply,
        "readings",
        { items, total, next: rows.length > PAGE_SIZE && last ? encodeCursor(last) : null, now: deps.now() },
        {
          identity,
          language: identity.language,
          current: "readings",
          title: "readings",
        },
      );
    });

    app.get("/readings/:id", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "readings")) throw forbidden();
      const reading = await getFlaggedReading(deps.prisma, parseId(request.params));
      return renderPage(
        reply,
        "reading",
        { reading },
        { identity, language: identity.language, current: "readings", title: `№ ${reading.id}` },
      );
    });

    app.post("/readings/:id/review", async (request, reply) => {
      requireAction(request, "reviewReadings");
      const id = parseId(request.params);
      const form = body(request);
      const decision = oneOf("decision", form.decision, ["accepted", "rejected"] as const);
      if (!decision) throw Object.assign(new Error("decision"), { statusCode: 400 });
      const reason = text(form, "reason", 500);
      await reviewReading(
        deps.prisma,
        deps.notifier,
        id,
        { decision, ...(reason ? { reason } : {}), reviewerId: userOf(request).userId },
        deps.now(),
      );
      await recordAudit(
        deps.prisma,
        { kind: "user", login: userOf(request).login },
        {
          action: decision === "accepted" ? "reading.accept" : "reading.reject",
          entity: "meter_reading",
          entityId: id,
          details: reason ? { reason } : {},
        },
      );
      return reply.redirect(`/console/readings?done=${decision}`, 303);
    });

    // The meter photo of any reading: billing reviews it, everyone who looks up an account sees it.
    app.get("/readings/:id/photo", async (request, reply) => {
      const id = parseId(request.params);
      if (!mayOpen(userOf(request).role, "accounts")) throw forbidden();
      const photo = await readingPhoto(deps.prisma, deps.photoSources, id);
      request.log.info({ readingId: id }, "reading photo viewed");
      return sendPhoto(reply, photo);
    });
  };
}
