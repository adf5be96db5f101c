// Runs `tsx src/main.ts` as a user would (a child process with only the given environment), keeping
// its output for assertions and its exit code.
import { spawn } from "node:child_process";
import path from "node:path";
import { projectRoot } from "../../src/db/migrate.js";

const tsx = path.join(projectRoot, "node_modules", ".bin", "tsx");

export function runMain(env: Record<string, string>) {
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
