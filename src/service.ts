// The whole service assembled from a Config: database, engine, channels, outbound queue, operator API
// and HTTP. main.ts calls startService() and handles signals; end-to-end tests call it in-process.
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { ChannelSender } from "./channels/channel.js";
import { createTelegramFiles } from "./channels/telegram/files.js";
import { createTelegramChannel, type TelegramChannel } from "./channels/telegram/index.js";
import { createViberChannel, type ViberChannel } from "./channels/viber/index.js";
import { createViberMedia } from "./channels/viber/media.js";
import { createWebChannel } from "./channels/web/index.js";
import type { Config } from "./config.js";
import { createCustomerPhotoStore } from "./db/customer-photo-store.js";
import { createSchedulePictureStore } from "./db/schedule-picture-store.js";
import { createSchedulePictures } from "./channels/schedule-pictures.js";
import { scheduleMediaRoutes } from "./channels/schedule-media-routes.js";
import { sharedPhotoRoutes } from "./channels/shared-photos.js";
import { createPgEngineStore } from "./db/engine-store-pg.js";
import { databaseReadiness, openDatabase, type OpenDatabase } from "./db/open.js";
import { listenHandoffChanges } from "./db/handoff-changes.js";
import { startRetention } from "./db/retention.js";
import { createUserStatusStore } from "./db/user-status-store.js";
import { createEngine, type Engine } from "./engine/engine.js";
import type { ChannelName } from "./engine/events.js";
import { engineSettingsFrom } from "./engine/settings.js";
import { createMetrics, type Metrics } from "./http/metrics.js";
import { consolePlugin } from "./http/console/plugin.js";
import { operatorApi } from "./http/operator/plugin.js";
import { handoffPhotoStore } from "./operator/handoff-photos.js";
import { buildServer } from "./http/server.js";
import { createOutbound, type Outbound } from "./jobs/outbound.js";
import { outboundSettingsFromConfig } from "./jobs/outbound-settings.js";
import type { Logger } from "./logger.js";

export interface RunningService {
  app: FastifyInstance;
  db: OpenDatabase;
  engine: Engine;
  outbound: Outbound;
  metrics: Metrics;
  telegram: TelegramChannel | undefined;
  viber: ViberChannel | undefined;
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
    store: createPgEngineStore(db.engine, { onRoundTrips: (count) => metrics.engineRoundTrips.inc(count) }),
    clock: { now: () => new Date() },
    settings: engineSettingsFrom(config.engine),
    log: logger.child({ component: "engine" }),
  });
  const userStatus = createUserStatusStore(db.prisma);
  // Schedule pictures: drawn once per queue/days/versions/language, shared by instances (Postgres).
  const schedulePictures = createSchedulePictures({
    store: createSchedulePictureStore(db.sql),
    registry: metrics.registry,
  });

  // Operators' photos in conversations with a person, shown to the customer as pictures.
  const sharedPhotos = handoffPhotoStore(db.prisma);

  const telegram = config.telegram.enabled
    ? createTelegramChannel({
        config: config.telegram,
        engine,
        userStatus,
        logger,
        metrics: metrics.registry,
        pictures: schedulePictures,
        photos: sharedPhotos,
      })
    : undefined;
  const viber = config.viber.enabled
    ? createViberChannel({
        config: config.viber,
        engine,
        userStatus,
        photoStore: createCustomerPhotoStore(db.prisma),
        logger,
        metrics: metrics.registry,
        schedulePictures,
        sharedPhotos,
        publicUrl: config.http.publicUrl,
      })
    : undefined;
  const web = createWebChannel({
    config,
    engine,
    logger: logger.child({ channel: "web" }),
    metrics,
    prisma: db.prisma,
    schedulePictures,
    sharedPhotos,
  });

  const senders: Partial<Record<ChannelName, ChannelSender>> = {};
  if (telegram) senders.telegram = telegram.sender;
  if (viber) senders.viber = viber.sender;
  if (web.enabled) senders.web = web.sender;
  const outbound = createOutbound({
    prisma: db.prisma,
    databaseUrl: db.url,
    senders,
    logger,
    metrics,
    settings: outboundSettingsFromConfig(config),
  });

  const plugins: FastifyPluginAsync[] = [
    web.plugin,
    scheduleMediaRoutes(schedulePictures, logger),
    sharedPhotoRoutes(sharedPhotos, logger),
  ];
  if (telegram?.plugin) plugins.push(telegram.plugin);
  if (viber) plugins.push(viber.plugin);
  const operatorNotifier = {
    notify: (items: Parameters<Outbound["notifier"]["notify"]>[0]) => outbound.notifier.notify(items),
    notifyInTransaction: (
      tx: Parameters<Outbound["notifyInTransaction"]>[0],
      items: Parameters<Outbound["notifyInTransaction"]>[1],
    ) => outbound.notifyInTransaction(tx, items),
  };
  const photoSources = {
    ...(config.telegram.enabled ? { telegram: createTelegramFiles(config.telegram) } : {}),
    ...(config.viber.enabled ? { viber: createViberMedia() } : {}),
  };
  // Console pages hear of conversation changes at once (LISTEN), whichever instance made them.
  const handoffChanges = listenHandoffChanges(db.url, logger.child({ component: "handoff-changes" }));
  plugins.push(
    operatorApi({
      prisma: db.prisma,
      sql: db.sql,
      notifier: operatorNotifier,
      bootstrapToken: config.operator.bootstrapToken,
      metrics: metrics.registry,
      photoSources,
    }),
    consolePlugin({
      prisma: db.prisma,
      notifier: operatorNotifier,
      photoSources,
      secureCookies: config.console.secureCookies,
      trustProxy: config.console.trustProxy,
      handoff: {
        unansweredMinutes: config.handoff.unansweredMinutes,
        pollMs: config.handoff.pollMs,
        changes: handoffChanges,
        metrics: metrics.registry,
      },
    }),
  );
  const retention = startRetention(db.prisma, logger.child({ component: "retention" }));

  let app: FastifyInstance | undefined;
  try {
    // The queue runs before the API accepts a status change (notifications are enqueued with it).
    await outbound.start();
    app = await buildServer({
      logger,
      metrics,
      bodyLimit: config.http.bodyLimit,
      plugins,
      readiness: async () => {
        const database = await databaseReadiness(db.prisma);
        const checks: Record<string, string> = { database };
        // Messenger identity is reported, but only the database decides readiness: the service
        // still serves the other channels and the operator API while a messenger API is unreachable.
        if (telegram)
          checks.telegram = telegram.ready() ? "ok" : "bot identity not known yet (getMe retrying)";
        if (viber) checks.viber = viber.readiness();
        return { ready: database === "ok", checks };
      },
    });
    await app.listen({ port: config.http.port, host: config.http.host });
  } catch (error) {
    retention.stop();
    await handoffChanges.close();
    await app?.close();
    await outbound.stop();
    await db.close();
    throw error;
  }
  await telegram?.start();
  await viber?.start();

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
  logger.info(
    { url: `${url}/console` },
    `operator console: ${url}/console (users: npm run operator:user -- create <login> --role <role>)`,
  );
  const server = app;
  let stopping: Promise<void> | undefined;
  return {
    app: server,
    db,
    engine,
    outbound,
    metrics,
    telegram,
    viber,
    url,
    stop() {
      stopping ??= (async () => {
        retention.stop();
        await handoffChanges.close();
        // Polling finishes the update it holds; probes stop retrying.
        await telegram?.stop();
        await viber?.stop();
        await server.close(); // stops accepting, waits for in-flight requests
        await outbound.stop();
        await db.close();
      })();
      return stopping;
    },
  };
}
