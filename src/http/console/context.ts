// What the console's routes share with the plugin that registers them: the dependencies, the signed-in
// user of a request and its language. Its own file so routes never import the plugin (no circle).
import type { FastifyRequest } from "fastify";
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { ConsoleIdentity, SessionPolicy } from "../../operator/console-sessions.js";
import type { OperatorNotifier } from "../../operator/notify.js";
import type { PhotoSources } from "../../operator/photos.js";
import { languageFromHeader, type ConsoleLanguage } from "./i18n.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in console user (set by the console's session hook). */
    consoleUser?: ConsoleIdentity;
  }
}

export interface ConsoleDeps {
  prisma: PrismaClient;
  notifier: OperatorNotifier;
  photoSources: PhotoSources;
  now: () => Date;
  currentPeriod: (now: Date) => string;
  sessionPolicy: SessionPolicy;
  cookie: { name: string; secure: boolean };
  clientAddress(request: FastifyRequest): string;
}

export function languageOf(request: FastifyRequest): ConsoleLanguage {
  if (request.consoleUser) return request.consoleUser.language;
  const query = request.query as Record<string, unknown> | undefined;
  if (query?.lang === "en" || query?.lang === "uk") return query.lang;
  return languageFromHeader(request.headers["accept-language"]);
}

/** The signed-in identity of a request that passed the session hook. */
export function userOf(request: FastifyRequest): ConsoleIdentity {
  if (!request.consoleUser) throw new Error("console route reached without a session");
  return request.consoleUser;
}
