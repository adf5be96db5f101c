// /start, with or without a deep link (deep-link.ts names the journey). A person with a linked
// account lands in the journey at once; one without is sent through verification first and the
// journey is kept as the state's `pending` while they stay on a linking step, so that once the
// account is linked (and named) they land there instead of in the menu.
import type { FlowContext, Transition } from "../flow-kit.js";
import type { StartTarget, Step, StepName } from "../state.js";
import { showRequests } from "./my-requests.js";
import { subscriptionOffer, withOfferRow } from "./schedule-subscriptions.js";
import { startOrder } from "./order-service.js";
import { startOutageReport } from "./report-outage.js";
import { startReading } from "./submit-reading.js";
import { startVerification } from "./verify-account.js";

const linkingSteps: ReadonlySet<StepName> = new Set<StepName>([
  "verify_phone",
  "verify_account",
  "verify_fallback_account",
  "verify_fallback_serial",
  "verify_fallback_surname",
  "verify_failed",
]);

/** Whether a pending deep-link journey survives on this step: only while an account is being linked. */
export function keepsPending(step: Step): boolean {
  if (step.name === "account_label") return !step.renaming;
  return linkingSteps.has(step.name);
}

/** /start (target null: a plain one, or a payload no link names). */
export async function startConversation(ctx: FlowContext, target: StartTarget | null): Promise<Transition> {
  const links = await ctx.linkedAccounts();
  if (links.length === 0) {
    ctx.pendingStart = target !== null && target.journey !== "menu" ? target : null;
    const welcome = ctx.t("welcome.new");
    return startVerification(
      ctx,
      ctx.pendingStart ? `${welcome}\n\n${ctx.t("deepLink.verifyFirst")}` : welcome,
    );
  }
  ctx.pendingStart = null;
  if (target === null || target.journey === "menu") return ctx.menu(ctx.t("welcome.back"));
  return openJourney(ctx, target);
}

/**
 * After an account was linked and named: the pending journey if a deep link asked for one, else the
 * menu; either with the one-tap offer of schedule notifications when the account's queue is known.
 */
export async function afterLinking(ctx: FlowContext, notice: string, accountId: number): Promise<Transition> {
  const target = ctx.pendingStart;
  ctx.pendingStart = null;
  const offer = await subscriptionOffer(ctx, accountId);
  const text = offer ? `${notice}\n\n${offer.text}` : notice;
  if (target === null) return withOfferRow(await ctx.menu(text), offer);
  const transition = await openJourney(ctx, target);
  const [first, ...rest] = transition.replies;
  if (!first) return transition;
  return withOfferRow(
    { ...transition, replies: [{ ...first, text: `${text}\n\n${first.text}` }, ...rest] },
    offer,
  );
}

async function openJourney(ctx: FlowContext, target: StartTarget): Promise<Transition> {
  switch (target.journey) {
    case "reading": {
      // Only an account linked to this person is opened by its number; any other number gets the
      // same flow as a plain `reading` link, so the link tells nothing about accounts not theirs.
      const links = await ctx.linkedAccounts();
      const named =
        target.accountNumber === undefined
          ? undefined
          : links.find((link) => link.account.number === target.accountNumber);
      return startReading(ctx, named?.account.id);
    }
    case "outage":
      return startOutageReport(ctx);
    case "order":
      return startOrder(ctx);
    case "requests":
      return showRequests(ctx);
    case "menu":
      return ctx.menu();
  }
}
