// Help: the company's contacts (configurable) and how the monthly reading window works, with the
// dates of the nearest window.
import { readingWindow, showDate } from "../calendar.js";
import type { FlowContext, Transition } from "../flow-kit.js";

export function showHelp(ctx: FlowContext): Promise<Transition> {
  const window = readingWindow(ctx.now, ctx.settings);
  const text = [
    ctx.t("help.window", { closesOnDay: ctx.settings.readingWindow.closesOnDay }),
    ctx.t(window.open ? "help.windowNowOpen" : "help.windowNext", {
      opens: showDate(window.opensOn),
      closes: showDate(window.closesOn),
    }),
    ctx.t("help.contacts", {
      phone: ctx.settings.company.phone,
      email: ctx.settings.company.email,
      website: ctx.settings.company.website,
    }),
  ].join("\n\n");
  return ctx.menu(text);
}
