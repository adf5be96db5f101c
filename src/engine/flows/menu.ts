// The main menu: the hub every journey starts from and returns to. Its text shows, per account,
// whether this period's reading is in and otherwise the forecast the company would bill. Menu
// button ids (m:*) are accepted from any step, so an old menu keyboard still works.
import { showPeriod } from "../calendar.js";
import type { FlowContext, StepHandlers, Transition } from "../flow-kit.js";
import { MENU } from "./menu-ids.js";
import type { Choice } from "../replies.js";
import { showAccounts } from "./accounts.js";
import { showHelp } from "./help.js";
import { showRequests } from "./my-requests.js";
import { startHistory } from "./reading-history.js";
import { startOrder } from "./order-service.js";
import { startOutageReport } from "./report-outage.js";
import { openSettings } from "./settings.js";
import { showSchedule } from "./outage-schedule.js";
import { readingStatus, startReading } from "./submit-reading.js";
import { startVerification } from "./verify-account.js";
import { startHandoff } from "./write-to-person.js";

export { MENU };

const menuEntries: Record<string, (ctx: FlowContext) => Promise<Transition>> = {
  [MENU.reading]: (ctx) => startReading(ctx),
  [MENU.outage]: (ctx) => startOutageReport(ctx),
  [MENU.order]: (ctx) => startOrder(ctx),
  [MENU.requests]: (ctx) => showRequests(ctx),
  [MENU.history]: (ctx) => startHistory(ctx),
  [MENU.accounts]: (ctx) => showAccounts(ctx),
  [MENU.addAccount]: (ctx) => startVerification(ctx),
  [MENU.settings]: (ctx) => openSettings(ctx),
  [MENU.help]: (ctx) => showHelp(ctx),
  [MENU.schedule]: (ctx) => showSchedule(ctx),
  [MENU.person]: (ctx) => startHandoff(ctx),
};

/** Runs a menu button from any step; null when the id is not a menu button. */
export function runMenuChoice(ctx: FlowContext, id: string): Promise<Transition> | null {
  const entry = menuEntries[id];
  return entry ? entry(ctx) : null;
}

export const menuHandlers: Pick<StepHandlers, "menu"> = {
  menu: {
    async prompt(ctx) {
      const links = await ctx.linkedAccounts();
      const settingsRow: Choice[] = [
        { id: MENU.settings, label: ctx.t("menu.settings") },
        { id: MENU.help, label: ctx.t("menu.help") },
      ];
      // The schedule is for anyone, with or without a linked account.
      const scheduleRow: Choice[] = [{ id: MENU.schedule, label: ctx.t("sched.menu") }];
      const personRow: Choice[] = [{ id: MENU.person, label: ctx.t("menu.person") }];
      if (links.length === 0) {
        return {
          text: ctx.t("menu.titleNoAccounts"),
          choices: [
            [{ id: MENU.addAccount, label: ctx.t("menu.addAccount") }],
            scheduleRow,
            personRow,
            settingsRow,
          ],
        };
      }
      const lines: string[] = [];
      for (const link of links) {
        const status = await readingStatus(ctx, link.account);
        const period = showPeriod(status.window.period);
        if (status.current) lines.push(ctx.t("menu.readingIn", { label: link.label, period }));
        else if (status.forecastKwh !== null) {
          lines.push(ctx.t("menu.readingForecast", { label: link.label, period, kwh: status.forecastKwh }));
        } else lines.push(ctx.t("menu.readingMissing", { label: link.label, period }));
      }
      return {
        text: [ctx.t("menu.title"), ...lines].join("\n"),
        choices: [
          [{ id: MENU.reading, label: ctx.t("menu.reading") }],
          scheduleRow,
          [
            { id: MENU.outage, label: ctx.t("menu.outage") },
            { id: MENU.order, label: ctx.t("menu.order") },
          ],
          [
            { id: MENU.requests, label: ctx.t("menu.requests") },
            { id: MENU.history, label: ctx.t("menu.history") },
          ],
          [{ id: MENU.accounts, label: ctx.t("menu.accounts") }],
          personRow,
          settingsRow,
        ],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice") {
        const run = runMenuChoice(ctx, input.id);
        if (run) return run;
      }
      return ctx.stay(step, ctx.t("hint.useButtons"));
    },
  },
};
