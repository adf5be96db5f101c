// What every flow file shares: the per-update context (ports, clock, the user's mutable settings,
// the catalogue), the shape of a step handler, and helpers for the buttons every step carries
// (Back / Menu) and for answering unexpected input with a hint and the same buttons again.
import type { ChannelName } from "./events.js";
import { t as translate, type MessageKey, type MessageParams } from "./i18n/index.js";
import type { EngineTx, LinkedAccount, UserStatus } from "./ports.js";
import type { Choice, Language, Reply } from "./replies.js";
import type { EngineSettings } from "./settings.js";
import type { StartTarget, Step, StepName, StepOf } from "./state.js";

export const NAV_BACK = "nav:back";
export const NAV_MENU = "nav:menu";

/** The user's row as the step may change it; saved with the state at the end of the update. */
export interface UserView {
  userId: number;
  language: Language;
  status: UserStatus;
  remindersEnabled: boolean;
  phone: string | null;
  phoneProven: boolean;
}

/** An event as flows see it (a typed label of an offered button has already become a choice). */
export type Input =
  | { kind: "choice"; id: string }
  | { kind: "text"; text: string }
  | { kind: "contact"; phone: string; provenOwn: boolean }
  | { kind: "photo"; ref: string; caption?: string }
  /** A photo was sent but could not be received: photo steps ask for it again. */
  | { kind: "photo_unusable" }
  | { kind: "other" };

export interface Transition {
  step: Step;
  replies: Reply[];
}

export interface FlowContext {
  tx: EngineTx;
  now: Date;
  settings: EngineSettings;
  channel: ChannelName;
  user: UserView;
  /**
   * The journey a deep link asked for while the person links an account first (saved with the
   * state only while they stay on a linking step; see flows/deep-link.ts).
   */
  pendingStart: StartTarget | null;
  t(key: MessageKey, params?: MessageParams): string;
  /** The user's linked accounts (read once per update; call forgetLinks() after changing them). */
  linkedAccounts(): Promise<LinkedAccount[]>;
  forgetLinks(): void;
  /** Goes to a step and shows its prompt, with an optional notice above it in the same message. */
  enter(step: Step, notice?: string): Promise<Transition>;
  /** Stays on the step: a short hint (or error) with the step's buttons again. */
  stay(step: Step, message: string): Promise<Transition>;
  /** Back to the main menu, with an optional notice. */
  menu(notice?: string): Promise<Transition>;
}

export interface StepHandler<N extends StepName> {
  /** The step's question and buttons. */
  prompt(ctx: FlowContext, step: StepOf<N>): Promise<Reply>;
  handle(ctx: FlowContext, step: StepOf<N>, input: Input): Promise<Transition>;
  /** Where Back leads (default: the menu). */
  back?(ctx: FlowContext, step: StepOf<N>): Promise<Transition>;
}

export type StepHandlers = { [N in StepName]: StepHandler<N> };

export function navRow(ctx: FlowContext, withBack = true): Choice[] {
  const menu = { id: NAV_MENU, label: ctx.t("nav.menu") };
  return withBack ? [{ id: NAV_BACK, label: ctx.t("nav.back") }, menu] : [menu];
}

/** One button per linked account; ids are `acc:<accountId>`. */
export function accountChoices(links: LinkedAccount[]): Choice[][] {
  return links.map((link) => [{ id: `acc:${link.account.id}`, label: link.label }]);
}

/** The linked account a choice `acc:<id>` names, or null. */
export async function chosenAccount(ctx: FlowContext, input: Input): Promise<LinkedAccount | null> {
  if (input.kind !== "choice") return null;
  const match = /^acc:(\d+)$/.exec(input.id);
  if (!match) return null;
  const links = await ctx.linkedAccounts();
  return links.find((link) => link.account.id === Number(match[1])) ?? null;
}

export async function findLinked(ctx: FlowContext, accountId: number): Promise<LinkedAccount | null> {
  const links = await ctx.linkedAccounts();
  return links.find((link) => link.account.id === accountId) ?? null;
}

/**
 * Starts a journey that needs an account: none linked -> offer to link one; one -> go on with it;
 * several -> the pick step.
 */
export async function withAccount(
  ctx: FlowContext,
  pickStep: Step,
  next: (link: LinkedAccount) => Promise<Transition>,
): Promise<Transition> {
  const links = await ctx.linkedAccounts();
  if (links.length === 0) return ctx.enter({ name: "verify_phone" }, ctx.t("accounts.noneYet"));
  if (links.length === 1 && links[0]) return next(links[0]);
  return ctx.enter(pickStep);
}

/** The step that asks which linked account a journey is about, then goes on with the chosen one. */
export function pickAccountStep<N extends StepName>(
  question: MessageKey,
  next: (ctx: FlowContext, link: LinkedAccount) => Promise<Transition>,
): StepHandler<N> {
  return {
    async prompt(ctx) {
      const links = await ctx.linkedAccounts();
      return { text: ctx.t(question), choices: [...accountChoices(links), navRow(ctx, false)] };
    },
    async handle(ctx, step, input) {
      const link = await chosenAccount(ctx, input);
      if (!link) return ctx.stay(step, ctx.t("hint.pickAccount"));
      return next(ctx, link);
    },
  };
}

/** The hint for input that is not one of the offered buttons. */
export function useButtons(ctx: FlowContext): string {
  return ctx.t("hint.useButtons");
}

export { translate };
