// Journey 1 as conversations: phone path, fallback (serial + surname), identical failure texts,
// the hourly failure limit with its lockout time, labels (presets, own text), several accounts, unlink.
import { describe, expect, test } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import { linkByPhone, seedAccount, setup, type Conversation } from "./harness.js";

/** The fallback questions from the start: account number, meter serial, surname. */
async function viaFallback(c: Conversation, number: string, serial: string, surname: string): Promise<void> {
  await c.start();
  await c.choose("v:fallback");
  await c.text(number);
  await c.text(serial);
  await c.text(surname);
}

describe("verify by phone", () => {
  test.each(["uk", "en"] as const)("happy path links the account and names it (%s)", async (language) => {
    const s = setup();
    const account = seedAccount(s.store);
    const c = s.conversation("telegram:1", { languageCode: language });
    await c.start();
    await c.contact("380671234567", true);
    expect(c.text_).toBe(`${t(language, "verify.phoneSaved")}\n\n${t(language, "verify.askAccount")}`);
    expect(c.user.phone).toBe("380671234567");
    expect(c.user.phoneProven).toBe(true);
    await c.text("12345 67890");
    expect(c.text_).toBe(
      `${t(language, "verify.linked", { number: "1234567890" })}\n\n${t(language, "label.ask")}`,
    );
    expect(c.choiceIds).toEqual(["lbl:flat", "lbl:house", "lbl:cottage", "lbl:skip", "nav:menu"]);
    await c.choose("lbl:cottage");
    const label = t(language, "label.cottage");
    expect(c.text_.startsWith(t(language, "label.saved", { label }))).toBe(true);
    expect(s.store.data.links).toEqual([
      { id: expect.any(Number), userId: c.user.id, accountId: account.id, label, verifiedBy: "phone" },
    ]);
    expect(s.store.data.attempts).toMatchObject([
      { userId: c.user.id, method: "phone", success: true, accountNumber: "1234567890" },
    ]);
    expect(c.stepName).toBe("menu");
  });

  test("an own short label is accepted; an overlong one is refused", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await c.start();
    await c.contact("+380671234567");
    await c.text("1234567890");
    await c.text("x".repeat(41));
    expect(c.text_).toBe(t("uk", "label.invalid"));
    await c.text("  Мамина квартира ");
    expect(s.store.data.links[0]?.label).toBe("Мамина квартира");
  });

  test("skipping the label keeps the account number as its name", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c, "1234567890", "lbl:skip");
    expect(s.store.data.links[0]?.label).toBe("№ 1234567890");
  });

  test("a contact the platform does not prove (Viber) goes to the fallback", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation("viber:abc", { channel: "viber" });
    await c.start();
    await c.contact("380671234567", false);
    expect(c.text_).toBe(`${t("uk", "verify.phoneNotProven")}\n\n${t("uk", "verify.fallbackAskAccount")}`);
    expect(c.user.phoneProven).toBe(false);
    expect(c.user.phone).toBe("380671234567");
    expect(c.stepName).toBe("verify_fallback_account");
  });

  test("typing a phone instead of sharing asks for the button", async () => {
    const s = setup();
    const c = s.conversation();
    await c.start();
    await c.text("0671234567");
    expect(c.reply.text).toBe(t("uk", "verify.usePhoneButton"));
    expect(c.reply.requestPhone).toEqual({ label: t("uk", "verify.sharePhoneButton") });
  });

  test("a second account skips the phone question once the phone is proven", async () => {
    const s = setup();
    seedAccount(s.store);
    s.store.addAccount({ number: "2222222222", phones: ["380671234567"] });
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:accounts");
    await c.choose("acc:add");
    expect(c.stepName).toBe("verify_account");
    await c.text("2222222222");
    await c.choose("lbl:house");
    expect(s.store.data.links.map((link) => link.label)).toEqual(["Квартира", "Будинок"]);
    await c.choose("m:read");
    expect(c.stepName).toBe("reading_account");
    expect(c.reply.choices?.slice(0, 2)).toEqual([
      [{ id: `acc:${s.store.data.links[0]?.accountId}`, label: "Квартира" }],
      [{ id: `acc:${s.store.data.links[1]?.accountId}`, label: "Будинок" }],
    ]);
  });

  test("linking an account already linked says so", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:add");
    await c.text("1234567890");
    expect(c.text_.startsWith(t("uk", "verify.alreadyLinked", { number: "1234567890" }))).toBe(true);
    expect(s.store.data.links).toHaveLength(1);
  });
});

describe("fallback: account number, meter serial, surname", () => {
  test.each(["uk", "en"] as const)("links with serial and surname (%s)", async (language) => {
    const s = setup();
    seedAccount(s.store, {
      number: "1234567890",
      meterSerial: "AB-123456",
      holderName: "Гнатюк Ольга Петрівна",
    });
    const c = s.conversation("web:1", { channel: "web", languageCode: language });
    await c.start();
    await c.choose("v:fallback");
    expect(c.text_).toBe(t(language, "verify.fallbackAskAccount"));
    await c.text("1234567890");
    expect(c.text_).toBe(t(language, "verify.fallbackAskSerial"));
    await c.text("ab 123456");
    expect(c.text_).toBe(t(language, "verify.fallbackAskSurname"));
    await c.text("гнатюк");
    expect(c.text_.startsWith(t(language, "verify.linked", { number: "1234567890" }))).toBe(true);
    expect(s.store.data.links[0]?.verifiedBy).toBe("serial_surname");
  });

  test("a serial typed with Cyrillic look-alike letters matches the plate's Latin ones; one with no digit is refused", async () => {
    const s = setup();
    seedAccount(s.store, { number: "1234567890", meterSerial: "CE102 0123456" });
    const c = s.conversation();
    await c.start();
    await c.choose("v:fallback");
    await c.text("1234567890");
    await c.text("немає");
    expect(c.text_).toBe(t("uk", "verify.serialHint"));
    // "СЕ" typed on a Ukrainian keyboard.
    const typed = s.conversation("telegram:2");
    await viaFallback(typed, "1234567890", "се102-0123456", "Шевченко");
    expect(typed.text_.startsWith(t("uk", "verify.linked", { number: "1234567890" }))).toBe(true);
  });

  test("Back walks the fallback questions backwards", async () => {
    const s = setup();
    const c = s.conversation();
    await c.start();
    await c.choose("v:fallback");
    await c.text("1234567890");
    await c.text("AB123456");
    await c.choose("nav:back");
    expect(c.stepName).toBe("verify_fallback_serial");
    await c.choose("nav:back");
    expect(c.stepName).toBe("verify_fallback_account");
  });

  test("a malformed account number is explained and is not an attempt", async () => {
    const s = setup();
    const c = s.conversation();
    await c.start();
    await c.choose("v:fallback");
    await c.text("12-ab");
    expect(c.text_).toBe(t("uk", "verify.accountFormat"));
    expect(s.store.data.attempts).toHaveLength(0);
  });
});

describe("failures and the hourly limit", () => {
  test("no such account, wrong phone and wrong serial/surname all read the same", async () => {
    const s = setup();
    seedAccount(s.store);
    const phoneUser = s.conversation("telegram:1");
    await phoneUser.start();
    await phoneUser.contact("380509999999");
    await phoneUser.text("7777777777");
    const noSuchAccount = phoneUser.reply;
    await phoneUser.choose("v:retry");
    await phoneUser.text("1234567890");
    const wrongPhone = phoneUser.reply;
    expect(wrongPhone).toEqual(noSuchAccount);

    const fallbackUser = s.conversation("telegram:2");
    await fallbackUser.start();
    await fallbackUser.choose("v:fallback");
    await fallbackUser.text("1234567890");
    await fallbackUser.text("AB123456");
    await fallbackUser.text("Коваленко");
    expect(fallbackUser.reply).toEqual(noSuchAccount);
    expect(noSuchAccount.text).toBe(`${t("uk", "verify.failed")}\n\n${t("uk", "verify.failedWhatNext")}`);
    expect(noSuchAccount.choices?.flat().map((choice) => choice.id)).toEqual([
      "v:retry",
      "v:fallback",
      "nav:menu",
    ]);
  });

  test("the fifth failure locks verification until an hour after the first; the sixth try is refused", async () => {
    const s = setup("2026-11-30T10:00:00Z");
    seedAccount(s.store);
    const c = s.conversation();
    await c.start();
    await c.contact("380509999999");
    for (let failure = 1; failure <= 4; failure += 1) {
      await c.text("1234567890");
      expect(c.text_.startsWith(t("uk", "verify.failed"))).toBe(true);
      s.clock.advanceMinutes(5);
      await c.choose("v:retry");
    }
    await c.text("1234567890");
    // First failure 12:00 Kyiv time: the lockout ends at 13:00.
    const locked = t("uk", "verify.locked", { until: "30.11.2026 13:00" });
    expect(c.text_.startsWith(locked)).toBe(true);
    await c.choose("m:add");
    expect(c.text_.startsWith(locked)).toBe(true);
    expect(s.store.data.attempts.filter((attempt) => !attempt.success)).toHaveLength(5);
    s.clock.set("2026-11-30T11:00:01Z");
    await c.choose("m:add");
    expect(c.stepName).toBe("verify_account");
  });

  test("the limit and its window are configurable", async () => {
    const s = setup("2026-11-30T10:00:00Z", { verification: { maxFailures: 2, windowMinutes: 10 } });
    const c = s.conversation("telegram:1", { languageCode: "en" });
    await c.start();
    await c.choose("v:fallback");
    for (let failure = 1; failure <= 2; failure += 1) {
      await c.text("1111111111");
      await c.text("AB1");
      await c.text("Smith");
      if (failure === 1) await c.choose("v:retry");
    }
    expect(c.text_.startsWith(t("en", "verify.locked", { until: "30.11.2026 12:10" }))).toBe(true);
  });
});

describe("after a failure, a typed account number is a new try", () => {
  test.each(["uk", "en"] as const)(
    "phone path: the typed number is checked at once and counted as an attempt (%s)",
    async (language) => {
      const s = setup();
      const account = seedAccount(s.store);
      const c = s.conversation("telegram:1", { languageCode: language });
      await c.start();
      await c.contact("380671234567");
      await c.text("7777777777");
      expect(c.stepName).toBe("verify_failed");
      expect(c.text_).toBe(`${t(language, "verify.failed")}\n\n${t(language, "verify.failedWhatNext")}`);
      await c.text("1234 567 890");
      expect(c.text_).toBe(
        `${t(language, "verify.linked", { number: "1234567890" })}\n\n${t(language, "label.ask")}`,
      );
      expect(s.store.data.attempts).toMatchObject([
        { method: "phone", success: false, accountNumber: "7777777777" },
        { method: "phone", success: true, accountNumber: "1234567890" },
      ]);
      expect(s.store.data.links).toMatchObject([{ accountId: account.id, verifiedBy: "phone" }]);
    },
  );

  test("fallback path: the typed number starts the serial and surname questions for it", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await viaFallback(c, "7777777777", "AB123456", "Шевченко");
    expect(c.stepName).toBe("verify_failed");
    await c.text("1234567890");
    expect(c.text_).toBe(t("uk", "verify.fallbackAskSerial"));
    expect(c.user.state).toMatchObject({
      step: { name: "verify_fallback_serial", accountNumber: "1234567890" },
    });
    await c.text("AB123456");
    await c.text("Шевченко");
    expect(c.text_.startsWith(t("uk", "verify.linked", { number: "1234567890" }))).toBe(true);
    expect(s.store.data.attempts.map((attempt) => [attempt.method, attempt.success])).toEqual([
      ["serial_surname", false],
      ["serial_surname", true],
    ]);
  });

  test("typed tries count towards the hourly limit like the button's", async () => {
    const s = setup("2026-11-30T10:00:00Z");
    seedAccount(s.store);
    const c = s.conversation();
    await c.start();
    await c.contact("380509999999");
    await c.text("1234567890");
    for (let failure = 2; failure <= 5; failure += 1) {
      expect(c.stepName).toBe("verify_failed");
      await c.text("1234567890");
    }
    const locked = t("uk", "verify.locked", { until: "30.11.2026 13:00" });
    expect(c.text_.startsWith(locked)).toBe(true);
    expect(s.store.data.attempts.filter((attempt) => !attempt.success)).toHaveLength(5);
    expect(c.stepName).toBe("menu");
  });

  test("the fallback path's typed retry is refused while locked out", async () => {
    const s = setup("2026-11-30T10:00:00Z", { verification: { maxFailures: 2, windowMinutes: 60 } });
    seedAccount(s.store);
    const c = s.conversation();
    await viaFallback(c, "7777777777", "AB123456", "Шевченко");
    expect(c.stepName).toBe("verify_failed");
    // Another failure elsewhere in the meantime (a second device would do the same).
    s.store.data.attempts.push({ ...s.store.data.attempts[0]!, id: 999 });
    await c.text("1234567890");
    expect(c.text_.startsWith(t("uk", "verify.locked", { until: "30.11.2026 13:00" }))).toBe(true);
  });

  test("other text is answered with what can be done; a malformed number is explained", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await c.start();
    await c.contact("380671234567");
    await c.text("7777777777");
    await c.text("допоможіть");
    expect(c.text_).toBe(t("uk", "verify.failedHint"));
    await c.text("123");
    expect(c.text_).toBe(t("uk", "verify.accountFormat"));
    expect(c.stepName).toBe("verify_failed");
    expect(s.store.data.attempts).toHaveLength(1);
  });
});

describe("my accounts", () => {
  test("rename and unlink", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:accounts");
    const accountId = s.store.data.links[0]?.accountId;
    expect(c.text_).toBe(
      `${t("uk", "accounts.title")}\n${t("uk", "accounts.line", {
        label: "Квартира",
        number: "1234567890",
        address: "Дніпро, вул. Січеславська, 10, кв. 5",
      })}`,
    );
    await c.choose(`ren:${accountId}`);
    await c.text("Офіс");
    expect(s.store.data.links[0]?.label).toBe("Офіс");
    await c.choose("m:accounts");
    await c.choose(`unl:${accountId}`);
    expect(c.text_).toBe(t("uk", "accounts.unlinkConfirm", { label: "Офіс", number: "1234567890" }));
    await c.choose("yes");
    expect(c.text_).toBe(`${t("uk", "accounts.unlinked", { label: "Офіс" })}\n\n${t("uk", "accounts.none")}`);
    expect(s.store.data.links).toHaveLength(0);
  });
});
