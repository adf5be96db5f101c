// The operator API's one error boundary: validation problems become 400 with each field's path and
// reason, expected domain outcomes their status (404, 409), and anything else a bare 500 whose
// details stay in the log.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors } from "fastify-type-provider-zod";
import { CsvHeaderError } from "../../import/csv-batches.js";
import {
  ConflictError,
  InvalidChangeError,
  NotFoundError,
  PhotoUnavailableError,
  type PhotoProblem,
} from "../../operator/errors.js";

export interface FieldIssue {
  path: string;
  reason: string;
}

/** "/visitTo" in the body -> "body.visitTo"; the request part itself when the whole part is wrong. */
function fieldPath(context: string | undefined, instancePath: string): string {
  const segments = instancePath.split("/").filter((segment) => segment.length > 0);
  return [context ?? "request", ...segments].join(".");
}

/** A photo that exists on a record but cannot be served: what the operator gets, per reason. */
const PHOTO_PROBLEMS: Record<PhotoProblem, { status: number; error: string }> = {
  unreadable_ref: { status: 404, error: "photo_ref_unreadable" },
  not_configured: { status: 409, error: "photo_source_not_configured" },
  gone: { status: 410, error: "photo_gone" },
  too_large: { status: 422, error: "photo_too_large" },
  source_failed: { status: 502, error: "photo_source_failed" },
  timeout: { status: 504, error: "photo_source_timeout" },
};

export async function operatorErrorHandler(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply> {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues: FieldIssue[] = error.validation.map((issue) => ({
      path: fieldPath(error.validationContext, issue.instancePath),
      reason: issue.message ?? "invalid",
    }));
    return reply.code(400).send({ error: "bad_request", message: "The request is invalid", issues });
  }
  if (error instanceof InvalidChangeError) {
    return reply.code(400).send({
      error: "bad_request",
      message: "The request is invalid",
      issues: [{ path: error.path, reason: error.reason }],
    });
  }
  if (error instanceof CsvHeaderError) {
    return reply.code(400).send({
      error: "bad_request",
      message: `Not an ${error.format} CSV`,
      issues: [{ path: "body.header", reason: error.message }],
    });
  }
  if (error instanceof NotFoundError) {
    return reply.code(404).send({ error: "not_found", message: error.message });
  }
  if (error instanceof PhotoUnavailableError) {
    const { status, error: code } = PHOTO_PROBLEMS[error.problem];
    // The message names the platform and its answer, never a URL (see src/channels/media-download.ts).
    request.log.warn({ problem: error.problem, reason: error.message }, "photo not served");
    return reply.code(status).send({ error: code, message: error.message });
  }
  if (error instanceof ConflictError) {
    return reply.code(409).send({ error: "conflict", message: error.message });
  }
  // Fastify's own client errors (malformed JSON, unsupported media type, body too large) carry a
  // 4xx status and a message written for clients.
  const status = typeof error.statusCode === "number" ? error.statusCode : 500;
  if (status >= 400 && status < 500) {
    return reply.code(status).send({ error: error.code ?? "bad_request", message: error.message });
  }
  request.log.error({ err: error }, "operator API request failed");
  return reply.code(500).send({ error: "internal", message: "Internal error" });
}
