// WEB_CONCURRENCY=2: the primary migrates and forks two workers on one port; requests are spread over
// both and /metrics answers the sum over both; a worker that dies is replaced; SIGTERM stops all and
// exits 0. With no DATABASE_URL (embedded Postgres) it stays one process and says why.
import { readFile } from "node:fs/promises";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runMain } from "../helpers/run-main.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { pollUntil } from "../helpers/until.js";

function until<T>(what: string, read: () => T | undefined | Promise<T | undefined>): Promise<T> {
  return pollUntil(read, { what, timeoutMs: 90_000, pollMs: 100 });
}

/** The pids of a process's children (tsx runs node, which is the primary: children of children). */
async function descendants(pid: number): Promise<number[]> {
  const direct = (await readFile(`/proc/${pid}/task/${pid}/children`, "utf8").catch(() => ""))
    .split(" ")
    .filter(Boolean)
    .map(Number);
  const deeper = await Promise.all(direct.map(descendants));
  return [...direct, ...deeper.flat()];
}

/** One GET on a fresh connection (the cluster hands each new connection to the next worker). */
function getOnce(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      url,
      { agent: false, timeout: 10_000, headers: { connection: "close" } },
      (response) => {
        let body = "";
        response.on("data", (d: Buffer) => (body += d.toString()));
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on("timeout", () => request.destroy(new Error(`no answer from ${url} in 10 s`)));
    request.on("error", reject);
  });
}

function healthzCount(metrics: string): number {
  return metrics
    .split("\n")
    .filter(
      (line) => line.startsWith("http_request_duration_seconds_count{") && line.includes('route="/healthz"'),
    )
    .reduce((sum, line) => sum + Number(line.split(" ").at(-1)), 0);
}

const describeWithDatabase = process.env.TEST_DATABASE_URL ? describe : describe.skip;

describeWithDatabase("WEB_CONCURRENCY=2 (node:cluster)", () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it("two workers share the port and the metrics, a dead worker is replaced, SIGTERM exits 0", async () => {
    const run = runMain({ PORT: "0", DATABASE_URL: db.url, WEB_CONCURRENCY: "2", LOG_LEVEL: "info" });
    try {
      const base = await until(
        "two workers",
        () => /2 workers listening on (http:\/\/[\d.:]+)/.exec(run.output())?.[1],
      );
      // Two service processes under the primary.
      const workersOf = async () => {
        const all = await descendants(run.child.pid ?? 0);
        const named = await Promise.all(
          all.map(async (pid) => ({
            pid,
            cmd: await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => ""),
          })),
        );
        return named.filter((p) => p.cmd.includes("main.ts")).map((p) => p.pid);
      };
      const before = await until("worker pids", async () => {
        const pids = await workersOf();
        return pids.length >= 3 ? pids : undefined; // the primary and two workers
      });
      expect(before).toHaveLength(3);
      expect(run.output()).toMatch(/"worker":1/);
      expect(run.output()).toMatch(/"worker":2/);

      for (let i = 0; i < 20; i += 1) expect((await getOnce(`${base}/healthz`)).status).toBe(200);
      // Each worker counted its own share; /metrics (whichever worker answers) is the sum of both.
      const metrics = await getOnce(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(healthzCount(metrics.body)).toBe(20);
      expect((await getOnce(`${base}/readyz`)).status).toBe(200);

      // A worker killed outright is replaced; the port keeps answering meanwhile. Workers are the
      // main.ts processes whose parent is main.ts too (the primary).
      const parentOf = async (pid: number) =>
        Number((await readFile(`/proc/${pid}/stat`, "utf8")).split(") ")[1]?.split(" ")[1]);
      const workers: number[] = [];
      for (const pid of before) if (before.includes(await parentOf(pid))) workers.push(pid);
      expect(workers).toHaveLength(2);
      process.kill(workers[0] ?? 0, "SIGKILL");
      // Once the primary knows, new connections go to the worker left (one handed to the dying worker
      // before that is lost with it: a restart is no substitute for a second instance).
      await until("the primary to notice", () =>
        run.output().includes("worker exited; starting another") ? true : undefined,
      );
      expect((await getOnce(`${base}/healthz`)).status).toBe(200);
      const replaced = await until("a new worker", async () => {
        const pids = await workersOf();
        const fresh = pids.filter((pid) => !before.includes(pid));
        return fresh.length === 1 && pids.length === 3 ? fresh : undefined;
      });
      expect(replaced).toHaveLength(1);
      await until("the replacement to listen", () =>
        run.output().includes("replacement worker listening") ? true : undefined,
      );
      for (let i = 0; i < 4; i += 1) expect((await getOnce(`${base}/healthz`)).status).toBe(200);

      run.child.kill("SIGTERM");
      const code = await Promise.race([
        run.exited,
        new Promise<string>((resolve) =>
          setTimeout(() => resolve("still running 60 s after SIGTERM"), 60_000),
        ),
      ]);
      expect(code, run.output().slice(-4000)).toBe(0);
      expect(await workersOf()).toEqual([]);
    } finally {
      // Whatever happened, nothing of it outlives the test (tsx, the primary and the workers).
      for (const pid of await descendants(run.child.pid ?? 0)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  }, 200_000);

  it("with the embedded database stays one process and says why", async () => {
    const run = runMain({ PORT: "0", DATA_DIR: "memory://", WEB_CONCURRENCY: "4", LOG_LEVEL: "info" });
    try {
      const base = await until(
        "the service",
        () => /service listening on (http:\/\/[\d.:]+)/.exec(run.output())?.[1],
      );
      expect(run.output()).toMatch(/embedded Postgres \(no DATABASE_URL\) belongs to one process/);
      expect((await getOnce(`${base}/healthz`)).status).toBe(200);
      expect(run.output()).not.toMatch(/workers listening/);
      run.child.kill("SIGTERM");
      expect(await run.exited).toBe(0);
    } finally {
      if (run.child.exitCode === null) run.child.kill("SIGKILL");
    }
  }, 120_000);
});
