// The photos customers attach (a meter photo with a reading, a fault photo with a service order), for
// operators. A record stores its channel's reference (see src/channels/README.md): web chat photos
// and Viber pictures are kept by the service in customer_photo (`web-photo:` / `viber-photo:<uuid>`),
// served from the database; Telegram keeps its files and is asked on every view. Older Viber rows
// carry the picture's download link (`viber-media:`), fetched while Viber still serves it, or only
// its message token (`viber-message:`), which cannot be fetched.
import {
  MediaFetchError,
  isHttpUrl,
  sniffImageType,
  type DownloadedImage,
} from "../channels/media-download.js";
import { parseKeptPhotoRef, type KeepingChannel } from "../channels/customer-photos.js";
import { VIBER_MEDIA_REF_PREFIX, VIBER_MESSAGE_REF_PREFIX } from "../channels/viber/media.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { NotFoundError, PhotoUnavailableError, type PhotoProblem } from "./errors.js";

/** The platforms' file hosts; a platform missing here is not configured (no token). */
export interface PhotoSources {
  telegram?: { download(fileId: string): Promise<DownloadedImage> };
  viber?: { download(url: string): Promise<DownloadedImage> };
}

export type PhotoRef =
  /** A photo the service keeps in customer_photo (web chat uploads, Viber pictures since they are copied). */
  | { source: KeepingChannel; kept: true; id: string }
  | { source: "telegram"; fileId: string }
  /**
   * An older Viber row: the picture's download link, or undefined when only its message token was
   * stored (cannot be fetched).
   */
  | { source: "viber"; kept: false; url: string | undefined };

export interface Photo {
  source: PhotoRef["source"];
  bytes: Buffer;
  contentType: string;
}

const KEPT_BY: Record<KeepingChannel, string> = { web: "web chat", viber: "Viber" };

/** Telegram file ids are URL-safe base64 (no ":"; so they cannot collide with the prefixed refs). */
const TELEGRAM_FILE_ID = /^[A-Za-z0-9_-]{8,255}$/;

/** Reads a stored reference, or undefined when it has no shape a channel writes. */
export function parsePhotoRef(ref: string): PhotoRef | undefined {
  const kept = parseKeptPhotoRef(ref);
  if (kept) return { source: kept.channel, kept: true, id: kept.id };
  if (ref.startsWith(VIBER_MEDIA_REF_PREFIX)) {
    const url = ref.slice(VIBER_MEDIA_REF_PREFIX.length);
    return isHttpUrl(url) ? { source: "viber", kept: false, url } : undefined;
  }
  if (ref.startsWith(VIBER_MESSAGE_REF_PREFIX)) {
    return /^\d{1,20}$/.test(ref.slice(VIBER_MESSAGE_REF_PREFIX.length))
      ? { source: "viber", kept: false, url: undefined }
      : undefined;
  }
  return TELEGRAM_FILE_ID.test(ref) ? { source: "telegram", fileId: ref } : undefined;
}

export async function readingPhoto(prisma: PrismaClient, sources: PhotoSources, id: number): Promise<Photo> {
  const row = await prisma.meterReading.findUnique({ where: { id }, select: { photoRef: true } });
  if (!row) throw new NotFoundError("reading", id);
  if (row.photoRef === null) throw new NotFoundError("photo of reading", id);
  return fetchPhoto(prisma, sources, row.photoRef);
}

export async function serviceOrderPhoto(
  prisma: PrismaClient,
  sources: PhotoSources,
  id: number,
): Promise<Photo> {
  const row = await prisma.serviceOrder.findUnique({ where: { id }, select: { photoRef: true } });
  if (!row) throw new NotFoundError("service order", id);
  if (row.photoRef === null) throw new NotFoundError("photo of service order", id);
  return fetchPhoto(prisma, sources, row.photoRef);
}

export async function fetchPhoto(
  prisma: PrismaClient,
  sources: PhotoSources,
  stored: string,
): Promise<Photo> {
  const ref = parsePhotoRef(stored);
  if (!ref) {
    throw new PhotoUnavailableError(
      "unreadable_ref",
      "The stored photo reference is not one this service can fetch",
    );
  }
  if (ref.source === "telegram") {
    const telegram = sources.telegram;
    if (!telegram) throw notConfigured("Telegram", "TELEGRAM_BOT_TOKEN");
    return { source: "telegram", ...(await fromPlatform(() => telegram.download(ref.fileId))) };
  }
  if (ref.kept) {
    const row = await prisma.customerPhoto.findUnique({
      where: { id: ref.id },
      select: { mimeType: true, bytes: true },
    });
    if (!row) throw new PhotoUnavailableError("gone", `The ${KEPT_BY[ref.source]} photo is no longer stored`);
    const bytes = Buffer.from(row.bytes);
    // Checked when it was kept; read from the bytes again so the header always matches what is sent.
    return { source: ref.source, bytes, contentType: sniffImageType(bytes) ?? row.mimeType };
  }
  const viber = sources.viber;
  const url = ref.url;
  if (url === undefined) {
    throw new PhotoUnavailableError(
      "gone",
      "This Viber photo was stored without its download link and cannot be fetched",
    );
  }
  if (!viber) throw notConfigured("Viber", "VIBER_AUTH_TOKEN");
  return { source: "viber", ...(await fromPlatform(() => viber.download(url))) };
}

function notConfigured(platform: string, variable: string): PhotoUnavailableError {
  return new PhotoUnavailableError(
    "not_configured",
    `The photo is on ${platform}, which is not configured here (${variable})`,
  );
}

const PROBLEM_OF: Record<MediaFetchError["failure"], PhotoProblem> = {
  gone: "gone",
  too_large: "too_large",
  not_image: "source_failed",
  unreachable: "source_failed",
  timeout: "timeout",
  bad_url: "unreadable_ref",
};

async function fromPlatform(download: () => Promise<DownloadedImage>): Promise<DownloadedImage> {
  try {
    return await download();
  } catch (error) {
    if (error instanceof MediaFetchError)
      throw new PhotoUnavailableError(PROBLEM_OF[error.failure], error.message);
    throw error;
  }
}
