// The whole service assembled from a Config: database, engine, channels, outbound queue and HTTP.
// main.ts calls startService() and handles signals; end-to-end tests call it in-process.
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import { createWebChannel } from "./channels/web/index.js";
import type { Config } from "./config.js";
import { createEngineStore } from "./db/engine-store.js";
import { startRetention } from "./db/retention.js";
import { createUserStatusStore } from "./db/user-status-store.js";
import { createEngine } from "./engine/engine.js";
import { engineSettingsFrom } from "./engine/settings.js";
import { databaseReadiness, openDatabase, type OpenDatabase } from "./db/open.js";
import { createMetrics } from "./http/metrics.js";
import { buildServer } from "./http/server.js";
import type { Logger } from "./logger.js";

export interface RunningService {
  app: FastifyInstance;
  db: OpenDatabase;
  /** The address the server listens on, e.g. http://127.0.0.1:3000. */
  url: string;
  stop(): Promise<void>;
}

export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const db = await openDatabase(config.db, { migrate: config.db.migrateOnStart, demoData: true });
  logger.info(
    { embedded: db.embedded, demoAccountsImported: db.demoImported },
    db.embedded ? `embedded Postgres ready (data in ${config.db.dataDir}/pg)` : "database ready",
  );
  const metrics = createMetrics();
  const engine = createEngine({
    store: createEngineStore(db.prisma),
    clock: { now: () => new Date() },
    settings: engineSettingsFrom(config.engine),
    log: logger.child({ component: "engine" }),
  });
  const userStatus = createUserStatusStore(db.prisma);
  void userStatus; // used by the messenger channels
  const web = createWebChannel({ config, engine, logger: logger.child({ channel: "web" }), metrics, prisma: db.prisma });
  const plugins: FastifyPluginAsync[] = [web.plugin];
  const retention = startRetention(db.prisma, logger.child({ component: "retention" }));

  let app: FastifyInstance;
  try {
    app = await buildServer({
      logger,
      metrics,
      bodyLimit: config.http.bodyLimit,
      plugins,
      readiness: async () => {
        const database = await databaseReadiness(db.prisma);
        return { ready: database === "ok", checks: { database } };
      },
    });
    await app.listen({ port: config.http.port, host: config.http.host });
  } catch (error) {
    retention.stop();
    await db.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.http.port;
  const url = `http://${config.http.host.includes(":") ? `[${config.http.host}]` : config.http.host}:${port}`;
  if (web.enabled) {
    const chatUrl = web.url(port);
    logger.info(
      { url: chatUrl },
      `web chat: open ${chatUrl}${web.needsToken ? "?token=<WEB_CHAT_TOKEN>" : ""} in a browser`,
    );
  }
  let stopping: Promise<void> | undefined;
  return {
    app,
    db,
    url,
    stop() {
      stopping ??= (async () => {
        retention.stop();
        await app.close(); // stops accepting, waits for in-flight requests
        await db.close();
      })();
      return stopping;
    },
  };
}
