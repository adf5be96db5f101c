// Bounded downloads of a customer's photo from a messenger's file host, for the operator API: http(s)
// only, one deadline for the whole transfer, a byte cap enforced while reading (a missing or lying
// Content-Length cannot make it buffer more), and the image type read from the bytes themselves
// (file hosts often say application/octet-stream). Errors never carry the URL: Telegram's file
// URLs contain the bot token, Viber's media links a download token.

/** Why a photo could not be fetched; the operator API maps each to a status. */
export type MediaFailure =
  /** The platform no longer has it (expired link, unknown file id). */
  | "gone"
  | "too_large"
  /** The bytes are not a JPEG, PNG, WebP or GIF image. */
  | "not_image"
  /** Network error or an unexpected answer from the platform. */
  | "unreachable"
  | "timeout"
  /** The stored link is not an http(s) URL. */
  | "bad_url";

export class MediaFetchError extends Error {
  override readonly name = "MediaFetchError";
  constructor(
    readonly failure: MediaFailure,
    /** Safe to log and to show: never the URL. */
    message: string,
  ) {
    super(message);
  }
}

export interface MediaLimits {
  maxBytes: number;
  /** For the whole request, body included. */
  timeoutMs: number;
}

/** Telegram lets bots download up to 20 MB; a phone camera's photo is a few MB. */
export const DEFAULT_MEDIA_LIMITS: MediaLimits = { maxBytes: 10 * 1024 * 1024, timeoutMs: 15_000 };

export type ImageType = "image/jpeg" | "image/png" | "image/webp" | "image/gif";

export interface DownloadedImage {
  bytes: Buffer;
  contentType: ImageType;
}

/** The image type by its magic number, or undefined when the bytes are none of the four. */
export function sniffImageType(bytes: Buffer): ImageType | undefined {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return "image/jpeg";
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "image/png";
  if (
    bytes.subarray(0, 4).toString("latin1") === "RIFF" &&
    bytes.subarray(8, 12).toString("latin1") === "WEBP"
  )
    return "image/webp";
  const gif = bytes.subarray(0, 6).toString("latin1");
  if (gif === "GIF87a" || gif === "GIF89a") return "image/gif";
  return undefined;
}

/** True for an absolute http: or https: URL. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** Statuses of a file host that mean "this file is not here any more" (403: an expired signed link). */
const GONE_STATUSES = new Set([403, 404, 410]);

/**
 * GETs an image. `what` names the source in error messages ("Viber's media link"). Redirects are
 * followed (fetch follows only http(s) ones, at most 20).
 */
export async function downloadImage(
  url: string,
  limits: MediaLimits,
  what: string,
): Promise<DownloadedImage> {
  if (!isHttpUrl(url)) throw new MediaFetchError("bad_url", `${what} is not an http(s) URL`);
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const response = await fetch(url, { signal, redirect: "follow", headers: { accept: "image/*" } });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      if (GONE_STATUSES.has(response.status)) {
        throw new MediaFetchError("gone", `${what} answered ${response.status}: the file is no longer there`);
      }
      throw new MediaFetchError("unreachable", `${what} answered ${response.status}`);
    }
    const declared = Number(response.headers.get("content-length") ?? "");
    if (Number.isFinite(declared) && declared > limits.maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new MediaFetchError("too_large", `the file is larger than ${limits.maxBytes} bytes`);
    }
    const bytes = await readCapped(response, limits.maxBytes);
    const contentType = sniffImageType(bytes);
    if (!contentType)
      throw new MediaFetchError("not_image", `${what} did not return a JPEG, PNG, WebP or GIF image`);
    return { bytes, contentType };
  } catch (error) {
    if (error instanceof MediaFetchError) throw error;
    // The fetch error's message and cause may hold the URL: only its kind is kept.
    if (signal.aborted) {
      throw new MediaFetchError("timeout", `${what} did not answer within ${limits.timeoutMs} ms`);
    }
    throw new MediaFetchError("unreachable", `${what} could not be reached`);
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<Buffer> {
  if (!response.body) return Buffer.alloc(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new MediaFetchError("too_large", `the file is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, total);
}
