// The operator console at /console as one fastify plugin: server-rendered pages over the same
// operator services the /api/v1 routes use (src/operator), sessions in Postgres, a CSRF token on
// every change, security headers on every page. Encapsulated: its cookie and form parsers, hooks
// and error page touch no other route.
import type { ChangeSignal } from "./handoff-live.js";
import fastifyCookie from "@fastify/cookie";
import fastifyFormbody from "@fastify/formbody";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from "fastify";
import type { Registry } from "prom-client";
import type { PrismaClient } from "../../generated/prisma/client.js";
import { billingPeriodAt } from "../../engine/reading-window.js";
import {
  authenticateSession,
  DEFAULT_SESSION_POLICY,
  sameToken,
  type SessionPolicy,
} from "../../operator/console-sessions.js";
import {
  ConflictError,
  InvalidChangeError,
  NotFoundError,
  PhotoUnavailableError,
} from "../../operator/errors.js";
import type { OperatorNotifier } from "../../operator/notify.js";
import type { PhotoSources } from "../../operator/photos.js";
import { ct, isConsoleKey } from "./i18n.js";
import { CONSOLE_PREFIX, homeOf } from "./nav.js";
import { languageOf, userOf, type ConsoleDeps } from "./context.js";
import { renderPage } from "./render.js";
import { accountRoutes } from "./routes/accounts.js";
import { adminRoutes } from "./routes/admin.js";
import { assetRoutes } from "./routes/assets.js";
import { authRoutes } from "./routes/auth.js";
import { dashboardRoutes } from "./routes/dashboard.js";
import { inboxRoutes } from "./routes/inbox.js";
import { outageRoutes } from "./routes/outages.js";
import { readingRoutes } from "./routes/readings.js";
import { scheduleRoutes } from "./routes/schedules.js";
import { conversationRoutes } from "./routes/conversations.js";
import { handoffMetrics } from "./handoff-metrics.js";

export { CONSOLE_PREFIX };

export interface ConsoleOptions {
  prisma: PrismaClient;
  notifier: OperatorNotifier;
  photoSources?: PhotoSources;
  now?: () => Date;
  currentPeriod?: (now: Date) => string;
  /** Secure cookies (and the __Host- prefix): on when the service is reached over HTTPS (PUBLIC_URL). */
  secureCookies?: boolean;
  /** Take the client address from the last X-Forwarded-For hop (behind a reverse proxy). */
  trustProxy?: boolean;
  sessionPolicy?: SessionPolicy;
  /** "Write to a person": the unanswered-too-long flag, the pages' poll interval, and /metrics. */
  handoff?: { unansweredMinutes: number; pollMs?: number; metrics?: Registry; changes?: ChangeSignal };
}

/** Pages anyone may open: sign-in and the stylesheet and script. */
const PUBLIC_PATHS = new Set([`${CONSOLE_PREFIX}/sign-in`]);
const isPublic = (url: string) =>
  PUBLIC_PATHS.has(url) ||
  url.startsWith(`${CONSOLE_PREFIX}/assets/`) ||
  // An operator's photo in a conversation, opened by the customer from its link (unguessable id).
  url.startsWith(`${CONSOLE_PREFIX}/shared-photos/`);

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; object-src 'none'; " +
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
};

export function consolePlugin(options: ConsoleOptions): FastifyPluginAsync {
  const secure = options.secureCookies ?? false;
  const deps: ConsoleDeps = {
    prisma: options.prisma,
    notifier: options.notifier,
    photoSources: options.photoSources ?? {},
    now: options.now ?? (() => new Date()),
    currentPeriod: options.currentPeriod ?? ((now) => billingPeriodAt(now).period),
    sessionPolicy: options.sessionPolicy ?? DEFAULT_SESSION_POLICY,
    cookie: { name: secure ? "__Host-console_session" : "console_session", secure },
    clientAddress(request) {
      if (options.trustProxy) {
        const forwarded = request.headers["x-forwarded-for"];
        const last = (Array.isArray(forwarded) ? forwarded.join(",") : (forwarded ?? ""))
          .split(",")
          .pop()
          ?.trim();
        if (last) return last;
      }
      return request.ip;
    },
  };

  return async function consoleApp(app: FastifyInstance): Promise<void> {
    await app.register(
      async (scope) => {
        await scope.register(fastifyCookie);
        await scope.register(fastifyFormbody, { bodyLimit: 64 * 1024 });

        scope.addHook("onRequest", async (request, reply) => {
          reply.headers({ ...SECURITY_HEADERS, "cache-control": "no-store" });
          const path = request.url.split("?")[0] ?? "";
          const token = request.cookies[deps.cookie.name];
          const identity = token
            ? await authenticateSession(deps.prisma, token, deps.now(), deps.sessionPolicy)
            : null;
          if (identity) {
            request.consoleUser = identity;
            request.log = request.log.child({ consoleUser: identity.login });
          }
          if (isPublic(path)) return;
          if (!identity) {
            if (request.method === "GET") {
              const next = encodeURIComponent(request.url);
              return reply.redirect(`${CONSOLE_PREFIX}/sign-in?next=${next}`, 303);
            }
            return reply.code(401).type("text/plain; charset=utf-8").send("Sign in first.");
          }
        });

        // Every change carries the session's CSRF token in the form (or the x-csrf-token header).
        scope.addHook("preHandler", async (request, reply) => {
          if (request.method === "GET" || request.method === "HEAD") return;
          const identity = request.consoleUser;
          // Sign-in has no session token yet; its route checks the Origin instead (login CSRF).
          if (!identity || isPublic(request.url.split("?")[0] ?? "")) return;
          const body = request.body as Record<string, unknown> | undefined;
          const presented = typeof body?._csrf === "string" ? body._csrf : request.headers["x-csrf-token"];
          if (typeof presented !== "string" || !sameToken(presented, identity.csrfToken)) {
            request.log.warn(
              { route: request.routeOptions.url },
              "console change refused: missing or wrong CSRF token",
            );
            return renderPage(
              reply,
              "error",
              { message: "csrf" },
              { identity, language: identity.language, title: "403", status: 403 },
            );
          }
        });

        scope.setErrorHandler(
          async (error: Error & { statusCode?: number }, request, reply: FastifyReply) => {
            const identity = request.consoleUser ?? null;
            const language = languageOf(request);
            let status = 500;
            let message = "internal";
            let detail: string | undefined;
            if (error instanceof NotFoundError) [status, message] = [404, "not_found"];
            else if (error instanceof ConflictError)
              [status, message, detail] = [409, "conflict", error.message];
            else if (error instanceof InvalidChangeError) {
              // The field's own explanation from the catalogue when there is one, else the service's words.
              const key = `invalid.${error.path.replace(/^body\./, "")}`;
              [status, message, detail] = [
                400,
                "invalid",
                isConsoleKey(key) ? ct(language, key) : error.reason,
              ];
            } else if (error instanceof PhotoUnavailableError)
              [status, message, detail] = [502, "photo", error.message];
            else if (error.statusCode === 403) [status, message] = [403, "forbidden"];
            else if (error.statusCode === 404) [status, message] = [404, "not_found"];
            else if (
              typeof error.statusCode === "number" &&
              error.statusCode >= 400 &&
              error.statusCode < 500
            ) {
              [status, message] = [error.statusCode, "bad_request"];
            } else request.log.error({ err: error }, "console request failed");
            return renderPage(
              reply,
              "error",
              { message, detail },
              { identity, language, title: String(status), status },
            );
          },
        );

        scope.setNotFoundHandler(async (request, reply) =>
          renderPage(
            reply,
            "error",
            { message: "not_found" },
            {
              identity: request.consoleUser ?? null,
              language: languageOf(request),
              title: "404",
              status: 404,
            },
          ),
        );

        scope.get("/", async (request, reply) => reply.redirect(homeOf(userOf(request).role), 303));
        await scope.register(assetRoutes());
        await scope.register(authRoutes(deps));
        await scope.register(inboxRoutes(deps));
        await scope.register(outageRoutes(deps));
        await scope.register(scheduleRoutes(deps));
        await scope.register(readingRoutes(deps));
        await scope.register(dashboardRoutes(deps));
        await scope.register(accountRoutes(deps));
        await scope.register(adminRoutes(deps));
        await scope.register(
          conversationRoutes(deps, {
            unansweredMinutes: options.handoff?.unansweredMinutes ?? 10,
            pollMs: options.handoff?.pollMs ?? 1000,
            ...(options.handoff?.changes ? { changes: options.handoff.changes } : {}),
            ...handoffMetrics(
              deps.prisma,
              options.handoff?.metrics,
              options.handoff?.unansweredMinutes ?? 10,
              deps.now,
            ),
          }),
        );
      },
      { prefix: CONSOLE_PREFIX },
    );
  };
}
