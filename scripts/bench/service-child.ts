// The service as its own process for the benchmark and the reliability checks (honest RSS, and a
// process that can be SIGKILLed): the environment -> Config -> the service, like src/main.ts, plus
// an IPC "ready" message carrying the URL and which assembly ran. SIGTERM stops it gracefully.
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { startBenchService } from "./assemble.js";

const config = loadConfig(process.env);
const logger = createLogger(config.log);
const service = await startBenchService(config, logger);
process.send?.({ type: "ready", url: service.url, assembly: service.assembly, pid: process.pid });

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  service.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.error({ err: error }, "stop failed");
      process.exit(1);
    },
  );
});
process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
