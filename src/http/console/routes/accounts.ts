// Account lookup by number, meter serial or address, and one account's page: linked channels
// (phones masked for every role), open requests, recent readings with photos.
import type { FastifyPluginAsync } from "fastify";
import { accountContext } from "../../../operator/account-context.js";
import { searchAccounts } from "../../../operator/account-search.js";
import { mayOpen } from "../nav.js";
import { userOf, type ConsoleDeps } from "../context.js";
import { renderPage } from "../render.js";
import { forbidden } from "./inbox.js";

export function accountRoutes(deps: ConsoleDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/accounts", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "accounts")) throw forbidden();
      const q = (request.query as Record<string, unknown>).q;
      const query = typeof q === "string" ? q.trim().slice(0, 100) : "";
      const hits = query ? await searchAccounts(deps.prisma, query) : [];
      if (hits.length === 1 && hits[0]!.matchedBy !== "address") {
        return reply.redirect(`/console/accounts/${hits[0]!.number}`, 303);
      }
      return renderPage(
        reply,
        "accounts",
        { query, hits },
        { identity, language: identity.language, current: "accounts", title: "accounts" },
      );
    });

    app.get("/accounts/:number", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "accounts")) throw forbidden();
      const number = (request.params as { number: string }).number;
      if (!/^\d{1,20}$/.test(number)) throw Object.assign(new Error("bad number"), { statusCode: 404 });
      const context = await accountContext(deps.prisma, number);
      return renderPage(
        reply,
        "account",
        { context, now: deps.now() },
        { identity, language: identity.language, current: "accounts", title: number },
      );
    });
  };
}
