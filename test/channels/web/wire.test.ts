// The web chat's pure mappers: page events -> engine events, engine replies -> page messages, and
// the ids derived from browser input (dedupe key, photo id), which must be stable and scoped.
import { describe, expect, it } from "vitest";
import {
  clientIdOf,
  eventRequestSchema,
  photoIdOf,
  renderReply,
  splitReply,
  splitText,
  toInboundEvent,
  updateIdOf,
} from "../../../src/channels/web/wire.js";
import { checkPhoto } from "../../../src/channels/web/photos.js";

const clientId = "AbCdEfGhIjKlMnOp_-12";

describe("web chat wire format", () => {
  it("maps page events to engine events; a typed phone is never proven", () => {
    expect(toInboundEvent({ type: "start" })).toEqual({ type: "start" });
    // Deep links: the payload grammar all channels share; anything else is a plain start.
    expect(toInboundEvent({ type: "start", payload: "reading_1000000001" })).toEqual({
      type: "start",
      payload: "reading_1000000001",
    });
    expect(toInboundEvent({ type: "start", payload: "з сайту?utm=1" })).toEqual({ type: "start" });
    expect(toInboundEvent({ type: "text", text: "12345" })).toEqual({ type: "text", text: "12345" });
    expect(toInboundEvent({ type: "choice", id: "menu:reading" })).toEqual({
      type: "choice",
      id: "menu:reading",
    });
    expect(toInboundEvent({ type: "contact", phone: "+380 (67) 111-00-01" })).toEqual({
      type: "contact",
      phone: "+380671110001",
      provenOwn: false,
    });
  });

  it("rejects a page that claims a proven contact, bad ids and empty text", () => {
    const proven = eventRequestSchema.safeParse({
      clientId,
      eventId: "event-0001",
      event: { type: "contact", phone: "+380671110001", provenOwn: true },
    });
    // zod strips the unknown key: the server alone decides provenOwn.
    expect(proven.success && toInboundEvent(proven.data.event as { type: "contact"; phone: string })).toEqual(
      {
        type: "contact",
        phone: "+380671110001",
        provenOwn: false,
      },
    );
    const bad = eventRequestSchema.safeParse({
      clientId: "short",
      eventId: "e",
      event: { type: "text", text: "  " },
    });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["clientId", "eventId", "event.text"]);
    expect(
      eventRequestSchema.safeParse({ clientId, eventId: "event-0001", event: { type: "sticker" } }).success,
    ).toBe(false);
  });

  it("renders replies with rows of choices, the phone request and keyboard removal", () => {
    expect(
      renderReply({
        text: "Оберіть",
        choices: [
          [{ id: "a", label: "A" }],
          [
            { id: "b", label: "B" },
            { id: "c", label: "C" },
          ],
        ],
        requestPhone: { label: "Поділитися номером" },
      }),
    ).toEqual({
      text: "Оберіть",
      choices: [
        [{ id: "a", label: "A" }],
        [
          { id: "b", label: "B" },
          { id: "c", label: "C" },
        ],
      ],
      requestPhone: { label: "Поділитися номером" },
    });
    expect(renderReply({ text: "Готово", removeKeyboard: true, choices: [] }, 7)).toEqual({
      id: 7,
      text: "Готово",
      removeKeyboard: true,
    });
    expect(renderReply({ text: "Статус", attached: true })).toEqual({ text: "Статус", attached: true });
  });

  it("scopes dedupe keys to the client and fits them in processed_update.update_id", () => {
    const key = updateIdOf(clientId, "event-0001");
    expect(key).toBe(updateIdOf(clientId, "event-0001"));
    expect(key).not.toBe(updateIdOf(`${clientId}x`, "event-0001"));
    expect(key.length).toBeLessThanOrEqual(64);
    expect(photoIdOf(clientId, "event-0001")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("recognises web addresses only", () => {
    expect(clientIdOf(`web:${clientId}`)).toBe(clientId);
    expect(clientIdOf(`telegram:${clientId}`)).toBeUndefined();
    expect(clientIdOf("web:bad id")).toBeUndefined();
  });

  it("accepts photo bytes only when they are the declared image type", () => {
    const png = Buffer.from("89504e470d0a1a0a0000000d49484452", "hex").toString("base64");
    expect(checkPhoto({ type: "photo", mimeType: "image/png", dataBase64: png }).ok).toBe(true);
    expect(checkPhoto({ type: "photo", mimeType: "image/jpeg", dataBase64: png })).toEqual({
      ok: false,
      reason: "not a image/jpeg image",
    });
  });

  it("splits long texts at line breaks within the limit, keeping buttons on the last part", () => {
    const line = "Показник прийнято: день 12345, ніч 6789.";
    const text = Array.from({ length: 300 }, (_, i) => `${i + 1}. ${line}`).join("\n");
    const parts = splitText(text);
    expect(parts.length).toBeGreaterThanOrEqual(3);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(4096);
    expect(parts.join("\n")).toBe(text);
    expect(splitText("a".repeat(9000))).toEqual(["a".repeat(4096), "a".repeat(4096), "a".repeat(808)]);

    const replies = splitReply({
      text,
      choices: [[{ id: "m", label: "Меню" }]],
      requestPhone: { label: "Номер" },
    });
    expect(replies.map((r) => r.text)).toEqual(parts);
    expect(replies.slice(0, -1).every((r) => r.choices === undefined && r.requestPhone === undefined)).toBe(
      true,
    );
    expect(replies.at(-1)).toMatchObject({
      choices: [[{ id: "m", label: "Меню" }]],
      requestPhone: { label: "Номер" },
    });
    expect(splitReply({ text: "коротко" })).toEqual([{ text: "коротко" }]);
  });
});

describe("schedule pictures on the page", () => {
  const picture = {
    kind: "outage-schedule" as const,
    queue: "3.2",
    days: [{ date: "2026-11-30", version: 7 }],
    language: "uk" as const,
  };

  it("renders a picture only when the caller resolved it, above the text", () => {
    const reply = { text: "🕯 черга 3.2", picture };
    expect(renderReply(reply)).toEqual({ text: "🕯 черга 3.2" });
    expect(renderReply(reply, undefined, { url: "/media/schedules/k.png", alt: "Черга 3.2" })).toEqual({
      text: "🕯 черга 3.2",
      picture: { url: "/media/schedules/k.png", alt: "Черга 3.2" },
    });
  });

  it("keeps the picture with the first part of a split reply and the buttons with the last", () => {
    const parts = splitReply(
      { text: `${"а".repeat(30)}\n${"б".repeat(30)}`, picture, choices: [[{ id: "m:sched", label: "🔄" }]] },
      40,
    );
    expect(parts.map((part) => [part.picture !== undefined, part.choices !== undefined])).toEqual([
      [true, false],
      [false, true],
    ]);
  });
});
