// The web chat channel: lets a person talk to the bot in a browser with no messenger account.
// createWebChannel wires its parts (routes, push stream, sender) from explicit dependencies;
// nothing here reads the environment or connects on import.
import type { FastifyInstance, FastifyPluginAsync } from "fastify";
import type { Logger } from "pino";
import type { Registry } from "prom-client";
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { ChannelSender, EngineHandle } from "../channel.js";
import { createWebOutbox, DEFAULT_SETTLE_MS } from "./outbox.js";
import { webChatRoutes } from "./routes.js";
import type { SchedulePictures } from "../schedule-pictures.js";
import type { SharedPhotoStore } from "../shared-photos.js";
import { createWebSender } from "./sender.js";
import { createStreamHub } from "./stream-hub.js";

/** The part of the service Config the web chat reads (src/config.ts). */
export interface WebChatConfig {
  webChat: { enabled: boolean; token: string | undefined };
  http: { port: number; host: string; publicUrl: string | undefined };
}

export interface WebChannelDeps {
  config: WebChatConfig;
  engine: EngineHandle;
  logger: Logger;
  metrics?: { registry: Registry };
  prisma: PrismaClient;
  /** Schedule pictures shown as images in the bubbles. */
  schedulePictures?: SchedulePictures;
  /** Photos the company shares (an operator's attachment), shown as images. */
  sharedPhotos?: SharedPhotoStore;
  /** Tuning, mostly for tests. */
  options?: {
    pollIntervalMs?: number;
    /** How long a pushed message settles before streams read it (see outbox.ts). */
    settleMs?: number;
    eventsPerMinute?: number;
    streamsPerMinute?: number;
    maxStreams?: number;
  };
}

export interface WebChannel {
  enabled: boolean;
  /** Register with buildServer's plugins; registers nothing when disabled (GET / is then a 404). */
  plugin: FastifyPluginAsync;
  /** Stores pushed messages for the browser (works when disabled too, for queued notifications). */
  sender: ChannelSender;
  /** The address to open, for the start log; `port` is the one the server really listens on. */
  url(port: number): string;
  /** Whether the URL alone is not enough (a ?token= must be added). */
  needsToken: boolean;
}

export function createWebChannel(deps: WebChannelDeps): WebChannel {
  const { config, logger } = deps;
  const settleMs = deps.options?.settleMs ?? DEFAULT_SETTLE_MS;
  const outbox = createWebOutbox(deps.prisma, settleMs);
  const hub = createStreamHub({
    outbox,
    logger,
    wakeDelayMs: settleMs + 50,
    pollIntervalMs: deps.options?.pollIntervalMs ?? 1000,
    maxStreams: deps.options?.maxStreams ?? 2000,
  });
  const sender = createWebSender(outbox, () => hub.wake(), {
    schedulePictures: deps.schedulePictures,
    sharedPhotos: deps.sharedPhotos,
  });
  const enabled = config.webChat.enabled;

  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    if (!enabled) return;
    await webChatRoutes(app, {
      engine: deps.engine,
      prisma: deps.prisma,
      outbox,
      hub,
      logger,
      registry: deps.metrics?.registry,
      schedulePictures: deps.schedulePictures,
      sharedPhotos: deps.sharedPhotos,
      token: config.webChat.token,
      limits: {
        eventsPerMinute: deps.options?.eventsPerMinute ?? 60,
        streamsPerMinute: deps.options?.streamsPerMinute ?? 20,
      },
    });
  };

  return {
    enabled,
    plugin,
    sender,
    needsToken: config.webChat.token !== undefined,
    url(port: number): string {
      if (config.http.publicUrl) return `${config.http.publicUrl.replace(/\/+$/, "")}/`;
      const host = config.http.host;
      // A wildcard or loopback bind is opened as localhost; a specific address as itself.
      const shown = ["0.0.0.0", "::", "127.0.0.1", "::1", "localhost"].includes(host)
        ? "localhost"
        : host.includes(":")
          ? `[${host}]`
          : host;
      return `http://${shown}:${port}/`;
    },
  };
}
