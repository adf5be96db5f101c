// Photos uploaded in the web chat. Messengers keep the file and give the bot a reference; the web
// chat has no such host, so the (downscaled, small) bytes go into customer_photo and the engine gets
// `web-photo:<uuid>` as its reference, just like a Telegram file id (see ../customer-photos.ts).
import type { PrismaClient } from "../../generated/prisma/client.js";
import { MAX_PHOTO_BYTES, PHOTO_REF_PREFIX, type WebEvent } from "./wire.js";

type PhotoEvent = Extract<WebEvent, { type: "photo" }>;

export type PhotoCheck = { ok: true; bytes: Buffer } | { ok: false; reason: string };

/** Decodes and checks the bytes really are the declared image type (magic numbers), within size. */
export function checkPhoto(event: PhotoEvent): PhotoCheck {
  const bytes = Buffer.from(event.dataBase64, "base64");
  if (bytes.length === 0) return { ok: false, reason: "empty image" };
  if (bytes.length > MAX_PHOTO_BYTES)
    return { ok: false, reason: `image larger than ${MAX_PHOTO_BYTES} bytes` };
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const isPng = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const isWebp =
    bytes.subarray(0, 4).toString("latin1") === "RIFF" && bytes.subarray(8, 12).toString("latin1") === "WEBP";
  const matches =
    (event.mimeType === "image/jpeg" && isJpeg) ||
    (event.mimeType === "image/png" && isPng) ||
    (event.mimeType === "image/webp" && isWebp);
  return matches ? { ok: true, bytes } : { ok: false, reason: `not a ${event.mimeType} image` };
}

/** Stores the photo under a deterministic id (a retried upload overwrites) and returns its reference. */
export async function storePhoto(
  prisma: PrismaClient,
  photo: { id: string; address: string; mimeType: string; bytes: Buffer },
): Promise<string> {
  const bytes = new Uint8Array(photo.bytes);
  await prisma.customerPhoto.upsert({
    where: { id: photo.id },
    create: { id: photo.id, address: photo.address, mimeType: photo.mimeType, bytes },
    update: {},
  });
  return `${PHOTO_REF_PREFIX}${photo.id}`;
}
