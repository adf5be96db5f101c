// Expected failures of operator actions, as types the HTTP layer maps to status codes (404, 409)
// without leaking anything else; everything that is not one of these is an internal error.

/** The id or number the operator named does not exist. */
export class NotFoundError extends Error {
  override readonly name = "NotFoundError";
  constructor(
    readonly entity: string,
    readonly key: string | number,
  ) {
    super(`${entity} ${key} not found`);
  }
}

/** The request is well-formed but contradicts the current state (e.g. a token name already in use). */
export class ConflictError extends Error {
  override readonly name = "ConflictError";
}

/** A change that is well-formed alone but invalid against the stored row (e.g. a visit window that ends before it starts). */
export class InvalidChangeError extends Error {
  override readonly name = "InvalidChangeError";
  constructor(
    /** Where the problem is, as the client sent it: "body.visitTo". */
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
  }
}

/** Why a stored photo cannot be shown; the HTTP layer gives each its status (photo-problem table there). */
export type PhotoProblem =
  /** The stored reference is of no shape this service can fetch. */
  | "unreadable_ref"
  /** The photo's platform is not configured here (no token). */
  | "not_configured"
  /** The platform no longer has it (expired link, unknown file), or it was never kept. */
  | "gone"
  | "too_large"
  /** The platform failed or answered with something that is not an image. */
  | "source_failed"
  | "timeout";

/** A photo exists on the record but cannot be served. The message is safe to show (never a URL). */
export class PhotoUnavailableError extends Error {
  override readonly name = "PhotoUnavailableError";
  constructor(
    readonly problem: PhotoProblem,
    message: string,
  ) {
    super(message);
  }
}
