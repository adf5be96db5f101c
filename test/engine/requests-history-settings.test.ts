// Journeys 5-7 as conversations: my requests (open reports and orders with status, times, details),
// reading history (last 12 with consumption), settings (language, reminders) and help (contacts).
import { describe, expect, test } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import type { Language } from "../../src/engine/replies.js";
import { linkByPhone, seedAccount, setup } from "./harness.js";

describe("my requests", () => {
  test.each(["uk", "en"] as const)(
    "lists open reports and orders with status, times and details (%s)",
    async (language) => {
      const s = setup("2026-11-27T10:00:00Z");
      seedAccount(s.store);
      const c = s.conversation("telegram:1", { languageCode: language });
      await linkByPhone(c);
      await c.choose("m:requests");
      expect(c.text_.startsWith(t(language, "requests.none"))).toBe(true);
      await c.choose("m:outage");
      await c.choose("scope:street");
      await c.choose("m:order");
      await c.choose("type:meter_replacement");
      await c.text("Лічильник старого зразка");
      await c.choose("skip");
      await c.choose("date:2026-12-01");
      await c.choose("phone:mine");
      await c.choose("ok");
      const [report] = s.store.data.outageReports;
      const [order] = s.store.data.serviceOrders;
      if (!report || !order) throw new Error("records missing");
      report.status = "crew_dispatched";
      report.expectedRestoreAt = new Date("2026-11-27T16:00:00Z");
      order.status = "scheduled";
      order.visitFrom = new Date("2026-12-01T07:00:00Z");
      order.visitTo = new Date("2026-12-01T09:00:00Z");
      order.comment = "Бригада №3";
      const label = t(language, "label.flat");
      await c.choose("m:requests");
      expect(
        c.text_.startsWith(
          [
            t(language, "requests.title"),
            t(language, "requests.outage", {
              id: report.id,
              label,
              status: t(language, "outageStatus.crew_dispatched"),
              created: "27.11.2026 12:00",
            }),
            t(language, "requests.expectedRestore", { time: "27.11.2026 18:00" }),
            t(language, "requests.order", {
              id: order.id,
              label,
              type: t(language, "serviceType.meter_replacement"),
              status: t(language, "orderStatus.scheduled"),
              created: "27.11.2026 12:00",
            }),
            t(language, "requests.visit", { from: "01.12.2026 09:00", to: "01.12.2026 11:00" }),
            t(language, "requests.comment", { comment: "Бригада №3" }),
          ].join("\n"),
        ),
      ).toBe(true);
      report.status = "restored";
      order.status = "done";
      await c.choose("m:requests");
      expect(c.text_.startsWith(t(language, "requests.none"))).toBe(true);
    },
  );
});

describe("reading history", () => {
  const twoZones = (language: Language, day: number, night: number) =>
    [
      t(language, "history.zoneValue", { zone: t(language, "zone.day"), value: day }),
      t(language, "history.zoneValue", { zone: t(language, "zone.night"), value: night }),
    ].join(" / ");

  test.each(["uk", "en"] as const)(
    "shows the last 12 readings with consumption per period (%s)",
    async (language) => {
      const s = setup();
      const account = seedAccount(s.store);
      // A 13th, older reading: the oldest shown line still gets its consumption; 14 in all.
      s.store.addReading({
        accountId: account.id,
        period: "2025-11",
        t1: 9_800,
        t2: 4_900,
        takenAt: new Date("2025-11-01T09:00:00Z"),
      });
      s.store.addReading({
        accountId: account.id,
        period: "2025-10",
        t1: 9_600,
        t2: 4_800,
        takenAt: new Date("2025-10-01T09:00:00Z"),
      });
      s.store.addReading({
        accountId: account.id,
        period: "2026-11",
        t1: 1,
        takenAt: new Date("2026-11-02T09:00:00Z"),
        status: "superseded",
      });
      const c = s.conversation("telegram:1", { languageCode: language });
      await linkByPhone(c);
      await c.choose("m:history");
      const lines = c.text_.split("\n\n")[0]?.split("\n") ?? [];
      expect(lines[0]).toBe(
        t(language, "history.title", { label: t(language, "label.flat"), number: "1234567890" }),
      );
      expect(lines).toHaveLength(13);
      expect(lines[1]).toBe(
        t(language, "history.line", {
          date: "01.11.2026",
          period: "11.2026",
          values: twoZones(language, 12200, 6100),
          used: 300,
        }),
      );
      expect(lines[12]).toBe(
        t(language, "history.line", {
          date: "01.12.2025",
          period: "12.2025",
          values: twoZones(language, 10000, 5000),
          used: 300,
        }),
      );
      expect(c.stepName).toBe("menu");
    },
  );

  test("an account without readings says so", async () => {
    const s = setup();
    s.store.addAccount({ number: "7777777777" });
    const c = s.conversation();
    await linkByPhone(c, "7777777777");
    await c.choose("m:history");
    expect(c.text_.startsWith(t("uk", "history.none", { label: "Квартира" }))).toBe(true);
  });
});

describe("settings and help", () => {
  test("switching the language changes every later text; reminders toggle", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:settings");
    expect(c.reply).toEqual({
      text: t("uk", "settings.title", {
        language: "Українська",
        reminders: t("uk", "settings.remindersStateOn"),
      }),
      choices: [
        [{ id: "set:lang", label: t("uk", "settings.language") }],
        [{ id: "set:rem:off", label: t("uk", "settings.turnRemindersOff") }],
        [{ id: "set:subs", label: t("uk", "subs.settingsEntry") }],
        [{ id: "nav:menu", label: t("uk", "nav.menu") }],
      ],
    });
    await c.choose("set:lang");
    await c.text("English");
    expect(c.last?.language).toBe("en");
    expect(c.text_).toBe(
      `${t("en", "settings.languageSaved")}\n\n${t("en", "settings.title", { language: "English", reminders: t("en", "settings.remindersStateOn") })}`,
    );
    expect(c.user.language).toBe("en");
    await c.choose("set:rem:off");
    expect(c.user.remindersEnabled).toBe(false);
    expect(c.choiceIds).toContain("set:rem:on");
    await c.choose("set:rem:on");
    expect(c.user.remindersEnabled).toBe(true);
    await c.choose("nav:menu");
    expect(c.text_.startsWith(t("en", "menu.title"))).toBe(true);
  });

  test.each(["uk", "en"] as const)(
    "help shows the window and the configured contacts (%s)",
    async (language) => {
      const s = setup("2026-11-15T10:00:00Z", {
        company: { phone: "0 800 123 456", website: "https://example.ua", email: "help@example.ua" },
      });
      const c = s.conversation("web:1", { channel: "web", languageCode: language });
      await c.start();
      await c.text("/help");
      expect(
        c.text_.startsWith(
          [
            t(language, "help.window", { closesOnDay: 3 }),
            "",
            t(language, "help.windowNext", { opens: "29.11.2026", closes: "03.12.2026" }),
            "",
            `${t(language, "help.contacts", { phone: "0 800 123 456", website: "https://example.ua" })}\n${t(language, "help.email", { email: "help@example.ua" })}`,
          ].join("\n"),
        ),
      ).toBe(true);
    },
  );
});
