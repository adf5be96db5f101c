// The mapper on recorded callbacks: exact tokens, choices from button bodies, unproven contacts,
// pictures handed to the route to keep (the link used once), and the event a kept or unusable
// picture becomes.
import { describe, expect, it } from "vitest";
import { parseViberCallback, type ViberCallback } from "../../../src/channels/viber/callbacks.js";
import { pictureEvent, toViberInbound, UNUSABLE_PICTURE } from "../../../src/channels/viber/to-event.js";
import { viberFixture } from "./fixtures.js";

function valid(name: string): ViberCallback {
  const parsed = parseViberCallback(viberFixture(name));
  if (parsed.kind !== "valid") throw new Error(`${name}: ${JSON.stringify(parsed)}`);
  return parsed.callback;
}

const OKSANA = "hT7kQ2mZp9Lw3xVb0aRc1g==";

describe("parseViberCallback", () => {
  it("keeps a 64-bit message_token exact where JSON.parse rounds it", () => {
    const raw = viberFixture("message-text");
    expect(String((JSON.parse(raw) as { message_token: number }).message_token)).toBe("5741311803571721000");
    const callback = valid("message-text");
    expect(callback.event === "message" && callback.message_token).toBe("5741311803571721087");
  });

  it("accepts a short token given as a number", () => {
    const parsed = parseViberCallback(
      '{"event":"delivered","timestamp":1,"message_token":42,"user_id":"u1"}',
    );
    expect(parsed).toMatchObject({ kind: "valid", callback: { message_token: "42" } });
  });

  it("reports unknown event types as such, to be acknowledged and ignored", () => {
    expect(parseViberCallback(viberFixture("client-status"))).toEqual({
      kind: "unknown_event",
      event: "client_status",
    });
  });

  it("rejects bodies that are not JSON or not a known shape, naming paths but no values", () => {
    expect(parseViberCallback("{not json")).toEqual({ kind: "invalid", issues: ["body is not JSON"] });
    expect(parseViberCallback('{"no":"event"}')).toEqual({ kind: "invalid", issues: ["event: missing"] });
    const missingSender = parseViberCallback(
      '{"event":"message","timestamp":1,"message_token":5741311803571721087,"message":{"type":"text","text":"+380671234567"}}',
    );
    expect(missingSender.kind).toBe("invalid");
    expect(JSON.stringify(missingSender)).not.toContain("380671234567");
    expect(missingSender).toMatchObject({ issues: ["sender: invalid_type"] });
  });

  it("rejects duplicate keys and __proto__ keys in a body", () => {
    expect(parseViberCallback('{"event":"webhook","event":"message","timestamp":1}').kind).toBe("invalid");
    expect(parseViberCallback('{"event":"webhook","timestamp":1,"__proto__":{"x":1}}').kind).toBe("invalid");
  });
});

describe("toViberInbound", () => {
  it("maps typed text to a text event with the exact token as updateId and the sender's language", () => {
    expect(toViberInbound(valid("message-text"))).toEqual({
      kind: "engine",
      address: `viber:${OKSANA}`,
      event: { type: "text", text: "12345" },
      meta: { channel: "viber", updateId: "5741311803571721087", viberUserId: OKSANA, languageCode: "uk" },
      welcome: false,
    });
  });

  it("maps a pressed reply button (prefixed ActionBody) to a choice event", () => {
    expect(toViberInbound(valid("message-choice"))).toMatchObject({
      kind: "engine",
      event: { type: "choice", id: "menu.reading" },
      meta: { updateId: "5741311803571721088" },
    });
  });

  it("maps a shared contact to an UNPROVEN contact event, even when it has a number", () => {
    expect(toViberInbound(valid("message-contact"))).toMatchObject({
      kind: "engine",
      event: { type: "contact", phone: "380671234567", provenOwn: false },
    });
  });

  it("maps Viber desktop's empty share-phone result to an unproven contact without a number", () => {
    expect(toViberInbound(valid("message-contact-desktop"))).toMatchObject({
      kind: "engine",
      address: "viber:Zq4NwX8pKe2Rt6YuLm0sBw==",
      event: { type: "contact", phone: "", provenOwn: false },
      meta: { languageCode: "en-GB" },
    });
  });

  it("maps a picture to one the route keeps first: its link, token and caption, not the thumbnail", () => {
    const inbound = toViberInbound(valid("message-picture"));
    const media = JSON.parse(viberFixture("message-picture")).message.media as string;
    expect(media).toMatch(/^https:\/\/dl-media\.viber\.com\/.+\?token=secretDownloadToken123$/);
    expect(inbound).toEqual({
      kind: "picture",
      address: `viber:${OKSANA}`,
      meta: { channel: "viber", updateId: "5741311803571721091", viberUserId: OKSANA, languageCode: "uk" },
      messageToken: "5741311803571721091",
      media,
      caption: "Лічильник",
    });
    expect(JSON.stringify(inbound)).not.toContain("thumb.jpg");
  });

  it("hands any link on, whatever its shape: the download decides (a non-http(s) one is unusable there)", () => {
    const picture = (media: string, text?: string) => {
      const callback = valid("message-picture");
      if (callback.event !== "message") throw new Error("fixture");
      const { text: _caption, ...message } = callback.message;
      return toViberInbound({
        ...callback,
        message: { ...message, type: "picture", media, ...(text !== undefined ? { text } : {}) },
      });
    };
    expect(picture("ftp://dl-media.viber.com/a.jpg")).toMatchObject({
      kind: "picture",
      media: "ftp://dl-media.viber.com/a.jpg",
    });
    const long = `https://dl-media.viber.com/${"a".repeat(2000)}.jpg`;
    expect(picture(long)).toMatchObject({ kind: "picture", media: long });
    // An empty caption is no caption.
    expect(picture("https://dl-media.viber.com/b.jpg", "")).not.toHaveProperty("caption");
  });

  it("refuses a picture message without its media link", () => {
    const callback = valid("message-picture");
    if (callback.event !== "message") throw new Error("fixture");
    const { media: _media, ...message } = callback.message as Record<string, unknown>;
    expect(toViberInbound({ ...callback, message: message as typeof callback.message })).toEqual({
      kind: "invalid",
      issues: ["message.media: invalid_type"],
    });
  });

  it("turns a kept picture into a photo with the copy's reference, an unusable one into unsupported", () => {
    const ref = "viber-photo:0d6f3c1e-8a4b-5c2d-9e1f-2a3b4c5d6e7f";
    expect(pictureEvent({ kind: "kept", ref }, "Лічильник")).toEqual({
      type: "photo",
      ref,
      caption: "Лічильник",
    });
    expect(pictureEvent({ kind: "kept", ref }, undefined)).toEqual({ type: "photo", ref });
    expect(pictureEvent({ kind: "unusable" }, "Лічильник")).toEqual({
      type: "unsupported",
      what: UNUSABLE_PICTURE,
    });
  });

  it("maps a location, including a latitude too long for a plain number", () => {
    expect(toViberInbound(valid("message-location"))).toMatchObject({
      kind: "engine",
      event: { type: "location", latitude: 48.46471234567891, longitude: 35.04621 },
    });
  });

  it("maps a sticker (and any other message type) to unsupported", () => {
    expect(toViberInbound(valid("message-sticker"))).toMatchObject({
      kind: "engine",
      event: { type: "unsupported", what: "sticker" },
    });
  });

  it("maps conversation_started to a start event with the context as payload, answered as a welcome", () => {
    expect(toViberInbound(valid("conversation-started"))).toEqual({
      kind: "engine",
      address: `viber:${OKSANA}`,
      event: { type: "start", payload: "reading" },
      meta: { channel: "viber", updateId: "5741311803571720002", viberUserId: OKSANA, languageCode: "uk" },
      welcome: true,
    });
    expect(toViberInbound(valid("conversation-started-en"))).toMatchObject({
      event: { type: "start" },
      meta: { languageCode: "en-GB" },
      welcome: true,
    });
  });

  it("maps a deep-link context to the same start payload a Telegram ?start= link gives", () => {
    expect(toViberInbound(valid("conversation-started-deep-link"))).toEqual({
      kind: "engine",
      address: `viber:${OKSANA}`,
      event: { type: "start", payload: "reading_1000000001" },
      meta: { channel: "viber", updateId: "5741311803571720007", viberUserId: OKSANA, languageCode: "uk" },
      welcome: true,
    });
  });

  it("maps a context that is no deep-link parameter (free text, too long) to a plain start", () => {
    expect(toViberInbound(valid("conversation-started-free-context"))).toMatchObject({
      kind: "engine",
      event: { type: "start" },
      meta: { updateId: "5741311803571720008", languageCode: "en-GB" },
      welcome: true,
    });
    const base = valid("conversation-started-deep-link");
    if (base.event !== "conversation_started") throw new Error("expected conversation_started");
    const cases: [string, object][] = [
      ["reading".repeat(20), { type: "start" }],
      ["", { type: "start" }],
      ["reading_1000000001&text=hi", { type: "start" }],
      [" outage ", { type: "start", payload: "outage" }],
    ];
    for (const [context, event] of cases) {
      const inbound = toViberInbound({ ...base, context });
      expect(inbound.kind === "engine" && inbound.event, context).toEqual(event);
    }
  });

  it("maps subscribed to unblocked and unsubscribed to blocked", () => {
    expect(toViberInbound(valid("subscribed"))).toMatchObject({
      kind: "engine",
      address: `viber:${OKSANA}`,
      event: { type: "unblocked" },
      meta: { updateId: "5741311803571720004" },
    });
    expect(toViberInbound(valid("unsubscribed"))).toMatchObject({
      kind: "engine",
      address: `viber:${OKSANA}`,
      event: { type: "blocked" },
      meta: { updateId: "5741311803571720005", viberUserId: OKSANA },
    });
  });

  it("gives a token-less subscribed callback a stable dedupe key", () => {
    const parsed = parseViberCallback('{"event":"subscribed","timestamp":1764201603012,"user":{"id":"u1"}}');
    if (parsed.kind !== "valid") throw new Error("expected valid");
    expect(toViberInbound(parsed.callback)).toMatchObject({
      meta: { updateId: "subscribed:1764201603012:u1" },
    });
  });

  it("maps delivery receipts and the webhook check", () => {
    expect(toViberInbound(valid("delivered"))).toEqual({
      kind: "receipt",
      event: "delivered",
      token: "5741311803571721094",
    });
    expect(toViberInbound(valid("failed"))).toEqual({
      kind: "receipt",
      event: "failed",
      token: "5741311803571721095",
      description: "failed because of a reason",
    });
    expect(toViberInbound(valid("webhook"))).toEqual({ kind: "webhook_check" });
  });

  it("rejects a known message type in the wrong shape", () => {
    const parsed = parseViberCallback(
      '{"event":"message","timestamp":1,"message_token":7,"sender":{"id":"u1"},"message":{"type":"location","location":{"lat":"north"}}}',
    );
    if (parsed.kind !== "valid") throw new Error("expected a valid envelope");
    expect(toViberInbound(parsed.callback)).toEqual({
      kind: "invalid",
      issues: ["message.location.lat: invalid_union", "message.location.lon: invalid_union"],
    });
  });
});
