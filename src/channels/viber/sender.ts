// Sends engine replies to one Viber user through the Chat API, reading Viber's status codes from
// the body: 6 (not subscribed) marks the user unsubscribed and stops; 12 (too many requests) backs
// off and retries a bounded number of times; 13 (app too old for min_api_version) resends without
// API level 3 features. Used for webhook replies and by the outbound queue.
import type { Address } from "../../engine/events.js";
import type { Reply } from "../../engine/replies.js";
import type { ChannelSender, SendOutcome, UserStatusPort } from "../channel.js";
import type { ChatApi } from "./chat-api.js";
import { renderReplies, type RenderOptions, type ViberOutgoing } from "./render.js";
import { pictureCaption, type SchedulePictures } from "../schedule-pictures.js";
import { sharedPhotoPath, withoutPhoto, type SharedPhotoStore } from "../shared-photos.js";
import type { ViberMetrics } from "./metrics.js";

/** Viber's send_message statuses this sender acts on. */
export const VIBER_STATUS = {
  ok: 0,
  receiverNotRegistered: 5,
  receiverNotSubscribed: 6,
  tooManyRequests: 12,
  apiVersionNotSupported: 13,
} as const;

/** Delays before each retry after status 12; their count bounds the retries. */
export const DEFAULT_RATE_LIMIT_DELAYS_MS = [1000, 2000, 4000] as const;

export interface ViberSenderDeps {
  chatApi: ChatApi;
  userStatus: UserStatusPort;
  metrics: ViberMetrics;
  rateLimitDelaysMs?: readonly number[];
  /** Injectable for tests that measure the backoff. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * Schedule pictures as picture messages: Viber fetches them from PUBLIC_URL + the media route, so
   * both are needed; without them schedule replies go as text only.
   */
  schedulePictures?: { pictures: SchedulePictures; publicUrl: string };
  /**
   * Photos the company shares (an operator's attachment) as picture messages from PUBLIC_URL +
   * /media/photos/...; without a public URL the text says a photo was attached.
   */
  sharedPhotos?: { store: SharedPhotoStore; publicUrl: string | undefined };
}

/** The image types a Viber picture message shows. */
export const VIBER_PICTURE_TYPES: readonly string[] = ["image/jpeg", "image/png", "image/gif"];

function publicBase(publicUrl: string): string {
  return publicUrl.replace(/\/+$/, "");
}

export interface ViberSendOptions {
  /**
   * False when the user's app is known to be older than API level 3 (from a callback's
   * api_version): render without the share-phone button from the start.
   */
  apiLevel3?: boolean;
}

/** A ChannelSender that also takes what a callback told about the user's app. */
export interface ViberSender extends ChannelSender {
  send(address: Address, replies: Reply[], options?: ViberSendOptions): Promise<SendOutcome>;
}

const ADDRESS_PREFIX = "viber:";

export function createViberSender(deps: ViberSenderDeps): ViberSender {
  const delays = deps.rateLimitDelaysMs ?? DEFAULT_RATE_LIMIT_DELAYS_MS;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const { metrics } = deps;

  /**
   * The replies as they go out, with the public URLs of their pictures that exist (drawn once,
   * stored) and of their photos Viber can show. A schedule picture that cannot be had leaves its
   * text alone; a photo that cannot be shown (no PUBLIC_URL, gone, a type Viber does not take) is
   * said in the text.
   */
  async function prepare(
    replies: Reply[],
  ): Promise<{ replies: Reply[]; pictureFor: RenderOptions["pictureFor"] }> {
    const urls = new Map<Reply, { url: string; caption: string }>();
    const prepared: Reply[] = [];
    for (const reply of replies) {
      if (reply.photo) {
        const url = await sharedPhotoUrl(reply.photo.id);
        if (url) urls.set(reply, { url, caption: reply.photo.alt });
        prepared.push(url ? reply : withoutPhoto(reply, reply.photo));
        continue;
      }
      prepared.push(reply);
      const setup = deps.schedulePictures;
      if (!reply.picture || !setup) continue;
      try {
        if (await setup.pictures.ensure(reply.picture)) {
          urls.set(reply, {
            url: `${publicBase(setup.publicUrl)}${setup.pictures.path(reply.picture)}`,
            caption: pictureCaption(reply.picture),
          });
        }
      } catch {
        // A picture that cannot be drawn or stored never stops the text.
      }
    }
    return { replies: prepared, pictureFor: (reply) => urls.get(reply) };
  }

  /** PUBLIC_URL + /media/photos/<id>.<ext> for a photo Viber can show; undefined otherwise. */
  async function sharedPhotoUrl(id: string): Promise<string | undefined> {
    const setup = deps.sharedPhotos;
    if (!setup?.publicUrl) return undefined;
    try {
      const mimeType = await setup.store.mimeType(id);
      if (!mimeType || !VIBER_PICTURE_TYPES.includes(mimeType)) return undefined;
      const path = sharedPhotoPath(id, mimeType);
      return path ? `${publicBase(setup.publicUrl)}${path}` : undefined;
    } catch {
      return undefined; // the text still goes, saying the photo cannot be shown
    }
  }

  return {
    channel: "viber",
    async send(address: Address, replies: Reply[], options?: ViberSendOptions): Promise<SendOutcome> {
      if (!address.startsWith(ADDRESS_PREFIX) || address.length === ADDRESS_PREFIX.length) {
        return { kind: "failed", error: "not a viber address" };
      }
      const receiver = address.slice(ADDRESS_PREFIX.length);
      const { replies: outgoing, pictureFor } = await prepare(replies);
      const full = renderReplies(outgoing, { apiLevel3: true, pictureFor });
      // Same messages in the same order, without the share-phone button (for status 13).
      const level1 = renderReplies(outgoing, { apiLevel3: false, pictureFor });
      let apiLevel3 = options?.apiLevel3 ?? true;
      let sent = 0;

      for (let index = 0; index < full.length; index += 1) {
        let rateLimitRetries = 0;
        for (;;) {
          const message = (apiLevel3 ? full[index] : level1[index]) as ViberOutgoing;
          const result = await deps.chatApi.sendText(receiver, message);
          if (result.kind === "timeout") {
            // Not retried: the message may have been delivered, and a resend would duplicate it.
            metrics.sendFailures.inc({ reason: "timeout" });
            return { kind: "failed", error: "timeout" };
          }
          if (result.kind === "transport_error") {
            metrics.sendFailures.inc({ reason: "transport" });
            return { kind: "failed", error: result.error };
          }
          const { status } = result;
          if (status === VIBER_STATUS.ok) {
            sent += 1;
            metrics.messagesSent.inc();
            break;
          }
          if (
            status === VIBER_STATUS.receiverNotSubscribed ||
            status === VIBER_STATUS.receiverNotRegistered
          ) {
            metrics.sendFailures.inc({ reason: "unsubscribed" });
            await deps.userStatus.setStatus(address, "unsubscribed");
            return { kind: "unreachable", reason: "unsubscribed" };
          }
          if (status === VIBER_STATUS.tooManyRequests) {
            const delay = delays[rateLimitRetries];
            if (delay === undefined) {
              metrics.sendFailures.inc({ reason: "rate_limited" });
              return { kind: "rate_limited", retryAfterMs: delays.at(-1) ?? 1000 };
            }
            rateLimitRetries += 1;
            metrics.sendRetries.inc({ reason: "rate_limited" });
            await sleep(delay);
            continue;
          }
          if (status === VIBER_STATUS.apiVersionNotSupported && apiLevel3 && needsLevel3(full[index])) {
            // The app cannot show API level 3 keyboards: this and the remaining messages go without.
            apiLevel3 = false;
            metrics.sendRetries.inc({ reason: "api_version" });
            continue;
          }
          metrics.sendFailures.inc({ reason: "status" });
          return { kind: "failed", error: `viber status ${status}: ${result.statusMessage}`.slice(0, 200) };
        }
      }
      return { kind: "sent", messages: sent };
    },
  };
}

function needsLevel3(message: ViberOutgoing | undefined): boolean {
  return message?.minApiVersion !== undefined;
}
