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
  return pino(base);
}
