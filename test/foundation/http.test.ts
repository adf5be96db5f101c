// buildServer: health, readiness against a real database, Prometheus metrics, one error handler
// that hides 5xx details, 404s, and the body size limit.
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseReadiness } from "../../src/db/open.js";
import { createMetrics } from "../../src/http/metrics.js";
import { buildServer } from "../../src/http/server.js";
import { createLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    lines.push(String(chunk));
    done();
  },
});

let db: TestDatabase;
let app: FastifyInstance;
let databaseUp = true;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildServer({
    logger: createLogger({ level: "info", pretty: "off" }, sink),
    metrics: createMetrics(),
    bodyLimit: 1024,
    readiness: async () => {
      const database = databaseUp ? await databaseReadiness(db.prisma) : "database unavailable: stopped";
      return { ready: database === "ok", checks: { database } };
    },
    plugins: [
      async (instance) => {
        instance.get("/boom", async () => {
          throw new Error("secret internal detail");
        });
        instance.post("/echo", async (request) => ({ size: JSON.stringify(request.body).length }));
      },
    ],
  });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe("buildServer", () => {
  it("answers /healthz", async () => {
    const res = await app.inject("/healthz");
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
  });

  it("answers /readyz 200 when the database is reachable and migrated, 503 otherwise", async () => {
    const ok = await app.inject("/readyz");
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: "ready", checks: { database: "ok" } });
    databaseUp = false;
    const down = await app.inject("/readyz");
    databaseUp = true;
    expect(down.statusCode).toBe(503);
    expect(down.json().status).toBe("not_ready");
  });

  it("reports pending migrations as not ready", async () => {
    await db.prisma.$executeRaw`UPDATE _prisma_migrations SET rolled_back_at = now()`;
    expect(await databaseReadiness(db.prisma)).toMatch(/^pending migrations: \d+_init/);
    await db.prisma.$executeRaw`UPDATE _prisma_migrations SET rolled_back_at = NULL`;
  });

  it("serves Prometheus metrics with process and HTTP series", async () => {
    await app.inject("/healthz");
    const res = await app.inject("/metrics");
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/process_resident_memory_bytes \d+/);
    expect(res.body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/,
    );
  });

  it("hides the details of a 5xx and logs them", async () => {
    const res = await app.inject("/boom");
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain("secret internal detail");
    expect(res.json().error).toBe("internal_error");
    expect(lines.some((l) => l.includes("secret internal detail"))).toBe(true);
  });

  it("answers unknown routes with a JSON 404", async () => {
    const res = await app.inject("/nope?x=1");
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: "not_found", message: "No route for GET /nope" });
  });

  it("refuses bodies over the limit with 413", async () => {
    const small = await app.inject({ method: "POST", url: "/echo", payload: { a: "x".repeat(10) } });
    expect(small.statusCode).toBe(200);
    const big = await app.inject({ method: "POST", url: "/echo", payload: { a: "x".repeat(5000) } });
    expect(big.statusCode).toBe(413);
  });
});
