// Deep links as conversations (Telegram's /start <payload>, Viber's conversation_started context):
// each payload opens its journey for a linked user; a person without a verified account verifies
// first and lands where the link pointed; an account number not linked to the user opens nothing
// of it and reads exactly like any other number; an unknown payload is a plain /start. Also the
// stored state's version 1 -> 2 migration (the pending target was added).
import { describe, expect, test } from "vitest";
import { parseStartPayload, startEvent } from "../../src/engine/deep-link.js";
import { t } from "../../src/engine/i18n/index.js";
import { loadState, STATE_VERSION } from "../../src/engine/state.js";
import { linkByPhone, seedAccount, setup, type Conversation } from "./harness.js";

function open(c: Conversation, payload: string) {
  return c.send({ type: "start", payload });
}

/** The stored state's pending target (undefined when none is kept). */
function pendingOf(c: Conversation): unknown {
  return (c.user.state as { pending?: unknown }).pending;
}

/** Links a second account (same phone on file) through "Add account" and names it "Будинок". */
async function addSecondAccount(c: Conversation, number: string): Promise<void> {
  await c.choose("m:add");
  await c.text(number);
  await c.choose("lbl:house");
}

describe("payload grammar", () => {
  test("the named journeys, in any letter case; everything else is no journey", () => {
    expect(parseStartPayload("reading")).toEqual({ journey: "reading" });
    expect(parseStartPayload("Reading_1000000001")).toEqual({
      journey: "reading",
      accountNumber: "1000000001",
    });
    expect(parseStartPayload("outage")).toEqual({ journey: "outage" });
    expect(parseStartPayload("ORDER")).toEqual({ journey: "order" });
    expect(parseStartPayload("requests")).toEqual({ journey: "requests" });
    expect(parseStartPayload("menu")).toEqual({ journey: "menu" });
    for (const other of [undefined, "", "reading_", "reading_12", "reading_abc", "reading-2026-11", "help"]) {
      expect(parseStartPayload(other), String(other)).toBeNull();
    }
  });

  test("a channel's raw payload becomes a start event only when it is a deep-link parameter", () => {
    expect(startEvent(" reading_1000000001 ")).toEqual({ type: "start", payload: "reading_1000000001" });
    expect(startEvent(undefined)).toEqual({ type: "start" });
    expect(startEvent("")).toEqual({ type: "start" });
    expect(startEvent("з сайту")).toEqual({ type: "start" });
    expect(startEvent("x".repeat(65))).toEqual({ type: "start" });
  });
});

describe("a linked user lands in the journey at once", () => {
  test.each([
    { payload: "reading", button: "m:read", step: "reading_zone" },
    { payload: "outage", button: "m:outage", step: "outage_scope" },
    { payload: "order", button: "m:order", step: "order_type" },
    { payload: "requests", button: "m:requests", step: "menu" },
  ])("$payload answers exactly as the menu button $button", async ({ payload, button, step }) => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose(button);
    const byButton = c.last?.replies;
    await c.choose("nav:menu");
    // From the middle of another journey, as a link tapped days later would come.
    await c.choose("m:history");
    await open(c, payload);
    expect(c.last?.replies).toEqual(byButton);
    expect(c.stepName).toBe(step);
    expect(pendingOf(c)).toBeUndefined();
  });

  test("menu answers as a plain /start", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.start();
    const plain = c.last?.replies;
    await c.choose("m:order");
    await open(c, "menu");
    expect(c.last?.replies).toEqual(plain);
    expect(c.text_.startsWith(t("uk", "welcome.back"))).toBe(true);
    expect(c.stepName).toBe("menu");
  });

  test("reading with several accounts asks which; reading_<number> opens that account", async () => {
    const s = setup();
    seedAccount(s.store, { number: "1111111111" });
    const second = seedAccount(s.store, { number: "2222222222" });
    const c = s.conversation();
    await linkByPhone(c, "1111111111");
    await addSecondAccount(c, "2222222222");
    await open(c, "reading");
    expect(c.stepName).toBe("reading_account");
    await open(c, "reading_2222222222");
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", accountId: second.id, values: [] } });
    expect(c.text_).toContain(
      t("uk", "reading.intro", { label: t("uk", "label.house"), number: "2222222222" }),
    );
  });
});

describe("an account number that is not the user's reveals nothing", () => {
  test("someone else's account, or no account at all: the plain reading journey, word for word", async () => {
    const s = setup();
    seedAccount(s.store, { number: "1111111111" });
    seedAccount(s.store, { number: "2222222222" });
    const foreign = seedAccount(s.store, { number: "3333333333" });
    const owner = s.conversation("telegram:300");
    await linkByPhone(owner, "3333333333");

    const c = s.conversation("telegram:100");
    await linkByPhone(c, "1111111111");
    await addSecondAccount(c, "2222222222");
    await open(c, "reading");
    const plain = c.last?.replies;
    expect(c.stepName).toBe("reading_account");

    await open(c, "reading_3333333333");
    expect(c.last?.replies).toEqual(plain);
    expect(c.stepName).toBe("reading_account");
    expect(JSON.stringify(c.last)).not.toContain("3333333333");
    await open(c, "reading_9999999999");
    expect(c.last?.replies).toEqual(plain);
    // Picking from the offered accounts cannot reach the foreign one either.
    await c.choose(`acc:${foreign.id}`);
    expect(c.stepName).toBe("reading_account");
    expect(c.user.state).not.toMatchObject({ step: { accountId: foreign.id } });
  });

  test("with one account of their own, a foreign number opens their own account as a plain link would", async () => {
    const s = setup();
    const own = seedAccount(s.store, { number: "1111111111" });
    seedAccount(s.store, { number: "3333333333" });
    await linkByPhone(s.conversation("telegram:300"), "3333333333");
    const c = s.conversation("telegram:100");
    await linkByPhone(c, "1111111111");
    await open(c, "reading");
    const plain = c.last?.replies;
    await c.choose("nav:menu");
    await open(c, "reading_3333333333");
    expect(c.last?.replies).toEqual(plain);
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", accountId: own.id } });
  });

  test("nobody is told about a linked-elsewhere account while verifying first either", async () => {
    const s = setup();
    const own = seedAccount(s.store, { number: "1111111111" });
    seedAccount(s.store, { number: "3333333333" });
    await linkByPhone(s.conversation("telegram:300"), "3333333333");
    const viaForeign = s.conversation("telegram:101");
    const viaPlain = s.conversation("telegram:102");
    await open(viaForeign, "reading_3333333333");
    await open(viaPlain, "reading");
    expect(viaForeign.last?.replies).toEqual(viaPlain.last?.replies);
    await viaForeign.contact("+380671234567");
    await viaForeign.text("1111111111");
    await viaForeign.choose("lbl:flat");
    expect(viaForeign.user.state).toMatchObject({ step: { name: "reading_zone", accountId: own.id } });
    expect(JSON.stringify(viaForeign.last)).not.toContain("3333333333");
  });
});

describe("a user without a verified account verifies first, then lands in the journey", () => {
  test.each([
    { payload: "reading", step: "reading_zone" },
    { payload: "reading_1234567890", step: "reading_zone" },
    { payload: "outage", step: "outage_scope" },
    { payload: "order", step: "order_type" },
    { payload: "requests", step: "menu" },
  ])("$payload -> verify by phone -> label -> $step", async ({ payload, step }) => {
    const s = setup();
    const account = seedAccount(s.store);
    const c = s.conversation();
    await open(c, payload);
    expect(c.text_).toBe(
      [t("uk", "welcome.new"), t("uk", "deepLink.verifyFirst"), t("uk", "verify.askPhone")].join("\n\n"),
    );
    expect(c.stepName).toBe("verify_phone");
    expect(pendingOf(c)).toEqual(parseStartPayload(payload));
    await c.contact("+380671234567");
    expect(c.stepName).toBe("verify_account");
    expect(pendingOf(c)).toEqual(parseStartPayload(payload));
    await c.text("1234567890");
    expect(c.stepName).toBe("account_label");
    expect(pendingOf(c)).toEqual(parseStartPayload(payload));
    await c.choose("lbl:flat");
    expect(c.stepName).toBe(step);
    expect(pendingOf(c)).toBeUndefined();

    // The same as a verified user tapping the journey, with the "label saved" notice on top.
    const landed = c.last?.replies;
    const twin = s.conversation("telegram:200");
    await linkByPhone(twin);
    const button = { reading: "m:read", outage: "m:outage", order: "m:order", requests: "m:requests" };
    await twin.choose(button[parseStartPayload(payload)!.journey as keyof typeof button]);
    const [first, ...rest] = twin.last!.replies;
    const saved = t("uk", "label.saved", { label: t("uk", "label.flat") });
    expect(landed).toEqual([{ ...first!, text: `${saved}\n\n${first!.text}` }, ...rest]);
    if (step === "reading_zone") expect(c.user.state).toMatchObject({ step: { accountId: account.id } });
  });

  test("on Viber, through the fallback with a failed attempt on the way, the link still lands (order)", async () => {
    const s = setup();
    const account = seedAccount(s.store, { number: "1234567890", meterSerial: "AB123456" });
    const c = s.conversation("viber:abc", { channel: "viber" });
    await open(c, "order");
    await c.contact("380671234567", false);
    expect(c.stepName).toBe("verify_fallback_account");
    await c.text("1234567890");
    await c.text("AB123456");
    await c.text("Коваленко");
    expect(c.stepName).toBe("verify_failed");
    expect(pendingOf(c)).toEqual({ journey: "order" });
    await c.choose("v:retry");
    await c.text("1234567890");
    await c.text("AB123456");
    await c.text("Шевченко");
    await c.choose("lbl:skip");
    expect(c.user.state).toMatchObject({ step: { name: "order_type", accountId: account.id } });
  });

  test("reading_<number> naming the account just linked opens it among several on file", async () => {
    const s = setup();
    seedAccount(s.store, { number: "1111111111" });
    const second = seedAccount(s.store, { number: "2222222222" });
    const c = s.conversation();
    await open(c, "reading_2222222222");
    await c.contact("+380671234567");
    await c.text("2222222222");
    await c.choose("lbl:house");
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", accountId: second.id } });
  });

  test("menu, or an unknown payload, keeps nothing pending: a plain welcome", async () => {
    const s = setup();
    seedAccount(s.store);
    const plain = s.conversation("telegram:1");
    await plain.start();
    for (const [address, payload] of [
      ["telegram:2", "menu"],
      ["telegram:3", "reading-2026-11"],
      ["telegram:4", "promo_winter"],
    ] as const) {
      const c = s.conversation(address);
      await open(c, payload);
      expect(c.last?.replies, payload).toEqual(plain.last?.replies);
      expect(pendingOf(c), payload).toBeUndefined();
      await c.contact("+380671234567");
      await c.text("1234567890");
      await c.choose("lbl:flat");
      expect(c.stepName, payload).toBe("menu");
    }
  });

  test("leaving verification drops the pending journey: Menu, a plain /start, or the idle timeout", async () => {
    const s = setup();
    seedAccount(s.store);
    const viaMenu = s.conversation("telegram:1");
    await open(viaMenu, "outage");
    await viaMenu.choose("nav:menu");
    expect(pendingOf(viaMenu)).toBeUndefined();
    await viaMenu.choose("m:add");
    await viaMenu.contact("+380671234567");
    await viaMenu.text("1234567890");
    await viaMenu.choose("lbl:flat");
    expect(viaMenu.stepName).toBe("menu");

    const viaStart = s.conversation("telegram:2");
    await open(viaStart, "outage");
    await viaStart.contact("+380671234567");
    await viaStart.start();
    expect(pendingOf(viaStart)).toBeUndefined();

    const idle = s.conversation("telegram:3");
    await open(idle, "outage");
    s.clock.advanceMinutes(s.settings.idleMinutes + 1);
    await idle.contact("+380671234567");
    expect(idle.stepName).toBe("menu");
    expect(pendingOf(idle)).toBeUndefined();
  });

  test("a new link while verifying replaces the pending journey", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await open(c, "outage");
    await c.contact("+380671234567");
    await open(c, "order");
    expect(pendingOf(c)).toEqual({ journey: "order" });
    expect(c.stepName).toBe("verify_account");
    await c.text("1234567890");
    await c.choose("lbl:flat");
    expect(c.stepName).toBe("order_type");
  });

  test("a locked-out user gets the lockout and keeps nothing pending", async () => {
    const s = setup("2026-11-30T10:00:00Z", { verification: { maxFailures: 1, windowMinutes: 60 } });
    seedAccount(s.store);
    const c = s.conversation();
    await c.start();
    await c.contact("+380671234567");
    await c.text("9999999999");
    await open(c, "reading");
    expect(c.stepName).toBe("menu");
    expect(c.text_.startsWith(t("uk", "verify.locked", { until: "30.11.2026 13:00" }))).toBe(true);
    expect(pendingOf(c)).toBeUndefined();
  });
});

describe("stored state version 1 -> 2", () => {
  const v1ReadingZone = {
    step: { name: "reading_zone", accountId: 7, values: [12400], flagged: false },
    offered: [{ id: "nav:back", label: "Назад" }],
  };

  test("a version-1 state loads as it was; a version-2 one keeps its pending target", () => {
    expect(STATE_VERSION).toBe(2);
    expect(loadState(v1ReadingZone, 1, false)).toEqual({ kind: "ok", state: v1ReadingZone });
    // Version 1 never had a pending target: one found in such a row is not trusted.
    expect(loadState({ ...v1ReadingZone, pending: { journey: "order" } }, 1, false)).toEqual({
      kind: "ok",
      state: v1ReadingZone,
    });
    const v2 = {
      step: { name: "verify_phone" },
      offered: [],
      pending: { journey: "reading", accountNumber: "1234567890" },
    };
    expect(loadState(v2, 2, false)).toEqual({ kind: "ok", state: v2 });
  });

  test("unknown versions and bad targets still reset", () => {
    expect(loadState(v1ReadingZone, 3, false)).toEqual({ kind: "reset" });
    expect(loadState(v1ReadingZone, 0, false)).toEqual({ kind: "reset" });
    expect(loadState({ step: { name: "nope" }, offered: [] }, 1, false)).toEqual({ kind: "reset" });
    const badTarget = {
      step: { name: "verify_phone" },
      offered: [],
      pending: { journey: "reading", accountNumber: "12;" },
    };
    expect(loadState(badTarget, 2, false)).toEqual({ kind: "reset" });
    expect(loadState({}, 0, false)).toEqual({ kind: "fresh" });
  });

  test("a user in the middle of a journey under version 1 goes on where they were after the upgrade", async () => {
    const s = setup();
    const account = seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:read");
    await c.text("12400");
    // What the previous release wrote for this user.
    c.user.state = {
      step: { name: "reading_zone", accountId: account.id, values: [12400], flagged: false },
      offered: [],
    };
    c.user.stateVersion = 1;
    await c.text("6100");
    expect(c.text_).not.toContain(t("uk", "state.reset"));
    expect(c.stepName).toBe("reading_summary");
    expect(c.user.state).toMatchObject({ step: { values: [12400, 6100] } });
    expect(c.user.stateVersion).toBe(2);
  });
});
