// The engine's application-failure error, seen from the channel: it carries the apology to send.
// Kept in one place so the handler does not depend on the error's exact shape.
import type { Reply } from "../../engine/replies.js";

/** The apology reply an engine failure carries, if any. */
export function apologyFrom(error: unknown): Reply | undefined {
  if (typeof error === "object" && error !== null && "apology" in error) {
    const apology = (error as { apology: unknown }).apology;
    if (typeof apology === "object" && apology !== null && typeof (apology as Reply).text === "string") {
      return apology as Reply;
    }
  }
  return undefined;
}
