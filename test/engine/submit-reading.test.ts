// Journey 2 as conversations: zones in turn, every validation rule (digits, lower, rollover, same as
// last, plausibility warn + photo + flag, absurd with the accepted range), summary with consumption,
// Confirm / Fix, the receipt (period, replacement, outside the window) and the menu forecast.
import { describe, expect, test } from "vitest";
import { UNUSABLE_PHOTO } from "../../src/engine/events.js";
import { t } from "../../src/engine/i18n/index.js";
import type { Language } from "../../src/engine/replies.js";
import { linkByPhone, seedAccount, setup, type Conversation } from "./harness.js";

// seedAccount: two zones, 5 digits, last billing reading 12200 / 6100 on 01.11.2026, ≈ 6.6 + 3.3 kWh a day.

async function linked(language: Language = "uk", now?: string) {
  const s = setup(now);
  const account = seedAccount(s.store);
  const c = s.conversation("telegram:1", { languageCode: language });
  await linkByPhone(c);
  return { s, c, account };
}

function summaryText(language: Language, lines: string[]): string {
  return [
    t(language, "reading.summary", {
      label: t(language, "label.flat"),
      number: "1234567890",
      period: "12.2026",
    }),
    ...lines,
    t(language, "reading.summaryAsk"),
  ].join("\n");
}

describe("happy path", () => {
  test.each(["uk", "en"] as const)("two zones, summary with consumption, receipt (%s)", async (language) => {
    const { s, c, account } = await linked(language);
    const label = t(language, "label.flat");
    await c.choose("m:read");
    expect(c.text_).toBe(
      [
        t(language, "reading.intro", { label, number: "1234567890" }),
        t(language, "reading.last", { date: "01.11.2026" }),
        t(language, "reading.zoneValue", { zone: t(language, "zone.day"), value: 12200 }),
        t(language, "reading.zoneValue", { zone: t(language, "zone.night"), value: 6100 }),
        t(language, "reading.windowOpen", { closes: "03.12.2026", period: "12.2026" }),
        "",
        t(language, "reading.askZone", { zone: t(language, "zone.day"), digits: 5 }),
      ].join("\n"),
    );
    expect(c.reply.choices).toEqual([
      [{ id: "same", label: t(language, "reading.sameAsLast") }],
      [
        { id: "nav:back", label: t(language, "nav.back") },
        { id: "nav:menu", label: t(language, "nav.menu") },
      ],
    ]);
    await c.text("12 400");
    await c.choose("same");
    expect(c.text_).toBe(
      summaryText(language, [
        t(language, "reading.zoneValueUsed", { zone: t(language, "zone.day"), value: 12400, used: 200 }),
        t(language, "reading.zoneValueUsed", { zone: t(language, "zone.night"), value: 6100, used: 0 }),
      ]),
    );
    await c.choose("ok");
    expect(
      c.text_.startsWith(
        [
          t(language, "reading.receipt", { label, number: "1234567890", period: "12.2026" }),
          t(language, "reading.zoneValue", { zone: t(language, "zone.day"), value: 12400 }),
          t(language, "reading.zoneValue", { zone: t(language, "zone.night"), value: 6100 }),
          "",
          t(language, "menu.title"),
          t(language, "menu.readingIn", { label, period: "12.2026" }),
        ].join("\n"),
      ),
    ).toBe(true);
    const submitted = s.store.data.readings.filter((reading) => reading.userId !== null);
    expect(submitted).toEqual([
      {
        id: expect.any(Number),
        accountId: account.id,
        userId: c.user.id,
        period: "2026-12",
        t1: 12400,
        t2: 6100,
        t3: null,
        takenAt: new Date("2026-11-30T10:00:00Z"),
        source: "telegram",
        status: "accepted",
        flagReason: null,
        photoRef: null,
        inWindow: true,
      },
    ]);
  });

  test("three zones are asked peak, semi-peak, night", async () => {
    const s = setup();
    seedAccount(s.store, { number: "3333333333", zones: 3 });
    const c = s.conversation();
    await linkByPhone(c, "3333333333");
    await c.choose("m:read");
    expect(c.text_.endsWith(t("uk", "reading.askZone", { zone: t("uk", "zone.peak"), digits: 5 }))).toBe(
      true,
    );
    await c.choose("same");
    expect(c.text_).toBe(t("uk", "reading.askZone", { zone: t("uk", "zone.semipeak"), digits: 5 }));
    await c.choose("same");
    expect(c.text_).toBe(t("uk", "reading.askZone", { zone: t("uk", "zone.nightT3"), digits: 5 }));
    await c.text("2600");
    expect(c.stepName).toBe("reading_summary");
  });

  test.each(["uk", "en"] as const)(
    "three zones: night is T3 in the intro, prompts, summary, receipt, replacement note and history (%s)",
    async (language) => {
      const s = setup();
      seedAccount(s.store, { number: "3333333333", zones: 3 });
      const c = s.conversation("telegram:3", { languageCode: language });
      await linkByPhone(c, "3333333333");
      const texts: string[] = [];
      const zone = (key: "zone.peak" | "zone.semipeak" | "zone.nightT3", value: number) =>
        t(language, "reading.zoneValue", { zone: t(language, key), value });
      expect(t(language, "zone.peak")).toContain("T1");
      expect(t(language, "zone.semipeak")).toContain("T2");
      expect(t(language, "zone.nightT3")).toContain("T3");

      await c.choose("m:read");
      texts.push(c.text_);
      expect(c.text_).toContain(
        [zone("zone.peak", 12200), zone("zone.semipeak", 6100), zone("zone.nightT3", 2550)].join("\n"),
      );
      await c.choose("same");
      await c.choose("same");
      texts.push(c.text_);
      expect(c.text_).toBe(t(language, "reading.askZone", { zone: t(language, "zone.nightT3"), digits: 5 }));
      await c.text("2600");
      texts.push(c.text_);
      expect(c.text_).toContain(
        t(language, "reading.zoneValueUsed", { zone: t(language, "zone.nightT3"), value: 2600, used: 50 }),
      );
      await c.choose("ok");
      texts.push(c.text_);
      expect(c.text_).toContain(
        [zone("zone.peak", 12200), zone("zone.semipeak", 6100), zone("zone.nightT3", 2600)].join("\n"),
      );
      await c.choose("m:read");
      texts.push(c.text_);
      expect(c.text_).toContain(
        [
          t(language, "reading.alreadySubmitted", { period: "12.2026" }),
          zone("zone.peak", 12200),
          zone("zone.semipeak", 6100),
          zone("zone.nightT3", 2600),
        ].join("\n"),
      );
      await c.choose("nav:menu");
      await c.choose("m:history");
      texts.push(c.text_);
      expect(c.text_.split("\n")[1]).toBe(
        t(language, "history.line", {
          date: "30.11.2026",
          period: "12.2026",
          values: [
            t(language, "history.zoneValue", { zone: t(language, "zone.peak"), value: 12200 }),
            t(language, "history.zoneValue", { zone: t(language, "zone.semipeak"), value: 6100 }),
            t(language, "history.zoneValue", { zone: t(language, "zone.nightT3"), value: 2600 }),
          ].join(" / "),
          used: 50,
        }),
      );
      // No text of a three-zone meter calls any zone the two-zone night (T2).
      for (const text of texts) expect(text).not.toContain(t(language, "zone.night"));
    },
  );

  test("Fix starts the zones again; nothing is stored until Confirm", async () => {
    const { s, c } = await linked();
    await c.choose("m:read");
    await c.text("12400");
    await c.text("6150");
    await c.choose("fix");
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", values: [] } });
    expect(s.store.data.readings.filter((reading) => reading.userId !== null)).toHaveLength(0);
  });
});

describe("validation", () => {
  test.each(["uk", "en"] as const)("not a number, too many digits, lower, absurd (%s)", async (language) => {
    const { c } = await linked(language);
    await c.choose("m:read");
    await c.text("12,5");
    expect(c.text_).toBe(t(language, "reading.notANumber"));
    await c.text("123456");
    expect(c.text_).toBe(t(language, "reading.tooManyDigits", { digits: 5, max: 99999 }));
    await c.text("12100");
    expect(c.text_).toBe(t(language, "reading.lower", { last: 12200 }));
    // 7800 kWh in 29 days against ≈ 191 expected: beyond 30x, rejected with the accepted range.
    await c.text("20000");
    expect(c.text_).toBe(t(language, "reading.absurd", { from: 12200, to: 17922 }));
    expect(c.choiceIds).toEqual(["same", "nav:back", "nav:menu"]);
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", values: [] } });
  });

  test("a rollover past the meter's maximum is recognised and confirmed", async () => {
    const s = setup();
    const account = s.store.addAccount({ number: "4444444444", meterDigits: 5, zones: 1 });
    s.store.addReading({
      accountId: account.id,
      period: "2026-10",
      t1: 99500,
      takenAt: new Date("2026-10-01T09:00:00Z"),
    });
    s.store.addReading({
      accountId: account.id,
      period: "2026-11",
      t1: 99800,
      takenAt: new Date("2026-11-01T09:00:00Z"),
    });
    const c = s.conversation();
    await linkByPhone(c, "4444444444");
    await c.choose("m:read");
    await c.text("150");
    expect(c.text_).toBe(t("uk", "reading.rolloverAsk", { value: 150, max: 99999 }));
    await c.choose("no");
    expect(c.stepName).toBe("reading_zone");
    await c.text("150");
    await c.choose("yes");
    expect(c.text_).toBe(
      [
        t("uk", "reading.summary", { label: "Квартира", number: "4444444444", period: "12.2026" }),
        t("uk", "reading.zoneValueUsed", { zone: t("uk", "zone.total"), value: 150, used: 350 }),
        t("uk", "reading.summaryAsk"),
      ].join("\n"),
    );
  });

  test("no earlier readings: any value that fits is taken and there is no same-as-last", async () => {
    const s = setup();
    s.store.addAccount({ number: "5555555555", meterDigits: 6, zones: 1 });
    const c = s.conversation();
    await linkByPhone(c, "5555555555");
    await c.choose("m:read");
    expect(c.text_).toContain(t("uk", "reading.noLast"));
    expect(c.choiceIds).toEqual(["nav:back", "nav:menu"]);
    await c.text("000123");
    expect(c.text_).toContain(t("uk", "reading.zoneValue", { zone: t("uk", "zone.total"), value: 123 }));
  });
});

describe("plausibility", () => {
  test.each(["uk", "en"] as const)(
    "far above the forecast: warn, confirm, photo, flagged (%s)",
    async (language) => {
      const { s, c } = await linked(language);
      await c.choose("m:read");
      await c.text("12900");
      expect(c.text_).toBe(t(language, "reading.highAsk", { value: 12900, used: 700, expected: 191 }));
      await c.choose("yes");
      await c.choose("same");
      expect(c.text_).toBe(t(language, "reading.photoAsk"));
      await c.text("here");
      expect(c.text_).toBe(t(language, "reading.photoHint"));
      // A photo the channel could not receive (a Viber link that failed): said so, asked again.
      await c.send({ type: "unsupported", what: UNUSABLE_PHOTO });
      expect(c.text_).toBe(t(language, "photo.unusable"));
      expect(c.choiceIds).toContain("skip");
      await c.photo("tg-file-1");
      expect(c.text_.startsWith(t(language, "reading.photoReceived"))).toBe(true);
      expect(c.text_).toContain(t(language, "reading.summaryPhoto"));
      await c.choose("ok");
      expect(c.text_).toContain(t(language, "reading.flaggedNote"));
      expect(s.store.data.readings.find((reading) => reading.userId !== null)).toMatchObject({
        t1: 12900,
        t2: 6100,
        status: "flagged",
        flagReason: "above_forecast",
        photoRef: "tg-file-1",
      });
    },
  );

  test("the photo is optional and re-entering is possible", async () => {
    const { s, c } = await linked();
    await c.choose("m:read");
    await c.text("12900");
    await c.choose("no");
    expect(c.user.state).toMatchObject({ step: { name: "reading_zone", values: [] } });
    await c.text("12900");
    await c.choose("yes");
    await c.choose("same");
    await c.choose("skip");
    await c.choose("ok");
    expect(s.store.data.readings.find((reading) => reading.userId !== null)).toMatchObject({
      status: "flagged",
      photoRef: null,
    });
  });

  test("short history uses the configurable default daily consumption", async () => {
    const scenario = async (defaultDailyKwh: number) => {
      const s = setup("2026-11-30T10:00:00Z", {
        plausibility: { ...setup().settings.plausibility, defaultDailyKwh },
      });
      const account = s.store.addAccount({ number: "6666666666", meterDigits: 6, zones: 1 });
      s.store.addReading({
        accountId: account.id,
        period: "2026-11",
        t1: 1000,
        takenAt: new Date("2026-11-20T10:00:00Z"),
      });
      const c = s.conversation();
      await linkByPhone(c, "6666666666");
      await c.choose("m:read");
      await c.text("1350");
      return c.stepName;
    };
    // 10 days x 10 kWh = 100 expected, warn above 300: 350 asks to confirm.
    expect(await scenario(10)).toBe("reading_high");
    // 10 days x 50 kWh = 500 expected: 350 is ordinary.
    expect(await scenario(50)).toBe("reading_summary");
  });
});

describe("what the customer reads as usual or forecast comes from their data or billing", () => {
  /** A linked account with one billing reading on 01.11.2026 (no history to average). */
  async function oneReading(zones: number, avgDailyKwh: number | null, language: Language = "uk") {
    const s = setup();
    const account = s.store.addAccount({ number: "5555555555", meterDigits: 6, zones, avgDailyKwh });
    s.store.addReading({
      accountId: account.id,
      period: "2026-11",
      t1: 1000,
      t2: zones >= 2 ? 500 : null,
      t3: zones >= 3 ? 200 : null,
      takenAt: new Date("2026-11-01T09:00:00Z"),
    });
    const c = s.conversation("telegram:5", { languageCode: language });
    await linkByPhone(c, "5555555555");
    return { s, c, account };
  }
  const menuLine = (c: Conversation) => c.text_.split("\n").slice(-1)[0];

  test.each(["uk", "en"] as const)(
    "one reading and neither history nor billing's average: a forecast without a number (%s)",
    async (language) => {
      for (const zones of [1, 2, 3]) {
        const { c } = await oneReading(zones, null, language);
        await c.choose("nav:menu");
        expect(menuLine(c)).toBe(
          t(language, "menu.readingMissing", { label: t(language, "label.flat"), period: "12.2026" }),
        );
        expect(c.text_).not.toMatch(/≈|\d+ (кВт·год|kWh)/);
      }
    },
  );

  test.each(["uk", "en"] as const)(
    "billing's avg_daily_kwh gives the forecast, whatever the number of zones (%s)",
    async (language) => {
      // 7.5 kWh a day x 29.5 days from 01.11 09:00 UTC to 01.12 00:00 Kyiv.
      for (const zones of [1, 2, 3]) {
        const { c } = await oneReading(zones, 7.5, language);
        await c.choose("nav:menu");
        expect(menuLine(c)).toBe(
          t(language, "menu.readingForecast", {
            label: t(language, "label.flat"),
            period: "12.2026",
            kwh: 222,
          }),
        );
      }
    },
  );

  test("billing's avg_daily_kwh is preferred to the history's average", async () => {
    const s = setup();
    seedAccount(s.store, { number: "1234567890", avgDailyKwh: 5 });
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("nav:menu");
    // 5 kWh a day x 29.5 days, not the history's 9.85 a day (291, the test above).
    expect(menuLine(c)).toBe(
      t("uk", "menu.readingForecast", { label: t("uk", "label.flat"), period: "12.2026", kwh: 148 }),
    );
  });

  test.each(["uk", "en"] as const)(
    "far above the default with no usual figure known: asked to check, no '≈ usual' number (%s)",
    async (language) => {
      const { c } = await oneReading(1, null, language);
      await c.choose("m:read");
      // 29 days since 01.11 x the default 10 kWh: the check warns above 870.
      await c.text("2000");
      expect(c.text_).toBe(t(language, "reading.highAskNoUsual", { value: 2000, used: 1000 }));
      await c.choose("yes");
      await c.choose("skip");
      await c.choose("ok");
      expect(c.text_).toContain(t(language, "reading.flaggedNote"));
    },
  );

  test("a one-zone meter's usual figure is billing's average", async () => {
    const { c } = await oneReading(1, 2, "uk");
    await c.choose("m:read");
    // 29 days x 2 kWh = 58 usual; warn above max(174, 100).
    await c.text("1200");
    expect(c.text_).toBe(t("uk", "reading.highAsk", { value: 1200, used: 200, expected: 58 }));
  });

  test("a two-zone meter with only billing's whole-meter average: no per-zone usual number", async () => {
    const { c } = await oneReading(2, 2, "uk");
    await c.choose("m:read");
    await c.text("1200");
    expect(c.text_).toBe(t("uk", "reading.highAskNoUsual", { value: 1200, used: 200 }));
  });
});

describe("receipt and window", () => {
  async function submit(c: Conversation, day: string): Promise<void> {
    await c.choose("m:read");
    await c.text(day);
    await c.choose("same");
    await c.choose("ok");
  }

  test.each(["uk", "en"] as const)(
    "a second reading in the period replaces the first and the receipt says so (%s)",
    async (language) => {
      const { s, c } = await linked(language);
      await submit(c, "12400");
      expect(c.text_).not.toContain(t(language, "reading.replacedNote"));
      await c.choose("m:read");
      expect(c.text_).toContain(t(language, "reading.alreadySubmitted", { period: "12.2026" }));
      await c.text("12390");
      await c.choose("same");
      await c.choose("ok");
      expect(c.text_).toContain(t(language, "reading.replacedNote"));
      const mine = s.store.data.readings.filter((reading) => reading.userId !== null);
      expect(mine.map((reading) => [reading.t1, reading.status])).toEqual([
        [12400, "superseded"],
        [12390, "accepted"],
      ]);
    },
  );

  test.each(["uk", "en"] as const)(
    "outside the window the reading is kept as input data (%s)",
    async (language) => {
      const { s, c } = await linked(language, "2026-11-15T10:00:00Z");
      await c.choose("m:read");
      expect(c.text_).toContain(t(language, "reading.windowClosed", { opens: "29.11.2026" }));
      await c.text("12300");
      await c.choose("same");
      await c.choose("ok");
      expect(c.text_).toContain(t(language, "reading.outsideWindowNote", { opens: "29.11.2026" }));
      expect(s.store.data.readings.find((reading) => reading.userId !== null)).toMatchObject({
        period: "2026-12",
        inWindow: false,
      });
    },
  );

  test("on the 3rd the window is still open for the month that started", async () => {
    const { s, c } = await linked("uk", "2026-12-03T20:00:00Z");
    await submit(c, "12400");
    expect(s.store.data.readings.find((reading) => reading.userId !== null)).toMatchObject({
      period: "2026-12",
      inWindow: true,
    });
  });

  test.each(["uk", "en"] as const)(
    "the menu shows the forecast while no reading is in (%s)",
    async (language) => {
      const { c } = await linked(language);
      await c.choose("nav:menu");
      // ≈ 9.85 kWh a day x 29.5 days from 01.11 09:00 UTC to 01.12 00:00 Kyiv.
      expect(c.text_).toBe(
        [
          t(language, "menu.title"),
          t(language, "menu.readingForecast", {
            label: t(language, "label.flat"),
            period: "12.2026",
            kwh: 291,
          }),
        ].join("\n"),
      );
    },
  );
});
