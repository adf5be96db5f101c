// Help: the company's contacts (configurable) and how the monthly reading window works, with the
// dates of the nearest window.
import { readingWindow, showDate } from "../calendar.js";
import type { FlowContext, Transition } from "../flow-kit.js";

export function showHelp(ctx: FlowContext): Promise<Transition> {
  const window = readingWindow(ctx.now);
  const { phone, website, email } = ctx.settings.company;
  const text = [
    ctx.t("help.window", { closesOnDay: window.closesOn.day }),
    ctx.t(window.open ? "help.windowNowOpen" : "help.windowNext", {
      opens: showDate(window.opensOn),
      closes: showDate(window.closesOn),
    }),
    [ctx.t("help.contacts", { phone, website }), email ? ctx.t("help.email", { email }) : null]
      .filter((line): line is string => line !== null)
      .join("\n"),
  ].join("\n\n");
  return ctx.menu(text);
}
