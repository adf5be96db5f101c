// The photos operators attach to their answers in a conversation with a person. replyToHandoff
// keeps the bytes in customer_photo (like a web chat photo) and refers to them from the operator's
// message; this is where they are read back for the customer: the SharedPhotoStore the channels use
// to show them as pictures, and the page behind the links that older notifications carried.
import type { SharedPhoto, SharedPhotoStore } from "../channels/shared-photos.js";
import { isSharedPhotoId } from "../channels/shared-photos.js";
import { keptPhotoRef } from "../channels/customer-photos.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { NotFoundError } from "./errors.js";

/** Links sent before photos went as pictures: GET /console/shared-photos/<uuid> still opens them. */
export const SHARED_PHOTO_PATH = "/console/shared-photos/";

/** Only photos an operator sent are shared (not a customer's kept photo, whatever its id). */
export function handoffPhotoStore(prisma: PrismaClient): SharedPhotoStore {
  const find = async (id: string, withBytes: boolean): Promise<SharedPhoto | null> => {
    if (!isSharedPhotoId(id)) return null;
    const sent = await prisma.$queryRaw<{ one: number }[]>`
      SELECT 1 AS one FROM handoff_message
      WHERE photo_ref = ${keptPhotoRef("web", id)} AND author = 'operator' LIMIT 1`;
    if (sent.length === 0) return null;
    const row = await prisma.customerPhoto.findUnique({
      where: { id },
      select: { mimeType: true, bytes: withBytes },
    });
    if (!row) return null;
    return { mimeType: row.mimeType, bytes: row.bytes ? Buffer.from(row.bytes) : Buffer.alloc(0) };
  };
  return {
    async mimeType(id) {
      return (await find(id, false))?.mimeType ?? null;
    },
    photo: (id) => find(id, true),
  };
}

/** An operator's photo as the customer opens it from an older notification's link. */
export async function sharedHandoffPhoto(prisma: PrismaClient, photoId: string): Promise<SharedPhoto> {
  const photo = await handoffPhotoStore(prisma).photo(photoId);
  if (!photo) throw new NotFoundError("photo", photoId);
  return photo;
}
