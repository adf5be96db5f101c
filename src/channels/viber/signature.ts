// Viber signs every callback: X-Viber-Content-Signature is the hex HMAC-SHA256 of the exact raw
// body, keyed by the bot's auth token. Verifying over the raw bytes (before any JSON parsing) and
// in constant time is what keeps forged or altered callbacks from reaching the engine.
import { createHmac, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADER = "x-viber-content-signature";

/** Hex HMAC-SHA256 of the body with the auth token, as Viber computes it. */
export function signViberBody(rawBody: Buffer | string, authToken: string): string {
  return createHmac("sha256", authToken).update(rawBody).digest("hex");
}

/**
 * True when `signature` (hex, from the header or the `sig` query parameter) matches the body.
 * Anything that is not 64 hex characters is rejected before comparing, so the comparison always
 * runs over two 32-byte buffers.
 */
export function isValidViberSignature(
  rawBody: Buffer,
  signature: string | undefined,
  authToken: string,
): boolean {
  if (signature === undefined || !/^[0-9a-fA-F]{64}$/.test(signature)) return false;
  const expected = createHmac("sha256", authToken).update(rawBody).digest();
  const given = Buffer.from(signature, "hex");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The signature a request carries: the header first, the `sig` query parameter as a fallback. */
export function pickViberSignature(
  headers: Record<string, string | string[] | undefined>,
  query: unknown,
): string | undefined {
  const header = headers[SIGNATURE_HEADER];
  if (typeof header === "string" && header.length > 0) return header;
  if (typeof query === "object" && query !== null && "sig" in query) {
    const sig = (query as { sig?: unknown }).sig;
    if (typeof sig === "string" && sig.length > 0) return sig;
  }
  return undefined;
}
