// What the page shows of a reply's picture or photo: an <img> of the service's own media routes
// once the image exists (a schedule picture drawn and stored, a photo an operator sent), else the
// text alone; a photo that cannot be shown is said in the text. Used for replies and the outbox.
import type { Reply } from "../../engine/replies.js";
import { pictureCaption, type SchedulePictures } from "../schedule-pictures.js";
import { sharedPhotoPath, withoutPhoto, type SharedPhotoStore } from "../shared-photos.js";
import type { StoredReply } from "./wire.js";

export interface WebImageSources {
  schedulePictures?: SchedulePictures | undefined;
  sharedPhotos?: SharedPhotoStore | undefined;
}

export async function shownReply(
  reply: Reply,
  sources: WebImageSources,
  onError: (err: unknown) => void = () => {},
): Promise<StoredReply> {
  try {
    if (reply.photo) {
      const mimeType = await sources.sharedPhotos?.mimeType(reply.photo.id);
      const url = mimeType ? sharedPhotoPath(reply.photo.id, mimeType) : undefined;
      return url
        ? { ...reply, shownPicture: { url, alt: reply.photo.alt } }
        : withoutPhoto(reply, reply.photo);
    }
    const pictures = sources.schedulePictures;
    if (reply.picture && pictures && (await pictures.ensure(reply.picture))) {
      return {
        ...reply,
        shownPicture: { url: pictures.path(reply.picture), alt: pictureCaption(reply.picture) },
      };
    }
  } catch (err) {
    onError(err);
    // The text still goes out.
    if (reply.photo) return withoutPhoto(reply, reply.photo);
  }
  return reply;
}
