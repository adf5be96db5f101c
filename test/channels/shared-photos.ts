// Shared pieces for the tests of operators' photos in each channel: a photo store in memory (the
// SharedPhotoStore port) and the reply an operator's photo answer renders to.
import type { SharedPhoto, SharedPhotoStore } from "../../src/channels/shared-photos.js";
import { renderNotification } from "../../src/engine/notify-render.js";
import type { Language, Reply } from "../../src/engine/replies.js";

export const PHOTO_ID = "9d2c6f1e-0b7a-4e35-8c41-2f6a9b3d7e10";

/** A real 1x1 PNG. */
export const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d4948445200000001000000010806000000" +
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082",
  "hex",
);

export function memoryPhotoStore(
  photos: Record<string, SharedPhoto> = { [PHOTO_ID]: { bytes: PNG, mimeType: "image/png" } },
): SharedPhotoStore & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    async mimeType(id) {
      reads.push(`type:${id}`);
      return photos[id]?.mimeType ?? null;
    },
    async photo(id) {
      reads.push(`photo:${id}`);
      return photos[id] ?? null;
    },
  };
}

/** What the outbound queue hands a channel for an operator's answer with a photo. */
export function operatorPhotoReply(text: string, language: Language = "uk", photoId = PHOTO_ID): Reply {
  return renderNotification(language, { kind: "handoff_reply", conversationId: 1, text, photoId });
}
