// Accounts: the billing system's CSV import (streamed into the shared importer) and one account's
// operator view.
import type { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { importAccountsCsv } from "../../../import/accounts-csv.js";
import { getAccountView } from "../../../operator/accounts.js";
import { accountNumberParams, accountView, errorResponse, importReport } from "../schemas.js";
import type { OperatorApiDeps } from "../deps.js";

/**
 * In this plugin's context a CSV body reaches the handler as the raw request stream: the importer
 * reads it row by row, so a file of 100,000 rows is never buffered (and the JSON body limit does not
 * apply). Other media types are answered 415 before the handler runs.
 */
export function acceptCsvStream(api: FastifyInstance): void {
  api.removeAllContentTypeParsers();
  api.addContentTypeParser(["text/csv", "application/csv"], (_request, payload, done) => {
    done(null, payload);
  });
}

export const CSV_IMPORT_URL = "/accounts/import";

export function accountRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    acceptCsvStream(api);

    api.post(
      CSV_IMPORT_URL,
      {
        schema: {
          summary: "Import accounts from the billing system (CSV, upsert by account number)",
          tags: ["accounts"],
          consumes: ["text/csv"],
          response: { 200: importReport, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => {
        const report = await importAccountsCsv(deps.sql, request.body as Readable);
        request.log.info({ imported: report.imported, rejected: report.rejectedTotal }, "accounts imported");
        return report;
      },
    );

    api.get(
      "/accounts/:number",
      {
        schema: {
          summary: "An account, the messenger users who manage it (phones masked) and its last readings",
          tags: ["accounts"],
          params: accountNumberParams,
          response: { 200: accountView, 400: errorResponse, 401: errorResponse, 404: errorResponse },
        },
      },
      async (request) => getAccountView(deps.prisma, request.params.number),
    );
  };
}
