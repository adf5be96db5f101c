// Starts the service (scripts/bench/service-child.ts) as a child process with a given environment
// and waits for its "ready" message. Its log goes to a file (the log-privacy check reads it, and
// piping it through the parent would bill the parent's CPU). RSS comes from /proc (VmRSS, VmHWM).
import { fork, type ChildProcess } from "node:child_process";
import { openSync, closeSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = path.resolve(here, "../..");

export interface ServiceProcess {
  url: string;
  assembly: string;
  pid: number;
  child: ChildProcess;
  /** Current and peak resident set size in MB, from /proc/<pid>/status. */
  memory(): Promise<{ rssMb: number; peakRssMb: number }>;
  /** CPU time (user + system) the process has used so far, in seconds, from /proc/<pid>/stat. */
  cpuSeconds(): Promise<number>;
  /** The same split into user and system (kernel) time, in seconds. */
  cpuTimes(): Promise<{ user: number; system: number }>;
  /** Resolves with the exit code/signal once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM and wait (graceful stop). */
  stop(): Promise<void>;
  /** SIGKILL and wait: no cleanup at all. */
  kill(): Promise<void>;
}

export async function spawnService(options: {
  env: Record<string, string>;
  logFile: string;
  startTimeoutMs?: number;
  /** The process to run (default: the service; `compare` runs baseline-bot.ts the same way). */
  entry?: string;
}): Promise<ServiceProcess> {
  const log = openSync(options.logFile, "a");
  const child = fork(path.join(here, options.entry ?? "service-child.ts"), [], {
    cwd: projectRoot,
    execArgv: ["--import", "tsx", ...(process.env.BENCH_SERVICE_NODE_ARGS?.split(" ").filter(Boolean) ?? [])],
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp", ...options.env },
    stdio: ["ignore", log, log, "ipc"],
  });
  closeSync(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const ready = await new Promise<{ url: string; assembly: string }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`service did not start in time; see ${options.logFile}`)),
      options.startTimeoutMs ?? 60_000,
    );
    child.on("message", (message: unknown) => {
      const m = message as { type?: string; url?: string; assembly?: string };
      if (m.type === "ready" && m.url && m.assembly) {
        clearTimeout(timer);
        resolve({ url: m.url, assembly: m.assembly });
      }
    });
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(`service exited before ready (code ${code}, signal ${signal}); see ${options.logFile}`),
      );
    });
  });
  const pid = child.pid ?? 0;
  async function cpuTimes(): Promise<{ user: number; system: number }> {
    // User and system time of the process and its descendants (a cluster's workers).
    const times = { user: 0, system: 0 };
    for (const each of await processTree(pid)) {
      const stat = await readFile(`/proc/${each}/stat`, "utf8").catch(() => "");
      if (!stat) continue;
      // Fields after the parenthesised command name; utime and stime are the 12th and 13th of them.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      times.user += Number(fields[11]) / 100;
      times.system += Number(fields[12]) / 100;
    }
    return times;
  }
  return {
    ...ready,
    pid,
    child,
    exited,
    async memory() {
      // Summed over the process and its descendants (a cluster's primary and workers).
      let rssMb = 0;
      let peakRssMb = 0;
      for (const each of await processTree(pid)) {
        const status = await readFile(`/proc/${each}/status`, "utf8").catch(() => "");
        const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
        rssMb += kb("VmRSS") / 1024;
        peakRssMb += kb("VmHWM") / 1024;
      }
      return { rssMb, peakRssMb };
    },
    async cpuSeconds() {
      const { user, system } = await cpuTimes();
      return user + system;
    },
    cpuTimes,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}

/** A process and all its descendants, from /proc/<pid>/task/<tid>/children. */
async function processTree(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => [] as string[]);
  const children = new Set<number>();
  for (const tid of tasks) {
    const list = await readFile(`/proc/${pid}/task/${tid}/children`, "utf8").catch(() => "");
    for (const child of list.split(" ").filter(Boolean)) children.add(Number(child));
  }
  const below = await Promise.all([...children].map(processTree));
  return [pid, ...below.flat()];
}
