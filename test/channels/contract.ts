// One contract every channel passes, whatever its platform: a harness delivers neutral script steps
// through the channel's REAL inbound path (route or handler, real engine, real database) and reads
// back, in neutral form, what the channel actually sent to the platform's (fake) API. The same
// checks then run for Telegram, Viber and the web chat:
// - /start answers with a prompt that offers buttons (menu or the verify prompt);
// - the buttons sent carry exactly the choices the engine offered, and pressing one by id reaches
//   the engine as that choice;
// - a contact reaches the engine with the proof the platform can give;
// - delivering the same platform update twice gives no second reply;
// - a long text is split within the platform's limit and loses nothing;
// - a reply's picture is shown before its text, and a picture that cannot be drawn leaves the text.
import { describe, expect, it } from "vitest";
import type { Address, EventMeta, InboundEvent } from "../../src/engine/events.js";
import type { HandleResult, Reply, SchedulePicture } from "../../src/engine/replies.js";
import type { SlotState } from "../../src/schedules/types.js";
import { daySlots } from "../helpers/schedules.js";

/** What a person does, independent of the platform. */
export type ScriptStep =
  | { kind: "start" }
  | { kind: "text"; text: string }
  /** Press the button with this choice id from the last keyboard the channel sent. */
  | { kind: "choice"; id: string }
  /** Share a phone; proven: the platform says it is the sender's own (where it can say so). */
  | { kind: "contact"; phone: string; proven: boolean };

/** One message the channel sent, as the person sees it. */
export interface SentMessage {
  text: string;
  /** Ids of the choice buttons shown with it, row by row flattened. */
  choiceIds: string[];
  /** A "share my phone" button was shown. */
  requestPhone: boolean;
  /** The message is an image: the platform's reference to it (URL, file id, "upload"). */
  picture?: string;
}

/** One call the channel made into the engine, with the engine's answer. */
export interface EngineCall {
  address: Address;
  event: InboundEvent;
  meta: EventMeta;
  result: HandleResult;
}

/** A delivered platform update, kept so it can be delivered again byte for byte. */
export interface Delivery {
  readonly step: ScriptStep;
}

export interface ChannelConversation {
  readonly address: Address;
  /** Delivers a step through the channel's inbound path and waits until its replies are sent. */
  deliver(step: ScriptStep): Promise<Delivery>;
  /** Delivers the very same platform update again (same platform update id). */
  redeliver(delivery: Delivery): Promise<void>;
  /** Everything the channel has sent to this conversation so far, oldest first. */
  sent(): SentMessage[];
  /** Every engine call the channel made for this conversation, oldest first. */
  engineCalls(): EngineCall[];
  /** Sends replies through the channel's sender (as the outbound queue does). */
  sendDirect(replies: Reply[]): Promise<void>;
}

export interface ChannelHarness {
  /** Maximum characters of one platform message. */
  readonly textLimit: number;
  /** Whether the platform can prove a shared contact is the sender's own. */
  readonly provesContacts: boolean;
  /** A conversation with a new person. */
  newConversation(): Promise<ChannelConversation>;
  /** Publishes one queue's day (as the operator API stores it) in the harness's database; the version. */
  publishDay(queue: string, date: string, slots: SlotState[]): Promise<number>;
  close(): Promise<void>;
}

const choiceIdsOf = (reply: Reply) => (reply.choices ?? []).flat().map((c) => c.id);

function labelOf(calls: EngineCall[], id: string): string | undefined {
  for (const call of [...calls].reverse()) {
    for (const reply of call.result.replies) {
      const found = (reply.choices ?? []).flat().find((c) => c.id === id);
      if (found) return found.label;
    }
  }
  return undefined;
}

export function runChannelContract(name: string, makeHarness: () => Promise<ChannelHarness>): void {
  describe(`channel contract: ${name}`, () => {
    async function withConversation(test: (c: ChannelConversation, h: ChannelHarness) => Promise<void>) {
      const harness = await makeHarness();
      try {
        await test(await harness.newConversation(), harness);
      } finally {
        await harness.close();
      }
    }

    it("answers /start with a prompt that offers buttons", async () => {
      await withConversation(async (conversation) => {
        await conversation.deliver({ kind: "start" });
        const calls = conversation.engineCalls();
        expect(calls).toHaveLength(1);
        expect(calls[0]?.event.type).toBe("start");
        const sent = conversation.sent();
        expect(sent.length).toBeGreaterThan(0);
        const last = sent.at(-1)!;
        expect(last.choiceIds.length > 0 || last.requestPhone).toBe(true);
        expect(last.text.trim().length).toBeGreaterThan(0);
      });
    });

    it("shows exactly the choices the engine offered, and a pressed button reaches the engine as that choice", async () => {
      await withConversation(async (conversation) => {
        await conversation.deliver({ kind: "start" });
        const replies = conversation.engineCalls()[0]!.result.replies;
        const offered = replies.flatMap(choiceIdsOf);
        const shown = conversation.sent().flatMap((m) => m.choiceIds);
        expect(shown).toEqual(offered);
        expect(conversation.sent().some((m) => m.requestPhone)).toBe(replies.some((r) => r.requestPhone));
        if (offered.length === 0) return;

        const id = offered[0]!;
        const before = conversation.sent().length;
        await conversation.deliver({ kind: "choice", id });
        const call = conversation.engineCalls().at(-1)!;
        // A platform whose buttons send their label as text reaches the engine as that text.
        const label = labelOf(conversation.engineCalls().slice(0, -1), id);
        expect([
          { type: "choice", id },
          { type: "text", text: label },
        ]).toContainEqual(call.event);
        expect(call.result.duplicate).toBe(false);
        expect(conversation.sent().length).toBeGreaterThan(before);
      });
    });

    it("passes a shared contact with the proof the platform can give", async () => {
      await withConversation(async (conversation, harness) => {
        await conversation.deliver({ kind: "start" });
        await conversation.deliver({ kind: "contact", phone: "+380671234567", proven: true });
        const event = conversation.engineCalls().at(-1)!.event;
        expect(event.type).toBe("contact");
        expect(event.type === "contact" && event.provenOwn).toBe(harness.provesContacts);
        await conversation.deliver({ kind: "contact", phone: "+380501112233", proven: false });
        const unproven = conversation.engineCalls().at(-1)!.event;
        expect(unproven.type === "contact" && unproven.provenOwn).toBe(false);
      });
    });

    it("gives no second reply to the same update delivered twice", async () => {
      await withConversation(async (conversation) => {
        await conversation.deliver({ kind: "start" });
        const delivery = await conversation.deliver({ kind: "text", text: "12345" });
        const sentBefore = conversation.sent().length;
        const callsBefore = conversation.engineCalls().length;
        await conversation.redeliver(delivery);
        expect(conversation.sent().length).toBe(sentBefore);
        const repeated = conversation.engineCalls().slice(callsBefore);
        // The channel may stop the repeat itself or let the engine's dedupe drop it.
        expect(repeated.every((c) => c.result.duplicate && c.result.replies.length === 0)).toBe(true);
      });
    });

    it("splits a long text within the platform limit without losing any of it", async () => {
      await withConversation(async (conversation, harness) => {
        const paragraph = "Показник прийнято: день 12345, ніч 6789. Дякуємо, що передали вчасно!";
        const text = Array.from(
          { length: Math.ceil((harness.textLimit * 2.5) / paragraph.length) },
          (_, i) => `${i + 1}. ${paragraph}`,
        ).join("\n");
        await conversation.sendDirect([{ text, choices: [[{ id: "menu", label: "Меню" }]] }]);
        const sent = conversation.sent();
        expect(sent.length).toBeGreaterThanOrEqual(3);
        for (const message of sent) expect(message.text.length).toBeLessThanOrEqual(harness.textLimit);
        expect(
          sent
            .map((m) => m.text)
            .join("")
            .replace(/\s+/g, ""),
        ).toBe(text.replace(/\s+/g, ""));
        expect(sent.at(-1)!.choiceIds).toEqual(["menu"]);
      });
    });

    it("shows a reply's picture before its text, and a picture that cannot be drawn leaves the text", async () => {
      await withConversation(async (conversation, harness) => {
        const version = await harness.publishDay("3.2", "2026-11-30", daySlots(["08:00", "12:30", "off"]));
        const picture: SchedulePicture = {
          kind: "outage-schedule",
          queue: "3.2",
          days: [{ date: "2026-11-30", version }],
          language: "uk",
        };
        const text = "🕯 черга 3.2\nСьогодні, 30.11: 🔴 08:00–12:30 без світла";
        await conversation.sendDirect([{ text, picture, choices: [[{ id: "menu", label: "Меню" }]] }]);
        const sent = conversation.sent();
        // The picture is a message of its own just before the text, or shown in the text's own message.
        const last = sent.at(-1)!;
        expect({ text: last.text, choiceIds: last.choiceIds, requestPhone: last.requestPhone }).toEqual({
          text,
          choiceIds: ["menu"],
          requestPhone: false,
        });
        const images = sent.filter((message) => message.picture !== undefined);
        expect(images).toHaveLength(1);
        expect(sent).toHaveLength(images[0] === last ? 1 : 2);

        const missing = { ...picture, days: [{ date: "2026-11-30", version: version + 100_000 }] };
        await conversation.sendDirect([{ text: "без картинки", picture: missing }]);
        expect(conversation.sent().slice(sent.length)).toEqual([
          { text: "без картинки", choiceIds: [], requestPhone: false },
        ]);
      });
    });
  });
}
