// Viber photos: the reference the channel stores for a picture, and its download for the operator
// API. Viber keeps no file the bot can ask for later; the only handle is the `media` link in the
// callback, a short-lived signed download URL. So the reference carries that link
// (`viber-media:<url>`): it is stored with the reading or order like a Telegram file id, never logged,
// and fetched only while Viber still serves it. A link that does not fit the engine's 512-character
// reference, or is not http(s), leaves the message token (`viber-message:<token>`), which identifies
// the picture but cannot fetch it.
import {
  DEFAULT_MEDIA_LIMITS,
  downloadImage,
  isHttpUrl,
  type DownloadedImage,
  type MediaLimits,
} from "../media-download.js";

export const VIBER_MEDIA_REF_PREFIX = "viber-media:";
export const VIBER_MESSAGE_REF_PREFIX = "viber-message:";
/** The engine's limit on a photo reference (src/engine/event-schema.ts). */
const MAX_REF_LENGTH = 512;

/** The reference of a picture message: its media link when it can be kept, else its message token. */
export function viberPhotoRef(messageToken: string, mediaUrl: string): string {
  const withLink = `${VIBER_MEDIA_REF_PREFIX}${mediaUrl}`;
  return isHttpUrl(mediaUrl) && withLink.length <= MAX_REF_LENGTH
    ? withLink
    : `${VIBER_MESSAGE_REF_PREFIX}${messageToken}`;
}

export interface ViberMedia {
  /** `url`: the link of a `viber-media:` reference. */
  download(url: string): Promise<DownloadedImage>;
}

export function createViberMedia(limits: MediaLimits = DEFAULT_MEDIA_LIMITS): ViberMedia {
  return {
    download: (url) => downloadImage(url, limits, "Viber's media link"),
  };
}
