// Admin pages: console users (create, disable, enable, new password), operator API tokens (create,
// shown once; revoke) and the audit log. Every change here is audited too.
import type { FastifyPluginAsync } from "fastify";
import { listAudit, recordAudit } from "../../../operator/audit.js";
import {
  createOperatorUser,
  disableOperatorUser,
  enableOperatorUser,
  listOperatorUsers,
  OPERATOR_ROLES,
  resetOperatorPassword,
} from "../../../operator/operator-users.js";
import { createOperatorToken, listOperatorTokens, revokeOperatorToken } from "../../../operator/tokens.js";
import { InvalidChangeError } from "../../../operator/errors.js";
import { body, oneOf, text } from "../forms.js";
import { mayOpen } from "../nav.js";
import { userOf, type ConsoleDeps } from "../context.js";
import { renderPage } from "../render.js";
import { forbidden, requireAction } from "./inbox.js";

const TOKEN_NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function adminRoutes(deps: ConsoleDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/users", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "users")) throw forbidden();
      const users = await listOperatorUsers(deps.prisma, deps.now());
      return renderPage(
        reply,
        "users",
        { users, roles: OPERATOR_ROLES },
        { identity, language: identity.language, current: "users", title: "users" },
      );
    });

    app.post("/users", async (request, reply) => {
      requireAction(request, "manageUsers");
      const form = body(request);
      const role = oneOf("role", form.role, OPERATOR_ROLES);
      if (!role) throw new InvalidChangeError("role", "choose a role");
      const user = await createOperatorUser(deps.prisma, {
        login: text(form, "login", 64) ?? "",
        role,
        password: typeof form.password === "string" ? form.password : "",
      });
      await recordAudit(
        deps.prisma,
        { kind: "user", login: userOf(request).login },
        {
          action: "operator_user.create",
          entity: "operator_user",
          entityId: user.login,
          details: { role },
        },
      );
      return reply.redirect("/console/users?done=created", 303);
    });

    app.post("/users/:login", async (request, reply) => {
      requireAction(request, "manageUsers");
      const login = (request.params as { login: string }).login;
      const form = body(request);
      const action = oneOf("action", form.action, ["disable", "enable", "reset_password"] as const);
      if (action === "disable") {
        if (login === userOf(request).login)
          throw new InvalidChangeError("login", "you cannot disable yourself");
        await disableOperatorUser(deps.prisma, login, deps.now());
      } else if (action === "enable") await enableOperatorUser(deps.prisma, login);
      else if (action === "reset_password") {
        await resetOperatorPassword(
          deps.prisma,
          login,
          typeof form.password === "string" ? form.password : "",
          deps.now(),
        );
      } else throw new InvalidChangeError("action", "unknown action");
      await recordAudit(
        deps.prisma,
        { kind: "user", login: userOf(request).login },
        {
          action: `operator_user.${action}`,
          entity: "operator_user",
          entityId: login,
        },
      );
      return reply.redirect(`/console/users?done=${action}`, 303);
    });

    app.get("/tokens", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "tokens")) throw forbidden();
      return renderPage(
        reply,
        "tokens",
        { tokens: await listOperatorTokens(deps.prisma), created: undefined },
        { identity, language: identity.language, current: "tokens", title: "tokens" },
      );
    });

    app.post("/tokens", async (request, reply) => {
      requireAction(request, "manageUsers");
      const identity = userOf(request);
      const form = body(request);
      const name = text(form, "name", 64) ?? "";
      if (!TOKEN_NAME.test(name))
        throw new InvalidChangeError("name", "1-64 characters: letters, digits, '.', '_' or '-'");
      if (form.action === "revoke") {
        await revokeOperatorToken(deps.prisma, name);
        await recordAudit(
          deps.prisma,
          { kind: "user", login: identity.login },
          {
            action: "operator_token.revoke",
            entity: "operator_token",
            entityId: name,
          },
        );
        return reply.redirect("/console/tokens", 303);
      }
      const created = await createOperatorToken(deps.prisma, name);
      await recordAudit(
        deps.prisma,
        { kind: "user", login: identity.login },
        {
          action: "operator_token.create",
          entity: "operator_token",
          entityId: name,
        },
      );
      // Shown on this answer only (not after a redirect): only its hash is kept.
      return renderPage(
        reply,
        "tokens",
        { tokens: await listOperatorTokens(deps.prisma), created },
        { identity, language: identity.language, current: "tokens", title: "tokens" },
      );
    });

    app.get("/audit", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "audit")) throw forbidden();
      const query = request.query as Record<string, unknown>;
      const before =
        typeof query.before === "string" && /^\d{1,18}$/.test(query.before)
          ? BigInt(query.before)
          : undefined;
      const entries = await listAudit(deps.prisma, {
        limit: 100,
        ...(before !== undefined ? { beforeId: before } : {}),
      });
      const last = entries[entries.length - 1];
      return renderPage(
        reply,
        "audit",
        { entries, next: entries.length === 100 && last ? last.id : null },
        { identity, language: identity.language, current: "audit", title: "audit" },
      );
    });
  };
}
