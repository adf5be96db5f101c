// Process entry point: read the environment once, start the service, stop it gracefully on
// SIGTERM/SIGINT (finish in-flight requests, close the database, exit 0). With WEB_CONCURRENCY > 1
// this process is the primary of a node:cluster and each worker runs the service (src/cluster.ts).
import { ConfigError, loadConfig, type Config } from "./config.js";
import { isWorker, joinCluster, runPrimary, workerCount } from "./cluster.js";
import { migrateDeploy } from "./db/migrate.js";
import { createLogger } from "./logger.js";

let config: Config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\nSee .env.example and the README's configuration table.\n`);
    process.exit(1);
  }
  throw error;
}

const { workers, reason } = workerCount(config);
const logger = createLogger(config.log).child(
  isWorker() ? { worker: Number(process.env.SERVICE_WORKER) } : {},
);
if (reason) logger.warn({ asked: config.http.workers, reason }, "running one process");

if (workers > 1 && !isWorker()) {
  // The primary: migrate once, then fork the workers (src/cluster.ts).
  try {
    if (config.db.migrateOnStart && config.db.url) await migrateDeploy(config.db.url);
  } catch (error) {
    logger.fatal({ err: error }, "migrations failed");
    process.exit(1);
  }
  await runPrimary({
    workers,
    logger,
    shutdownTimeoutMs: config.http.shutdownTimeoutMs,
    // The benchmark and process tests start this entry as a child and wait for this message.
    onReady: (url) =>
      process.send?.({ type: "ready", url, assembly: `cluster x${workers}`, pid: process.pid }),
  });
} else {
  await serve();
}

async function serve(): Promise<void> {
  try {
    // Imported here: the primary of a cluster never loads the service.
    const { startService } = await import("./service.js");
    const service = await startService(config, logger);
    logger.info({ url: service.url }, `service listening on ${service.url}`);
    if (isWorker()) {
      service.metrics.scrape = joinCluster(service.metrics.registry, service.url);
      // The primary is gone (killed): stop like on SIGTERM.
      process.on("disconnect", () => process.kill(process.pid, "SIGTERM"));
    } else {
      process.send?.({ type: "ready", url: service.url, assembly: "startService", pid: process.pid });
    }

    let signalled = false;
    const shutdown = (signal: NodeJS.Signals) => {
      if (signalled) return;
      signalled = true;
      logger.info({ signal }, "shutting down");
      const timer = setTimeout(() => {
        logger.error("shutdown timed out; exiting");
        process.exit(1);
      }, config.http.shutdownTimeoutMs);
      timer.unref();
      service.stop().then(
        () => {
          logger.info("stopped");
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, "error while stopping");
          process.exit(1);
        },
      );
    };
    process.on("SIGTERM", shutdown);
    process.on("SIGINT", shutdown);
  } catch (error) {
    logger.fatal({ err: error }, "service failed to start");
    process.exit(1);
  }
}
