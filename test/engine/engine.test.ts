// The engine's own rules, as conversations over the in-memory store: dedupe, commands that work
// everywhere (/start, /cancel, Menu, Back), typed button labels, free-text hints, the idle timeout,
// unreadable state, global choices of proactive messages, user status, and failure handling.
import { describe, expect, test } from "vitest";
import { createEngine } from "../../src/engine/engine.js";
import { StoreUnavailableError, UpdateFailedError } from "../../src/engine/errors.js";
import { GLOBAL_CHOICES, submitReadingChoice } from "../../src/engine/global-choices.js";
import { t } from "../../src/engine/i18n/index.js";
import { defaultEngineSettings, engineSettingsFrom } from "../../src/engine/settings.js";
import { STATE_VERSION } from "../../src/engine/state.js";
import { linkByPhone, seedAccount, setup } from "./harness.js";

describe("one update, exactly once", () => {
  test("a repeated update id changes nothing and sends nothing", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:read");
    const stateBefore = structuredClone(c.user.state);
    const first = await c.send({ type: "text", text: "12400" }, "same-id");
    const again = await c.send({ type: "text", text: "12500" }, "same-id");
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ duplicate: true, replies: [], language: "uk" });
    expect(c.user.state).not.toEqual(stateBefore);
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", values: [12400] } });
  });
});

describe("commands that work everywhere", () => {
  test("/start for a new user welcomes and asks to share the phone", async () => {
    const s = setup();
    const c = s.conversation();
    await c.start();
    expect(c.reply).toEqual({
      text: `${t("uk", "welcome.new")}\n\n${t("uk", "verify.askPhone")}`,
      requestPhone: { label: t("uk", "verify.sharePhoneButton") },
      choices: [
        [{ id: "v:fallback", label: t("uk", "verify.otherWay") }],
        [{ id: "nav:menu", label: t("uk", "nav.menu") }],
      ],
    });
    expect(c.user.stateVersion).toBe(STATE_VERSION);
  });

  test("/start for a linked user shows the menu; /cancel and Menu leave any step", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.start();
    expect(c.text_.startsWith(t("uk", "welcome.back"))).toBe(true);
    expect(c.choiceIds).toContain("m:read");
    await c.choose("m:order");
    expect(c.stepName).toBe("order_type");
    await c.text("/cancel");
    expect(c.text_.startsWith(t("uk", "common.cancelled"))).toBe(true);
    expect(c.stepName).toBe("menu");
    await c.choose("m:order");
    await c.choose("nav:menu");
    expect(c.stepName).toBe("menu");
    expect(c.text_.startsWith(t("uk", "menu.title"))).toBe(true);
    await c.choose("m:order");
    await c.text("/start");
    expect(c.stepName).toBe("menu");
  });

  test("Back goes one step back", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:read");
    await c.text("12400");
    expect(c.text_).toBe(t("uk", "reading.askZone", { zone: t("uk", "zone.night"), digits: 5 }));
    await c.choose("nav:back");
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", values: [] } });
    await c.choose("nav:back");
    expect(c.stepName).toBe("menu");
  });

  test("a typed button label counts as the button (Telegram reply keyboards)", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.text(`  ${t("uk", "menu.reading").toUpperCase()} `);
    expect(c.stepName).toBe("reading_zone");
  });

  test("free text where a button was expected gets a hint and the same buttons", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    const menuChoices = c.reply.choices;
    await c.text("привіт");
    expect(c.reply).toEqual({ text: t("uk", "hint.useButtons"), choices: menuChoices });
    await c.send({ type: "location", latitude: 48.46, longitude: 35.04 });
    expect(c.reply.text).toBe(t("uk", "hint.useButtons"));
  });

  test("malformed or oversized events are refused at the boundary with a hint, losing nothing", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:read");
    await c.text("12400");
    await c.text("9".repeat(5000));
    expect(c.reply.text).toBe(t("uk", "reading.typeNumber"));
    await c.send({ type: "choice", id: "x".repeat(65) });
    expect(c.reply.text).toBe(t("uk", "reading.typeNumber"));
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", values: [12400] } });
  });
});

describe("idle and unreadable state", () => {
  test("a flow idle longer than the timeout restarts at the menu, saying so", async () => {
    const s = setup("2026-11-30T10:00:00Z", { idleMinutes: 30 });
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:read");
    s.clock.advanceMinutes(29);
    await c.text("12400");
    expect(c.stepName).toBe("reading_zone");
    s.clock.advanceMinutes(31);
    await c.text("6100");
    expect(c.stepName).toBe("menu");
    expect(c.text_.startsWith(t("uk", "idle.restart"))).toBe(true);
  });

  test("the idle timeout is configurable", async () => {
    const s = setup("2026-11-30T10:00:00Z", { idleMinutes: 5 });
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:read");
    s.clock.advanceMinutes(6);
    await c.text("12400");
    expect(c.text_.startsWith(t("uk", "idle.restart"))).toBe(true);
  });

  test("state that does not parse, or of another version, resets to the menu with a notice", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    c.user.state = { step: { name: "reading_zone", accountId: "x" }, offered: [] };
    await c.text("12400");
    expect(c.text_.startsWith(`${t("uk", "state.reset")}\n\n${t("uk", "menu.title")}`)).toBe(true);
    expect(c.stepName).toBe("menu");
    c.user.stateVersion = STATE_VERSION + 1;
    await c.text("12400");
    expect(c.text_.startsWith(t("uk", "state.reset"))).toBe(true);
    expect(c.user.stateVersion).toBe(STATE_VERSION);
  });
});

describe("global choices of proactive messages", () => {
  test("submit-reading, my-requests and stop-reminders work in the middle of another journey", async () => {
    const s = setup();
    const account = seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:order");
    await c.choose(submitReadingChoice(account.id));
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", accountId: account.id, values: [] } });
    await c.choose(GLOBAL_CHOICES.myRequests);
    expect(c.text_.startsWith(t("uk", "requests.none"))).toBe(true);
    await c.choose("m:settings");
    await c.choose(GLOBAL_CHOICES.stopReminders);
    expect(c.user.remindersEnabled).toBe(false);
    expect(c.text_.startsWith(t("uk", "settings.remindersOff"))).toBe(true);
  });

  test("submit-reading for an account that is not linked to this user does not open it", async () => {
    const s = setup();
    seedAccount(s.store);
    const stranger = s.store.addAccount({ number: "5555555555" });
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose(submitReadingChoice(stranger.id));
    expect(c.user.state).not.toMatchObject({ step: { accountId: stranger.id } });
  });
});

test("settings from the configuration", () => {
  expect(
    engineSettingsFrom({
      companyPhone: "0 800 1",
      companyWebsite: "https://x.ua",
      verifyMaxFailuresPerHour: 3,
      flowTimeoutMinutes: 15,
    }),
  ).toEqual({
    ...defaultEngineSettings,
    verification: { maxFailures: 3, windowMinutes: 60 },
    idleMinutes: 15,
    company: { phone: "0 800 1", website: "https://x.ua" },
  });
});

describe("user status, language and failures", () => {
  test("blocked sets the status and answers nothing; any later message makes the user active", async () => {
    const s = setup();
    const c = s.conversation();
    await c.start();
    expect((await c.send({ type: "blocked" })).replies).toEqual([]);
    expect(c.user.status).toBe("blocked");
    expect((await c.send({ type: "unblocked" })).replies).toEqual([]);
    expect(c.user.status).toBe("active");
    await c.send({ type: "blocked" });
    await c.start();
    expect(c.user.status).toBe("active");
  });

  test("the messenger language picks the start language: en* English, uk/ru/unknown Ukrainian", async () => {
    const s = setup();
    for (const [code, language] of [
      ["en-US", "en"],
      ["en", "en"],
      ["uk", "uk"],
      ["ru", "uk"],
      ["de", "uk"],
    ] as const) {
      const c = s.conversation(`web:${code}`, { channel: "web", languageCode: code });
      const result = await c.start();
      expect(result.language).toBe(language);
      expect(c.text_.startsWith(t(language, "welcome.new"))).toBe(true);
    }
  });

  test("a failure inside a flow rolls back and throws UpdateFailedError with an apology in the user's language", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation("telegram:1", { languageCode: "en" });
    await linkByPhone(c);
    await c.choose("m:read");
    const before = structuredClone(s.store.data);
    const original = s.store.transaction.bind(s.store);
    s.store.transaction = (fn) =>
      original(async (tx) => {
        tx.readings.latest = async () => {
          throw new TypeError("boom");
        };
        return fn(tx);
      });
    const failure = await c.text("12400").catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpdateFailedError);
    const updateFailed = failure as UpdateFailedError;
    expect(updateFailed.apology).toEqual({
      text: t("en", "error.apology"),
      choices: [[{ id: "nav:menu", label: t("en", "nav.menu") }]],
    });
    expect(updateFailed.language).toBe("en");
    expect(s.store.data).toEqual(before);
  });

  test("a store that cannot be reached surfaces as StoreUnavailableError", async () => {
    const s = setup();
    s.store.unavailable = true;
    const engine = createEngine({ store: s.store, clock: s.clock, settings: s.settings });
    await expect(
      engine.handle("web:1", { type: "start" }, { channel: "web", updateId: "1" }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
