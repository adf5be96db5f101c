// "Write to a person" from the customer's side: the intro with hours and self-service, the hand-off
// with a wait estimate taken from the live queue (or none), silence while a person has the
// conversation, the way back to the bot, and the contact centre's hours.
import { describe, expect, test } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import { renderNotification } from "../../src/engine/notify-render.js";
import { defaultEngineSettings } from "../../src/engine/settings.js";
import type { MemoryStore } from "../fakes/memory-store.js";
import { setup } from "./harness.js";

/** A conversation some other customer had, answered after `seconds`. */
function answered(store: MemoryStore, createdAt: string, seconds: number): void {
  const created = new Date(createdAt);
  store.data.handoffs.push({
    id: store.data.nextId++,
    userId: 999,
    status: "closed",
    createdAt: created,
    firstAnswerAt: new Date(created.getTime() + seconds * 1000),
    closedAt: new Date(created.getTime() + seconds * 1000 + 60_000),
    closedBy: "operator",
  });
}

describe("write to a person", () => {
  test.each(["uk", "en"] as const)(
    "the menu offers it; the first message is handed over with the queue's estimate (%s)",
    async (language) => {
      // Monday 30.11.2026 12:00 Kyiv: open.
      const s = setup("2026-11-30T10:00:00Z");
      answered(s.store, "2026-11-30T09:00:00Z", 120);
      answered(s.store, "2026-11-30T09:10:00Z", 300);
      answered(s.store, "2026-11-30T09:20:00Z", 600);
      s.store.data.handoffs.push({
        id: s.store.data.nextId++,
        userId: 998,
        status: "waiting",
        createdAt: new Date("2026-11-30T09:55:00Z"),
        firstAnswerAt: null,
        closedAt: null,
        closedBy: null,
      });
      const c = s.conversation("telegram:1", { languageCode: language });
      await c.start();
      await c.text("/menu");
      expect(c.choiceIds).toContain("m:person");
      expect(c.label("m:person")).toBe(t(language, "menu.person"));
      await c.choose("m:person");
      expect(c.stepName).toBe("handoff_intro");
      expect(c.text_).toBe(
        [
          t(language, "handoff.intro"),
          t(language, "handoff.hours", { days: t(language, "handoff.daily"), from: "08:00", to: "20:00" }),
          "",
          t(language, "handoff.selfService"),
        ].join("\n"),
      );
      expect(c.choiceIds).toEqual(["m:outage", "m:read", "m:sched", "m:requests", "nav:menu"]);

      await c.text("Коли дадуть світло на Січеславській?");
      expect(c.reply).toEqual({
        text: [
          t(language, "handoff.queued"),
          t(language, "handoff.estimate", { waiting: 1, minutes: 5 }),
        ].join("\n"),
        choices: [[{ id: "h:back", label: t(language, "handoff.back") }]],
      });
      expect(c.stepName).toBe("handoff_live");
      const mine = s.store.data.handoffs.find((h) => h.userId === c.user.id);
      expect(mine).toMatchObject({ status: "waiting", createdAt: new Date("2026-11-30T10:00:00Z") });
      expect(s.store.data.handoffMessages).toEqual([
        expect.objectContaining({
          conversationId: mine?.id,
          author: "customer",
          text: "Коли дадуть світло на Січеславській?",
          photoRef: null,
        }),
      ]);
    },
  );

  test("with no answered conversations the bot says it cannot estimate, never a default figure", async () => {
    const s = setup("2026-11-30T10:00:00Z");
    // An answer older than the estimate's window says nothing about today's queue.
    answered(s.store, "2026-11-01T09:00:00Z", 60);
    const c = s.conversation();
    await c.start();
    await c.choose("m:person");
    await c.photo("tg-file-1", "лічильник");
    expect(c.text_).toBe(
      [t("uk", "handoff.queued"), t("uk", "handoff.noEstimate", { waiting: 0 })].join("\n"),
    );
    expect(s.store.data.handoffMessages).toEqual([
      expect.objectContaining({ author: "customer", text: "лічильник", photoRef: "tg-file-1" }),
    ]);
  });

  test("while a person has it the bot stays silent and stores every text and photo; back ends it", async () => {
    const s = setup("2026-11-30T10:00:00Z");
    const c = s.conversation();
    await c.start();
    await c.choose("m:person");
    await c.text("Добрий день");
    s.clock.advanceMinutes(45); // longer than the idle timeout: a live hand-off never idles out
    await c.text("Ще одне питання");
    expect(c.last?.replies).toEqual([]);
    await c.photo("tg-file-2");
    expect(c.last?.replies).toEqual([]);
    // Buttons of the menu are not for the bot now: a hint, nothing stored.
    await c.choose("m:read");
    expect(c.text_).toBe(t("uk", "handoff.stillLive"));
    await c.send({ type: "location", latitude: 48.4, longitude: 35 });
    expect(c.text_).toBe(t("uk", "handoff.onlyTextPhoto"));
    expect(s.store.data.handoffMessages.map((m) => [m.text, m.photoRef])).toEqual([
      ["Добрий день", null],
      ["Ще одне питання", null],
      [null, "tg-file-2"],
    ]);

    // The reply keyboard sends the label as text.
    await c.text(t("uk", "handoff.back"));
    expect(c.text_.startsWith(`${t("uk", "handoff.backDone")}\n\n${t("uk", "menu.titleNoAccounts")}`)).toBe(
      true,
    );
    expect(c.stepName).toBe("menu");
    expect(s.store.data.handoffs[0]).toMatchObject({ status: "closed", closedBy: "customer" });
    // And the bot answers again.
    await c.choose("m:help");
    expect(c.last?.replies.length).toBeGreaterThan(0);
  });

  test("/start ends the hand-off and is handled as usual; menu again offers a new one", async () => {
    const s = setup("2026-11-30T10:00:00Z");
    const c = s.conversation();
    await c.start();
    await c.choose("m:person");
    await c.text("Питання");
    await c.start();
    // Someone without an account: /start asks to link one, as it always does.
    expect(c.stepName).toBe("verify_phone");
    expect(s.store.data.handoffs[0]?.status).toBe("closed");
    await c.choose("m:person");
    expect(c.stepName).toBe("handoff_intro");
    await c.text("Нове питання");
    expect(s.store.data.handoffs.filter((h) => h.status === "waiting")).toHaveLength(1);
    expect(s.store.data.handoffs).toHaveLength(2);
  });

  test("the back button under an answer, tapped after the hand-off ended, just opens the menu", async () => {
    const s = setup("2026-11-30T10:00:00Z");
    const c = s.conversation();
    await c.start();
    await c.choose("m:person");
    await c.text("Питання");
    await c.choose("h:back");
    expect(c.stepName).toBe("menu");
    await c.choose("h:back");
    expect(c.stepName).toBe("menu");
    expect(c.text_).toBe(t("uk", "menu.titleNoAccounts"));
  });

  test("when the operator closed it, the next message goes to the bot", async () => {
    const s = setup("2026-11-30T10:00:00Z");
    const c = s.conversation();
    await c.start();
    await c.choose("m:person");
    await c.text("Питання");
    const open = s.store.data.handoffs[0];
    if (open) open.status = "closed";
    await c.text("дякую");
    expect(c.stepName).toBe("menu");
    expect(c.text_.startsWith(t("uk", "handoff.ended"))).toBe(true);
    expect(s.store.data.handoffMessages).toHaveLength(1);
  });

  test.each(["uk", "en"] as const)(
    "out of hours the intro and the hand-off say when a person will answer (%s)",
    async (language) => {
      // Friday 27.11.2026 21:30 Kyiv; the centre works Mon-Fri 08:00-20:00: next Monday 08:00.
      const s = setup("2026-11-27T19:30:00Z", {
        handoff: {
          ...defaultEngineSettings.handoff,
          hours: { days: [1, 2, 3, 4, 5], from: "08:00", to: "20:00" },
        },
      });
      answered(s.store, "2026-11-27T12:00:00Z", 120);
      const c = s.conversation("telegram:1", { languageCode: language });
      await c.start();
      await c.choose("m:person");
      const when = `${t(language, "weekday.1")} 30.11 08:00`;
      const days = ["weekday.1", "weekday.2", "weekday.3", "weekday.4", "weekday.5"] as const;
      expect(c.text_).toBe(
        [
          t(language, "handoff.intro"),
          t(language, "handoff.hours", {
            days: days.map((d) => t(language, d)).join(", "),
            from: "08:00",
            to: "20:00",
          }),
          t(language, "handoff.closedNow", { when }),
          "",
          t(language, "handoff.selfService"),
        ].join("\n"),
      );
      await c.text("Питання");
      expect(c.text_).toBe(
        [t(language, "handoff.queued"), t(language, "handoff.afterHours", { when })].join("\n"),
      );
      expect(s.store.data.handoffs.filter((h) => h.status === "waiting")).toHaveLength(1);
    },
  );

  test("a self-service button from the intro runs that journey instead", async () => {
    const s = setup("2026-11-30T10:00:00Z");
    const c = s.conversation();
    await c.start();
    await c.choose("m:person");
    await c.choose("m:outage");
    expect(c.stepName).not.toBe("handoff_intro");
    expect(s.store.data.handoffs).toHaveLength(0);
  });

  test.each(["uk", "en"] as const)(
    "an operator's answer reaches the customer as typed; closing offers the menu (%s)",
    (language) => {
      const text = "Бригада {їде}\nдо 14:00 — $1 & <b>";
      expect(renderNotification(language, { kind: "handoff_reply", conversationId: 1, text })).toEqual({
        text: t(language, "notify.handoffReply", { text }),
        attached: true,
      });
      expect(
        renderNotification(language, { kind: "handoff_reply", conversationId: 1, text }).text.endsWith(text),
      ).toBe(true);
      expect(
        renderNotification(language, { kind: "handoff_closed", conversationId: 1, resolution: "Пояснили" }),
      ).toEqual({
        text: [
          t(language, "notify.handoffClosed"),
          t(language, "notify.handoffResolution", { resolution: "Пояснили" }),
        ].join("\n"),
        choices: [[{ id: "g:menu", label: t(language, "nav.menu") }]],
        attached: true,
      });
    },
  );
});
