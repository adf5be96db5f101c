// The web chat's wire format: what the page may send (validated with zod, because the browser is
// untrusted input like any webhook) and what the server sends back (a rendered engine reply).
import { createHash } from "node:crypto";
import { z } from "zod";
import { derivedPhotoId, KEPT_PHOTO_REF_PREFIXES } from "../customer-photos.js";
import { startEvent } from "../../engine/deep-link.js";
import type { InboundEvent } from "../../engine/events.js";
import type { Reply } from "../../engine/replies.js";

/** Url-safe random id the browser keeps in localStorage. It is the bearer of the conversation. */
export const clientIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "16-64 url-safe characters");

/** Small images only: the page downscales before sending (see public/app.js). */
export const MAX_PHOTO_BYTES = 512 * 1024;
export const PHOTO_MIME_TYPES = ["image/jpeg", "image/png", "image/webp"] as const;

const webEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("start"), payload: z.string().max(64).optional() }),
  z.object({ type: z.literal("text"), text: z.string().trim().min(1).max(4096) }),
  z.object({ type: z.literal("choice"), id: z.string().min(1).max(64) }),
  // No provenOwn from the page: a typed number is never proven to be the sender's (server decides).
  z.object({ type: z.literal("contact"), phone: z.string().regex(/^\+?[0-9 ()-]{7,24}$/, "a phone number") }),
  z.object({
    type: z.literal("photo"),
    mimeType: z.enum(PHOTO_MIME_TYPES),
    /** Base64 of the image bytes; the length bound is checked again after decoding. */
    dataBase64: z
      .string()
      .max(Math.ceil((MAX_PHOTO_BYTES * 4) / 3) + 4)
      .regex(/^[A-Za-z0-9+/]+={0,2}$/, "base64"),
    caption: z.string().max(1024).optional(),
  }),
]);

export const eventRequestSchema = z.object({
  clientId: clientIdSchema,
  /** Client-generated unique id of this event: a retry of the same request is not handled twice. */
  eventId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, "8-64 url-safe characters"),
  /** The page's language (uk/en): the engine uses it for a new user only. */
  language: z.enum(["uk", "en"]).optional(),
  event: webEventSchema,
});
export type EventRequest = z.infer<typeof eventRequestSchema>;
export type WebEvent = EventRequest["event"];

export const streamQuerySchema = z.object({
  clientId: clientIdSchema,
  /** The last pushed message id the page has shown (acknowledges everything up to it). */
  after: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  token: z.string().max(256).optional(),
});

export function addressOf(clientId: string): string {
  return `web:${clientId}`;
}

/** The client id of a web address, or undefined for any other address. */
export function clientIdOf(address: string): string | undefined {
  if (!address.startsWith("web:")) return undefined;
  const clientId = address.slice("web:".length);
  return clientIdSchema.safeParse(clientId).success ? clientId : undefined;
}

/**
 * The dedupe key for the engine. Event ids are chosen by browsers, so they are scoped to the client
 * id (one browser cannot burn another's ids) and hashed to fit processed_update.update_id (64).
 */
export function updateIdOf(clientId: string, eventId: string): string {
  return createHash("sha256").update(`${clientId}\u0000${eventId}`).digest("base64url");
}

/** A stable UUID per (client, event), so a retried photo upload overwrites instead of duplicating. */
export function photoIdOf(clientId: string, eventId: string): string {
  return derivedPhotoId("photo", clientId, eventId);
}

/** Web chat photos are kept in customer_photo (src/channels/customer-photos.ts). */
export const PHOTO_REF_PREFIX = KEPT_PHOTO_REF_PREFIXES.web;

/** Maps a validated page event to the engine's vocabulary. Photos arrive here already stored. */
export function toInboundEvent(event: Exclude<WebEvent, { type: "photo" }>): InboundEvent;
export function toInboundEvent(event: WebEvent, photoRef: string): InboundEvent;
export function toInboundEvent(event: WebEvent, photoRef?: string): InboundEvent {
  switch (event.type) {
    case "start":
      // The deep-link grammar all channels share: a malformed payload is a plain start.
      return startEvent(event.payload);
    case "text":
      return { type: "text", text: event.text };
    case "choice":
      return { type: "choice", id: event.id };
    case "contact":
      // The page's "share phone" is a typed number: nothing proves it is the sender's own.
      return { type: "contact", phone: event.phone.replace(/[^0-9+]/g, ""), provenOwn: false };
    case "photo":
      if (photoRef === undefined) throw new Error("a photo event needs its stored reference");
      return event.caption === undefined
        ? { type: "photo", ref: photoRef }
        : { type: "photo", ref: photoRef, caption: event.caption };
  }
}

/** A reply as the page draws it; `id` is set on pushed messages (the SSE event id). */
export interface WebMessage {
  id?: number;
  text: string;
  choices?: { id: string; label: string }[][];
  requestPhone?: { label: string };
  removeKeyboard?: boolean;
  attached?: boolean;
  /** An image shown above the text (a schedule picture or an operator's photo served by the service). */
  picture?: { url: string; alt: string };
}

/**
 * Renders an engine reply for the page. The page needs no splitting or markup escaping here. A
 * reply's picture is shown only when the caller resolved it to an image that exists (`picture`).
 */
export function renderReply(reply: Reply, id?: number, picture?: { url: string; alt: string }): WebMessage {
  const message: WebMessage = { text: reply.text };
  if (id !== undefined) message.id = id;
  if (picture) message.picture = { url: picture.url, alt: picture.alt };
  if (reply.choices && reply.choices.length > 0) {
    message.choices = reply.choices.map((row) =>
      row.map(({ id: choiceId, label }) => ({ id: choiceId, label })),
    );
  }
  if (reply.requestPhone) message.requestPhone = { label: reply.requestPhone.label };
  if (reply.removeKeyboard) message.removeKeyboard = true;
  if (reply.attached) message.attached = true;
  return message;
}

/** A bubble longer than this is split: long walls of text read badly on a phone (Telegram's limit). */
export const WEB_TEXT_LIMIT = 4096;

/** Cuts text into parts of at most `limit` characters, preferring paragraph, line, then word breaks. */
export function splitText(text: string, limit = WEB_TEXT_LIMIT): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    let cut = -1;
    for (const separator of ["\n\n", "\n", " "]) {
      const at = window.lastIndexOf(separator);
      if (at > limit / 2) {
        cut = at;
        break;
      }
    }
    if (cut < 0) cut = limit;
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\s+/, "");
  }
  parts.push(rest);
  return parts;
}

/**
 * Splits an over-long reply into several; buttons and the phone request stay with the last part,
 * a picture or photo with the first.
 */
export function splitReply(reply: Reply, limit = WEB_TEXT_LIMIT): Reply[] {
  if (reply.text.length <= limit) return [reply];
  const texts = splitText(reply.text, limit);
  const { picture, photo, ...rest } = reply;
  return texts.map((text, index) => {
    if (index === texts.length - 1) return { ...rest, text };
    const part: Reply = reply.attached ? { text, attached: true } : { text };
    if (index === 0 && picture) part.picture = picture;
    if (index === 0 && photo) part.photo = photo;
    return part;
  });
}

/** A reply as the web sender stores it: with its picture's URL once the picture exists. */
export type StoredReply = Reply & { shownPicture?: { url: string; alt: string } };

/** Reads back a reply stored in web_outbox (JSON written by the sender); tolerant of extra keys. */
export const storedReplySchema = z.object({
  shownPicture: z.object({ url: z.string().max(200), alt: z.string().max(300) }).optional(),
  text: z.string(),
  choices: z.array(z.array(z.object({ id: z.string(), label: z.string() }))).optional(),
  requestPhone: z.object({ label: z.string() }).optional(),
  removeKeyboard: z.boolean().optional(),
  attached: z.boolean().optional(),
});
