// Starts the web chat the way the service does (buildServer + createWebChannel + the real engine on
// the test database), listening on 127.0.0.1:0 so streams and browsers can connect.
import type { FastifyInstance } from "fastify";
import type pg from "pg";
import pino from "pino";
import type { PrismaClient } from "../../../src/generated/prisma/client.js";
import { createWebChannel, type WebChannel } from "../../../src/channels/web/index.js";
import { createSchedulePictures } from "../../../src/channels/schedule-pictures.js";
import { scheduleMediaRoutes } from "../../../src/channels/schedule-media-routes.js";
import { createSchedulePictureStore } from "../../../src/db/schedule-picture-store.js";
import type { EngineHandle } from "../../../src/channels/channel.js";
import { createMetrics } from "../../../src/http/metrics.js";
import { buildServer } from "../../../src/http/server.js";
import { createTestEngine } from "./engine.js";

export interface WebChatServer {
  app: FastifyInstance;
  channel: WebChannel;
  engine: EngineHandle;
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  close(): Promise<void>;
}

export interface WebChatServerOptions {
  enabled?: boolean;
  token?: string;
  pollIntervalMs?: number;
  eventsPerMinute?: number;
  streamsPerMinute?: number;
  /** Wraps the real engine (the contract suite records the calls). */
  wrapEngine?: (engine: EngineHandle) => EngineHandle;
}

/** The test database's clients: Prisma for the web chat's own tables, a pg pool for the engine store. */
export interface WebChatDatabase {
  prisma: PrismaClient;
  enginePool: pg.Pool;
}

export async function startWebChatServer(
  { prisma, enginePool }: WebChatDatabase,
  options: WebChatServerOptions = {},
): Promise<WebChatServer> {
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
  const metrics = createMetrics({ defaultMetrics: false });
  const realEngine = createTestEngine(enginePool, logger);
  const engine = options.wrapEngine ? options.wrapEngine(realEngine) : realEngine;
  const pictures = createSchedulePictures({
    store: createSchedulePictureStore(enginePool),
    registry: metrics.registry,
  });
  const channel = createWebChannel({
    config: {
      webChat: { enabled: options.enabled ?? true, token: options.token },
      http: { port: 0, host: "127.0.0.1", publicUrl: undefined },
    },
    engine,
    logger,
    metrics,
    prisma,
    schedulePictures: pictures,
    options: {
      pollIntervalMs: options.pollIntervalMs ?? 100,
      eventsPerMinute: options.eventsPerMinute ?? 600,
      streamsPerMinute: options.streamsPerMinute ?? 600,
    },
  });
  const app = await buildServer({
    logger,
    metrics,
    readiness: async () => ({ ready: true, checks: {} }),
    plugins: [channel.plugin, scheduleMediaRoutes(pictures, logger)],
  });
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return { app, channel, engine, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
