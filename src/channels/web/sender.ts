// ChannelSender for the web chat. A browser cannot be called, so "sending" means storing the
// message in web_outbox; the event stream of whichever instance the browser is connected to
// delivers it (see stream-hub.ts). A stored message counts as sent.
import type { ChannelSender, SendOutcome } from "../channel.js";
import type { Reply } from "../../engine/replies.js";
import type { WebOutbox } from "./outbox.js";
import { clientIdOf, splitReply, type StoredReply } from "./wire.js";
import { pictureCaption, type SchedulePictures } from "../schedule-pictures.js";

export function createWebSender(
  outbox: WebOutbox,
  onStored: () => void = () => {},
  pictures?: SchedulePictures,
): ChannelSender {
  /** A picture is shown only once it exists (drawn and stored); otherwise the text goes alone. */
  async function withPicture(reply: Reply): Promise<StoredReply> {
    if (!reply.picture || !pictures) return reply;
    try {
      if (await pictures.ensure(reply.picture)) {
        return {
          ...reply,
          shownPicture: { url: pictures.path(reply.picture), alt: pictureCaption(reply.picture) },
        };
      }
    } catch {
      // The text still goes out.
    }
    return reply;
  }

  return {
    channel: "web",
    async send(address: string, replies: Reply[]): Promise<SendOutcome> {
      if (clientIdOf(address) === undefined) {
        return { kind: "failed", error: "not a web chat address" };
      }
      // Split before storing: each stored row is one bubble with its own stream id.
      const messages: StoredReply[] = [];
      for (const part of replies.flatMap((reply) => splitReply(reply)))
        messages.push(await withPicture(part));
      try {
        await outbox.put(address, messages);
      } catch (err) {
        return { kind: "failed", error: err instanceof Error ? err.message : String(err) };
      }
      // Wakes this instance's stream hub at once; other instances find the rows on their next poll.
      onStored();
      return { kind: "sent", messages: messages.length };
    },
  };
}
