// The customer's outage-schedule view as conversations on a pinned clock: a linked account with a
// queue, no account (queue by buttons, by address with a typo), tomorrow unpublished, the
// region-wide modes, days with 23 and 25 hours, and the bad inputs (no schedule, no queue, an
// address not in the directory).
import { describe, expect, test } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import { periodsToSlots } from "../../src/schedules/periods.js";
import type { SchedulePeriod, SlotState } from "../../src/schedules/types.js";
import { linkByPhone, seedAccount, setup } from "./harness.js";

function day(...periods: [string, string, "off" | "maybe"][]): SlotState[] {
  const result = periodsToSlots(periods.map(([from, to, state]): SchedulePeriod => ({ from, to, state })));
  if (!result.ok) throw new Error(result.error.message);
  return result.slots;
}

// 13:50 in Kyiv (UTC+2) on Monday 2026-11-30.
const NOW = "2026-11-30T11:50:00Z";

describe("outage schedule: linked account", () => {
  test("shows the account's queue, today and tomorrow, what happens next, and names the picture", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    const today = s.store.publishSchedule(
      [
        {
          queue: "3.2",
          date: "2026-11-30",
          slots: day(["08:00", "12:30", "off"], ["16:00", "18:00", "off"], ["18:00", "20:00", "maybe"]),
        },
      ],
      new Date("2026-11-29T18:00:00Z"),
    );
    const tomorrow = s.store.publishSchedule(
      [{ queue: "3.2", date: "2026-12-01", slots: day(["04:00", "08:00", "off"]) }],
      new Date("2026-11-30T10:00:00Z"),
    );
    const c = s.conversation();
    await linkByPhone(c);
    expect(c.choiceIds).toContain("m:sched");
    expect(c.label("m:sched")).toBe("🕯 Графік відключень");
    await c.choose("m:sched");
    const label = t("uk", "label.flat");
    expect(c.last?.replies).toHaveLength(1);
    expect(c.text_).toBe(
      [
        `🕯 ${label} — черга 3.2`,
        "Сьогодні, 30.11: 🔴 08:00–12:30 без світла · 🔴 16:00–18:00 без світла · 🟡 18:00–20:00 можливе",
        "Завтра, 01.12: 🔴 04:00–08:00 без світла",
        "⏭ Світло вимкнуть о 16:00, через 2 год 10 хв.",
      ].join("\n"),
    );
    expect(c.reply.picture).toEqual({
      kind: "outage-schedule",
      queue: "3.2",
      days: [
        { date: "2026-11-30", version: today },
        { date: "2026-12-01", version: tomorrow },
      ],
      language: "uk",
    });
    expect(c.choiceIds).toEqual(["g:sub:3.2", "sched:find", "sched:pick", "m:sched", "nav:menu"]);
    expect(c.label("g:sub:3.2")).toBe("🔔 Сповіщати: черга 3.2");
    expect(c.stepName).toBe("sched_view");
    // Viewing saves no queue: the account's queue comes from billing every time.
    expect(s.store.data.follows ?? []).toEqual([]);

    // During the outage: when power is due back; tomorrow's first outage after the evening.
    s.clock.set("2026-11-30T14:15:00Z"); // 16:15
    await c.choose("m:sched");
    expect(c.text_).toContain("⏭ Можливе відключення о 18:00, через 1 год 45 хв.");
    s.clock.set("2026-11-30T19:00:00Z"); // 21:00
    await c.choose("m:sched");
    expect(c.text_).toContain("⏭ Світло вимкнуть завтра о 04:00, через 7 год.");
  });

  test("in English", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "1001.1" });
    s.store.publishSchedule(
      [{ queue: "1001.1", date: "2026-11-30", slots: day(["16:00", "18:00", "maybe"]) }],
      new Date("2026-11-29T18:00:00Z"),
    );
    const c = s.conversation("telegram:7", { languageCode: "en" });
    await linkByPhone(c);
    expect(c.label("m:sched")).toBe("🕯 Outage schedule");
    await c.choose("m:sched");
    expect(c.text_).toBe(
      [
        `🕯 ${t("en", "label.flat")} — city grid 1.1`,
        "Today, 30.11: 🟡 16:00–18:00 possible",
        "Tomorrow, 01.12: the schedule is not published yet.",
        "⏭ A possible outage at 16:00, in 2 h 10 min.",
      ].join("\n"),
    );
    expect(c.reply.picture?.language).toBe("en");
  });

  test("tomorrow not published yet: said plainly, and nothing is assumed past midnight", async () => {
    const s = setup("2026-11-30T18:00:00Z"); // 20:00
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    s.store.publishSchedule(
      [{ queue: "3.2", date: "2026-11-30", slots: day(["08:00", "12:30", "off"]) }],
      new Date("2026-11-29T18:00:00Z"),
    );
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:sched");
    expect(c.text_).toContain("Завтра, 01.12: графік ще не опубліковано.");
    expect(c.text_).toContain("⏭ Світло має бути до кінця доби.");
    expect(c.reply.picture?.days).toEqual([{ date: "2026-11-30", version: expect.any(Number) }]);
  });

  test("a queue with no schedule yet says so and names no picture", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "5.1" });
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:sched");
    expect(c.text_).toContain("Сьогодні, 30.11: графік ще не опубліковано.");
    expect(c.text_).toContain("Завтра, 01.12: графік ще не опубліковано.");
    expect(c.text_).not.toContain("⏭");
    expect(c.reply.picture).toBeUndefined();
  });

  test("an account without a queue from billing: its own address in the directory, else said and the buttons", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: null, street: "вул. Робоча", building: "5-А" });
    s.store.addAddress({ settlement: "м. Дніпро", street: "Робоча", building: "5а", queue: "2.1" });
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:sched");
    expect(c.text_).toContain("черга 2.1");

    const other = setup(NOW);
    seedAccount(other.store, { number: "1234567890", outageQueue: null, street: "вул. Невідома" });
    const d = other.conversation();
    await linkByPhone(d);
    await d.choose("m:sched");
    expect(d.stepName).toBe("sched_pick");
    expect(d.text_).toBe(
      [
        t("uk", "sched.noQueueForAccount", { label: t("uk", "label.flat") }),
        t("uk", "sched.pickPrompt"),
      ].join("\n\n"),
    );
    expect(d.choiceIds).toContain("sq:3.2");
    expect(d.choiceIds).toContain("sched:find");
  });
});

describe("outage schedule: without an account", () => {
  test("queue picked by button is remembered; several queues allowed; one can be removed", async () => {
    const s = setup(NOW);
    s.store.publishSchedule(
      [
        { queue: "4.2", date: "2026-11-30", slots: day(["14:00", "16:00", "off"]) },
        { queue: "1.1", date: "2026-11-30", slots: day(["20:00", "22:00", "off"]) },
      ],
      new Date("2026-11-29T18:00:00Z"),
    );
    const c = s.conversation();
    await c.start();
    await c.choose("nav:menu");
    expect(c.choiceIds).toContain("m:sched");
    await c.choose("m:sched");
    expect(c.stepName).toBe("sched_pick");
    expect(c.text_).toBe(t("uk", "sched.pickPrompt"));
    expect(c.choiceIds.filter((id) => id.startsWith("sq:"))).toHaveLength(12);
    await c.choose("sq:4.2");
    expect(c.text_).toContain("📌 Запам’ятали: черга 4.2.");
    expect(c.text_).toContain("⏭ Світло вимкнуть о 14:00, через 10 хв.");
    expect(c.choiceIds).toContain("sched:forget");

    // A second queue, typed rather than tapped.
    await c.choose("sched:pick");
    await c.text("черга 1.1");
    await c.choose("m:sched");
    expect(c.last?.replies.map((reply) => reply.text.split("\n")[0])).toEqual(["🕯 черга 4.2", "🕯 черга 1.1"]);
    expect(c.last?.replies[0]?.choices).toBeUndefined();
    expect(c.last?.replies.map((reply) => reply.picture?.queue)).toEqual(["4.2", "1.1"]);

    await c.choose("sched:forget");
    await c.choose("sf:4.2");
    expect(c.text_).toContain("Прибрано: черга 4.2.");
    await c.choose("m:sched");
    expect(c.last?.replies).toHaveLength(1);
    expect(c.text_).toContain("🕯 черга 1.1");
  });

  test("an unknown queue is refused with the buttons again", async () => {
    const s = setup(NOW);
    const c = s.conversation();
    await c.start();
    await c.choose("m:sched");
    await c.text("9.9");
    expect(c.text_).toBe(t("uk", "sched.unknownQueue"));
    expect(c.stepName).toBe("sched_pick");
  });

  test("found by address with a typo, apostrophes and 'вулиця'; remembered with the address", async () => {
    const s = setup(NOW);
    s.store.publishSchedule(
      [{ queue: "3.1", date: "2026-11-30", slots: day(["18:00", "21:00", "off"]) }],
      new Date("2026-11-29T18:00:00Z"),
    );
    s.store.addAddress({ settlement: "м. Дніпро", street: "вул. Робоча", building: "5", queue: "3.1" });
    s.store.addAddress({ settlement: "м. Дніпро", street: "вул. Робоча", building: "7", queue: "3.2" });
    s.store.addAddress({ settlement: "м. Дніпро", street: "вул. Робітнича", building: "1", queue: "6.2" });
    s.store.addAddress({
      settlement: "м. Кам'янське",
      street: "просп. Свободи",
      building: "10",
      queue: "1.2",
    });
    const c = s.conversation();
    await c.start();
    await c.choose("m:sched");
    await c.choose("sched:find");
    expect(c.stepName).toBe("sched_settlement");
    expect(c.choiceIds.slice(0, 2)).toEqual(["so:0", "so:1"]);
    await c.text("Днепро");
    expect(c.text_).toBe(t("uk", "sched.settlementClose", { typed: "Днепро" }));
    expect(c.label("so:0")).toBe("м. Дніпро");
    await c.choose("so:0");
    expect(c.stepName).toBe("sched_street");
    await c.text("вулиця Робача");
    expect(c.text_).toBe(t("uk", "sched.streetClose", { typed: "вулиця Робача", settlement: "м. Дніпро" }));
    expect(c.label("so:0")).toBe("вул. Робоча");
    await c.choose("so:0");
    expect(c.stepName).toBe("sched_building");
    expect(c.choiceIds).toEqual(["sb:5", "sb:7", "sched:pick", "nav:back", "nav:menu"]);
    await c.text("9");
    expect(c.text_).toBe(
      t("uk", "sched.buildingNone", { building: "9", street: "вул. Робоча", settlement: "м. Дніпро" }),
    );
    await c.text("буд. 5");
    expect(c.text_).toContain("📍 м. Дніпро, вул. Робоча, 5 — черга 3.1.");
    expect(c.text_).toContain("🕯 м. Дніпро, вул. Робоча, 5 — черга 3.1");
    expect(c.text_).toContain("🔴 18:00–21:00 без світла");

    // Next time the saved address is shown straight away; a second address by apostrophe variants.
    await c.choose("sched:find");
    await c.text("Камʼянське");
    await c.text("Свободи");
    await c.text("10");
    await c.choose("m:sched");
    expect(c.last?.replies.map((reply) => reply.text.split("\n")[0])).toEqual([
      "🕯 м. Дніпро, вул. Робоча, 5 — черга 3.1",
      "🕯 м. Кам'янське, просп. Свободи, 10 — черга 1.2",
    ]);
  });

  test("an address not in the directory gets a clear answer with the queue buttons", async () => {
    const s = setup(NOW);
    s.store.addAddress({ settlement: "Дніпро", street: "Робоча", building: "5", queue: "3.1" });
    s.store.addAddress({ settlement: "Павлоград", street: "Соборна", building: "1", queue: "3.2" });
    const c = s.conversation();
    await c.start();
    await c.choose("m:sched");
    await c.choose("sched:find");
    await c.text("Дніпро");
    await c.text("Хрещатик");
    expect(c.text_).toBe(t("uk", "sched.streetNone", { typed: "Хрещатик", settlement: "Дніпро" }));
    expect(c.choiceIds).toContain("sched:pick");
    await c.choose("sched:pick");
    expect(c.stepName).toBe("sched_pick");
  });
});

describe("outage schedule: modes", () => {
  test("emergency: schedules are not in force, said plainly with the operator's message", async () => {
    const s = setup(NOW);
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    s.store.publishSchedule(
      [{ queue: "3.2", date: "2026-11-30", slots: day(["16:00", "18:00", "off"]) }],
      new Date("2026-11-29T18:00:00Z"),
    );
    s.store.setOutageMode("emergency", "Аварія в енергосистемі.", new Date("2026-11-30T09:00:00Z"));
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:sched");
    expect(c.last?.replies).toHaveLength(1);
    expect(c.text_).toBe([t("uk", "sched.modeEmergency"), "ℹ️ Аварія в енергосистемі."].join("\n\n"));
    expect(c.reply.picture).toBeUndefined();
  });

  test("no outages planned: said so", async () => {
    const s = setup(NOW);
    s.store.setOutageMode("none", null, new Date("2026-11-30T09:00:00Z"));
    const c = s.conversation("telegram:5", { languageCode: "en" });
    await c.start();
    await c.choose("m:sched");
    await c.choose("sq:2.2");
    expect(c.text_).toContain(t("en", "sched.modeNone"));
    expect(c.text_).not.toContain("⏭");
  });
});

describe("outage schedule: days the clocks change", () => {
  test("2026-03-29 (23 hours): the time to the next outage is real elapsed time, and the day is marked", async () => {
    const s = setup("2026-03-28T23:00:00Z"); // 01:00 Kyiv, UTC+2
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    s.store.publishSchedule(
      [{ queue: "3.2", date: "2026-03-29", slots: day(["02:00", "05:00", "off"]) }],
      new Date("2026-03-28T18:00:00Z"),
    );
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:sched");
    expect(c.text_).toContain("Сьогодні, 29.03: 🔴 02:00–05:00 без світла");
    expect(c.text_).toContain("⏭ Світло вимкнуть о 02:00, через 1 год.");
    expect(c.text_).toContain(t("uk", "sched.dstForward", { date: "29.03" }));
    // 02:30 (UTC+2) to 05:00 (UTC+3): 1 h 30 min of real time, not 2 h 30 min.
    s.clock.set("2026-03-29T00:30:00Z");
    await c.choose("m:sched");
    expect(c.text_).toContain("⏭ Світло має бути о 05:00, через 1 год 30 хв.");
  });

  test("2026-10-25 (25 hours): the hour shown twice counts twice", async () => {
    const s = setup("2026-10-24T23:30:00Z"); // 02:30 Kyiv, UTC+3
    seedAccount(s.store, { number: "1234567890", outageQueue: "3.2" });
    s.store.publishSchedule(
      [{ queue: "3.2", date: "2026-10-25", slots: day(["03:00", "04:30", "off"]) }],
      new Date("2026-10-24T18:00:00Z"),
    );
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:sched");
    expect(c.text_).toContain("⏭ Світло вимкнуть о 03:00, через 30 хв.");
    // 03:00 (UTC+3) to 04:30 (UTC+2): 2 h 30 min of real time.
    s.clock.set("2026-10-25T00:00:00Z");
    await c.choose("m:sched");
    expect(c.text_).toContain("⏭ Світло має бути о 04:30, через 2 год 30 хв.");
    expect(c.text_).toContain(t("uk", "sched.dstBack", { date: "25.10" }));
  });
});
