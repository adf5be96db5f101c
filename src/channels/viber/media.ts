// Viber pictures. Viber keeps no file the bot can ask for later: a picture message carries only
// `media`, a signed download link that expires within days. So the channel downloads the picture
// when the callback arrives, before the engine sees it, keeps the bytes in customer_photo and gives
// the engine `viber-photo:<uuid>` as the reference. The link itself is never stored or logged.
//
// Redelivery: the uuid is derived from the message_token, so a redelivered callback finds the copy
// the first delivery made (no second download, no second row); a concurrent one inserts with
// ON CONFLICT DO NOTHING. A download that fails (dead link, too large, too slow, not an image) makes
// the picture "unusable": the engine gets an `unsupported` event and the flow asks again.
//
// Older rows: `viber-media:<link>` references (stored before copies were kept) are still fetched
// from the link while Viber serves it (`createViberMedia`), and `viber-message:<token>` ones (stored
// before links were kept) cannot be fetched.
import { derivedPhotoId, keptPhotoRef, type CustomerPhotoStore } from "../customer-photos.js";
import {
  DEFAULT_MEDIA_LIMITS,
  downloadImage,
  MediaFetchError,
  type DownloadedImage,
  type MediaFailure,
  type MediaLimits,
} from "../media-download.js";

/** References of rows stored before the channel kept copies (read by the operator API only). */
export const VIBER_MEDIA_REF_PREFIX = "viber-media:";
export const VIBER_MESSAGE_REF_PREFIX = "viber-message:";

/**
 * Inbound downloads hold the webhook's answer, so they get less time than the operator's relay:
 * Viber's media host is a CDN and a phone photo is a few hundred KB to a few MB.
 */
export const INBOUND_PICTURE_LIMITS: MediaLimits = { maxBytes: 10 * 1024 * 1024, timeoutMs: 10_000 };

const WHAT = "Viber's media link";

/** The id of the kept copy of the picture sent in the message with this token. */
export function viberPhotoId(messageToken: string): string {
  return derivedPhotoId("viber-picture", messageToken);
}

export type PictureOutcome =
  /** alreadyKept: a redelivery, the copy was made by an earlier delivery. */
  | { kind: "kept"; ref: string; alreadyKept: boolean; bytes: number }
  /** `message` is safe to log (never the link). */
  | { kind: "unusable"; failure: MediaFailure; message: string };

export interface ViberPictures {
  /** Downloads and keeps the picture, or says why it cannot be used. Store errors are thrown. */
  keep(picture: { messageToken: string; address: string; media: string }): Promise<PictureOutcome>;
}

export function createViberPictures(
  store: CustomerPhotoStore,
  limits: MediaLimits = INBOUND_PICTURE_LIMITS,
): ViberPictures {
  return {
    async keep({ messageToken, address, media }) {
      const id = viberPhotoId(messageToken);
      const ref = keptPhotoRef("viber", id);
      if (await store.has(id)) return { kind: "kept", ref, alreadyKept: true, bytes: 0 };
      let image: DownloadedImage;
      try {
        image = await downloadImage(media, limits, WHAT);
      } catch (error) {
        if (error instanceof MediaFetchError)
          return { kind: "unusable", failure: error.failure, message: error.message };
        throw error;
      }
      await store.keep({ id, address, contentType: image.contentType, bytes: image.bytes });
      return { kind: "kept", ref, alreadyKept: false, bytes: image.bytes.length };
    },
  };
}

/** Downloads behind old `viber-media:` references, for the operator API. */
export interface ViberMedia {
  download(url: string): Promise<DownloadedImage>;
}

export function createViberMedia(limits: MediaLimits = DEFAULT_MEDIA_LIMITS): ViberMedia {
  return {
    download: (url) => downloadImage(url, limits, WHAT),
  };
}
