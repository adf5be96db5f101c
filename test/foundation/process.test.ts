// The process as a user runs it: a bad variable exits 1 naming it; SIGTERM during requests lets
// in-flight requests finish and exits 0 quickly.
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runMain } from "../helpers/run-main.js";

async function waitForUrl(run: ReturnType<typeof runMain>): Promise<string> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const base = /service listening on (http:\/\/[\d.:]+)/.exec(run.output())?.[1];
    if (base) return base;
    if (Date.now() > deadline || run.child.exitCode !== null)
      throw new Error(`service did not start:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("main", () => {
  it("exits 1 naming a bad variable", async () => {
    const run = runMain({ PORT: "abc" });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/PORT: /);
  });

  it("exits 1 when a webhook mode lacks its secret", async () => {
    const run = runMain({ TELEGRAM_BOT_TOKEN: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/TELEGRAM_WEBHOOK_SECRET: required/);
  });

  it("finishes in-flight requests on SIGTERM and exits 0 within 10 s", async () => {
    const url = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
    const run = runMain({
      PORT: "0",
      LOG_LEVEL: "info",
      MIGRATE_ON_START: url ? "false" : "true",
      DATA_DIR: "memory://",
      ...(url ? { DATABASE_URL: url } : {}),
    });
    const deadline = Date.now() + 60_000;
    let base: string | undefined;
    while (!base && Date.now() < deadline) {
      base = /service listening on (http:\/\/[\d.:]+)/.exec(run.output())?.[1];
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(base, run.output()).toBeDefined();
    // A request in flight when the signal lands: its first bytes are sent before SIGTERM, the rest after.
    const { hostname, port } = new URL(base as string);
    const socket = net.connect(Number(port), hostname);
    await new Promise((resolve) => socket.once("connect", resolve));
    let response = "";
    socket.on("data", (d: Buffer) => (response += d.toString()));
    const closed = new Promise((resolve) => socket.once("close", resolve));
    socket.write("GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
    await new Promise((r) => setTimeout(r, 300));
    const signalledAt = Date.now();
    run.child.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 200));
    socket.write("Connection: close\r\n\r\n");
    await closed;
    const code = await run.exited;
    expect(response).toMatch(/^HTTP\/1\.1 (200|503) /);
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    expect(run.output()).toMatch(/"msg":"stopped"/);
  }, 90_000);

  it("with no DATABASE_URL starts the embedded Postgres with the demo accounts, and keeps them across a restart", async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), "power-bot-data-"));
    const token = "restart-test-operator-token-000000000001";
    const env = { PORT: "0", DATA_DIR: dataDir, OPERATOR_API_TOKEN: token, LOG_LEVEL: "info" };
    const account = async (base: string) =>
      fetch(`${base}/api/v1/accounts/1000000002`, { headers: { authorization: `Bearer ${token}` } });
    try {
      const first = runMain(env);
      const base1 = await waitForUrl(first);
      expect((await fetch(`${base1}/readyz`)).status).toBe(200);
      expect((await account(base1)).status).toBe(200);
      expect(first.output()).toMatch(/"demoAccountsImported":6/);
      first.child.kill("SIGTERM");
      expect(await first.exited).toBe(0);

      const second = runMain(env);
      const base2 = await waitForUrl(second);
      const again = await account(base2);
      expect(again.status).toBe(200);
      expect(((await again.json()) as { number: string }).number).toBe("1000000002");
      expect(second.output()).not.toMatch(/demoAccountsImported/);
      second.child.kill("SIGTERM");
      expect(await second.exited).toBe(0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
