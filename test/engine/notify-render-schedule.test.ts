// Schedule notices as the customer reads them: the queue and label named, Kyiv times of the
// schedule in force, "in N min" counted from the send time (a late notice says the truth), what
// changed in a day, the mode with the operator's message; the schedule view button on each.
import { describe, expect, test } from "vitest";
import { SCHED } from "../../src/engine/flows/outage-schedule.js";
import { subscriptionChoice } from "../../src/engine/global-choices.js";
import { t } from "../../src/engine/i18n/index.js";
import { renderNotification } from "../../src/engine/notify-render.js";

// 30.11.2026 13:30 Kyiv (UTC+2).
const now = new Date("2026-11-30T11:30:00Z");

test("uk: the issue's wording of a warning, with and without a label", () => {
  const reply = renderNotification(
    "uk",
    {
      kind: "schedule_before_off",
      queue: "3.2",
      state: "off",
      from: "2026-11-30T14:00:00Z",
      to: "2026-11-30T16:00:00Z",
    },
    new Date("2026-11-30T13:30:00Z"),
  );
  expect(reply.text).toBe("🔴 Черга 3.2: світло вимкнуть о 16:00 (через 30 хв), до 18:00.");
  expect(reply.choices).toEqual([
    [{ id: SCHED.view, label: "🕯 Графік відключень" }],
    [{ id: "g:subopt:3.2", label: "⚙️ Налаштувати сповіщення" }],
  ]);
  expect(reply.attached).toBe(true);
  const labeled = renderNotification(
    "uk",
    {
      kind: "schedule_before_off",
      queue: "1001.1",
      label: "Робоча 5",
      state: "maybe",
      from: "2026-11-30T14:00:00Z",
      to: "2026-11-30T16:00:00Z",
    },
    new Date("2026-11-30T12:45:00Z"),
  );
  expect(labeled.text).toBe(
    "🟡 ЦЕК 1.1 (Робоча 5): можливе відключення о 16:00 (через 1 год 15 хв), до 18:00.",
  );
});

describe.each(["uk", "en"] as const)("schedule notices (%s)", (language) => {
  const button = [[{ id: SCHED.view, label: t(language, "sched.menu") }]];
  const queue = t(language, "sched.queueName", { code: "3.2" });
  const who = t(language, "notify.schedWhoLabeled", {
    queue: queue.charAt(0).toLocaleUpperCase(language) + queue.slice(1),
    label: "Дім",
  });

  test("a warning counts the minutes from the send time; sent after the start it says it is off", () => {
    const notice = {
      kind: "schedule_before_off" as const,
      queue: "3.2",
      label: "Дім",
      state: "off" as const,
      from: "2026-11-30T14:00:00Z",
      to: "2026-11-30T16:00:00Z",
    };
    expect(renderNotification(language, notice, new Date("2026-11-30T13:48:30Z")).text).toBe(
      t(language, "notify.schedBeforeOff", {
        who,
        from: "16:00",
        to: "18:00",
        in: t(language, "sched.inMinutes", { minutes: 12 }),
      }),
    );
    expect(renderNotification(language, notice, new Date("2026-11-30T14:05:00Z")).text).toBe(
      t(language, "notify.schedOffStarted", { who, from: "16:00", to: "18:00" }),
    );
  });

  test("tomorrow published: every period, or no outages; the day named from the send time", () => {
    const reply = renderNotification(
      language,
      {
        kind: "schedule_day",
        queue: "3.2",
        label: "Дім",
        date: "2026-12-01",
        change: "published",
        periods: [
          { from: "08:00", to: "12:00", state: "off" },
          { from: "16:00", to: "18:00", state: "maybe" },
        ],
      },
      now,
    );
    expect(reply.text).toBe(
      t(language, "notify.schedPublished", {
        who,
        day: t(language, "notify.schedDayTomorrow", { date: "01.12" }),
        periods: [
          t(language, "sched.periodOff", { from: "08:00", to: "12:00" }),
          t(language, "sched.periodMaybe", { from: "16:00", to: "18:00" }),
        ].join("\n"),
      }),
    );
    expect(reply.choices).toEqual([
      ...button,
      [{ id: subscriptionChoice("3.2"), label: t(language, "notify.schedOptions") }],
    ]);
    const none = renderNotification(
      language,
      { kind: "schedule_day", queue: "3.2", date: "2026-11-30", change: "published", periods: [] },
      now,
    );
    expect(none.text).toContain(t(language, "notify.schedDayToday", { date: "30.11" }));
    expect(none.text).toContain(t(language, "notify.schedNoOutages"));
  });

  test("changed: was/now for one moved period, added and cancelled otherwise, and the whole day", () => {
    const moved = renderNotification(
      language,
      {
        kind: "schedule_day",
        queue: "3.2",
        label: "Дім",
        date: "2026-11-30",
        change: "changed",
        periods: [
          { from: "10:00", to: "14:00", state: "off" },
          { from: "20:00", to: "21:00", state: "maybe" },
        ],
        previous: [
          { from: "08:00", to: "12:00", state: "off" },
          { from: "20:00", to: "21:00", state: "maybe" },
        ],
      },
      now,
    );
    expect(moved.text.split("\n")).toEqual([
      t(language, "notify.schedChanged", {
        who,
        day: t(language, "notify.schedDayToday", { date: "30.11" }),
      }),
      t(language, "notify.schedWasNow", { was: "🔴 08:00–12:00", now: "🔴 10:00–14:00" }),
      t(language, "notify.schedWholeDay", {
        periods: [
          t(language, "sched.periodOff", { from: "10:00", to: "14:00" }),
          t(language, "sched.periodMaybe", { from: "20:00", to: "21:00" }),
        ].join(" · "),
      }),
    ]);
    const removed = renderNotification(
      language,
      {
        kind: "schedule_day",
        queue: "3.2",
        date: "2026-11-30",
        change: "changed",
        periods: [],
        previous: [
          { from: "08:00", to: "12:00", state: "off" },
          { from: "16:00", to: "18:00", state: "maybe" },
        ],
      },
      now,
    );
    expect(removed.text.split("\n").slice(1)).toEqual([
      t(language, "notify.schedRemoved", { periods: "🔴 08:00–12:00, 🟡 16:00–18:00" }),
      t(language, "notify.schedWholeDay", { periods: t(language, "notify.schedNoOutages") }),
    ]);
  });

  test("mode: emergency with the operator's message, schedules again, none", () => {
    expect(
      renderNotification(language, { kind: "schedule_mode", mode: "emergency", message: "Аварія" }, now).text,
    ).toBe(
      [
        t(language, "notify.schedModeEmergency"),
        t(language, "sched.operatorMessage", { message: "Аварія" }),
      ].join("\n"),
    );
    expect(renderNotification(language, { kind: "schedule_mode", mode: "schedules" }, now).text).toBe(
      t(language, "notify.schedModeSchedules"),
    );
    expect(renderNotification(language, { kind: "schedule_mode", mode: "none" }, now)).toEqual({
      text: t(language, "notify.schedModeNone"),
      choices: button,
      attached: true,
    });
  });

  test("power back at the Kyiv time the period ended", () => {
    expect(
      renderNotification(
        language,
        { kind: "schedule_power_back", queue: "3.2", label: "Дім", at: "2026-11-30T16:00:00Z" },
        now,
      ).text,
    ).toBe(t(language, "notify.schedPowerBack", { who, at: "18:00" }));
  });
});
