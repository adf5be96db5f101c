// Errors that cross the engine boundary. Expected outcomes (a wrong account number, a reading lower
// than the last) are values inside flows, never exceptions; these are for the infrastructure.
import type { Language, Reply } from "./replies.js";

/** The store cannot be reached (database down, connection refused): the platform should redeliver. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * Handling one update failed for a reason that is not the store being down (a bug, bad data). The
 * transaction was rolled back; `apology` is a ready Reply in the user's language so the channel can
 * send it and still answer the platform 200 (a poison update must not block a chat).
 */
export class UpdateFailedError extends Error {
  override readonly name = "UpdateFailedError";
  readonly apology: Reply;
  readonly language: Language;
  constructor(message: string, options: { apology: Reply; language: Language; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.apology = options.apology;
    this.language = options.language;
  }
}
