// Renders the schedule notices (planned by src/jobs/schedule-notices.ts) in the user's language, at
// send time: "in 30 min" comes from the clock when the message goes out, so a late notice says the
// truth; "today" / "tomorrow" likewise. Times are Kyiv wall-clock times of the schedule in force.
import { addDays, kyivIsoDate } from "../schedules/kyiv-day.js";
import { hoursMinutes } from "../schedules/next-switch.js";
import type { SchedulePeriod } from "../schedules/types.js";
import { queueTitleIn, SCHED } from "./flows/outage-schedule.js";
import { subscriptionChoice } from "./global-choices.js";
import { t } from "./i18n/index.js";
import type { Notification } from "./notifications.js";
import { kyivDate } from "./reading-window.js";
import type { Choice, Language, Reply } from "./replies.js";

export type ScheduleNotification = Extract<
  Notification,
  { kind: "schedule_before_off" | "schedule_day" | "schedule_mode" | "schedule_power_back" }
>;

const SCHEDULE_KINDS = new Set<string>([
  "schedule_before_off",
  "schedule_day",
  "schedule_mode",
  "schedule_power_back",
]);

export function isScheduleNotification(notification: Notification): notification is ScheduleNotification {
  return SCHEDULE_KINDS.has(notification.kind);
}

const pad = (value: number): string => String(value).padStart(2, "0");

/** "16:00", Kyiv wall clock. */
function clock(iso: string): string {
  const local = kyivDate(new Date(iso));
  return `${pad(local.hour)}:${pad(local.minute)}`;
}

/** "Черга 3.2", or "Черга 3.2 (Робоча 5)" with the label the person follows it for. */
function who(language: Language, queue: string, label: string | undefined): string {
  const title = queueTitleIn(language, queue);
  const capital = title.charAt(0).toLocaleUpperCase(language) + title.slice(1);
  return label ? t(language, "notify.schedWhoLabeled", { queue: capital, label }) : capital;
}

function inText(language: Language, ms: number): string {
  const { hours, minutes } = hoursMinutes(ms);
  if (hours === 0) return t(language, "sched.inMinutes", { minutes });
  if (minutes === 0) return t(language, "sched.inHours", { hours });
  return t(language, "sched.inHoursMinutes", { hours, minutes });
}

/** "сьогодні, 29.11" / "завтра, 30.11" / "01.12", relative to when the message is read. */
function dayText(language: Language, date: string, now: Date): string {
  const shown = `${date.slice(8, 10)}.${date.slice(5, 7)}`;
  const today = kyivIsoDate(now);
  if (date === today) return t(language, "notify.schedDayToday", { date: shown });
  if (date === addDays(today, 1)) return t(language, "notify.schedDayTomorrow", { date: shown });
  return t(language, "notify.schedDayOther", { date: shown });
}

const sameSpan = (a: SchedulePeriod, b: SchedulePeriod): boolean =>
  a.from === b.from && a.to === b.to && a.state === b.state;

function span(language: Language, period: SchedulePeriod): string {
  return t(language, period.state === "off" ? "notify.schedSpanOff" : "notify.schedSpanMaybe", {
    from: period.from,
    to: period.to,
  });
}

function fullPeriod(language: Language, period: SchedulePeriod): string {
  return t(language, period.state === "off" ? "sched.periodOff" : "sched.periodMaybe", {
    from: period.from,
    to: period.to,
  });
}

function dayLines(
  language: Language,
  n: Extract<Notification, { kind: "schedule_day" }>,
  now: Date,
): string[] {
  const name = who(language, n.queue, n.label);
  const day = dayText(language, n.date, now);
  if (n.change === "published") {
    const periods =
      n.periods.length === 0
        ? t(language, "notify.schedNoOutages")
        : n.periods.map((p) => fullPeriod(language, p)).join("\n");
    return [t(language, "notify.schedPublished", { who: name, day, periods })];
  }
  const previous = n.previous ?? [];
  const removed = previous.filter((p) => !n.periods.some((q) => sameSpan(p, q)));
  const added = n.periods.filter((p) => !previous.some((q) => sameSpan(p, q)));
  const lines = [t(language, "notify.schedChanged", { who: name, day })];
  if (removed.length === 1 && added.length === 1) {
    lines.push(
      t(language, "notify.schedWasNow", { was: span(language, removed[0]!), now: span(language, added[0]!) }),
    );
  } else {
    if (added.length > 0)
      lines.push(
        t(language, "notify.schedAdded", { periods: added.map((p) => span(language, p)).join(", ") }),
      );
    if (removed.length > 0) {
      lines.push(
        t(language, "notify.schedRemoved", { periods: removed.map((p) => span(language, p)).join(", ") }),
      );
    }
  }
  const whole =
    n.periods.length === 0
      ? t(language, "notify.schedNoOutages")
      : n.periods.map((p) => fullPeriod(language, p)).join(" · ");
  lines.push(t(language, "notify.schedWholeDay", { periods: whole }));
  return lines;
}

/** The Reply of a schedule notice; `now` is the send time. */
export function renderScheduleNotification(
  language: Language,
  notification: ScheduleNotification,
  now: Date,
): Reply {
  const choices: Choice[][] = [[{ id: SCHED.view, label: t(language, "sched.menu") }]];
  let lines: string[];
  switch (notification.kind) {
    case "schedule_before_off": {
      const name = who(language, notification.queue, notification.label);
      const from = clock(notification.from);
      const to = clock(notification.to);
      const inMs = new Date(notification.from).getTime() - now.getTime();
      const maybe = notification.state === "maybe";
      lines =
        inMs > 0
          ? [
              t(language, maybe ? "notify.schedBeforeMaybe" : "notify.schedBeforeOff", {
                who: name,
                from,
                to,
                in: inText(language, inMs),
              }),
            ]
          : [
              t(language, maybe ? "notify.schedMaybeStarted" : "notify.schedOffStarted", {
                who: name,
                from,
                to,
              }),
            ];
      break;
    }
    case "schedule_day":
      lines = dayLines(language, notification, now);
      break;
    case "schedule_mode": {
      const key =
        notification.mode === "emergency"
          ? "notify.schedModeEmergency"
          : notification.mode === "none"
            ? "notify.schedModeNone"
            : "notify.schedModeSchedules";
      lines = [t(language, key)];
      if (notification.message)
        lines.push(t(language, "sched.operatorMessage", { message: notification.message }));
      break;
    }
    case "schedule_power_back":
      lines = [
        t(language, "notify.schedPowerBack", {
          who: who(language, notification.queue, notification.label),
          at: clock(notification.at),
        }),
      ];
      break;
  }
  // A notice about one queue also opens that queue's notification options (lead time, night, ...).
  if ("queue" in notification) {
    choices.push([{ id: subscriptionChoice(notification.queue), label: t(language, "notify.schedOptions") }]);
  }
  return { text: lines.join("\n"), choices, attached: true };
}
