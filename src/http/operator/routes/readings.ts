// Readings for billing: the counted reading per account for a period, streamed as CSV or JSON.
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { openReadingsExport } from "../../../operator/readings-export.js";
import { errorResponse, exportedReading, readingsQuery } from "../schemas.js";
import type { OperatorApiDeps } from "../deps.js";

export function readingRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    api.get(
      "/readings",
      {
        schema: {
          summary: "The reading that counts per account for a period (newest non-superseded), streamed",
          tags: ["readings"],
          querystring: readingsQuery,
          produces: ["application/json", "text/csv"],
          response: {
            200: {
              description: "One entry per account that submitted a reading for the period",
              content: {
                "application/json": { schema: z.array(exportedReading) },
                "text/csv": {
                  schema: z
                    .string()
                    .describe(
                      "Header account_number,period,t1,t2,t3,submitted_at,source,status,flag_reason,in_window; CRLF lines",
                    ),
                },
              },
            },
            400: errorResponse,
            401: errorResponse,
          },
        },
      },
      async (request, reply) => {
        const { period, format } = request.query;
        const stream = await openReadingsExport(deps.sql, period, format);
        if (format === "csv") {
          reply
            .type("text/csv; charset=utf-8")
            .header("content-disposition", `attachment; filename="readings-${period}.csv"`);
        } else {
          reply.type("application/json; charset=utf-8");
        }
        // A stream bypasses the serializer (the typed reply only knows the documented body shapes):
        // the rows are written as the database yields them.
        const untyped: FastifyReply = reply;
        return untyped.send(stream);
      },
    );
  };
}
