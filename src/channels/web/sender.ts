// ChannelSender for the web chat. A browser cannot be called, so "sending" means storing the
// message in web_outbox; the event stream of whichever instance the browser is connected to
// delivers it (see stream-hub.ts). A stored message counts as sent.
import type { ChannelSender, SendOutcome } from "../channel.js";
import type { Reply } from "../../engine/replies.js";
import type { WebOutbox } from "./outbox.js";
import { clientIdOf, splitReply, type StoredReply } from "./wire.js";
import { shownReply, type WebImageSources } from "./shown.js";

export function createWebSender(
  outbox: WebOutbox,
  onStored: () => void = () => {},
  images: WebImageSources = {},
): ChannelSender {
  return {
    channel: "web",
    async send(address: string, replies: Reply[]): Promise<SendOutcome> {
      if (clientIdOf(address) === undefined) {
        return { kind: "failed", error: "not a web chat address" };
      }
      // Split before storing: each stored row is one bubble with its own stream id.
      const messages: StoredReply[] = [];
      for (const part of replies.flatMap((reply) => splitReply(reply)))
        messages.push(await shownReply(part, images));
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
