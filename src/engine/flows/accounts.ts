// The user's linked accounts: naming one (presets "Квартира", "Будинок", "Дача" or a short text, so
// every later message names it), renaming, unlinking, and the way into adding another.
import { z } from "zod";
import { findLinked, navRow, type FlowContext, type StepHandlers, type Transition } from "../flow-kit.js";
import type { MessageKey } from "../i18n/index.js";
import type { AccountRecord } from "../ports.js";
import { afterLinking } from "./deep-link.js";
import { startVerification } from "./verify-account.js";

const presets: { id: string; key: MessageKey }[] = [
  { id: "lbl:flat", key: "label.flat" },
  { id: "lbl:house", key: "label.house" },
  { id: "lbl:cottage", key: "label.cottage" },
];
const SKIP = "lbl:skip";
const ADD = "acc:add";
const YES = "yes";
const NO = "no";

const labelText = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .refine((value) => !/[\r\n]/.test(value));

function addressOf(ctx: FlowContext, account: AccountRecord): string {
  const { settlement, street, building, apartment } = account;
  return apartment
    ? ctx.t("accounts.addressApartment", { settlement, street, building, apartment })
    : ctx.t("accounts.address", { settlement, street, building });
}

export async function showAccounts(ctx: FlowContext, notice?: string): Promise<Transition> {
  return ctx.enter({ name: "accounts" }, notice);
}

export const accountHandlers: Pick<StepHandlers, "account_label" | "accounts" | "account_unlink"> = {
  account_label: {
    async prompt(ctx, step) {
      const choices = [presets.map((preset) => ({ id: preset.id, label: ctx.t(preset.key) }))];
      if (!step.renaming) choices.push([{ id: SKIP, label: ctx.t("label.skip") }]);
      choices.push(navRow(ctx, step.renaming));
      return { text: ctx.t("label.ask"), choices };
    },
    async handle(ctx, step, input) {
      const link = await findLinked(ctx, step.accountId);
      if (!link) return ctx.menu();
      let label: string | null = null;
      if (input.kind === "choice") {
        const preset = presets.find((candidate) => candidate.id === input.id);
        if (preset) label = ctx.t(preset.key);
        else if (input.id === SKIP) label = link.label;
      } else if (input.kind === "text") {
        const parsed = labelText.safeParse(input.text);
        if (!parsed.success) return ctx.stay(step, ctx.t("label.invalid"));
        label = parsed.data;
      }
      if (label === null) return ctx.stay(step, ctx.t("label.invalid"));
      await ctx.tx.links.rename(ctx.user.userId, step.accountId, label);
      ctx.forgetLinks();
      const saved = ctx.t("label.saved", { label });
      // A new account goes on to the journey a deep link asked for, if any; a rename to the menu.
      return step.renaming ? ctx.menu(saved) : afterLinking(ctx, saved, step.accountId);
    },
    async back(ctx) {
      return showAccounts(ctx);
    },
  },

  accounts: {
    async prompt(ctx) {
      const links = await ctx.linkedAccounts();
      const lines = links.map((link) =>
        ctx.t("accounts.line", {
          label: link.label,
          number: link.account.number,
          address: addressOf(ctx, link.account),
        }),
      );
      const text =
        links.length > 0 ? `${ctx.t("accounts.title")}\n${lines.join("\n")}` : ctx.t("accounts.none");
      const choices = links.map((link) => [
        { id: `ren:${link.account.id}`, label: ctx.t("accounts.rename", { label: link.label }) },
        { id: `unl:${link.account.id}`, label: ctx.t("accounts.unlink", { label: link.label }) },
      ]);
      choices.push([{ id: ADD, label: ctx.t("menu.addAccount") }]);
      choices.push(navRow(ctx, false));
      return { text, choices };
    },
    async handle(ctx, step, input) {
      if (input.kind !== "choice") return ctx.stay(step, ctx.t("hint.useButtons"));
      if (input.id === ADD) return startVerification(ctx);
      const match = /^(ren|unl):(\d+)$/.exec(input.id);
      const link = match ? await findLinked(ctx, Number(match[2])) : null;
      if (!match || !link) return ctx.stay(step, ctx.t("hint.useButtons"));
      if (match[1] === "ren")
        return ctx.enter({ name: "account_label", accountId: link.account.id, renaming: true });
      return ctx.enter({ name: "account_unlink", accountId: link.account.id });
    },
  },

  account_unlink: {
    async prompt(ctx, step) {
      const link = await findLinked(ctx, step.accountId);
      return {
        text: ctx.t("accounts.unlinkConfirm", {
          label: link?.label ?? "",
          number: link?.account.number ?? "",
        }),
        choices: [
          [
            { id: YES, label: ctx.t("common.yesUnlink") },
            { id: NO, label: ctx.t("common.no") },
          ],
          navRow(ctx),
        ],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === NO) return showAccounts(ctx);
      if (input.kind !== "choice" || input.id !== YES) return ctx.stay(step, ctx.t("hint.useButtons"));
      const link = await findLinked(ctx, step.accountId);
      if (!link) return showAccounts(ctx);
      await ctx.tx.links.unlink(ctx.user.userId, step.accountId);
      ctx.forgetLinks();
      return showAccounts(ctx, ctx.t("accounts.unlinked", { label: link.label }));
    },
    async back(ctx) {
      return showAccounts(ctx);
    },
  },
};
