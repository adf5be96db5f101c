// The service under measurement. Prefers src/service.ts startService() (what production runs); while
// startService does not yet register the Telegram and Viber webhooks (the lead is wiring them), it
// falls back to the same parts assembled here exactly as the channel end-to-end tests do: openDatabase
// -> engine on the Prisma store -> Telegram + Viber channels -> buildServer. Which one ran is
// recorded in every result, so numbers from the fallback are never mistaken for the real wiring.
import type { FastifyInstance } from "fastify";
import type { Config } from "../../src/config.js";
import { createTelegramChannel } from "../../src/channels/telegram/index.js";
import { createViberChannel } from "../../src/channels/viber/index.js";
import { createEngineStore } from "../../src/db/engine-store.js";
import { databaseReadiness, openDatabase } from "../../src/db/open.js";
import { createUserStatusStore } from "../../src/db/user-status-store.js";
import { createEngine } from "../../src/engine/engine.js";
import { t } from "../../src/engine/i18n/index.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";
import { createMetrics } from "../../src/http/metrics.js";
import { buildServer } from "../../src/http/server.js";
import type { Logger } from "../../src/logger.js";
import { startService } from "../../src/service.js";

export type Assembly = "startService" | "bench-local";

export interface BenchService {
  url: string;
  assembly: Assembly;
  app: FastifyInstance;
  stop(): Promise<void>;
}

function wiresWebhooks(app: FastifyInstance, config: Config): boolean {
  const telegram = !config.telegram.enabled || app.hasRoute({ method: "POST", url: "/webhooks/telegram" });
  const viber = !config.viber.enabled || app.hasRoute({ method: "POST", url: "/webhooks/viber" });
  return telegram && viber;
}

export async function startBenchService(config: Config, logger: Logger): Promise<BenchService> {
  const service = await startService(config, logger);
  if (wiresWebhooks(service.app, config)) {
    return { url: service.url, assembly: "startService", app: service.app, stop: () => service.stop() };
  }
  await service.stop();
  return startLocalAssembly(config, logger);
}

async function startLocalAssembly(config: Config, logger: Logger): Promise<BenchService> {
  const db = await openDatabase(config.db, { migrate: config.db.migrateOnStart });
  const metrics = createMetrics();
  const engine = createEngine({
    store: createEngineStore(db.prisma),
    clock: { now: () => new Date() },
    settings: {
      ...defaultEngineSettings,
      verification: { maxFailures: config.engine.verifyMaxFailuresPerHour, windowMinutes: 60 },
      idleMinutes: config.engine.flowTimeoutMinutes,
      company: { phone: config.engine.companyPhone, website: config.engine.companyWebsite },
    },
    log: logger.child({ component: "engine" }),
  });
  const userStatus = createUserStatusStore(db.prisma);
  const plugins = [];
  const starts: (() => Promise<void>)[] = [];
  const stops: (() => Promise<void>)[] = [];
  if (config.telegram.enabled) {
    const telegram = createTelegramChannel({
      config: config.telegram,
      engine,
      userStatus,
      logger,
      metrics: metrics.registry,
      // The bench never sends group messages; the catalogue has no group notice yet.
      groupNotice: (language) => t(language, "hint.useButtons"),
    });
    if (telegram.plugin) plugins.push(telegram.plugin);
    starts.push(() => telegram.start());
    stops.push(() => telegram.stop());
  }
  if (config.viber.enabled) {
    const viber = createViberChannel({ config: config.viber, engine, userStatus, logger, metrics: metrics.registry });
    plugins.push(viber.plugin);
    starts.push(() => viber.start());
    stops.push(() => viber.stop());
  }
  const app = await buildServer({
    logger,
    metrics,
    bodyLimit: config.http.bodyLimit,
    readiness: async () => {
      const database = await databaseReadiness(db.prisma);
      return { ready: database === "ok", checks: { database } };
    },
    plugins,
  });
  await app.listen({ port: config.http.port, host: config.http.host });
  for (const start of starts) await start();
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : config.http.port;
  return {
    url: `http://${config.http.host}:${port}`,
    assembly: "bench-local",
    app,
    async stop() {
      for (const stop of stops) await stop();
      await app.close();
      await db.close();
    },
  };
}
