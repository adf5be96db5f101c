// Journey 6: the last 12 counting readings of an account with the consumption of each period;
// a multi-zone meter's values are named by zone (T1/T2, or T1/T2/T3 with night as T3).
import { showLocalDay, showPeriod } from "../calendar.js";
import {
  pickAccountStep,
  withAccount,
  type FlowContext,
  type StepHandlers,
  type Transition,
} from "../flow-kit.js";
import type { LinkedAccount } from "../ports.js";
import { consumption, zoneValue } from "../reading-rules.js";
import { zoneKeys } from "./submit-reading.js";

const SHOWN = 12;

export function startHistory(ctx: FlowContext): Promise<Transition> {
  return withAccount(ctx, { name: "history_account" }, (link) => showHistory(ctx, link));
}

async function showHistory(ctx: FlowContext, link: LinkedAccount): Promise<Transition> {
  const { account } = link;
  // One more than shown: the oldest shown reading needs its predecessor for its consumption.
  const readings = await ctx.tx.readings.latest(account.id, SHOWN + 1);
  if (readings.length === 0) return ctx.menu(ctx.t("history.none", { label: link.label }));
  const lines = [ctx.t("history.title", { label: link.label, number: account.number })];
  readings.slice(0, SHOWN).forEach((reading, index) => {
    const values = [reading.t1, reading.t2, reading.t3]
      .slice(0, account.zones)
      .map((value) => value ?? "-")
      .map((value, zone) =>
        account.zones === 1
          ? value
          : ctx.t("history.zoneValue", { zone: ctx.t(zoneKeys(account.zones)[zone] ?? "zone.total"), value }),
      );
    const previous = readings[index + 1];
    const params = {
      date: showLocalDay(reading.takenAt),
      period: showPeriod(reading.period),
      values: values.join(" / "),
    };
    if (!previous) {
      lines.push(ctx.t("history.lineFirst", params));
      return;
    }
    let used = 0;
    for (let zone = 0; zone < account.zones; zone += 1) {
      const before = zoneValue(previous, zone);
      const after = zoneValue(reading, zone);
      if (before !== null && after !== null) used += consumption(before, after, account.meterDigits);
    }
    lines.push(ctx.t("history.line", { ...params, used }));
  });
  return ctx.menu(lines.join("\n"));
}

export const historyHandlers: Pick<StepHandlers, "history_account"> = {
  history_account: pickAccountStep("history.pickAccount", (ctx, link) => showHistory(ctx, link)),
};
