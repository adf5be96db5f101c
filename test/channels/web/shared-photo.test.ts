// Operators' photos in the web chat: the sender stores the reply with an <img> of the service's own
// /media/photos/<id>.<ext> (read back from the outbox as the page draws it), or, when the photo is
// gone, the text saying a photo was attached; a split reply keeps the photo with its first part.
import { describe, expect, it } from "vitest";
import type { WebOutbox } from "../../../src/channels/web/outbox.js";
import { createWebSender } from "../../../src/channels/web/sender.js";
import { renderReply, splitReply, storedReplySchema } from "../../../src/channels/web/wire.js";
import { t } from "../../../src/engine/i18n/index.js";
import type { Reply } from "../../../src/engine/replies.js";
import { memoryPhotoStore, operatorPhotoReply, PHOTO_ID } from "../shared-photos.js";

const ADDRESS = "web:abcdefghijklmnop0123";

function memoryOutbox(): WebOutbox & { stored: unknown[] } {
  const stored: unknown[] = [];
  return {
    stored,
    async put(_address, replies: Reply[]) {
      // As the table keeps it: JSON.
      stored.push(...replies.map((reply) => JSON.parse(JSON.stringify(reply)) as unknown));
    },
    async pending() {
      return [];
    },
    async acknowledge() {
      return 0;
    },
    async pruneOlderThan() {
      return 0;
    },
  };
}

describe("operators' photos in the web chat", () => {
  it("stores the reply with the photo's image, which the page draws above the text", async () => {
    const outbox = memoryOutbox();
    const sender = createWebSender(outbox, () => {}, { sharedPhotos: memoryPhotoStore() });
    const reply = operatorPhotoReply("Ось схема підключення", "en");
    expect(await sender.send(ADDRESS, [reply])).toEqual({ kind: "sent", messages: 1 });
    const row = storedReplySchema.parse(outbox.stored[0]);
    expect(row.shownPicture).toEqual({
      url: `/media/photos/${PHOTO_ID}.png`,
      alt: t("en", "notify.handoffPhotoAlt"),
    });
    expect(renderReply(row, 12, row.shownPicture)).toEqual({
      id: 12,
      text: reply.text,
      attached: true,
      picture: { url: `/media/photos/${PHOTO_ID}.png`, alt: t("en", "notify.handoffPhotoAlt") },
    });
  });

  it("says a photo was attached when it is gone or no photo store is wired", async () => {
    for (const images of [{ sharedPhotos: memoryPhotoStore({}) }, {}]) {
      const outbox = memoryOutbox();
      const reply = operatorPhotoReply("Ось схема");
      await createWebSender(outbox, () => {}, images).send(ADDRESS, [reply]);
      const row = storedReplySchema.parse(outbox.stored[0]);
      expect(row.shownPicture).toBeUndefined();
      expect(row.text).toBe(`${reply.text}\n${t("uk", "notify.handoffPhotoUnshown")}`);
    }
  });

  it("keeps the photo with the first part of a split reply", () => {
    const reply = operatorPhotoReply(`${"а".repeat(30)}\n${"б".repeat(30)}`);
    const parts = splitReply(reply, 40);
    expect(parts.map((part) => part.photo !== undefined)).toEqual([true, false]);
    expect(parts.every((part) => part.attached === true)).toBe(true);
  });
});
