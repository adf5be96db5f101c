// The operators' dashboard numbers.
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { operatorStats } from "../../../operator/stats.js";
import { errorResponse, statsQuery, statsView } from "../schemas.js";
import type { OperatorApiDeps } from "../deps.js";

export function statsRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    api.get(
      "/stats",
      {
        schema: {
          summary: "Users per channel, verified accounts, the period's submission rate, open work",
          tags: ["stats"],
          querystring: statsQuery,
          response: { 200: statsView, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => operatorStats(deps.prisma, request.query.period ?? deps.currentPeriod(deps.now())),
    );
  };
}
