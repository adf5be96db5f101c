// Fan-outs (bulk notifications, src/jobs/fanout.ts): their progress, read-only. Queued, sent and
// failed counts, the recent rate and the ETA, per fan-out key.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { fanoutProgress } from "../../../jobs/fanout-store.js";
import { NotFoundError } from "../../../operator/errors.js";
import type { OperatorApiDeps } from "../deps.js";
import { errorResponse, operatorSchemas } from "../schemas.js";

const fanoutView = z
  .object({
    key: z.string(),
    priority: z.enum(["urgent", "bulk"]),
    paid: z.boolean().describe("sent as Telegram paid broadcasts while the daily budget lasts"),
    total: z.number().int().describe("messages created (active recipients)"),
    queued: z.number().int(),
    sending: z.number().int(),
    sent: z.number().int(),
    failed: z.number().int().describe("dead or uncertain (not delivered, or not known to be)"),
    dropped: z.number().int().describe("the user had blocked the bot or unsubscribed"),
    skipped: z.number().int().describe("skipped by policy (Viber outside the free 24 h window)"),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
    sentPerSecond: z.number().describe("messages sent in the last 30 s, per second"),
    etaSeconds: z.number().int().nullable().describe("0 when finished; null when nothing was sent lately"),
  })
  .register(operatorSchemas, { id: "OperatorFanout" });

export function fanoutRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    api.get(
      "/fanouts",
      {
        schema: {
          summary: "Fan-outs (bulk notifications), newest first, with their progress",
          tags: ["fanouts"],
          querystring: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }),
          response: { 200: z.object({ items: z.array(fanoutView) }), 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => ({ items: await fanoutProgress(deps.prisma, { limit: request.query.limit }) }),
    );

    api.get(
      "/fanouts/:key",
      {
        schema: {
          summary: "One fan-out's progress: queued, sent, failed, rate and ETA",
          tags: ["fanouts"],
          params: z.object({ key: z.string().min(1).max(200) }),
          response: { 200: fanoutView, 401: errorResponse, 404: errorResponse },
        },
      },
      async (request) => {
        const [progress] = await fanoutProgress(deps.prisma, { key: request.params.key });
        if (!progress) throw new NotFoundError("fan-out", request.params.key);
        return progress;
      },
    );
  };
}
