// Bearer-token gate for /api/v1: runs on request (before any body is read, so an unauthenticated
// import never streams a byte into the importer) and answers 401 with no hint of why.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { PrismaClient } from "../../generated/prisma/client.js";
import type { Actor } from "../../operator/audit.js";
import { authenticateOperator, type OperatorIdentity } from "../../operator/tokens.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the operator API's auth hook; the audit trail of who changed what. */
    operator?: OperatorIdentity;
  }
}

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export function operatorAuthHook(prisma: PrismaClient, bootstrapToken: string | undefined) {
  return async function requireOperator(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const match = BEARER.exec(request.headers.authorization ?? "");
    const identity = match?.[1] ? await authenticateOperator(prisma, bootstrapToken, match[1]) : null;
    if (!identity) {
      await reply
        .code(401)
        .header("www-authenticate", 'Bearer realm="operator-api"')
        .send({ error: "unauthorized", message: "A valid bearer token is required" });
      return reply;
    }
    request.operator = identity;
    request.log = request.log.child({ operator: identity.kind === "token" ? identity.name : "bootstrap" });
  };
}

/** Who the audit log names for an API request. */
export function actorOf(request: FastifyRequest): Actor {
  const identity = request.operator;
  return identity?.kind === "token" ? { kind: "token", name: identity.name } : { kind: "bootstrap" };
}

/** The caller's name for a schedule publication: the token's name, "bootstrap" for OPERATOR_API_TOKEN. */
export function operatorName(request: FastifyRequest): string {
  const actor = actorOf(request);
  return actor.kind === "token" ? actor.name : "bootstrap";
}
