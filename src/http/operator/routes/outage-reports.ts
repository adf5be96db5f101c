// Customers' outage reports: the operators' queue and status changes that reach the reporter.
import { recordAudit } from "../../../operator/audit.js";
import { actorOf } from "../auth.js";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listOutageReports, updateOutageReport } from "../../../operator/outage-reports.js";
import {
  errorResponse,
  idParams,
  outageReportPatch,
  outageReportView,
  outageReportsQuery,
} from "../schemas.js";
import type { OperatorApiDeps } from "../deps.js";

export function outageReportRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    api.get(
      "/outage-reports",
      {
        schema: {
          summary: "Outage reports, oldest first, filtered by status and area",
          tags: ["outage reports"],
          querystring: outageReportsQuery,
          response: {
            200: z.object({ items: z.array(outageReportView) }),
            400: errorResponse,
            401: errorResponse,
          },
        },
      },
      async (request) => ({ items: await listOutageReports(deps.prisma, request.query) }),
    );

    api.patch(
      "/outage-reports/:id",
      {
        schema: {
          summary: "Change a report's status, expected restoration time or comment; the reporter is told",
          tags: ["outage reports"],
          params: idParams,
          body: outageReportPatch,
          response: { 200: outageReportView, 400: errorResponse, 401: errorResponse, 404: errorResponse },
        },
      },
      async (request) => {
        const report = await updateOutageReport(deps.prisma, deps.notifier, request.params.id, request.body);
        // Audit: which fields an operator changed (values may hold personal data, so only names).
        request.log.info(
          { reportId: report.id, fields: Object.keys(request.body), status: report.status },
          "outage report changed",
        );
        await recordAudit(deps.prisma, actorOf(request), {
          action: "outage_report.update",
          entity: "outage_report",
          entityId: report.id,
          details: request.body,
        });
        return report;
      },
    );
  };
}
