// "Write to a person": the customer's side of a live hand-off to the operator console. The menu
// button opens an intro (the contact centre's hours and the self-service journeys that may answer
// faster); the first text or photo opens a conversation in the console's queue and is answered with
// the wait as the live queue shows it (never a made-up figure). From then on, until the customer
// taps "Back to the bot" (or sends /start, /menu, /cancel) or the operator closes it, every text and
// photo is stored for the person in the update's own transaction and the bot says nothing.
import { showDayMonth, toLocal } from "../calendar.js";
import { contactCentreNow } from "../contact-hours.js";
import type { InboundEvent } from "../events.js";
import { GLOBAL_CHOICES } from "../global-choices.js";
import { navRow, type FlowContext, type StepHandlers, type Transition } from "../flow-kit.js";
import { t, type MessageKey } from "../i18n/index.js";
import type { Choice, Reply } from "../replies.js";
import type { StepOf } from "../state.js";
import { MENU } from "./menu-ids.js";

/** The customer's way back; also accepted typed (a reply keyboard sends the label). */
export const HANDOFF_BACK = GLOBAL_CHOICES.handoffBack;

const pad = (value: number): string => String(value).padStart(2, "0");

function backRow(ctx: FlowContext): Choice[] {
  return [{ id: HANDOFF_BACK, label: ctx.t("handoff.back") }];
}

function weekdayKey(day: number): MessageKey {
  return `weekday.${day}` as MessageKey;
}

/** "Mon 30.11 08:00" in the company's zone. */
function showWhen(ctx: FlowContext, at: Date): string {
  const local = toLocal(at);
  const weekday = new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay() || 7;
  return `${ctx.t(weekdayKey(weekday))} ${showDayMonth(local)} ${pad(local.hour)}:${pad(local.minute)}`;
}

function hoursLine(ctx: FlowContext): string {
  const { days, from, to } = ctx.settings.handoff.hours;
  const shown =
    days.length === 7
      ? ctx.t("handoff.daily")
      : [...days]
          .sort((a, b) => a - b)
          .map((day) => ctx.t(weekdayKey(day)))
          .join(", ");
  return ctx.t("handoff.hours", { days: shown, from, to });
}

/** Outside the contact centre's hours: when a person will answer (in `key`'s words); null in hours. */
function closedLine(ctx: FlowContext, key: "handoff.afterHours" | "handoff.closedNow"): string | null {
  const centre = contactCentreNow(ctx.now, ctx.settings.handoff.hours);
  if (centre.open) return null;
  return centre.opensAt
    ? ctx.t(key, { when: showWhen(ctx, centre.opensAt) })
    : ctx.t("handoff.closedNoShift");
}

/** The menu entry. */
export async function startHandoff(ctx: FlowContext): Promise<Transition> {
  const open = await ctx.tx.handoff.current(ctx.user.userId);
  if (open) return live(ctx, open.id, ctx.t("handoff.stillLive"));
  return ctx.enter({ name: "handoff_intro" });
}

function live(ctx: FlowContext, conversationId: number, text: string): Transition {
  return { step: { name: "handoff_live", conversationId }, replies: [{ text, choices: [backRow(ctx)] }] };
}

/** The first message: opens the conversation (or adds to the open one) and tells the wait. */
async function handOver(ctx: FlowContext, text: string | null, photoRef: string | null): Promise<Transition> {
  const { sample, since } = {
    sample: ctx.settings.handoff.estimateSample,
    since: new Date(ctx.now.getTime() - ctx.settings.handoff.estimateWindowDays * 86_400_000),
  };
  const stats = await ctx.tx.handoff.queueStats({ sample, since });
  const conversation = await ctx.tx.handoff.open({ userId: ctx.user.userId, at: ctx.now });
  await ctx.tx.handoff.append({
    conversationId: conversation.id,
    author: "customer",
    text,
    photoRef,
    at: ctx.now,
  });
  const lines = [ctx.t("handoff.queued")];
  const closed = closedLine(ctx, "handoff.afterHours");
  if (closed !== null) lines.push(closed);
  else if (stats.medianFirstAnswerSeconds === null) {
    lines.push(ctx.t("handoff.noEstimate", { waiting: stats.waiting }));
  } else {
    const minutes = Math.max(1, Math.round(stats.medianFirstAnswerSeconds / 60));
    lines.push(ctx.t("handoff.estimate", { waiting: stats.waiting, minutes }));
  }
  return live(ctx, conversation.id, lines.join("\n"));
}

function isBack(event: InboundEvent): boolean {
  if (event.type === "choice") return event.id === HANDOFF_BACK;
  if (event.type !== "text") return false;
  const typed = event.text.trim().toLocaleLowerCase();
  return (["uk", "en"] as const).some((lang) => t(lang, "handoff.back").toLocaleLowerCase() === typed);
}

/**
 * Runs before anything else while the state is handoff_live. Null: the hand-off is over (closed by
 * the operator, or ended here by a command) and the update is handled as usual.
 */
export async function liveHandoff(
  ctx: FlowContext,
  step: StepOf<"handoff_live">,
  event: InboundEvent,
  command: string | null,
): Promise<Transition | null> {
  const open = await ctx.tx.handoff.current(ctx.user.userId);
  if (!open || open.id !== step.conversationId) return null;
  const close = (): Promise<void> => ctx.tx.handoff.close({ conversationId: open.id, at: ctx.now });
  if (command !== null) {
    await close();
    return null;
  }
  if (isBack(event)) {
    await close();
    return ctx.menu(ctx.t("handoff.backDone"));
  }
  const store = async (text: string | null, photoRef: string | null): Promise<Transition> => {
    await ctx.tx.handoff.append({ conversationId: open.id, author: "customer", text, photoRef, at: ctx.now });
    return { step, replies: [] };
  };
  if (event.type === "text") return store(event.text, null);
  if (event.type === "photo") return store(event.caption ?? null, event.ref);
  const hint = event.type === "choice" ? "handoff.stillLive" : "handoff.onlyTextPhoto";
  return live(ctx, open.id, ctx.t(hint));
}

export const handoffHandlers: Pick<StepHandlers, "handoff_intro" | "handoff_live"> = {
  handoff_intro: {
    async prompt(ctx): Promise<Reply> {
      const lines = [ctx.t("handoff.intro"), hoursLine(ctx)];
      const closed = closedLine(ctx, "handoff.closedNow");
      if (closed !== null) lines.push(closed);
      lines.push("", ctx.t("handoff.selfService"));
      return {
        text: lines.join("\n"),
        choices: [
          [
            { id: MENU.outage, label: ctx.t("menu.outage") },
            { id: MENU.reading, label: ctx.t("menu.reading") },
          ],
          [
            { id: MENU.schedule, label: ctx.t("sched.menu") },
            { id: MENU.requests, label: ctx.t("menu.requests") },
          ],
          navRow(ctx, false),
        ],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "text" && input.text.trim() !== "") return handOver(ctx, input.text, null);
      if (input.kind === "photo") return handOver(ctx, input.caption ?? null, input.ref);
      return ctx.stay(step, ctx.t("handoff.hintWrite"));
    },
  },
  handoff_live: {
    async prompt(ctx) {
      return { text: ctx.t("handoff.stillLive"), choices: [backRow(ctx)] };
    },
    // Reached only when the conversation is over (liveHandoff answered everything else).
    async handle(ctx) {
      return ctx.menu(ctx.t("handoff.ended"));
    },
  },
};
