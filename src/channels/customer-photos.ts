// Customers' photos the service keeps itself (table customer_photo): the web chat's uploads, which
// have no platform host, and copies of Viber pictures, whose download links expire within days. The
// engine gets `<channel>-photo:<uuid>` as the photo's reference, like a Telegram file id, and stores
// it with the reading or service order; the operator API reads the bytes back by that id.
// Ids are derived from the platform's id of the message, so a redelivered upload or callback finds
// the copy it already made instead of storing a second one.
import { createHash } from "node:crypto";
import type { ChannelName } from "../engine/events.js";

/** Reference prefixes of kept photos, per channel that keeps them (Telegram keeps its own files). */
export const KEPT_PHOTO_REF_PREFIXES = {
  web: "web-photo:",
  viber: "viber-photo:",
} as const satisfies Partial<Record<ChannelName, string>>;

export type KeepingChannel = keyof typeof KEPT_PHOTO_REF_PREFIXES;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function keptPhotoRef(channel: KeepingChannel, id: string): string {
  return `${KEPT_PHOTO_REF_PREFIXES[channel]}${id}`;
}

/** The channel and id of a kept photo's reference; undefined for any other reference. */
export function parseKeptPhotoRef(ref: string): { channel: KeepingChannel; id: string } | undefined {
  for (const channel of Object.keys(KEPT_PHOTO_REF_PREFIXES) as KeepingChannel[]) {
    const prefix = KEPT_PHOTO_REF_PREFIXES[channel];
    if (!ref.startsWith(prefix)) continue;
    const id = ref.slice(prefix.length);
    return UUID.test(id) ? { channel, id: id.toLowerCase() } : undefined;
  }
  return undefined;
}

/** A UUID derived from the parts (SHA-256, shaped with version 5 and the RFC 4122 variant bits). */
export function derivedPhotoId(...parts: string[]): string {
  const hex = createHash("sha256").update(parts.join("\u0000")).digest("hex");
  const variant = ((parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export interface KeptPhoto {
  id: string;
  /** The sender's conversation address. */
  address: string;
  /** Read from the bytes (image/jpeg, image/png, image/webp, image/gif). */
  contentType: string;
  bytes: Buffer;
}

/**
 * Where kept photos live (src/db/customer-photo-store.ts on customer_photo). A database that cannot
 * be reached surfaces as StoreUnavailableError, so a webhook answers 503 and the platform redelivers.
 */
export interface CustomerPhotoStore {
  has(id: string): Promise<boolean>;
  /** Stores the photo unless one with its id exists (then the first copy stays and this is a no-op). */
  keep(photo: KeptPhoto): Promise<void>;
}
