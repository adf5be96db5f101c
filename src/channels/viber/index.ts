// The Viber channel assembled: its webhook route (a fastify plugin for buildServer), its sender
// (for replies and for the outbound queue), and a readiness probe that checks the Chat API accepts
// the auth token (get_account_info), retried with backoff in the background so an unreachable
// Viber makes the channel "not ready" instead of stopping the service.
import type { FastifyPluginAsync } from "fastify";
import type { Registry } from "prom-client";
import type { Config } from "../../config.js";
import type { Logger } from "../../logger.js";
import type { EngineHandle, UserStatusPort } from "../channel.js";
import type { CustomerPhotoStore } from "../customer-photos.js";
import type { MediaLimits } from "../media-download.js";
import { createChatApi, type ChatApi } from "./chat-api.js";
import { createViberPictures } from "./media.js";
import { createViberMetrics } from "./metrics.js";
import { viberWebhookRoutes } from "./routes.js";
import { createViberSender, type ViberSender } from "./sender.js";
import type { SchedulePictures } from "../schedule-pictures.js";
import type { SharedPhotoStore } from "../shared-photos.js";

export type ViberConfig = Extract<Config["viber"], { enabled: true }>;

export interface ViberChannelDeps {
  config: Pick<ViberConfig, "authToken" | "botName" | "botAvatar" | "apiUrl">;
  engine: EngineHandle;
  userStatus: UserStatusPort;
  /** Where pictures are kept when they arrive (Viber's media links expire). */
  photoStore: CustomerPhotoStore;
  /** Download limits for incoming pictures. Default 10 MB, 10 s (media.ts). */
  pictureLimits?: MediaLimits;
  logger: Logger;
  /** The service's prom-client registry (Metrics["registry"]). */
  metrics: Registry;
  /** Per Chat API call; viber-bot never settles some failed calls on its own. Default 10 s. */
  sendTimeoutMs?: number;
  /** Backoff before each retry after status 12. Default 1 s, 2 s, 4 s. */
  rateLimitDelaysMs?: readonly number[];
  /** Schedule pictures, sent as picture messages when the service has a public URL Viber can fetch. */
  schedulePictures?: SchedulePictures;
  /** Photos the company shares (an operator's attachment), sent as picture messages from PUBLIC_URL. */
  sharedPhotos?: SharedPhotoStore;
  /** PUBLIC_URL: without it schedule replies go to Viber as text only. */
  publicUrl?: string | undefined;
  /** Backoff of the readiness probe after a failed get_account_info. Default 5 s doubling to 5 min. */
  probeRetryMs?: { first: number; max: number };
}

export interface ViberChannel {
  plugin: FastifyPluginAsync;
  sender: ViberSender;
  /** Starts the readiness probe; resolves after its first attempt, whatever the outcome. */
  start(): Promise<void>;
  /** Stops the probe's retries. */
  stop(): Promise<void>;
  /** True once the Chat API accepted the auth token (for GET /readyz). */
  ready(): boolean;
  /** Why the channel is not ready ("ok" when it is), for the readiness report. */
  readiness(): string;
}

export function createViberChannel(deps: ViberChannelDeps): ViberChannel {
  const logger = deps.logger.child({ channel: "viber" });
  const metrics = createViberMetrics(deps.metrics);
  const chatApi: ChatApi = createChatApi({
    authToken: deps.config.authToken,
    botName: deps.config.botName,
    botAvatar: deps.config.botAvatar,
    apiUrl: deps.config.apiUrl,
    timeoutMs: deps.sendTimeoutMs ?? 10_000,
  });
  const sender = createViberSender({
    chatApi,
    userStatus: deps.userStatus,
    metrics,
    ...(deps.rateLimitDelaysMs !== undefined ? { rateLimitDelaysMs: deps.rateLimitDelaysMs } : {}),
    ...(deps.schedulePictures && deps.publicUrl
      ? { schedulePictures: { pictures: deps.schedulePictures, publicUrl: deps.publicUrl } }
      : {}),
    ...(deps.sharedPhotos ? { sharedPhotos: { store: deps.sharedPhotos, publicUrl: deps.publicUrl } } : {}),
  });
  if ((deps.schedulePictures || deps.sharedPhotos) && !deps.publicUrl) {
    logger.info(
      "PUBLIC_URL is not set: schedule pictures and operators' photos go to Viber as text only (Viber must fetch them)",
    );
  }
  const plugin = viberWebhookRoutes({
    authToken: deps.config.authToken,
    botName: deps.config.botName,
    botAvatar: deps.config.botAvatar,
    engine: deps.engine,
    sender,
    pictures: createViberPictures(deps.photoStore, deps.pictureLimits),
    userStatus: deps.userStatus,
    logger,
    metrics,
  });

  const retry = deps.probeRetryMs ?? { first: 5_000, max: 300_000 };
  let readiness = "not checked yet";
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;
  let stopped = false;

  async function probe(delay: number): Promise<void> {
    const result = await chatApi.getAccountInfo();
    if (result.kind === "answered" && result.status === 0) {
      if (readiness !== "ok") logger.info("viber chat api reachable; auth token accepted");
      readiness = "ok";
      return;
    }
    readiness =
      result.kind === "answered"
        ? `chat api status ${result.status} (${result.statusMessage})`
        : result.kind === "timeout"
          ? "chat api did not answer"
          : `chat api unreachable: ${result.error}`;
    logger.warn({ readiness, retryInMs: delay }, "viber chat api not ready; will retry");
    if (stopped) return;
    timer = setTimeout(() => {
      inFlight = probe(Math.min(delay * 2, retry.max));
    }, delay);
    timer.unref();
  }

  return {
    plugin,
    sender,
    async start() {
      stopped = false;
      inFlight = probe(retry.first);
      await inFlight;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
    ready: () => readiness === "ok",
    readiness: () => readiness,
  };
}
