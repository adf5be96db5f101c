// pino, JSON by default and pretty only on a terminal. Phone numbers, tokens and secrets are
// redacted by path; message texts are never logged by the channels in the first place.
import { pino, type Logger, type DestinationStream } from "pino";

export type { Logger };

/** Paths whose values never reach a log line, wherever they appear in a logged object. */
export const redactPaths = [
  "phone",
  "*.phone",
  "phones",
  "*.phones",
  "contactPhone",
  "*.contactPhone",
  "token",
  "*.token",
  "authToken",
  "*.authToken",
  "secret",
  "*.secret",
  "password",
  "*.password",
  "holderName",
  "*.holderName",
  "req.headers.authorization",
  'req.headers["x-telegram-bot-api-secret-token"]',
  'req.headers["x-viber-content-signature"]',
  "headers.authorization",
  "databaseUrl",
  "*.databaseUrl",
];

export interface LoggerOptions {
  level: string;
  pretty: "auto" | "on" | "off";
}

export function createLogger(options: LoggerOptions, destination?: DestinationStream): Logger {
  const pretty = options.pretty === "on" || (options.pretty === "auto" && process.stdout.isTTY === true);
  const base = {
    level: options.level,
    redact: { paths: redactPaths, censor: "[redacted]" },
    base: { service: "power-bot" },
  };
  if (destination) return pino(base, destination);
  if (pretty) {
    return pino({
      ...base,
      transport: { target: "pino-pretty", options: { colorize: true, translateTime: "SYS:HH:MM:ss.l" } },
    });
  }
  // Buffered, not one write(2) per line: lines leave in blocks of 4 KB, and at least every second so
  // a quiet service's log is never more than a second behind; pino writes what is left on exit. A
  // process killed with SIGKILL loses at most that second.
  const stream = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  let closed = false;
  stream.on("close", () => (closed = true));
  setInterval(() => {
    if (!closed) stream.flush();
  }, LOG_FLUSH_MS).unref();
  return pino(base, stream);
}

/** Longest time a log line waits in the buffer. */
export const LOG_FLUSH_MS = 1_000;
