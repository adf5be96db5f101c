// Several service processes on one port (node:cluster) when WEB_CONCURRENCY > 1: a single Node thread
// is the first thing to fill on a busy instance, and everything the service shares (conversation
// state, dedupe, locks, flood counters, the outbound queue, rate limits) is in Postgres, so workers
// are plain instances. The primary serves nothing itself: it migrates once, forks the workers,
// replaces one that dies, answers their /metrics with the sum over all of them, and on SIGTERM stops
// them gracefully and exits 0 when they all did.
import cluster, { type Worker } from "node:cluster";
import { AggregatorRegistry, type Registry } from "prom-client";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

/** How many processes to run, and why fewer than asked when that is so. */
export function workerCount(config: Config): { workers: number; reason?: string } {
  const asked = config.http.workers;
  if (asked <= 1) return { workers: 1 };
  if (!config.db.url) {
    return { workers: 1, reason: "the embedded Postgres (no DATABASE_URL) belongs to one process" };
  }
  if (config.telegram.enabled && config.telegram.mode === "polling") {
    return { workers: 1, reason: "Telegram long polling allows one poller (TELEGRAM_MODE=polling)" };
  }
  return { workers: asked };
}

const METRICS_REQUEST = "power-bot:metrics-request";
const METRICS_RESPONSE = "power-bot:metrics-response";
const WORKER_READY = "power-bot:worker-ready";

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: number;
}
interface MetricsResponse {
  type: typeof METRICS_RESPONSE;
  id: number;
  body?: string;
  error?: string;
}

/** Runs in the primary: forks the workers and supervises them until SIGTERM/SIGINT. */
export async function runPrimary(options: {
  workers: number;
  logger: Logger;
  shutdownTimeoutMs: number;
  /** Called once every worker listens (the URL is the workers' shared one). */
  onReady?: (url: string) => void;
}): Promise<void> {
  const { logger } = options;
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let allReady = false;
  const ready = new Set<number>();
  let url = "";

  const fork = (slot: number): Worker => {
    // Migrations ran in the primary; each worker is instance `slot` of this host.
    const worker = cluster.fork({ MIGRATE_ON_START: "false", SERVICE_WORKER: String(slot) });
    const slotOf = slot;
    worker.on("message", (message: unknown) => {
      const m = message as { type?: string; url?: string; id?: number };
      if (m.type === WORKER_READY && typeof m.url === "string") {
        url = m.url;
        ready.add(slotOf);
        if (!allReady && ready.size === options.workers) {
          allReady = true;
          logger.info({ workers: options.workers, url }, `${options.workers} workers listening on ${url}`);
          options.onReady?.(url);
        } else if (allReady) logger.info({ worker: slotOf }, "replacement worker listening");
      } else if (m.type === METRICS_REQUEST && typeof m.id === "number") {
        const id = m.id;
        aggregator.clusterMetrics().then(
          (body) => worker.send({ type: METRICS_RESPONSE, id, body } satisfies MetricsResponse),
          (error: unknown) =>
            worker.send({ type: METRICS_RESPONSE, id, error: String(error) } satisfies MetricsResponse),
        );
      }
    });
    worker.on("exit", (code, signal) => {
      ready.delete(slotOf);
      if (stopping) return;
      if (!allReady) {
        // A worker that cannot start (bad configuration, database away) would fail again at once.
        logger.fatal({ worker: slotOf, code, signal }, "a worker exited while starting; stopping");
        void stopAll(1);
        return;
      }
      logger.error({ worker: slotOf, code, signal }, "worker exited; starting another");
      setTimeout(() => {
        if (!stopping) fork(slotOf);
      }, 1_000).unref();
    });
    return worker;
  };

  const stopAll = async (exitCode: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    const timer = setTimeout(() => {
      logger.error("workers did not stop in time; killing them");
      for (const worker of workers) worker.process.kill("SIGKILL");
      process.exit(1);
    }, options.shutdownTimeoutMs + 2_000);
    timer.unref();
    // A worker still starting when the signal came ends by the signal itself: a stop all the same.
    const codes = await Promise.all(
      workers.map(
        (worker) =>
          new Promise<number | "SIGTERM">((resolve) => {
            if (worker.isDead()) return resolve(worker.process.exitCode ?? 1);
            worker.once("exit", (code, signal) => resolve(signal === "SIGTERM" ? signal : (code ?? 1)));
            worker.process.kill("SIGTERM");
          }),
      ),
    );
    const failed = codes.some((code) => code !== 0 && code !== "SIGTERM");
    logger.info({ codes }, "workers stopped");
    process.exit(exitCode !== 0 || failed ? 1 : 0);
  };

  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, "shutting down the workers");
    void stopAll(0);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  for (let slot = 1; slot <= options.workers; slot += 1) fork(slot);
}

/**
 * Runs in a worker once its service listens: tells the primary, lets the primary's aggregation read
 * this worker's registry, and returns what /metrics should serve (the sum over all workers, asked of
 * the primary; a gauge read from the database is the same in every worker and is taken once).
 */
export function joinCluster(registry: Registry, url: string): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  new AggregatorRegistry(); // installs prom-client's answer to the primary's requests in this worker
  process.send?.({ type: WORKER_READY, url });
  let next = 0;
  const waiting = new Map<number, { resolve: (body: string) => void; reject: (error: Error) => void }>();
  process.on("message", (message: unknown) => {
    const m = message as Partial<MetricsResponse>;
    if (m.type !== METRICS_RESPONSE || typeof m.id !== "number") return;
    const request = waiting.get(m.id);
    if (!request) return;
    waiting.delete(m.id);
    if (typeof m.body === "string") request.resolve(m.body);
    else request.reject(new Error(m.error ?? "no metrics from the primary"));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = next++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error("the primary did not answer the metrics request in time"));
      }, 10_000);
      waiting.set(id, {
        resolve: (body) => {
          clearTimeout(timer);
          resolve(body);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
    });
}

export const isWorker = (): boolean => cluster.isWorker;
