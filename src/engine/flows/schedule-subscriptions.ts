// Schedule notification subscriptions, the customer's side (src/jobs plans and sends the notices).
// One tap subscribes a queue with the defaults — from the schedule view's toggle and from the offer
// after linking an account whose queue is known — and says what the person will get; Settings lists
// the subscriptions and changes each option with buttons. The one-tap ids (`g:sub:`, `g:unsub:`,
// `g:subopt:` + queue, global-choices.ts) work from any step and from old messages.
import { findLinked, navRow, type FlowContext, type StepHandlers, type Transition } from "../flow-kit.js";
import { subscribeChoice, subscriptionChoice } from "../global-choices.js";
import type { ScheduleSubscriptionRecord, SubscriptionOptions } from "../ports.js";
import type { MessageKey } from "../i18n/index.js";
import type { Choice, Reply } from "../replies.js";
import { DEFAULT_SUBSCRIPTION_OPTIONS, LEAD_MINUTES, optionChangeSchema } from "../schedule-subscriptions.js";
import { accountQueue, queueTitleIn, SCHED } from "./outage-schedule.js";
import { openSettings } from "./settings.js";

const OPEN_PREFIX = "sub:open:";
const LEAD_PREFIX = "sub:lead:";
const REMOVE = "sub:del";
/** The on/off options: the id's word (`sub:<word>:on|off`), the option it sets, its buttons. */
const FLAGS = {
  maybe: { option: "includeMaybe", on: "subs.btn.maybeOn", off: "subs.btn.maybeOff" },
  night: { option: "night", on: "subs.btn.nightOn", off: "subs.btn.nightOff" },
  back: { option: "powerBack", on: "subs.btn.backOn", off: "subs.btn.backOff" },
} as const satisfies Record<string, { option: keyof SubscriptionOptions; on: MessageKey; off: MessageKey }>;
type FlagWord = keyof typeof FLAGS;

function queueTitle(ctx: FlowContext, queue: string): string {
  return queueTitleIn(ctx.user.language, queue);
}

function titleOf(ctx: FlowContext, subscription: ScheduleSubscriptionRecord): string {
  const queue = queueTitle(ctx, subscription.queue);
  return subscription.label ? ctx.t("subs.titleLabeled", { queue, label: subscription.label }) : queue;
}

/** What the person gets, one line per option. */
function optionLines(ctx: FlowContext, options: SubscriptionOptions): string[] {
  return [
    options.leadMinutes === 0 ? ctx.t("subs.leadOff") : ctx.t("subs.lead", { minutes: options.leadMinutes }),
    ctx.t(options.includeMaybe ? "subs.maybeOn" : "subs.maybeOff"),
    ctx.t(options.night ? "subs.nightOn" : "subs.nightOff"),
    ctx.t(options.powerBack ? "subs.backOn" : "subs.backOff"),
  ];
}

/** The options in one short line (the Settings list). */
function summary(ctx: FlowContext, options: SubscriptionOptions): string {
  return [
    options.leadMinutes === 0
      ? ctx.t("subs.short.leadOff")
      : ctx.t("subs.short.lead", { minutes: options.leadMinutes }),
    ctx.t(options.includeMaybe ? "subs.short.maybeOn" : "subs.short.maybeOff"),
    ctx.t(options.night ? "subs.short.nightOn" : "subs.short.nightOff"),
    ctx.t(options.powerBack ? "subs.short.backOn" : "subs.short.backOff"),
  ].join(" · ");
}

/** The option change a button asks for, checked by the options' schema; null for anything else. */
function optionChange(id: string): Partial<SubscriptionOptions> | null {
  const lead = /^sub:lead:(\d{1,3})$/.exec(id);
  const flag = /^sub:(maybe|night|back):(on|off)$/.exec(id);
  const raw = lead
    ? { leadMinutes: Number(lead[1]) }
    : flag
      ? { [FLAGS[flag[1] as FlagWord].option]: flag[2] === "on" }
      : null;
  if (!raw) return null;
  const parsed = optionChangeSchema.safeParse(raw);
  return parsed.success && Object.keys(parsed.data).length > 0 ? parsed.data : null;
}

function getSubscription(ctx: FlowContext, queue: string): Promise<ScheduleSubscriptionRecord | null> {
  return ctx.tx.scheduleSubscriptions.get(ctx.user.userId, queue);
}

async function queueExists(ctx: FlowContext, queue: string): Promise<boolean> {
  return (await ctx.tx.schedules.queues()).some((entry) => entry.code === queue);
}

function queueGone(ctx: FlowContext, queue: string): Promise<Transition> {
  return ctx.enter({ name: "sched_pick" }, ctx.t("subs.queueGone", { code: queue }));
}

/** What notices call the queue: the label of the person's account in it, else the address it was found by. */
async function labelFor(ctx: FlowContext, queue: string): Promise<string | null> {
  for (const link of await ctx.linkedAccounts()) {
    if ((await accountQueue(ctx, link.account)) === queue) return link.label;
  }
  const saved = await ctx.tx.schedules.followed(ctx.user.userId);
  return saved.find((entry) => entry.queue === queue)?.label ?? null;
}

/** `g:sub:<queue>`: subscribes with the defaults (an existing subscription keeps its options). */
export async function subscribeQueue(ctx: FlowContext, queue: string): Promise<Transition> {
  if (await getSubscription(ctx, queue))
    return ctx.enter({ name: "subs_added", queue }, ctx.t("subs.already"));
  const saved = await ctx.tx.scheduleSubscriptions.upsert({
    userId: ctx.user.userId,
    queue,
    label: await labelFor(ctx, queue),
    options: DEFAULT_SUBSCRIPTION_OPTIONS,
    at: ctx.now,
  });
  if (!saved) return queueGone(ctx, queue);
  return ctx.enter({ name: "subs_added", queue }, ctx.t("subs.subscribed"));
}

/** `g:unsub:<queue>`: unsubscribes and shows the schedule view's buttons again. */
export async function unsubscribeQueue(ctx: FlowContext, queue: string): Promise<Transition> {
  const removed = await ctx.tx.scheduleSubscriptions.remove(ctx.user.userId, queue);
  const title = queueTitle(ctx, queue);
  return ctx.enter(
    { name: "sched_view" },
    ctx.t(removed ? "subs.unsubscribed" : "subs.notSubscribed", { queue: title }),
  );
}

/** `g:subopt:<queue>`: the subscription's options, or a clear answer when there is none. */
export async function openSubscription(ctx: FlowContext, queue: string): Promise<Transition> {
  if (await getSubscription(ctx, queue)) return ctx.enter({ name: "subs_item", queue });
  if (!(await queueExists(ctx, queue))) return queueGone(ctx, queue);
  return ctx.enter({ name: "subs_list" }, ctx.t("subs.notSubscribed", { queue: queueTitle(ctx, queue) }));
}

export interface SubscriptionOffer {
  text: string;
  row: Choice[];
}

/** The one-tap offer for a newly linked account: when its queue is known and not subscribed yet. */
export async function subscriptionOffer(
  ctx: FlowContext,
  accountId: number,
): Promise<SubscriptionOffer | null> {
  const link = await findLinked(ctx, accountId);
  const queue = link ? await accountQueue(ctx, link.account) : null;
  if (!link || !queue || !(await queueExists(ctx, queue))) return null;
  if (await getSubscription(ctx, queue)) return null;
  const title = queueTitle(ctx, queue);
  return {
    text: ctx.t("subs.offer", { label: link.label, queue: title }),
    row: [{ id: subscribeChoice(queue), label: ctx.t("subs.offerButton", { queue: title }) }],
  };
}

/** Puts the offer's button on top of the buttons of the transition's last reply. */
export function withOfferRow(transition: Transition, offer: SubscriptionOffer | null): Transition {
  const last = transition.replies[transition.replies.length - 1];
  if (!offer || !last) return transition;
  const replies = [...transition.replies];
  replies[replies.length - 1] = { ...last, choices: [offer.row, ...(last.choices ?? [])] };
  return { ...transition, replies };
}

/** A subscription that is gone (unsubscribed elsewhere): said, with the one tap to subscribe again. */
function missingReply(ctx: FlowContext, queue: string): Reply {
  const title = queueTitle(ctx, queue);
  return {
    text: ctx.t("subs.notSubscribed", { queue: title }),
    choices: [[{ id: subscribeChoice(queue), label: ctx.t("subs.toggleOn", { queue: title }) }], navRow(ctx)],
  };
}

/** What the subscription sends, ending with a hint, and its buttons; or that there is none. */
async function optionsReply(
  ctx: FlowContext,
  queue: string,
  hint: MessageKey,
  choices: (subscription: ScheduleSubscriptionRecord) => Choice[][],
): Promise<Reply> {
  const subscription = await getSubscription(ctx, queue);
  if (!subscription) return missingReply(ctx, queue);
  return {
    text: [
      ctx.t("subs.youWillGet", { title: titleOf(ctx, subscription) }),
      ...optionLines(ctx, subscription),
      "",
      ctx.t(hint),
    ].join("\n"),
    choices: choices(subscription),
  };
}

function itemChoices(ctx: FlowContext, subscription: ScheduleSubscriptionRecord): Choice[][] {
  const lead = LEAD_MINUTES.map((minutes) => {
    const label = minutes === 0 ? ctx.t("subs.btn.leadOff") : ctx.t("subs.btn.lead", { minutes });
    return {
      id: `${LEAD_PREFIX}${minutes}`,
      label: minutes === subscription.leadMinutes ? ctx.t("subs.btn.current", { label }) : label,
    };
  });
  // Each on/off button says what a tap does and sets that value (a repeated tap changes nothing).
  const flags = (Object.keys(FLAGS) as FlagWord[]).map((word): Choice[] => {
    const { option, on, off } = FLAGS[word];
    return subscription[option]
      ? [{ id: `sub:${word}:off`, label: ctx.t(off) }]
      : [{ id: `sub:${word}:on`, label: ctx.t(on) }];
  });
  return [lead, ...flags, [{ id: REMOVE, label: ctx.t("subs.btn.remove") }], navRow(ctx)];
}

export const subscriptionHandlers: Pick<StepHandlers, "subs_list" | "subs_item" | "subs_added"> = {
  subs_list: {
    async prompt(ctx) {
      const subscriptions = await ctx.tx.scheduleSubscriptions.list(ctx.user.userId);
      const pick: Choice[] = [{ id: SCHED.pick, label: ctx.t("sched.pickQueue") }];
      if (subscriptions.length === 0) return { text: ctx.t("subs.listEmpty"), choices: [pick, navRow(ctx)] };
      const lines = subscriptions.map((entry) =>
        ctx.t("subs.listLine", { title: titleOf(ctx, entry), summary: summary(ctx, entry) }),
      );
      return {
        text: [ctx.t("subs.listTitle"), ...lines, "", ctx.t("subs.listHint")].join("\n"),
        choices: [
          ...subscriptions.map((entry) => [
            { id: `${OPEN_PREFIX}${entry.queue}`, label: titleOf(ctx, entry) },
          ]),
          pick,
          navRow(ctx),
        ],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === SCHED.pick)
        return ctx.enter({ name: "sched_pick" }, ctx.t("subs.pickHint"));
      if (input.kind === "choice" && input.id.startsWith(OPEN_PREFIX)) {
        const queue = input.id.slice(OPEN_PREFIX.length);
        if (await getSubscription(ctx, queue)) return ctx.enter({ name: "subs_item", queue });
      }
      return ctx.stay(step, ctx.t("hint.useButtons"));
    },
    back: (ctx) => openSettings(ctx),
  },

  subs_item: {
    prompt: (ctx, step) =>
      optionsReply(ctx, step.queue, "subs.itemHint", (subscription) => itemChoices(ctx, subscription)),
    async handle(ctx, step, input) {
      if (input.kind !== "choice") return ctx.stay(step, ctx.t("hint.useButtons"));
      const title = queueTitle(ctx, step.queue);
      if (input.id === REMOVE) {
        const removed = await ctx.tx.scheduleSubscriptions.remove(ctx.user.userId, step.queue);
        return ctx.enter(
          { name: "subs_list" },
          ctx.t(removed ? "subs.unsubscribed" : "subs.notSubscribed", { queue: title }),
        );
      }
      const change = optionChange(input.id);
      if (!change) return ctx.stay(step, ctx.t("hint.useButtons"));
      const saved = await ctx.tx.scheduleSubscriptions.update({
        userId: ctx.user.userId,
        queue: step.queue,
        options: change,
        at: ctx.now,
      });
      if (!saved) return ctx.enter({ name: "subs_list" }, ctx.t("subs.notSubscribed", { queue: title }));
      return ctx.enter(step, ctx.t("subs.saved"));
    },
    back: (ctx) => ctx.enter({ name: "subs_list" }),
  },

  subs_added: {
    prompt: (ctx, step) =>
      optionsReply(ctx, step.queue, "subs.changeHint", () => [
        [{ id: subscriptionChoice(step.queue), label: ctx.t("subs.btn.change") }],
        [{ id: SCHED.view, label: ctx.t("sched.menu") }],
        navRow(ctx, false),
      ]),
    async handle(ctx, step) {
      return ctx.stay(step, ctx.t("hint.useButtons"));
    },
  },
};
