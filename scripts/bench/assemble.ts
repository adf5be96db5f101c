// The service under measurement: exactly what production runs, src/service.ts startService(). The
// benchmark and the reliability checks refuse to run if the webhooks they drive are not wired, so
// a number is never taken from a service missing the channel it claims to measure.
import type { FastifyInstance } from "fastify";
import type { Config } from "../../src/config.js";
import type { Logger } from "../../src/logger.js";
import { startService } from "../../src/service.js";

export interface BenchService {
  url: string;
  assembly: "startService";
  app: FastifyInstance;
  stop(): Promise<void>;
}

export async function startBenchService(config: Config, logger: Logger): Promise<BenchService> {
  const service = await startService(config, logger);
  const missing = [
    config.telegram.enabled && !service.app.hasRoute({ method: "POST", url: "/webhooks/telegram" })
      ? "telegram"
      : "",
    config.viber.enabled && !service.app.hasRoute({ method: "POST", url: "/webhooks/viber" }) ? "viber" : "",
  ].filter(Boolean);
  if (missing.length > 0) {
    await service.stop();
    throw new Error(`startService does not register the webhook(s) of: ${missing.join(", ")}`);
  }
  return { url: service.url, assembly: "startService", app: service.app, stop: () => service.stop() };
}
