// The operator API as one fastify plugin: /api/v1 behind bearer tokens, and its OpenAPI document
// (/api/docs/json) with a browsable page (/api/docs). Register it on the server without a prefix;
// it is encapsulated, so its zod compilers, error handler and auth hook touch no other route.
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { Counter, type Registry } from "prom-client";
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from "fastify-type-provider-zod";
import type { PrismaClient } from "../../generated/prisma/client.js";
import { billingPeriodAt } from "../../engine/reading-window.js";
import { OPERATOR_API_PREFIX } from "../../operator/api-paths.js";
import type { OperatorNotifier } from "../../operator/notify.js";
import type { PhotoSources } from "../../operator/photos.js";
import type { BulkSql } from "../../operator/readings-export.js";
import { operatorAuthHook } from "./auth.js";
import type { OperatorApiDeps } from "./deps.js";
import { operatorErrorHandler } from "./errors.js";
import { CSV_IMPORT_URL, accountRoutes } from "./routes/accounts.js";
import { fanoutRoutes } from "./routes/fanouts.js";
import { knownOutageRoutes } from "./routes/known-outages.js";
import { outageReportRoutes } from "./routes/outage-reports.js";
import { photoRoutes } from "./routes/photos.js";
import { readingReviewRoutes } from "./routes/reading-reviews.js";
import { readingRoutes } from "./routes/readings.js";
import { serviceOrderRoutes } from "./routes/service-orders.js";
import { ADDRESS_IMPORT_URL, scheduleRoutes } from "./routes/schedules.js";
import { statsRoutes } from "./routes/stats.js";
import { operatorSchemas } from "./schemas.js";

export { OPERATOR_API_PREFIX };
export const OPERATOR_DOCS_PREFIX = "/api/docs";

export interface OperatorApiOptions {
  prisma: PrismaClient;
  /** The plain pg pool for bulk work (createSqlPool): the CSV import and the readings export. */
  sql: BulkSql;
  /**
   * The outbound queue's Notifier. With notifyInTransaction (the queue's transactional enqueue),
   * notifications are created in the same transaction as the change; without, right after commit.
   */
  notifier: OperatorNotifier;
  /** OPERATOR_API_TOKEN: accepted besides the tokens in operator_token (bootstrap). */
  bootstrapToken?: string;
  /** The time source (tests pin it). */
  now?: () => Date;
  /** The billing period /stats reports when none is asked for; defaults to the one a reading taken now counts for. */
  currentPeriod?: (now: Date) => string;
  /**
   * Telegram's and Viber's file hosts for customers' photos; a platform left out is not configured
   * (its photos answer 409). Web chat photos come from the database.
   */
  photoSources?: PhotoSources;
  /** Where the operator API's counters go (schedule publications); none: not counted. */
  metrics?: Registry;
}

/** The CSV imports' bodies (raw streams, no zod body schema: validating would buffer them), by URL. */
const CSV_BODIES: Record<string, string> = {
  [`${OPERATOR_API_PREFIX}${CSV_IMPORT_URL}`]:
    "account_number,eic,holder_name,phones,settlement,street,building,apartment,area_code," +
    "meter_serial,meter_digits,zones,last_reading_date,last_reading_t1,last_reading_t2,last_reading_t3" +
    "[,outage_queue,avg_daily_kwh]",
  [`${OPERATOR_API_PREFIX}${ADDRESS_IMPORT_URL}`]: "settlement,street,building,outage_queue",
};

export function operatorApi(options: OperatorApiOptions): FastifyPluginAsync {
  const publications = options.metrics
    ? new Counter({
        name: "schedule_publications_total",
        help: "Outage schedule publications that made a new version, by source (api, dtek)",
        labelNames: ["source"] as const,
        registers: [options.metrics],
      })
    : undefined;
  const deps: OperatorApiDeps = {
    prisma: options.prisma,
    sql: options.sql,
    notifier: options.notifier,
    now: options.now ?? (() => new Date()),
    currentPeriod: options.currentPeriod ?? ((now) => billingPeriodAt(now).period),
    photoSources: options.photoSources ?? {},
    countPublication: (source) => publications?.inc({ source }),
  };
  const docsRoutes = ["", "/", "/json", "/yaml", "/static/*", "/uiConfig", "/initOAuth"].map(
    (suffix) => `${OPERATOR_DOCS_PREFIX}${suffix}`,
  );
  const transformRoute = createJsonSchemaTransform({ skipList: docsRoutes, schemaRegistry: operatorSchemas });

  return async function operatorApiPlugin(app: FastifyInstance): Promise<void> {
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);

    await app.register(fastifySwagger, {
      openapi: {
        openapi: "3.1.0",
        info: {
          title: "Operator API",
          description:
            "Account import, readings export, the review of flagged readings, outage reports, known outages, " +
            "service orders, the photos customers attach to readings and orders, and outage schedules by " +
            "queue (our JSON or DTEK's document, versions, the region-wide mode, the address directory). " +
            "Every change a customer should know about is sent to them in their messenger.",
          version: "1.0.0",
        },
        components: { securitySchemes: { bearerAuth: { type: "http", scheme: "bearer" } } },
        security: [{ bearerAuth: [] }],
      },
      transform: (document) => {
        const transformed = transformRoute(document);
        // The import body is a raw CSV stream (no zod body schema: validating would buffer it), so its
        // request body is described here.
        const csvHeader = CSV_BODIES[document.url];
        if (csvHeader && transformed.schema) {
          (transformed.schema as Record<string, unknown>).body = {
            content: { "text/csv": { schema: { type: "string", description: `Header ${csvHeader}` } } },
          };
        }
        return transformed;
      },
      transformObject: createJsonSchemaTransformObject({ schemaRegistry: operatorSchemas }),
    });
    await app.register(fastifySwaggerUi, { routePrefix: OPERATOR_DOCS_PREFIX });

    await app.register(
      async (api) => {
        api.addHook("onRequest", operatorAuthHook(deps.prisma, options.bootstrapToken));
        api.setErrorHandler(operatorErrorHandler);
        api.setNotFoundHandler(async (_request, reply) =>
          reply.code(404).send({ error: "not_found", message: "No such operator API route" }),
        );
        await api.register(accountRoutes(deps));
        await api.register(readingRoutes(deps));
        await api.register(readingReviewRoutes(deps));
        await api.register(outageReportRoutes(deps));
        await api.register(knownOutageRoutes(deps));
        await api.register(serviceOrderRoutes(deps));
        await api.register(photoRoutes(deps));
        await api.register(statsRoutes(deps));
        await api.register(fanoutRoutes(deps));
        await api.register(scheduleRoutes(deps));
      },
      { prefix: OPERATOR_API_PREFIX },
    );
  };
}
