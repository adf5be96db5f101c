// The load generator: plays simulated users against the webhooks over keep-alive HTTP.
// Open loop: updates are offered at a fixed rate whether or not earlier ones were answered, and each
// latency is measured from the moment the update was DUE, so a slow service cannot hide its queue
// (no coordinated omission). A user's next update is sent only after the previous one was answered,
// as Telegram delivers one chat's updates one at a time. Closed loop (saturation): a fixed number of
// connections (Telegram's webhook max_connections is 40 by default, at most 100) each sending the
// next due update as soon as the previous answer arrives.
import http from "node:http";
import type { SimulatedUser, WebhookRequest } from "./journeys.js";

export interface Answer {
  status: number;
  body: string;
  /** The service's X-Update-Outcome header (Telegram webhook: handled, duplicate, ...). */
  outcome?: string;
}

export interface Poster {
  post(request: WebhookRequest): Promise<Answer>;
  close(): void;
  /** A plain bot (the compare baseline): any 200 counts, its answers carry no outcome. */
  plain?: boolean;
}

/**
 * Posts to one service, or to several (instances behind a load balancer): round robin per request,
 * so one user's updates reach different instances as they would behind a balancer.
 */
export function createPoster(baseUrl: string | string[], maxSockets = 100, plain = false): Poster {
  const urls = (Array.isArray(baseUrl) ? baseUrl : [baseUrl]).map((u) => new URL(u));
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  let next = 0;
  return {
    post(request) {
      const url = urls[next++ % urls.length]!;
      return new Promise((resolve, reject) => {
        const req = http.request(
          {
            agent,
            host: url.hostname,
            port: url.port,
            method: "POST",
            path: request.path,
            headers: { ...request.headers, "content-length": Buffer.byteLength(request.body) },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => {
              const outcome = res.headers["x-update-outcome"];
              resolve({
                status: res.statusCode ?? 0,
                body: Buffer.concat(chunks).toString("utf8"),
                ...(typeof outcome === "string" ? { outcome } : {}),
              });
            });
            res.on("error", reject);
          },
        );
        req.setTimeout(30_000, () => req.destroy(new Error("timeout")));
        req.on("error", reject);
        req.end(request.body);
      });
    },
    close: () => agent.destroy(),
    plain,
  };
}

/**
 * What counts as success: 200, and for Telegram an update the engine handled (not dropped) and, for a
 * button tap, answered: Telegram makes the answerCallbackQuery call the webhook's reply names.
 */
export function answerProblem(request: WebhookRequest, answer: Answer, plain = false): string | undefined {
  if (answer.status !== 200) return `http ${answer.status}`;
  if (request.path.endsWith("/telegram") && !plain) {
    if (answer.outcome !== "handled") return `outcome ${String(answer.outcome)}`;
    if (request.body.includes('"callback_query"')) {
      try {
        const reply = JSON.parse(answer.body) as { method?: unknown; callback_query_id?: unknown };
        if (reply.method !== "answerCallbackQuery" || typeof reply.callback_query_id !== "string") {
          return "tap not answered";
        }
      } catch {
        return "unreadable answer";
      }
    }
  }
  return undefined;
}

export interface LoadResult {
  mode: "open" | "closed";
  offeredRate: number | null;
  concurrency: number | null;
  durationS: number;
  sent: number;
  ok: number;
  errors: number;
  errorKinds: Record<string, number>;
  /** Successful updates per second over the measured duration. */
  throughput: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  journeysCompleted: number;
  /** Updates that waited for their user's previous answer past their due time (open loop). */
  lateStarts: number;
  /** The slowest answer in each second of the run, in order. */
  worstLatencyPerSecondMs: number[];
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

class Tally {
  latencies: number[] = [];
  /** Worst latency per second of the run (when answered), to see whether slow answers cluster in time. */
  worstPerSecond = new Map<number, number>();
  readonly startedAt = performance.now();
  sent = 0;
  ok = 0;
  errors = 0;
  errorKinds: Record<string, number> = {};
  completed = 0;
  lateStarts = 0;
  error(kind: string) {
    this.errors += 1;
    this.errorKinds[kind] = (this.errorKinds[kind] ?? 0) + 1;
  }
  result(
    mode: "open" | "closed",
    durationS: number,
    offeredRate: number | null,
    concurrency: number | null,
  ): LoadResult {
    const sorted = Float64Array.from(this.latencies).sort();
    const list = Array.from(sorted);
    const round = (value: number) => Math.round(value * 10) / 10;
    return {
      mode,
      offeredRate,
      concurrency,
      durationS: round(durationS),
      sent: this.sent,
      ok: this.ok,
      errors: this.errors,
      errorKinds: this.errorKinds,
      throughput: Math.round(this.ok / durationS),
      latencyMs: {
        p50: round(percentile(list, 50)),
        p95: round(percentile(list, 95)),
        p99: round(percentile(list, 99)),
        max: round(list.at(-1) ?? Number.NaN),
      },
      journeysCompleted: this.completed,
      lateStarts: this.lateStarts,
      worstLatencyPerSecondMs: [...this.worstPerSecond.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([, worst]) => round(worst)),
    };
  }
}

interface Cursor {
  user: SimulatedUser;
  step: number;
  retries: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends one step; on success the cursor advances, on failure it stays (the platform redelivers). */
async function sendStep(poster: Poster, cursor: Cursor, tally: Tally, dueAt: number): Promise<boolean> {
  const request = cursor.user.steps[cursor.step];
  if (!request) return false;
  tally.sent += 1;
  let problem: string | undefined;
  try {
    problem = answerProblem(request, await poster.post(request), poster.plain);
  } catch (error) {
    problem = error instanceof Error ? error.message : "network error";
  }
  const answeredAt = performance.now();
  const latency = answeredAt - dueAt;
  tally.latencies.push(latency);
  const second = Math.floor((answeredAt - tally.startedAt) / 1000);
  tally.worstPerSecond.set(second, Math.max(tally.worstPerSecond.get(second) ?? 0, latency));
  if (problem) {
    tally.error(problem);
    cursor.retries += 1;
    return cursor.retries <= 5;
  }
  tally.ok += 1;
  cursor.step += 1;
  if (cursor.step >= cursor.user.steps.length) {
    tally.completed += 1;
    return false;
  }
  return true;
}

export async function runOpenLoop(
  poster: Poster,
  users: SimulatedUser[],
  options: { rate: number; durationMs: number; drainMs?: number },
): Promise<LoadResult> {
  const tally = new Tally();
  const ready: Cursor[] = users.map((user) => ({ user, step: 0, retries: 0 }));
  const inFlight = new Set<Promise<void>>();
  const start = performance.now();
  const interval = 1000 / options.rate;
  let scheduled = 0;
  let lastOk = start;
  while (performance.now() - start < options.durationMs) {
    const now = performance.now();
    while (scheduled * interval <= now - start) {
      const cursor = ready.shift();
      if (!cursor) break; // every user is waiting for an answer: this update is due but not yet sendable
      const dueAt = start + scheduled * interval;
      if (now - dueAt > 50) tally.lateStarts += 1;
      scheduled += 1;
      const task = sendStep(poster, cursor, tally, dueAt).then((again) => {
        lastOk = performance.now();
        if (again) ready.push(cursor);
      });
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
    }
    if (ready.length === 0 && inFlight.size === 0) break; // every journey finished
    await sleep(1);
  }
  const deadline = performance.now() + (options.drainMs ?? 30_000);
  while (inFlight.size > 0 && performance.now() < deadline) await Promise.race([...inFlight, sleep(100)]);
  const durationS = (Math.max(lastOk, start + 1) - start) / 1000;
  return tally.result("open", durationS, options.rate, null);
}

export async function runClosedLoop(
  poster: Poster,
  users: SimulatedUser[],
  options: { concurrency: number; durationMs: number },
): Promise<LoadResult> {
  const tally = new Tally();
  const ready: Cursor[] = users.map((user) => ({ user, step: 0, retries: 0 }));
  const start = performance.now();
  let end = start;
  async function worker() {
    while (performance.now() - start < options.durationMs) {
      const cursor = ready.shift();
      if (!cursor) {
        // Others hold every remaining user; wait for one to come back (or all to finish).
        if (tally.completed >= users.length) return;
        await sleep(1);
        continue;
      }
      const again = await sendStep(poster, cursor, tally, performance.now());
      end = performance.now();
      if (again) ready.push(cursor);
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  return tally.result("closed", (end - start) / 1000, null, options.concurrency);
}
