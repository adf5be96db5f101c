// Known (planned / emergency) outages per area, published by dispatchers. Resolving one, or moving
// its expected end, tells the customers who asked to be notified.
import { recordAudit } from "../../../operator/audit.js";
import { actorOf } from "../auth.js";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import {
  createKnownOutage,
  getKnownOutage,
  listKnownOutages,
  updateKnownOutage,
} from "../../../operator/known-outages.js";
import {
  errorResponse,
  idParams,
  knownOutageCreate,
  knownOutagePatch,
  knownOutageView,
  knownOutagesQuery,
} from "../schemas.js";
import type { OperatorApiDeps } from "../deps.js";

export function knownOutageRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    api.post(
      "/outages",
      {
        schema: {
          summary: "Publish a planned or emergency outage for one or more areas",
          tags: ["outages"],
          body: knownOutageCreate,
          response: { 201: knownOutageView, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request, reply) => {
        const outage = await createKnownOutage(deps.prisma, request.body);
        request.log.info(
          { outageId: outage.id, kind: outage.kind, areas: outage.areaCodes.length },
          "known outage published",
        );
        await recordAudit(deps.prisma, actorOf(request), {
          action: "known_outage.create",
          entity: "known_outage",
          entityId: outage.id,
          details: request.body,
        });
        return reply.code(201).send(outage);
      },
    );

    api.get(
      "/outages",
      {
        schema: {
          summary: "Known outages, oldest first; active=true for unresolved ones",
          tags: ["outages"],
          querystring: knownOutagesQuery,
          response: {
            200: z.object({ items: z.array(knownOutageView) }),
            400: errorResponse,
            401: errorResponse,
          },
        },
      },
      async (request) => ({ items: await listKnownOutages(deps.prisma, request.query) }),
    );

    api.get(
      "/outages/:id",
      {
        schema: {
          summary: "One known outage",
          tags: ["outages"],
          params: idParams,
          response: { 200: knownOutageView, 400: errorResponse, 401: errorResponse, 404: errorResponse },
        },
      },
      async (request) => getKnownOutage(deps.prisma, request.params.id),
    );

    api.patch(
      "/outages/:id",
      {
        schema: {
          summary: "Change an outage or resolve it (resolved: true); watchers are told",
          tags: ["outages"],
          params: idParams,
          body: knownOutagePatch,
          response: { 200: knownOutageView, 400: errorResponse, 401: errorResponse, 404: errorResponse },
        },
      },
      async (request) => {
        const outage = await updateKnownOutage(
          deps.prisma,
          deps.notifier,
          request.params.id,
          request.body,
          deps.now(),
        );
        request.log.info(
          { outageId: outage.id, fields: Object.keys(request.body), resolved: outage.resolvedAt !== null },
          "known outage changed",
        );
        await recordAudit(deps.prisma, actorOf(request), {
          action: request.body.resolved ? "known_outage.resolve" : "known_outage.update",
          entity: "known_outage",
          entityId: outage.id,
          details: request.body,
        });
        return outage;
      },
    );
  };
}
