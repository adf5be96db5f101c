// Pure mapping of a validated Viber callback to what the route does with it: an engine event with
// its address and meta, a picture to keep first (media.ts) before it becomes one, a delivery receipt
// to count, the webhook check, or nothing. Tested on recorded callback payloads (test/fixtures/viber).
import { startEvent } from "../../engine/deep-link.js";
import { UNUSABLE_PHOTO, type Address, type EventMeta, type InboundEvent } from "../../engine/events.js";
import { choiceIdFromText } from "./action-body.js";
import {
  describeIssues,
  knownMessageSchemas,
  type ViberCallback,
  type ViberMessageCallback,
} from "./callbacks.js";

export type ViberInbound =
  | {
      kind: "engine";
      address: Address;
      event: InboundEvent;
      meta: EventMeta;
      /** conversation_started: the reply goes back as the HTTP response body (the welcome). */
      welcome: boolean;
    }
  /**
   * A picture message: the route downloads and keeps it (media.ts), then hands the engine a photo
   * event with the kept copy's reference, or an unsupported one when the picture cannot be used.
   * `media` is Viber's signed download link: used once, never stored or logged.
   */
  | {
      kind: "picture";
      address: Address;
      meta: EventMeta;
      messageToken: string;
      media: string;
      caption?: string;
    }
  | { kind: "receipt"; event: "delivered" | "seen" | "failed"; token: string; description?: string }
  | { kind: "webhook_check" }
  /** A known event whose content the route rejects with 400 (`issues` carry paths, not values). */
  | { kind: "invalid"; issues: string[] };

export function viberAddress(userId: string): Address {
  return `viber:${userId}`;
}

/**
 * The dedupe key of callbacks that may come without a token (subscribed, unsubscribed): made of
 * what Viber repeats on redelivery, so a retried callback still maps to the same key.
 */
function fallbackUpdateId(event: string, timestamp: number, userId: string): string {
  return `${event}:${timestamp}:${userId}`.slice(0, 64);
}

export function toViberInbound(callback: ViberCallback): ViberInbound {
  switch (callback.event) {
    case "message":
      return messageToInbound(callback);
    case "conversation_started":
      return {
        kind: "engine",
        address: viberAddress(callback.user.id),
        // viber://pa?chatURI=<uri>&context=<payload>: the same payloads as Telegram's ?start=,
        // held to the same grammar (anything else, e.g. free text, is a plain start).
        event: startEvent(callback.context),
        meta: meta(callback.message_token, callback.user.id, callback.user.language),
        welcome: true,
      };
    case "subscribed":
      return {
        kind: "engine",
        address: viberAddress(callback.user.id),
        event: { type: "unblocked" },
        meta: meta(
          callback.message_token ?? fallbackUpdateId("subscribed", callback.timestamp, callback.user.id),
          callback.user.id,
          callback.user.language,
        ),
        welcome: false,
      };
    case "unsubscribed":
      return {
        kind: "engine",
        address: viberAddress(callback.user_id),
        event: { type: "blocked" },
        meta: meta(
          callback.message_token ?? fallbackUpdateId("unsubscribed", callback.timestamp, callback.user_id),
          callback.user_id,
          undefined,
        ),
        welcome: false,
      };
    case "delivered":
    case "seen":
    case "failed":
      return {
        kind: "receipt",
        event: callback.event,
        token: callback.message_token,
        ...(callback.desc !== undefined ? { description: callback.desc } : {}),
      };
    case "webhook":
      return { kind: "webhook_check" };
  }
}

function meta(updateId: string, userId: string, language: string | undefined): EventMeta {
  return {
    channel: "viber",
    updateId,
    viberUserId: userId,
    ...(language !== undefined && language.length > 0 ? { languageCode: language } : {}),
  };
}

function messageToInbound(callback: ViberMessageCallback): ViberInbound {
  if (callback.message.type === "picture") {
    const parsed = knownMessageSchemas.picture.safeParse(callback.message);
    if (!parsed.success) return { kind: "invalid", issues: prefixed(describeIssues(parsed.error)) };
    const caption = parsed.data.text;
    return {
      kind: "picture",
      address: viberAddress(callback.sender.id),
      meta: meta(callback.message_token, callback.sender.id, callback.sender.language),
      messageToken: callback.message_token,
      media: parsed.data.media,
      ...(caption !== undefined && caption.length > 0 ? { caption } : {}),
    };
  }
  const event = messageToEvent(callback);
  if ("issues" in event) return { kind: "invalid", issues: event.issues };
  return {
    kind: "engine",
    address: viberAddress(callback.sender.id),
    event,
    meta: meta(callback.message_token, callback.sender.id, callback.sender.language),
    welcome: false,
  };
}

/** The event of a message other than a picture (pictures are kept first: see messageToInbound). */
function messageToEvent(callback: ViberMessageCallback): InboundEvent | { issues: string[] } {
  const type = callback.message.type;
  switch (type) {
    case "text": {
      const parsed = knownMessageSchemas.text.safeParse(callback.message);
      if (!parsed.success) return { issues: prefixed(describeIssues(parsed.error)) };
      const choiceId = choiceIdFromText(parsed.data.text);
      return choiceId !== undefined
        ? { type: "choice", id: choiceId }
        : { type: "text", text: parsed.data.text };
    }
    case "contact": {
      const parsed = knownMessageSchemas.contact.safeParse(callback.message);
      if (!parsed.success) return { issues: prefixed(describeIssues(parsed.error)) };
      // Viber's share-phone result carries no user id: nothing proves the number is the sender's
      // own (and Viber desktop sends it empty), so it is never proven; the engine's fallback applies.
      return { type: "contact", phone: parsed.data.contact.phone_number ?? "", provenOwn: false };
    }
    case "location": {
      const parsed = knownMessageSchemas.location.safeParse(callback.message);
      if (!parsed.success) return { issues: prefixed(describeIssues(parsed.error)) };
      return {
        type: "location",
        latitude: parsed.data.location.lat,
        longitude: parsed.data.location.lon,
      };
    }
    default:
      // sticker, file, video, url, rich_media and whatever Viber adds later.
      return { type: "unsupported", what: type.slice(0, 32) };
  }
}

function prefixed(issues: string[]): string[] {
  return issues.map((issue) => `message.${issue}`);
}

/**
 * The engine event of a picture once the route tried to keep it: a photo with the kept copy's
 * reference, or, when it could not be downloaded or is no image, an unsupported event, which the
 * flows answer as they answer anything but a photo where one is asked for (ask again, or Skip).
 */
export function pictureEvent(
  outcome: { kind: "kept"; ref: string } | { kind: "unusable" },
  caption: string | undefined,
): InboundEvent {
  if (outcome.kind === "unusable") return { type: "unsupported", what: UNUSABLE_PICTURE };
  return caption === undefined
    ? { type: "photo", ref: outcome.ref }
    : { type: "photo", ref: outcome.ref, caption };
}

/** The `what` of the unsupported event a picture becomes when it cannot be used (the engine's). */
export const UNUSABLE_PICTURE = UNUSABLE_PHOTO;
