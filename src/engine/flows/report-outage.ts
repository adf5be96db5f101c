// Journey 3: "no electricity". A known planned/emergency outage covering the account's area is told
// first (with "notify me when power is back"); else an open report of this account is shown; only
// otherwise a new report is registered, after asking what is affected.
import { showInstant } from "../calendar.js";
import {
  pickAccountStep,
  findLinked,
  navRow,
  withAccount,
  type FlowContext,
  type StepHandlers,
  type Transition,
} from "../flow-kit.js";
import type { MessageKey } from "../i18n/index.js";
import type { LinkedAccount, OutageScope } from "../ports.js";
import { outageStatusKey } from "./my-requests.js";

const WATCH = "watch";
const scopes: { id: string; scope: OutageScope; key: MessageKey }[] = [
  { id: "scope:home", scope: "home", key: "outage.scopeHome" },
  { id: "scope:building", scope: "building", key: "outage.scopeBuilding" },
  { id: "scope:street", scope: "street", key: "outage.scopeStreet" },
];

export function startOutageReport(ctx: FlowContext): Promise<Transition> {
  return withAccount(ctx, { name: "outage_account" }, (link) => checkAccount(ctx, link));
}

async function checkAccount(ctx: FlowContext, link: LinkedAccount): Promise<Transition> {
  const known = await ctx.tx.knownOutages.findActiveForArea(link.account.areaCode, ctx.now);
  if (known) return ctx.enter({ name: "outage_known", accountId: link.account.id, outageId: known.id });
  const open = await ctx.tx.outageReports.findOpenForAccount(link.account.id);
  if (open) {
    const lines = [
      ctx.t("outage.openReport", {
        id: open.id,
        label: link.label,
        status: ctx.t(outageStatusKey[open.status]),
        created: showInstant(open.createdAt),
      }),
    ];
    if (open.expectedRestoreAt) {
      lines.push(ctx.t("requests.expectedRestore", { time: showInstant(open.expectedRestoreAt) }));
    }
    return ctx.menu(lines.join("\n"));
  }
  return ctx.enter({ name: "outage_scope", accountId: link.account.id });
}

export const outageHandlers: Pick<StepHandlers, "outage_account" | "outage_known" | "outage_scope"> = {
  outage_account: pickAccountStep("outage.pickAccount", (ctx, link) => checkAccount(ctx, link)),

  outage_known: {
    async prompt(ctx, step) {
      const link = await findLinked(ctx, step.accountId);
      const known = link ? await ctx.tx.knownOutages.findActiveForArea(link.account.areaCode, ctx.now) : null;
      const text = known
        ? [
            ctx.t(known.kind === "planned" ? "outage.knownPlanned" : "outage.knownEmergency", {
              label: link?.label ?? "",
              since: showInstant(known.startsAt),
            }),
            known.expectedEndAt
              ? ctx.t("outage.knownExpected", { time: showInstant(known.expectedEndAt) })
              : ctx.t("outage.knownNoEstimate"),
          ].join("\n")
        : ctx.t("outage.knownOver");
      return {
        text,
        choices: [[{ id: WATCH, label: ctx.t("outage.notifyMe") }], navRow(ctx, false)],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind !== "choice" || input.id !== WATCH) return ctx.stay(step, ctx.t("hint.useButtons"));
      const link = await findLinked(ctx, step.accountId);
      if (!link) return ctx.menu();
      await ctx.tx.outageWatches.watch({
        outageId: step.outageId,
        userId: ctx.user.userId,
        accountId: step.accountId,
        at: ctx.now,
      });
      return ctx.menu(ctx.t("outage.watchSaved", { label: link.label }));
    },
  },

  outage_scope: {
    async prompt(ctx, step) {
      const link = await findLinked(ctx, step.accountId);
      return {
        text: ctx.t("outage.askScope", { label: link?.label ?? "" }),
        choices: [
          ...scopes.map((option) => [{ id: option.id, label: ctx.t(option.key) }]),
          navRow(ctx, false),
        ],
      };
    },
    async handle(ctx, step, input) {
      const option =
        input.kind === "choice" ? scopes.find((candidate) => candidate.id === input.id) : undefined;
      if (!option) return ctx.stay(step, ctx.t("hint.useButtons"));
      const link = await findLinked(ctx, step.accountId);
      if (!link) return ctx.menu();
      // One open report per account: another user of the same account may have just reported it.
      const open = await ctx.tx.outageReports.findOpenForAccount(link.account.id);
      if (open) return checkAccount(ctx, link);
      const report = await ctx.tx.outageReports.create({
        accountId: link.account.id,
        userId: ctx.user.userId,
        scope: option.scope,
        at: ctx.now,
      });
      return ctx.menu(ctx.t("outage.reported", { id: report.id, label: link.label }));
    },
  },
};
