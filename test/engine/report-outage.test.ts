// Journey 3 as conversations: a known outage for the account's area is told first (and can be
// watched), then an open report's status, and only otherwise a new report after the scope question.
import { describe, expect, test } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import { linkByPhone, seedAccount, setup } from "./harness.js";

describe("report an outage", () => {
  test.each(["uk", "en"] as const)(
    "a known emergency outage is told with its times and can be watched (%s)",
    async (language) => {
      const s = setup();
      const account = seedAccount(s.store);
      const outage = s.store.addKnownOutage({
        areaCodes: ["DNP-01", "DNP-02"],
        kind: "emergency",
        startsAt: new Date("2026-11-30T08:15:00Z"),
        expectedEndAt: new Date("2026-11-30T14:00:00Z"),
      });
      s.store.addKnownOutage({ areaCodes: ["DNP-09"], startsAt: new Date("2026-11-30T07:00:00Z") });
      const c = s.conversation("telegram:1", { languageCode: language });
      await linkByPhone(c);
      await c.choose("m:outage");
      const label = t(language, "label.flat");
      expect(c.reply).toEqual({
        text: [
          t(language, "outage.knownEmergency", { label, since: "30.11.2026 10:15" }),
          t(language, "outage.knownExpected", { time: "30.11.2026 16:00" }),
        ].join("\n"),
        choices: [
          [{ id: "watch", label: t(language, "outage.notifyMe") }],
          [{ id: "nav:menu", label: t(language, "nav.menu") }],
        ],
      });
      await c.choose("watch");
      expect(c.text_.startsWith(t(language, "outage.watchSaved", { label }))).toBe(true);
      await c.choose("m:outage");
      await c.choose("watch");
      expect(s.store.data.outageWatches).toEqual([
        {
          id: expect.any(Number),
          outageId: outage.id,
          userId: c.user.id,
          accountId: account.id,
          createdAt: new Date("2026-11-30T10:00:00Z"),
        },
      ]);
      expect(s.store.data.outageReports).toHaveLength(0);
    },
  );

  test("a planned outage without an estimate says the time is being clarified; resolved or future ones are ignored", async () => {
    const s = setup();
    seedAccount(s.store);
    s.store.addKnownOutage({
      areaCodes: ["DNP-01"],
      kind: "planned",
      startsAt: new Date("2026-11-30T09:00:00Z"),
    });
    s.store.addKnownOutage({
      areaCodes: ["DNP-01"],
      startsAt: new Date("2026-11-30T09:30:00Z"),
      resolvedAt: new Date("2026-11-30T09:45:00Z"),
    });
    s.store.addKnownOutage({ areaCodes: ["DNP-01"], startsAt: new Date("2026-12-01T09:00:00Z") });
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:outage");
    expect(c.text_).toBe(
      [
        t("uk", "outage.knownPlanned", { label: "Квартира", since: "30.11.2026 11:00" }),
        t("uk", "outage.knownNoEstimate"),
      ].join("\n"),
    );
  });

  test.each(["uk", "en"] as const)(
    "no known outage: scope question, a numbered report, then its status (%s)",
    async (language) => {
      const s = setup();
      const account = seedAccount(s.store);
      const c = s.conversation("telegram:1", { languageCode: language });
      await linkByPhone(c);
      const label = t(language, "label.flat");
      await c.choose("m:outage");
      expect(c.reply).toEqual({
        text: t(language, "outage.askScope", { label }),
        choices: [
          [{ id: "scope:home", label: t(language, "outage.scopeHome") }],
          [{ id: "scope:building", label: t(language, "outage.scopeBuilding") }],
          [{ id: "scope:street", label: t(language, "outage.scopeStreet") }],
          [{ id: "nav:menu", label: t(language, "nav.menu") }],
        ],
      });
      await c.text("light is off");
      expect(c.text_).toBe(t(language, "hint.useButtons"));
      await c.choose("scope:building");
      const report = s.store.data.outageReports[0];
      expect(report).toMatchObject({
        accountId: account.id,
        userId: c.user.id,
        scope: "building",
        status: "received",
      });
      expect(c.text_.startsWith(t(language, "outage.reported", { id: report?.id ?? 0, label }))).toBe(true);
      await c.choose("m:outage");
      expect(
        c.text_.startsWith(
          t(language, "outage.openReport", {
            id: report?.id ?? 0,
            label,
            status: t(language, "outageStatus.received"),
            created: "30.11.2026 12:00",
          }),
        ),
      ).toBe(true);
      expect(s.store.data.outageReports).toHaveLength(1);
    },
  );

  test("an open report shows the expected restoration time set by the dispatcher", async () => {
    const s = setup();
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:outage");
    await c.choose("scope:home");
    const report = s.store.data.outageReports[0];
    if (!report) throw new Error("no report");
    report.status = "crew_dispatched";
    report.expectedRestoreAt = new Date("2026-11-30T15:30:00Z");
    await c.choose("m:outage");
    expect(c.text_).toContain(t("uk", "outageStatus.crew_dispatched"));
    expect(c.text_).toContain(t("uk", "requests.expectedRestore", { time: "30.11.2026 17:30" }));
  });

  test("with several accounts the account is picked first; without one, linking is offered", async () => {
    const s = setup();
    seedAccount(s.store);
    s.store.addAccount({ number: "2222222222", areaCode: "DNP-07" });
    const lonely = s.conversation("telegram:2");
    await lonely.start();
    await lonely.choose("m:outage");
    expect(lonely.stepName).toBe("verify_phone");
    expect(lonely.text_.startsWith(t("uk", "accounts.noneYet"))).toBe(true);

    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:add");
    await c.text("2222222222");
    await c.choose("lbl:cottage");
    await c.choose("m:outage");
    expect(c.stepName).toBe("outage_account");
    await c.choose("acc:999");
    expect(c.text_).toBe(t("uk", "hint.pickAccount"));
    const cottage = s.store.data.links.find((link) => link.label === "Дача");
    await c.choose(`acc:${cottage?.accountId}`);
    expect(c.text_).toBe(t("uk", "outage.askScope", { label: "Дача" }));
  });
});
