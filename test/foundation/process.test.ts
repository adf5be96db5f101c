// The process as a user runs it: a bad variable exits 1 naming it; SIGTERM during requests lets
// in-flight requests finish and exits 0 quickly.
import { spawn } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../src/db/migrate.js";

const tsx = path.join(projectRoot, "node_modules", ".bin", "tsx");

function runMain(env: Record<string, string>) {
  const child = spawn(tsx, ["src/main.ts"], {
    cwd: projectRoot,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", LOG_PRETTY: "off", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
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
      MIGRATE_ON_START: "false",
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
});
