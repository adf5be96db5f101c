// Errors that cross the engine boundary. Expected outcomes (a wrong account number, a reading lower
// than the last) are values inside flows, never exceptions; these are for the infrastructure.

/** The store cannot be reached (database down, connection refused): the platform should redeliver. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
