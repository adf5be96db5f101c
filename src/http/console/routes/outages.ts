// Known outages for dispatchers: publish one for some areas, move its expected end, resolve it. The
// customers who asked to be told are told, as through PATCH /api/v1/outages/{id}.
import type { FastifyPluginAsync } from "fastify";
import { recordAudit } from "../../../operator/audit.js";
import { InvalidChangeError } from "../../../operator/errors.js";
import { listAreas } from "../../../operator/inbox.js";
import {
  createKnownOutage,
  listKnownOutages,
  updateKnownOutage,
  type KnownOutageChange,
} from "../../../operator/known-outages.js";
import { body, kyivTime, oneOf, parseId, text } from "../forms.js";
import { mayOpen } from "../nav.js";
import { userOf, type ConsoleDeps } from "../context.js";
import { renderPage } from "../render.js";
import { forbidden, requireAction } from "./inbox.js";

export function outageRoutes(deps: ConsoleDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/outages", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "outages")) throw forbidden();
      const query = request.query as Record<string, unknown>;
      const showResolved = query.resolved === "1";
      const [active, resolved, areas] = await Promise.all([
        listKnownOutages(deps.prisma, { active: true, limit: 200 }),
        showResolved ? listKnownOutages(deps.prisma, { active: false, limit: 200 }) : Promise.resolve([]),
        listAreas(deps.prisma),
      ]);
      return renderPage(
        reply,
        "outages",
        { active, resolved: resolved.reverse(), showResolved, areas, now: deps.now() },
        {
          identity,
          language: identity.language,
          current: "outages",
          title: "outages",
        },
      );
    });

    app.post("/outages", async (request, reply) => {
      requireAction(request, "publishOutages");
      const form = body(request);
      const rawAreas = Array.isArray(form.areaCodes) ? form.areaCodes : [form.areaCodes];
      const areaCodes = rawAreas
        .flatMap((a) => (typeof a === "string" ? a.split(/[\s,]+/) : []))
        .map((a) => a.trim())
        .filter((a) => /^[\w.-]{1,32}$/.test(a));
      if (areaCodes.length === 0) throw new InvalidChangeError("areaCodes", "at least one area");
      const kind = oneOf("kind", form.kind, ["planned", "emergency"] as const) ?? "emergency";
      const startsAt = kyivTime("startsAt", form.startsAt) ?? deps.now();
      const expectedEndAt = kyivTime("expectedEndAt", form.expectedEndAt);
      const note = text(form, "note", 2000) ?? null;
      const outage = await createKnownOutage(deps.prisma, { areaCodes, kind, startsAt, expectedEndAt, note });
      await recordAudit(
        deps.prisma,
        { kind: "user", login: userOf(request).login },
        {
          action: "known_outage.create",
          entity: "known_outage",
          entityId: outage.id,
          details: { areaCodes, kind, startsAt, expectedEndAt, note },
        },
      );
      return reply.redirect("/console/outages?done=published", 303);
    });

    app.post("/outages/:id", async (request, reply) => {
      requireAction(request, "publishOutages");
      const id = parseId(request.params);
      const form = body(request);
      const change: KnownOutageChange = {};
      if (form.resolve === "1") change.resolved = true;
      if (form.expectedEndAt !== undefined)
        change.expectedEndAt = kyivTime("expectedEndAt", form.expectedEndAt);
      const note = text(form, "note", 2000);
      if (note !== undefined) change.note = note;
      await updateKnownOutage(deps.prisma, deps.notifier, id, change, deps.now());
      await recordAudit(
        deps.prisma,
        { kind: "user", login: userOf(request).login },
        {
          action: change.resolved ? "known_outage.resolve" : "known_outage.update",
          entity: "known_outage",
          entityId: id,
          details: { ...change },
        },
      );
      return reply.redirect(`/console/outages?done=${change.resolved ? "resolved" : "saved"}`, 303);
    });
  };
}
