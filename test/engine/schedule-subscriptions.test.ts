// Schedule notification subscriptions, the customer's side, as conversations on a pinned clock: the
// one-tap offer after linking an account with a queue (none without a queue, for an unknown queue or
// when already subscribed), the schedule view's toggle, Settings listing and changing every option,
// English, and old buttons (after unsubscribing, for a queue that is gone).
import { describe, expect, test } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import type { Language } from "../../src/engine/replies.js";
import type { MemoryStore } from "../fakes/memory-store.js";
import { linkByPhone, seedAccount, setup, type Conversation } from "./harness.js";

// 13:50 in Kyiv on Monday 2026-11-30.
const NOW = "2026-11-30T11:50:00Z";

function subscriptionsOf(store: MemoryStore, c: Conversation) {
  return store.data.subscriptions
    .filter((entry) => entry.userId === c.user.id)
    .map(({ queue, label, leadMinutes, includeMaybe, night, powerBack }) => ({
      queue,
      label,
      leadMinutes,
      includeMaybe,
      night,
      powerBack,
    }));
}

/** What a fresh subscription says it sends, in this language. */
function defaultsText(language: Language, title: string): string {
  return [
    t(language, "subs.youWillGet", { title }),
    t(language, "subs.lead", { minutes: 30 }),
    t(language, "subs.maybeOn"),
    t(language, "subs.nightOff"),
    t(language, "subs.backOff"),
    "",
    t(language, "subs.changeHint"),
  ].join("\n");
}

describe("the offer after linking an account", () => {
  test("an account with a queue: one tap subscribes with the defaults and the account's label", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    const c = s.conversation();
    await linkByPhone(c);
    expect(c.stepName).toBe("menu");
    const label = t("uk", "label.flat");
    expect(c.text_.startsWith(`${t("uk", "label.saved", { label })}\n\n🔔 «${label}» — черга 3.2.`)).toBe(
      true,
    );
    expect(c.reply.choices?.[0]).toEqual([
      { id: "g:sub:3.2", label: "🔔 Попереджати про відключення (черга 3.2)" },
    ]);
    expect(c.choiceIds).toContain("m:read");

    await c.choose("g:sub:3.2");
    expect(subscriptionsOf(s.store, c)).toEqual([
      { queue: "3.2", label, leadMinutes: 30, includeMaybe: true, night: false, powerBack: false },
    ]);
    expect(c.stepName).toBe("subs_added");
    expect(c.text_).toBe(`${t("uk", "subs.subscribed")}\n\n${defaultsText("uk", `черга 3.2 · ${label}`)}`);
    expect(c.text_).toContain("• за 30 хв до відключення за графіком");
    expect(c.text_).toContain("• вночі (у тихі години) не турбуємо");
    expect(c.choiceIds).toEqual(["g:subopt:3.2", "m:sched", "nav:menu"]);

    // "Change" opens the options; a second tap on the offer keeps them and says so.
    await c.choose("g:subopt:3.2");
    expect(c.stepName).toBe("subs_item");
    await c.choose("sub:lead:60");
    await c.choose("g:sub:3.2");
    expect(c.text_.startsWith(t("uk", "subs.already"))).toBe(true);
    expect(c.text_).toContain(t("uk", "subs.lead", { minutes: 60 }));
    expect(subscriptionsOf(s.store, c)[0]?.leadMinutes).toBe(60);
  });

  test("a deep link's journey keeps the offer on top of its buttons", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    const c = s.conversation();
    await c.send({ type: "start", payload: "outage" });
    await c.contact("+380671234567", true);
    await c.text("1234567890");
    await c.choose("lbl:flat");
    expect(c.stepName).toBe("outage_scope");
    expect(c.text_).toContain("🔔 «Квартира» — черга 3.2.");
    expect(c.choiceIds[0]).toBe("g:sub:3.2");
    // The offer works from the middle of the journey; the journey's own buttons are still there.
    expect(c.choiceIds.length).toBeGreaterThan(2);
    await c.choose("g:sub:3.2");
    expect(subscriptionsOf(s.store, c)).toMatchObject([{ queue: "3.2", label: "Квартира" }]);
  });

  test("the queue from the address directory when billing has none", async () => {
    const s = setup(NOW);
    seedAccount(s.store, {
      number: "1234567890",
      outageQueue: null,
      settlement: "м. Дніпро",
      street: "вул. Робоча",
      building: "5",
    });
    s.store.addAddress({ settlement: "м. Дніпро", street: "вул. Робоча", building: "5", queue: "1.2" });
    const c = s.conversation();
    await linkByPhone(c, "1234567890", "lbl:house");
    expect(c.reply.choices?.[0]).toEqual([
      { id: "g:sub:1.2", label: "🔔 Попереджати про відключення (черга 1.2)" },
    ]);
    await c.choose("g:sub:1.2");
    expect(subscriptionsOf(s.store, c)).toMatchObject([{ queue: "1.2", label: t("uk", "label.house") }]);
  });

  test("no offer without a queue, for a queue not configured, or when already subscribed", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1111111111", outageQueue: null });
    seedAccount(s.store, { number: "2222222222", outageQueue: "7.5" });
    seedAccount(s.store, { number: "3333333333", outageQueue: "3.2" });
    const withoutQueue = s.conversation("telegram:1");
    await linkByPhone(withoutQueue, "1111111111");
    expect(withoutQueue.stepName).toBe("menu");
    expect(withoutQueue.choiceIds.some((id) => id.startsWith("g:sub"))).toBe(false);
    expect(withoutQueue.text_).not.toContain("🔔");

    const unknownQueue = s.conversation("telegram:2");
    await linkByPhone(unknownQueue, "2222222222");
    expect(unknownQueue.choiceIds.some((id) => id.startsWith("g:sub"))).toBe(false);

    const subscribed = s.conversation("telegram:3");
    await subscribed.start();
    await subscribed.choose("m:sched");
    await subscribed.choose("sq:3.2");
    await subscribed.choose("g:sub:3.2");
    expect(subscriptionsOf(s.store, subscribed)).toHaveLength(1);
    await subscribed.choose("m:add");
    await subscribed.contact("+380671234567", true);
    await subscribed.text("3333333333");
    await subscribed.choose("lbl:flat");
    expect(subscribed.stepName).toBe("menu");
    expect(subscribed.choiceIds.some((id) => id.startsWith("g:sub"))).toBe(false);
    expect(
      subscribed.text_.startsWith(
        `${t("uk", "label.saved", { label: t("uk", "label.flat") })}\n\n${t("uk", "menu.title")}`,
      ),
    ).toBe(true);
    expect(subscribed.text_).not.toContain("🔔");
  });
});

describe("the schedule view's toggle", () => {
  test("one row per queue; subscribe with the account's or the address's label, then unsubscribe", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    s.store.addAddress({ settlement: "м. Дніпро", street: "вул. Робоча", building: "7", queue: "5.1" });
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:sched");
    await c.choose("sched:find");
    await c.text("Робоча");
    await c.text("7");
    await c.choose("m:sched");
    expect(c.last?.replies).toHaveLength(2);
    expect(c.reply.choices?.slice(0, 2)).toEqual([
      [{ id: "g:sub:3.2", label: "🔔 Сповіщати: черга 3.2" }],
      [{ id: "g:sub:5.1", label: "🔔 Сповіщати: черга 5.1" }],
    ]);

    await c.choose("g:sub:5.1");
    expect(subscriptionsOf(s.store, c)).toEqual([
      {
        queue: "5.1",
        label: "м. Дніпро, вул. Робоча, 7",
        leadMinutes: 30,
        includeMaybe: true,
        night: false,
        powerBack: false,
      },
    ]);
    await c.choose("m:sched");
    expect(c.reply.choices?.slice(0, 2)).toEqual([
      [{ id: "g:sub:3.2", label: "🔔 Сповіщати: черга 3.2" }],
      [{ id: "g:unsub:5.1", label: "🔕 Не сповіщати: черга 5.1" }],
    ]);
    // Typing a button's label is the tap (Telegram reply keyboards).
    await c.text("🔔 Сповіщати: черга 3.2");
    expect(subscriptionsOf(s.store, c).map((entry) => [entry.queue, entry.label])).toEqual([
      ["5.1", "м. Дніпро, вул. Робоча, 7"],
      ["3.2", t("uk", "label.flat")],
    ]);

    await c.choose("m:sched");
    await c.choose("g:unsub:5.1");
    expect(c.stepName).toBe("sched_view");
    expect(c.text_).toBe(
      `${t("uk", "subs.unsubscribed", { queue: "черга 5.1" })}\n\n${t("uk", "sched.viewHint")}`,
    );
    expect(c.reply.choices?.slice(0, 2)).toEqual([
      [{ id: "g:unsub:3.2", label: "🔕 Не сповіщати: черга 3.2" }],
      [{ id: "g:sub:5.1", label: "🔔 Сповіщати: черга 5.1" }],
    ]);
    expect(subscriptionsOf(s.store, c).map((entry) => entry.queue)).toEqual(["3.2"]);
  });
});

describe("Settings: the person's subscriptions", () => {
  test("listed with a summary; every option changed with buttons; unsubscribed", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("g:sub:3.2");
    await c.choose("m:settings");
    await c.choose("set:subs");
    expect(c.stepName).toBe("subs_list");
    const label = t("uk", "label.flat");
    expect(c.text_).toBe(
      [
        "🔔 Сповіщення про відключення за графіком:",
        `• черга 3.2 · ${label}: за 30 хв · і можливі · вночі тихо · без «світло є»`,
        "",
        t("uk", "subs.listHint"),
      ].join("\n"),
    );
    expect(c.choiceIds).toEqual(["sub:open:3.2", "sched:pick", "nav:back", "nav:menu"]);

    await c.choose("sub:open:3.2");
    expect(c.stepName).toBe("subs_item");
    expect(c.reply.choices?.[0]).toEqual([
      { id: "sub:lead:0", label: "Без попереджень" },
      { id: "sub:lead:15", label: "15 хв" },
      { id: "sub:lead:30", label: "✓ 30 хв" },
      { id: "sub:lead:60", label: "60 хв" },
    ]);
    expect(c.choiceIds.slice(4)).toEqual([
      "sub:maybe:off",
      "sub:night:on",
      "sub:back:on",
      "sub:del",
      "nav:back",
      "nav:menu",
    ]);

    await c.choose("sub:lead:15");
    expect(c.text_.startsWith(`${t("uk", "subs.saved")}\n\n`)).toBe(true);
    expect(c.text_).toContain("• за 15 хв до відключення за графіком");
    expect(c.label("sub:lead:15")).toBe("✓ 15 хв");
    await c.choose("sub:lead:0");
    expect(c.text_).toContain(t("uk", "subs.leadOff"));
    expect(c.label("sub:lead:0")).toBe("✓ Без попереджень");
    await c.choose("sub:maybe:off");
    expect(c.text_).toContain(t("uk", "subs.maybeOff"));
    expect(c.choiceIds).toContain("sub:maybe:on");
    await c.choose("sub:night:on");
    expect(c.text_).toContain(t("uk", "subs.nightOn"));
    expect(c.choiceIds).toContain("sub:night:off");
    await c.choose("sub:back:on");
    expect(c.text_).toContain(t("uk", "subs.backOn"));
    expect(c.choiceIds).toContain("sub:back:off");
    expect(subscriptionsOf(s.store, c)).toEqual([
      { queue: "3.2", label, leadMinutes: 0, includeMaybe: false, night: true, powerBack: true },
    ]);
    // A repeated tap sets the same value again; a lead time not offered is not taken.
    await c.choose("sub:night:on");
    await c.choose("sub:lead:45");
    expect(c.text_).toBe(t("uk", "hint.useButtons"));
    await c.text("60");
    expect(c.text_).toBe(t("uk", "hint.useButtons"));
    expect(subscriptionsOf(s.store, c)[0]).toMatchObject({ leadMinutes: 0, night: true });

    await c.choose("nav:back");
    expect(c.text_).toContain(
      `• черга 3.2 · ${label}: без попереджень · без можливих · і вночі · «світло є»`,
    );
    await c.choose("sub:open:3.2");
    await c.choose("sub:del");
    expect(subscriptionsOf(s.store, c)).toEqual([]);
    expect(c.stepName).toBe("subs_list");
    expect(c.text_).toBe(
      `${t("uk", "subs.unsubscribed", { queue: "черга 3.2" })}\n\n${t("uk", "subs.listEmpty")}`,
    );
    expect(c.choiceIds).toEqual(["sched:pick", "nav:back", "nav:menu"]);
    await c.choose("nav:back");
    expect(c.stepName).toBe("settings");
  });

  test("with none: says so and picks a queue the schedule's way", async () => {
    const s = setup(NOW);
    const c = s.conversation();
    await c.start();
    await c.choose("m:settings");
    await c.choose("set:subs");
    expect(c.text_).toBe(t("uk", "subs.listEmpty"));
    await c.choose("sched:pick");
    expect(c.stepName).toBe("sched_pick");
    expect(c.text_.startsWith(t("uk", "subs.pickHint"))).toBe(true);
    await c.choose("sq:4.1");
    expect(c.reply.choices?.[0]).toEqual([{ id: "g:sub:4.1", label: "🔔 Сповіщати: черга 4.1" }]);
    await c.choose("g:sub:4.1");
    expect(subscriptionsOf(s.store, c)).toMatchObject([{ queue: "4.1", label: null }]);
    expect(c.text_).toContain(defaultsText("uk", "черга 4.1"));
  });
});

describe("in English", () => {
  test("the offer, the confirmation, the list and the options", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "1001.1" });
    s.store.data.queues.push({ code: "1001.1", name: "ЦЕК 1.1" });
    const c = s.conversation("telegram:9", { languageCode: "en" });
    await linkByPhone(c);
    const label = t("en", "label.flat");
    expect(c.text_).toContain(`🔔 “${label}” — city grid 1.1. We can warn you before scheduled outages.`);
    expect(c.label("g:sub:1001.1")).toBe("🔔 Warn me about outages (city grid 1.1)");
    await c.choose("g:sub:1001.1");
    expect(c.text_).toBe(`Done, notifications are on.\n\n${defaultsText("en", `city grid 1.1 · ${label}`)}`);
    expect(c.text_).toContain("• 30 min before a scheduled outage");
    expect(c.label("g:subopt:1001.1")).toBe("⚙️ Change notifications");
    await c.choose("m:settings");
    expect(c.label("set:subs")).toBe("🔔 Outage notifications");
    await c.choose("set:subs");
    expect(c.text_).toContain(
      `• city grid 1.1 · ${label}: 30 min before · possible too · quiet at night · no “power back”`,
    );
    await c.choose("sub:open:1001.1");
    expect(c.label("sub:lead:30")).toBe("✓ 30 min");
    expect(c.label("sub:maybe:off")).toBe("🟡 No warnings about possible ones");
    expect(c.label("sub:del")).toBe("🔕 Turn notifications off");
    await c.choose("m:sched");
    expect(c.label("g:unsub:1001.1")).toBe("🔕 Stop notifying: city grid 1.1");
  });
});

describe("old buttons", () => {
  test("after unsubscribing: a clear answer, and the one tap to subscribe again", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("g:sub:3.2");
    await c.choose("g:subopt:3.2");
    await c.choose("sub:del");
    expect(subscriptionsOf(s.store, c)).toEqual([]);

    // The "change" button of the old confirmation, tapped in the middle of another journey.
    await c.choose("m:read");
    await c.choose("g:subopt:3.2");
    expect(c.stepName).toBe("subs_list");
    expect(c.text_.startsWith(t("uk", "subs.notSubscribed", { queue: "черга 3.2" }))).toBe(true);
    // The view's old "stop" button.
    await c.choose("g:unsub:3.2");
    expect(c.stepName).toBe("sched_view");
    expect(c.text_.startsWith("Сповіщень про відключення (черга 3.2) у вас немає.")).toBe(true);
    expect(c.choiceIds[0]).toBe("g:sub:3.2");
    // The old offer subscribes again, a day later.
    s.clock.advanceMinutes(24 * 60);
    await c.choose("g:sub:3.2");
    expect(subscriptionsOf(s.store, c)).toHaveLength(1);
    expect(c.stepName).toBe("subs_added");
  });

  test("a queue that is no longer configured gets a clear answer and nothing is stored", async () => {
    const s = setup(NOW);
    const c = s.conversation();
    await c.start();
    await c.choose("m:sched");
    await c.choose("sq:6.2");
    await c.choose("g:sub:6.2");
    s.store.data.queues = s.store.data.queues.filter((queue) => queue.code !== "6.2");
    await c.choose("g:subopt:6.2");
    expect(c.stepName).toBe("sched_pick");
    expect(c.text_.startsWith(t("uk", "subs.queueGone", { code: "6.2" }))).toBe(true);
    await c.choose("g:sub:6.2");
    expect(c.text_.startsWith("Черги 6.2 більше немає в графіках.")).toBe(true);
    await c.choose("g:sub:9.9");
    expect(c.text_.startsWith(t("uk", "subs.queueGone", { code: "9.9" }))).toBe(true);
    const listed = await s.store.transaction((tx) => tx.scheduleSubscriptions.list(c.user.id));
    expect(listed).toEqual([]);
    expect(s.store.data.subscriptions.filter((entry) => entry.queue === "9.9")).toEqual([]);
  });
});
