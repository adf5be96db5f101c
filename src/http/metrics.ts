// Prometheus metrics through prom-client: process metrics plus an HTTP request histogram. Channels
// and jobs register their own counters on the same registry.
import { Counter, Registry, collectDefaultMetrics, Histogram } from "prom-client";

export interface Metrics {
  registry: Registry;
  httpDuration: Histogram<"method" | "route" | "status">;
  /** Round trips to the database made by the engine store (statements sent together count once). */
  engineRoundTrips: Counter;
  /**
   * What /metrics serves when it is not this registry alone: in a cluster worker, the sum over all
   * workers, asked of the primary (src/cluster.ts). Unset: this registry.
   */
  scrape?: () => Promise<string>;
}

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  const httpDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const engineRoundTrips = new Counter({
    name: "engine_db_round_trips_total",
    help: "Round trips to the database made by the engine store (a pipelined batch counts once)",
    registers: [registry],
  });
  return { registry, httpDuration, engineRoundTrips };
}
