// Process entry point: read the environment once, start the service, stop it gracefully on
// SIGTERM/SIGINT (finish in-flight requests, close the database, exit 0).
import { ConfigError, loadConfig, type Config } from "./config.js";
import { createLogger } from "./logger.js";
import { startService } from "./service.js";

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

const logger = createLogger(config.log);

try {
  const service = await startService(config, logger);
  logger.info({ url: service.url }, `service listening on ${service.url}`);

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
