// The customer's outage schedule (графік погодинних відключень): for each linked account's queue
// and each queue the person saved, today's and tomorrow's periods without power, what happens next,
// the region-wide mode, and a picture of the days (named, never drawn here). Without a queue: pick
// one by button or find it by address (settlement, street, building; typo tolerant), and it is
// remembered. Each queue shown has a one-tap toggle for its notifications (schedule-subscriptions.ts).
// A view reads the mode, the subscriptions and the days once per queue, and writes nothing but the
// conversation row every update writes.
import { nextSwitch, hoursMinutes } from "../../schedules/next-switch.js";
import { dayHours, slotTime, todayAndTomorrow } from "../../schedules/kyiv-day.js";
import { buildingKey } from "../../schedules/address-key.js";
import { matchAddress } from "../../schedules/address-match.js";
import { slotsToPeriods } from "../../schedules/periods.js";
import type { DaySlots } from "../../schedules/types.js";
import {
  navRow,
  translate,
  type FlowContext,
  type Input,
  type StepHandlers,
  type Transition,
} from "../flow-kit.js";
import { subscribeChoice, unsubscribeChoice } from "../global-choices.js";
import type {
  AccountRecord,
  LinkedAccount,
  OutageModeRecord,
  QueueDayRecord,
  ScheduleSubscriptionRecord,
} from "../ports.js";
import type { Choice, Language, Reply, SchedulePicture } from "../replies.js";
import type { Step } from "../state.js";

export const SCHED = {
  view: "m:sched",
  find: "sched:find",
  pick: "sched:pick",
  forget: "sched:forget",
} as const;

const QUEUE_PREFIX = "sq:";
const FORGET_PREFIX = "sf:";
const OPTION_PREFIX = "so:";
const BUILDING_PREFIX = "sb:";
/** A street with at most this many buildings offers them as buttons. */
const BUILDING_BUTTONS_MAX = 12;
const LABEL_MAX = 120;

interface Target {
  queue: string;
  labels: string[];
}

/** The queue as customers read it: "черга 3.2"; DTEK's city-grid queues (1001.1) are "ЦЕК 1.1". */
export function queueTitleIn(language: Language, code: string): string {
  const city = /^100(\d)\.(\d+)$/.exec(code);
  return city
    ? translate(language, "sched.cityQueueName", { code: `${city[1]}.${city[2]}` })
    : translate(language, "sched.queueName", { code });
}

function queueTitle(ctx: FlowContext, code: string): string {
  return queueTitleIn(ctx.user.language, code);
}

function showDate(date: string): string {
  return `${date.slice(8, 10)}.${date.slice(5, 7)}`;
}

function periodsText(ctx: FlowContext, slots: DaySlots): string {
  const periods = slotsToPeriods(slots);
  if (periods.length === 0) return ctx.t("sched.noOutages");
  return periods
    .map((period) =>
      ctx.t(period.state === "off" ? "sched.periodOff" : "sched.periodMaybe", {
        from: period.from,
        to: period.to,
      }),
    )
    .join(" · ");
}

function durationText(ctx: FlowContext, ms: number): string {
  const { hours, minutes } = hoursMinutes(ms);
  if (hours === 0) return ctx.t("sched.inMinutes", { minutes });
  if (minutes === 0) return ctx.t("sched.inHours", { hours });
  return ctx.t("sched.inHoursMinutes", { hours, minutes });
}

function nextText(ctx: FlowContext, today: QueueDayRecord, tomorrow: QueueDayRecord | undefined): string {
  const next = nextSwitch(ctx.now, today.slots, tomorrow?.slots ?? null);
  if (next.next) {
    const time = slotTime(next.next.index);
    const at =
      next.next.date === today.date ? ctx.t("sched.atToday", { time }) : ctx.t("sched.atTomorrow", { time });
    const key =
      next.next.state === "on"
        ? "sched.nextOn"
        : next.next.state === "off"
          ? "sched.nextOff"
          : "sched.nextMaybe";
    return ctx.t(key, { at, in: durationText(ctx, next.next.inMs) });
  }
  const until = ctx.t(next.knownUntil.date === today.date ? "sched.endToday" : "sched.endTomorrow");
  const key =
    next.now === "on" ? "sched.untilOn" : next.now === "off" ? "sched.untilOff" : "sched.untilMaybe";
  return ctx.t(key, { until });
}

function dstNote(ctx: FlowContext, date: string): string | null {
  const hours = dayHours(date);
  if (hours === 23) return ctx.t("sched.dstForward", { date: showDate(date) });
  if (hours === 25) return ctx.t("sched.dstBack", { date: showDate(date) });
  return null;
}

/** One queue's block: header, today, tomorrow, what happens next; and the picture of what is published. */
function queueBlock(ctx: FlowContext, target: Target, days: QueueDayRecord[]): Reply {
  const [todayDate, tomorrowDate] = todayAndTomorrow(ctx.now);
  const today = days.find((day) => day.date === todayDate);
  const tomorrow = days.find((day) => day.date === tomorrowDate);
  const queue = queueTitle(ctx, target.queue);
  const lines = [
    target.labels.length > 0
      ? ctx.t("sched.headerLabeled", { labels: target.labels.join(", "), queue })
      : ctx.t("sched.header", { queue }),
    today
      ? ctx.t("sched.today", { date: showDate(todayDate), periods: periodsText(ctx, today.slots) })
      : ctx.t("sched.todayUnpublished", { date: showDate(todayDate) }),
    tomorrow
      ? ctx.t("sched.tomorrow", { date: showDate(tomorrowDate), periods: periodsText(ctx, tomorrow.slots) })
      : ctx.t("sched.tomorrowUnpublished", { date: showDate(tomorrowDate) }),
  ];
  if (today) lines.push(nextText(ctx, today, tomorrow));
  for (const day of [today, tomorrow]) {
    const note = day ? dstNote(ctx, day.date) : null;
    if (note) lines.push(note);
  }
  const published = [today, tomorrow].filter((day): day is QueueDayRecord => day !== undefined);
  const reply: Reply = { text: lines.join("\n") };
  if (published.length > 0) {
    const picture: SchedulePicture = {
      kind: "outage-schedule",
      queue: target.queue,
      days: published.map((day) => ({ date: day.date, version: day.version })),
      language: ctx.user.language,
    };
    reply.picture = picture;
  }
  return reply;
}

/** One row per queue shown: notify about it, or stop (global ids: they work from an old message too). */
function toggleRows(
  ctx: FlowContext,
  targets: Target[],
  subscribed: ScheduleSubscriptionRecord[],
): Choice[][] {
  return targets.map((target) => {
    const queue = queueTitle(ctx, target.queue);
    return subscribed.some((entry) => entry.queue === target.queue)
      ? [{ id: unsubscribeChoice(target.queue), label: ctx.t("subs.toggleOff", { queue }) }]
      : [{ id: subscribeChoice(target.queue), label: ctx.t("subs.toggleOn", { queue }) }];
  });
}

function viewChoices(
  ctx: FlowContext,
  hasSaved: boolean,
  targets: Target[],
  subscribed: ScheduleSubscriptionRecord[],
): Choice[][] {
  const rows: Choice[][] = [
    ...toggleRows(ctx, targets, subscribed),
    [
      { id: SCHED.find, label: ctx.t("sched.findByAddress") },
      { id: SCHED.pick, label: ctx.t("sched.pickQueue") },
    ],
  ];
  if (hasSaved) rows.push([{ id: SCHED.forget, label: ctx.t("sched.forget") }]);
  rows.push([{ id: SCHED.view, label: ctx.t("sched.refresh") }, ...navRow(ctx, false)]);
  return rows;
}

/** The Kyiv dates a view shows, today and tomorrow (a copy: callers may keep it). */
export function viewDates(now: Date): string[] {
  return [...todayAndTomorrow(now)];
}

/** Today's and tomorrow's days of a queue (one read). */
function readDays(ctx: FlowContext, queue: string): Promise<QueueDayRecord[]> {
  return ctx.tx.schedules.days(queue, viewDates(ctx.now));
}

/** What a view reads, started together so a pipelining store sends them in one round trip. */
interface ViewReads {
  mode: Promise<OutageModeRecord>;
  subscriptions: Promise<ScheduleSubscriptionRecord[]>;
  days: Map<string, Promise<QueueDayRecord[]>>;
}

function subscriptionsOf(ctx: FlowContext): Promise<ScheduleSubscriptionRecord[]> {
  return ctx.tx.scheduleSubscriptions.list(ctx.user.userId);
}

async function showView(
  ctx: FlowContext,
  targets: Target[],
  hasSaved: boolean,
  notices: string[] = [],
  reads?: ViewReads,
): Promise<Transition> {
  const days = reads?.days ?? new Map<string, Promise<QueueDayRecord[]>>();
  const modeRead = reads?.mode ?? ctx.tx.schedules.mode();
  const subscriptionsRead = reads?.subscriptions ?? subscriptionsOf(ctx);
  for (const target of targets)
    if (!days.has(target.queue)) days.set(target.queue, readDays(ctx, target.queue));
  // Every read settles before the answer, whichever the mode (none is left running or unhandled).
  const queues = [...days.keys()];
  const [mode, subscribed, ...lists] = await Promise.all([modeRead, subscriptionsRead, ...days.values()]);
  const daysOf = new Map(queues.map((queue, index) => [queue, lists[index] ?? []]));
  const choices = viewChoices(ctx, hasSaved, targets, subscribed);
  const step: Step = { name: "sched_view" };
  const message = mode.message ? [ctx.t("sched.operatorMessage", { message: mode.message })] : [];
  if (mode.mode !== "schedules") {
    const text = [
      ...notices,
      ctx.t(mode.mode === "emergency" ? "sched.modeEmergency" : "sched.modeNone"),
      ...message,
    ].join("\n\n");
    return { step, replies: [{ text, choices }] };
  }
  const replies: Reply[] = [];
  for (const target of targets) replies.push(queueBlock(ctx, target, daysOf.get(target.queue) ?? []));
  const first = replies[0];
  if (first && notices.length > 0) replies[0] = { ...first, text: [...notices, first.text].join("\n\n") };
  const last = replies[replies.length - 1];
  if (last) {
    const text = message.length > 0 ? [last.text, ...message].join("\n\n") : last.text;
    replies[replies.length - 1] = { ...last, text, choices };
  }
  return { step, replies };
}

/** The account's queue: billing's, else its address's in the directory (exact keys), else null. */
export async function accountQueue(ctx: FlowContext, account: AccountRecord): Promise<string | null> {
  if (account.outageQueue) return account.outageQueue;
  const buildings = await ctx.tx.addresses.buildings(account.settlement, account.street);
  const key = buildingKey(account.building);
  return buildings.find((entry) => buildingKey(entry.building) === key)?.queue ?? null;
}

function addTarget(targets: Target[], queue: string, label: string | null): void {
  const existing = targets.find((target) => target.queue === queue);
  if (existing) {
    if (label !== null && !existing.labels.includes(label)) existing.labels.push(label);
  } else targets.push({ queue, labels: label === null ? [] : [label] });
}

/**
 * The queues a view shows: each linked account's (labelled with it), then the saved ones; and a
 * note per account whose queue is not known.
 */
async function collectTargets(
  ctx: FlowContext,
  links: LinkedAccount[],
  saved: { queue: string; label: string | null }[],
): Promise<{ targets: Target[]; missing: string[] }> {
  const targets: Target[] = [];
  const missing: string[] = [];
  for (const link of links) {
    const queue = await accountQueue(ctx, link.account);
    if (queue) addTarget(targets, queue, link.label);
    else missing.push(ctx.t("sched.noQueueForAccount", { label: link.label }));
  }
  for (const entry of saved) addTarget(targets, entry.queue, entry.label);
  return { targets, missing };
}

/** The menu button: every queue of the person's accounts and saved queues, or the way to find one. */
export async function showSchedule(ctx: FlowContext, notices: string[] = []): Promise<Transition> {
  const links = await ctx.linkedAccounts();
  // The saved queues, the mode and the days of the accounts' queues are read together (one round
  // trip on a pipelining store); the days of saved-only queues follow.
  const reads: ViewReads = {
    mode: ctx.tx.schedules.mode(),
    subscriptions: subscriptionsOf(ctx),
    days: new Map(),
  };
  for (const link of links) {
    const queue = link.account.outageQueue;
    if (queue && !reads.days.has(queue)) reads.days.set(queue, readDays(ctx, queue));
  }
  const savedRead = ctx.tx.schedules.followed(ctx.user.userId);
  // Settle every read started above before anything else goes to the store.
  const [saved] = await Promise.all([savedRead, reads.mode, reads.subscriptions, ...reads.days.values()]);
  const { targets, missing } = await collectTargets(ctx, links, saved);
  if (targets.length === 0)
    return ctx.enter({ name: "sched_pick" }, [...notices, ...missing].join("\n\n") || undefined);
  return showView(ctx, targets, saved.length > 0, [...notices, ...missing], reads);
}

/** Remembers a queue the person chose and shows it. */
async function saveAndShow(
  ctx: FlowContext,
  queue: string,
  label: string | null,
  notice: string[],
): Promise<Transition> {
  await ctx.tx.schedules.follow({ userId: ctx.user.userId, queue, label, at: ctx.now });
  const title = queueTitle(ctx, queue);
  return showView(ctx, [{ queue, labels: label === null ? [] : [label] }], true, [
    ...notice,
    ctx.t("sched.saved", { queue: title }),
  ]);
}

function queueFromText(text: string, codes: string[]): string | null {
  const typed = /(\d{1,4}\.\d{1,2})/.exec(text)?.[1];
  return typed !== undefined && codes.includes(typed) ? typed : null;
}

function optionChoices(options: string[]): Choice[][] {
  return options.map((name, index) => [{ id: `${OPTION_PREFIX}${index}`, label: name }]);
}

function chosenOption(options: string[], id: string): string | null {
  if (!id.startsWith(OPTION_PREFIX)) return null;
  return options[Number(id.slice(OPTION_PREFIX.length))] ?? null;
}

const fallbackRow = (ctx: FlowContext): Choice[] => [{ id: SCHED.pick, label: ctx.t("sched.pickQueue") }];

async function startAddressSearch(ctx: FlowContext): Promise<Transition> {
  const settlements = await ctx.tx.addresses.settlements();
  if (settlements.length === 0) return ctx.enter({ name: "sched_pick" }, ctx.t("sched.directoryEmpty"));
  if (settlements.length === 1 && settlements[0] !== undefined) {
    return ctx.enter({ name: "sched_street", settlement: settlements[0], options: [] });
  }
  return ctx.enter({ name: "sched_settlement", options: settlements.length <= 6 ? settlements : [] });
}

function addressEntry(ctx: FlowContext, id: string): Promise<Transition> | null {
  if (id === SCHED.find) return startAddressSearch(ctx);
  if (id === SCHED.pick) return ctx.enter({ name: "sched_pick" });
  if (id === SCHED.forget) return ctx.enter({ name: "sched_forget" });
  return null;
}

/**
 * An address step (settlement, street): the entry buttons, a close name picked by button, or typed
 * text matched against the directory's names: exact goes on, close ones become the buttons.
 */
async function matchStep<S extends Extract<Step, { options: string[] }>>(
  ctx: FlowContext,
  step: S,
  input: Input,
  how: {
    ask: string;
    maxLength: number;
    names: () => Promise<string[]>;
    next: (name: string) => Promise<Transition>;
    missing: (typed: string, close: boolean) => string;
  },
): Promise<Transition> {
  if (input.kind === "choice") {
    const entry = addressEntry(ctx, input.id);
    if (entry) return entry;
    const option = chosenOption(step.options, input.id);
    if (option) return how.next(option);
  }
  if (input.kind !== "text") return ctx.stay(step, how.ask);
  const typed = input.text.trim().slice(0, how.maxLength);
  const match = matchAddress(typed, await how.names());
  if (match.kind === "exact") return how.next(match.name);
  const options = match.kind === "close" ? match.candidates.map((candidate) => candidate.name) : [];
  return ctx.stay({ ...step, options }, how.missing(typed, match.kind === "close"));
}

export const scheduleHandlers: Pick<
  StepHandlers,
  "sched_view" | "sched_pick" | "sched_forget" | "sched_settlement" | "sched_street" | "sched_building"
> = {
  sched_view: {
    async prompt(ctx) {
      const links = await ctx.linkedAccounts();
      const [saved, subscribed] = await Promise.all([
        ctx.tx.schedules.followed(ctx.user.userId),
        subscriptionsOf(ctx),
      ]);
      const { targets } = await collectTargets(ctx, links, saved);
      return {
        text: ctx.t("sched.viewHint"),
        choices: viewChoices(ctx, saved.length > 0, targets, subscribed),
      };
    },
    async handle(ctx, step, input) {
      const entry = input.kind === "choice" ? addressEntry(ctx, input.id) : null;
      return entry ?? ctx.stay(step, ctx.t("sched.viewHint"));
    },
  },

  sched_pick: {
    async prompt(ctx) {
      const queues = await ctx.tx.schedules.queues();
      const buttons = queues.map((queue) => ({
        id: `${QUEUE_PREFIX}${queue.code}`,
        label: ctx.t("sched.queueButton", { queue: queueTitle(ctx, queue.code) }),
      }));
      const rows: Choice[][] = [];
      for (let i = 0; i < buttons.length; i += 3) rows.push(buttons.slice(i, i + 3));
      rows.push([{ id: SCHED.find, label: ctx.t("sched.findByAddress") }], navRow(ctx, false));
      return { text: ctx.t("sched.pickPrompt"), choices: rows };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === SCHED.find) return startAddressSearch(ctx);
      const codes = (await ctx.tx.schedules.queues()).map((queue) => queue.code);
      let code: string | null = null;
      if (input.kind === "choice" && input.id.startsWith(QUEUE_PREFIX)) {
        const chosen = input.id.slice(QUEUE_PREFIX.length);
        code = codes.includes(chosen) ? chosen : null;
      } else if (input.kind === "text") code = queueFromText(input.text, codes);
      if (!code) return ctx.stay(step, ctx.t("sched.unknownQueue"));
      return saveAndShow(ctx, code, null, []);
    },
  },

  sched_forget: {
    async prompt(ctx) {
      const saved = await ctx.tx.schedules.followed(ctx.user.userId);
      const rows = saved.map((entry) => [
        {
          id: `${FORGET_PREFIX}${entry.queue}`,
          label: entry.label
            ? `${queueTitle(ctx, entry.queue)} · ${entry.label}`
            : queueTitle(ctx, entry.queue),
        },
      ]);
      return { text: ctx.t("sched.forgetPrompt"), choices: [...rows, navRow(ctx)] };
    },
    async handle(ctx, step, input) {
      if (input.kind !== "choice" || !input.id.startsWith(FORGET_PREFIX)) {
        return ctx.stay(step, ctx.t("hint.useButtons"));
      }
      const queue = input.id.slice(FORGET_PREFIX.length);
      await ctx.tx.schedules.unfollow(ctx.user.userId, queue);
      // The deferred delete is not visible yet: show the rest without it.
      const links = await ctx.linkedAccounts();
      const saved = (await ctx.tx.schedules.followed(ctx.user.userId)).filter(
        (entry) => entry.queue !== queue,
      );
      const { targets } = await collectTargets(ctx, links, saved);
      const notice = ctx.t("sched.forgotten", { queue: queueTitle(ctx, queue) });
      if (targets.length === 0) return ctx.enter({ name: "sched_pick" }, notice);
      return showView(ctx, targets, saved.length > 0, [notice]);
    },
    back: (ctx) => showSchedule(ctx),
  },

  sched_settlement: {
    async prompt(ctx, step) {
      return {
        text: ctx.t("sched.askSettlement"),
        choices: [...optionChoices(step.options), fallbackRow(ctx), navRow(ctx)],
      };
    },
    handle: (ctx, step, input) =>
      matchStep(ctx, step, input, {
        ask: ctx.t("sched.askSettlement"),
        maxLength: 100,
        names: () => ctx.tx.addresses.settlements(),
        next: (settlement) => ctx.enter({ name: "sched_street", settlement, options: [] }),
        missing: (typed, close) => ctx.t(close ? "sched.settlementClose" : "sched.settlementNone", { typed }),
      }),
    back: (ctx) => showSchedule(ctx),
  },

  sched_street: {
    async prompt(ctx, step) {
      return {
        text: ctx.t("sched.askStreet", { settlement: step.settlement }),
        choices: [...optionChoices(step.options), fallbackRow(ctx), navRow(ctx)],
      };
    },
    handle: (ctx, step, input) =>
      matchStep(ctx, step, input, {
        ask: ctx.t("sched.askStreet", { settlement: step.settlement }),
        maxLength: 150,
        names: () => ctx.tx.addresses.streets(step.settlement),
        next: (street) => ctx.enter({ name: "sched_building", settlement: step.settlement, street }),
        missing: (typed, close) =>
          ctx.t(close ? "sched.streetClose" : "sched.streetNone", { typed, settlement: step.settlement }),
      }),
    back: (ctx) => startAddressSearch(ctx),
  },

  sched_building: {
    async prompt(ctx, step) {
      const buildings = await ctx.tx.addresses.buildings(step.settlement, step.street);
      const buttons =
        buildings.length <= BUILDING_BUTTONS_MAX
          ? buildings.map((entry) => ({ id: `${BUILDING_PREFIX}${entry.building}`, label: entry.building }))
          : [];
      const rows: Choice[][] = [];
      for (let i = 0; i < buttons.length; i += 4) rows.push(buttons.slice(i, i + 4));
      return {
        text: ctx.t("sched.askBuilding", { street: step.street, settlement: step.settlement }),
        choices: [...rows, fallbackRow(ctx), navRow(ctx)],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice") {
        const entry = addressEntry(ctx, input.id);
        if (entry) return entry;
      }
      let typed: string | null = null;
      if (input.kind === "choice" && input.id.startsWith(BUILDING_PREFIX))
        typed = input.id.slice(BUILDING_PREFIX.length);
      else if (input.kind === "text") typed = input.text.trim().slice(0, 20);
      if (!typed)
        return ctx.stay(
          step,
          ctx.t("sched.askBuilding", { street: step.street, settlement: step.settlement }),
        );
      const buildings = await ctx.tx.addresses.buildings(step.settlement, step.street);
      const key = buildingKey(typed);
      const found = buildings.find((entry) => buildingKey(entry.building) === key);
      if (!found) {
        const params = { building: typed, street: step.street, settlement: step.settlement };
        return ctx.stay(
          step,
          ctx.t(
            buildings.length <= BUILDING_BUTTONS_MAX ? "sched.buildingNone" : "sched.buildingNoneMany",
            params,
          ),
        );
      }
      const address = ctx
        .t("sched.addressLabel", {
          settlement: step.settlement,
          street: step.street,
          building: found.building,
        })
        .slice(0, LABEL_MAX);
      return saveAndShow(ctx, found.queue, address, [
        ctx.t("sched.addressFound", { address, queue: queueTitle(ctx, found.queue) }),
      ]);
    },
    back: (ctx, step) => ctx.enter({ name: "sched_street", settlement: step.settlement, options: [] }),
  },
};
