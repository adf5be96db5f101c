// The pure update -> event mapping, on recorded payloads.
import { describe, expect, it } from "vitest";
import {
  chatIdFromAddress,
  telegramAddress,
  telegramUpdateSchema,
  toEvent,
} from "../../../src/channels/telegram/to-event.js";
import { telegramFixture } from "./fixtures.js";

const map = (name: string) => toEvent(telegramUpdateSchema.parse(telegramFixture(name)));
const olena = { address: "telegram:7012345678", chatId: 7012345678n };

describe("Telegram update -> engine event", () => {
  it("maps /start with the id, chat id (above 32 bits) and language", () => {
    expect(map("start")).toEqual({
      kind: "event",
      address: olena.address,
      event: { type: "start" },
      meta: { channel: "telegram", updateId: "871203401", telegramChatId: olena.chatId, languageCode: "uk" },
    });
  });

  it("keeps a deep-link payload of /start", () => {
    const mapped = map("start-deep-link");
    expect(mapped.kind === "event" && mapped.event).toEqual({ type: "start", payload: "reading-2026-11" });
  });

  it("keeps a deep-link payload naming an account, with or without the bot's mention", () => {
    for (const text of ["/start reading_1000000001", "/start@power_bot reading_1000000001"]) {
      const update = telegramFixture("start-deep-link") as { message: { text: string } };
      update.message.text = text;
      const mapped = toEvent(telegramUpdateSchema.parse(update));
      expect(mapped.kind === "event" && mapped.event, text).toEqual({
        type: "start",
        payload: "reading_1000000001",
      });
    }
  });

  it("treats /start followed by free text as a plain start", () => {
    const update = telegramFixture("start") as { message: { text: string } };
    update.message.text = "/start hello there";
    const mapped = toEvent(telegramUpdateSchema.parse(update));
    expect(mapped.kind === "event" && mapped.event).toEqual({ type: "start" });
  });

  it("passes other text and commands through as text", () => {
    const text = map("text");
    expect(text.kind === "event" && text.event).toEqual({ type: "text", text: "1234567890" });
    const help = map("command-help");
    expect(help.kind === "event" && help.event).toEqual({ type: "text", text: "/help" });
  });

  it("proves a contact only when it is the sender's own", () => {
    const own = map("contact-own");
    expect(own.kind === "event" && own.event).toEqual({
      type: "contact",
      phone: "380671234567",
      provenOwn: true,
    });
    const foreign = map("contact-foreign");
    expect(foreign.kind === "event" && foreign.event).toEqual({
      type: "contact",
      phone: "+380501112233",
      provenOwn: false,
    });
    const noId = map("contact-without-user-id");
    expect(noId.kind === "event" && noId.event).toEqual({
      type: "contact",
      phone: "+380931234567",
      provenOwn: false,
    });
  });

  it("takes the largest photo size and the caption", () => {
    const mapped = map("photo");
    expect(mapped.kind === "event" && mapped.event).toEqual({
      type: "photo",
      ref: "AgACAgIAAxkBAAIBCGdPhotoLarge1280",
      caption: "Лічильник на сходах",
    });
  });

  it("maps a callback query to a choice and asks for it to be answered", () => {
    expect(map("callback-query")).toEqual({
      kind: "event",
      address: olena.address,
      event: { type: "choice", id: "menu" },
      meta: { channel: "telegram", updateId: "871203409", telegramChatId: olena.chatId, languageCode: "uk" },
      callbackQueryId: "4382093471234567890",
    });
  });

  it("maps my_chat_member kicked / member to blocked / unblocked", () => {
    const kicked = map("my-chat-member-kicked");
    expect(kicked.kind === "event" && [kicked.address, kicked.event]).toEqual([
      olena.address,
      { type: "blocked" },
    ]);
    const member = map("my-chat-member-member");
    expect(member.kind === "event" && [member.address, member.event]).toEqual([
      olena.address,
      { type: "unblocked" },
    ]);
  });

  it("maps location and names unsupported content", () => {
    const location = map("location");
    expect(location.kind === "event" && location.event).toEqual({
      type: "location",
      latitude: 48.464717,
      longitude: 35.046183,
    });
    const sticker = map("sticker");
    expect(sticker.kind === "event" && sticker.event).toEqual({ type: "unsupported", what: "sticker" });
  });

  it("ignores edited messages, channel posts and the bot being added to a group", () => {
    expect(map("edited-message")).toEqual({ kind: "ignored", reason: "edited message" });
    expect(map("channel-post")).toEqual({ kind: "ignored", reason: "channel post" });
    expect(map("my-chat-member-group-added")).toEqual({
      kind: "ignored",
      reason: "membership in a supergroup",
    });
  });

  it("answers a group message with the private-chat notice, in the sender's language", () => {
    expect(map("group-message")).toEqual({
      kind: "group_notice",
      chatId: -1001555444333n,
      languageCode: "uk",
    });
    expect(map("group-member-joined")).toEqual({ kind: "ignored", reason: "group service message" });
  });

  it("ignores a callback query without data but still asks to answer it", () => {
    const update = telegramFixture("callback-query") as { callback_query: Record<string, unknown> };
    delete update.callback_query.data;
    expect(toEvent(telegramUpdateSchema.parse(update))).toEqual({
      kind: "ignored",
      reason: "callback query without data",
      callbackQueryId: "4382093471234567890",
    });
  });

  it("rejects payloads that are not updates", () => {
    expect(telegramUpdateSchema.safeParse({ message: { text: "hi" } }).success).toBe(false);
    expect(telegramUpdateSchema.safeParse({ update_id: "1" }).success).toBe(false);
  });

  it("round-trips addresses", () => {
    expect(telegramAddress(-1001555444333n)).toBe("telegram:-1001555444333");
    expect(chatIdFromAddress("telegram:7012345678")).toBe(7012345678n);
    expect(chatIdFromAddress("viber:abc")).toBeUndefined();
  });
});
