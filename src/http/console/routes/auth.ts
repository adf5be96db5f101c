// Sign-in, sign-out and the language switch. Sign-in answers the same for an unknown login, a wrong
// password and a disabled user; too many failures for a login or from an address answer 429 with
// Retry-After. A successful sign-in always issues a new session id (the one the browser came with,
// if any, is revoked), so an id planted before sign-in never becomes a signed-in one.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { recordAudit } from "../../../operator/audit.js";
import { signIn, signOut } from "../../../operator/console-sessions.js";
import { setOperatorLanguage } from "../../../operator/operator-users.js";
import { CONSOLE_PREFIX, homeOf } from "../nav.js";
import { languageOf, userOf, type ConsoleDeps } from "../context.js";
import { renderPage } from "../render.js";

/** Only a path inside the console may follow sign-in (no open redirect). */
function safeNext(value: unknown): string | undefined {
  return typeof value === "string" && /^\/console(\/[\w\-/.?=&%]*)?$/.test(value) && !value.includes("//")
    ? value
    : undefined;
}

/** A sign-in posted from another site's page is refused (login CSRF): the Origin must be ours. */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return request.headers["sec-fetch-site"] !== "cross-site";
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

export function authRoutes(deps: ConsoleDeps): FastifyPluginAsync {
  const cookieOptions = {
    path: "/",
    httpOnly: true,
    sameSite: "strict" as const,
    secure: deps.cookie.secure,
  };

  function signInPage(
    request: FastifyRequest,
    reply: FastifyReply,
    problem?: "invalid" | "limited" | "origin",
    login = "",
    status = 200,
  ) {
    const query = request.query as Record<string, unknown>;
    const language = languageOf(request);
    return renderPage(
      reply,
      "sign-in",
      {
        problem,
        login,
        next: safeNext(query.next) ?? safeNext((request.body as Record<string, unknown>)?.next) ?? "",
      },
      { identity: null, language, title: "sign-in", status },
    );
  }

  return async (app) => {
    app.get("/sign-in", async (request, reply) => {
      if (request.consoleUser) return reply.redirect(homeOf(request.consoleUser.role), 303);
      return signInPage(request, reply);
    });

    app.post("/sign-in", async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const login = typeof body.login === "string" ? body.login : "";
      const password = typeof body.password === "string" ? body.password : "";
      if (!sameOrigin(request)) return signInPage(request, reply, "origin", login, 403);
      const previous = request.cookies[deps.cookie.name];
      const result = await signIn(
        deps.prisma,
        {
          login,
          password,
          ip: deps.clientAddress(request),
          ...(previous ? { previousToken: previous } : {}),
        },
        deps.now(),
        deps.sessionPolicy,
      );
      if (result.kind === "limited") {
        request.log.warn({ retryAfter: result.retryAfterSeconds }, "console sign-in rate-limited");
        reply.header("retry-after", String(result.retryAfterSeconds));
        return signInPage(request, reply, "limited", login, 429);
      }
      if (result.kind === "invalid") {
        request.log.info("console sign-in failed");
        return signInPage(request, reply, "invalid", login, 401);
      }
      request.consoleUser = result.identity;
      await recordAudit(
        deps.prisma,
        { kind: "user", login: result.identity.login },
        {
          action: "session.sign_in",
          entity: "operator_user",
          entityId: result.identity.login,
        },
      );
      reply.setCookie(deps.cookie.name, result.token, {
        ...cookieOptions,
        maxAge: Math.floor(deps.sessionPolicy.absoluteMs / 1000),
      });
      return reply.redirect(safeNext(body.next) ?? homeOf(result.identity.role), 303);
    });

    app.post("/sign-out", async (request, reply) => {
      const token = request.cookies[deps.cookie.name];
      if (token) await signOut(deps.prisma, token, deps.now());
      await recordAudit(
        deps.prisma,
        { kind: "user", login: userOf(request).login },
        {
          action: "session.sign_out",
          entity: "operator_user",
          entityId: userOf(request).login,
        },
      );
      reply.clearCookie(deps.cookie.name, cookieOptions);
      return reply.redirect(`${CONSOLE_PREFIX}/sign-in`, 303);
    });

    app.post("/language", async (request, reply) => {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const language = body.language === "en" ? "en" : "uk";
      await setOperatorLanguage(deps.prisma, userOf(request).userId, language);
      const back = safeNext(body.back) ?? homeOf(userOf(request).role);
      return reply.redirect(back, 303);
    });
  };
}
