// buildServer(deps) assembles the HTTP application and never listens: main.ts listens, tests use
// inject(). Health, readiness and metrics live here; channels and the operator API register
// themselves through `plugins`.
import { randomUUID } from "node:crypto";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyPluginAsync,
} from "fastify";
import type { Logger } from "../logger.js";
import type { Metrics } from "./metrics.js";

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, "ok" | string>;
}

export interface ServerDeps {
  logger: Logger;
  metrics: Metrics;
  /** Called by GET /readyz: database reachable and migrated, channels initialised. */
  readiness: () => Promise<ReadinessReport>;
  bodyLimit?: number;
  /** Channel routes, the operator API, the web chat. */
  plugins?: FastifyPluginAsync[];
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Requests are logged once, by the onResponse hook below (debug, or warn for 5xx).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.bodyLimit ?? 1_048_576,
    genReqId: (req) => {
      const incoming = req.headers["x-request-id"];
      return typeof incoming === "string" && /^[\w.-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: "idle",
  });

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    deps.metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    if (reply.statusCode >= 500) {
      request.log.warn(
        { route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        "request failed",
      );
    } else {
      request.log.debug({ route, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, "request");
    }
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (error.validation) {
      return reply.status(400).send({
        error: "bad_request",
        issues: error.validation.map((v) => ({
          path:
            (v.instancePath || "").replace(/^\//, "").replace(/\//g, ".") ||
            String(v.params?.missingProperty ?? ""),
          message: v.message ?? "invalid",
        })),
      });
    }
    if (status >= 500) {
      request.log.error({ err: error }, "unhandled error");
      return reply
        .status(status)
        .send({ error: "internal_error", message: "Something went wrong on our side." });
    }
    return reply.status(status).send({ error: error.code ?? "request_error", message: error.message });
  });

  app.setNotFoundHandler((request, reply) => {
    return reply
      .status(404)
      .send({ error: "not_found", message: `No route for ${request.method} ${request.url.split("?")[0]}` });
  });

  app.get("/healthz", async () => ({ status: "ok" }));

  app.get("/readyz", async (_request, reply) => {
    const report = await deps.readiness().catch((error: unknown) => ({
      ready: false,
      checks: { readiness: error instanceof Error ? error.message : "failed" },
    }));
    return reply
      .status(report.ready ? 200 : 503)
      .send({ status: report.ready ? "ready" : "not_ready", checks: report.checks });
  });

  app.get("/metrics", async (_request, reply) => {
    const body = deps.metrics.scrape ? await deps.metrics.scrape() : await deps.metrics.registry.metrics();
    return reply.type(deps.metrics.registry.contentType).send(body);
  });

  for (const plugin of deps.plugins ?? []) await app.register(plugin);
  return app;
}
