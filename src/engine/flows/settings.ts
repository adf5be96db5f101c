// Journey 7: the user's settings — language (Ukrainian by default, English), reminders on/off, and
// the way to the schedule notifications (schedule-subscriptions.ts).
import { navRow, type FlowContext, type StepHandlers, type Transition } from "../flow-kit.js";
import type { Language } from "../replies.js";

const LANGUAGE = "set:lang";
const REMINDERS_ON = "set:rem:on";
const REMINDERS_OFF = "set:rem:off";
const SUBSCRIPTIONS = "set:subs";
const languages: { id: string; language: Language }[] = [
  { id: "lang:uk", language: "uk" },
  { id: "lang:en", language: "en" },
];

export function openSettings(ctx: FlowContext, notice?: string): Promise<Transition> {
  return ctx.enter({ name: "settings" }, notice);
}

/** Turns reminders off (from Settings or the "Stop reminders" button of a reminder). */
export function stopReminders(ctx: FlowContext): Promise<Transition> {
  ctx.user.remindersEnabled = false;
  return ctx.menu(ctx.t("settings.remindersOff"));
}

export const settingsHandlers: Pick<StepHandlers, "settings" | "settings_language"> = {
  settings: {
    async prompt(ctx) {
      const reminders = ctx.user.remindersEnabled;
      return {
        text: ctx.t("settings.title", {
          language: ctx.t(ctx.user.language === "en" ? "language.en" : "language.uk"),
          reminders: ctx.t(reminders ? "settings.remindersStateOn" : "settings.remindersStateOff"),
        }),
        choices: [
          [{ id: LANGUAGE, label: ctx.t("settings.language") }],
          [
            reminders
              ? { id: REMINDERS_OFF, label: ctx.t("settings.turnRemindersOff") }
              : { id: REMINDERS_ON, label: ctx.t("settings.turnRemindersOn") },
          ],
          [{ id: SUBSCRIPTIONS, label: ctx.t("subs.settingsEntry") }],
          navRow(ctx, false),
        ],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === LANGUAGE) return ctx.enter({ name: "settings_language" });
      if (input.kind === "choice" && input.id === SUBSCRIPTIONS) return ctx.enter({ name: "subs_list" });
      if (input.kind === "choice" && (input.id === REMINDERS_ON || input.id === REMINDERS_OFF)) {
        ctx.user.remindersEnabled = input.id === REMINDERS_ON;
        return openSettings(
          ctx,
          ctx.t(ctx.user.remindersEnabled ? "settings.remindersOn" : "settings.remindersOff"),
        );
      }
      return ctx.stay(step, ctx.t("hint.useButtons"));
    },
  },
  settings_language: {
    async prompt(ctx) {
      return {
        // Each button names its language in that language, so anyone can find theirs.
        text: ctx.t("settings.pickLanguage"),
        choices: [
          languages.map((option) => ({
            id: option.id,
            label: ctx.t(option.language === "en" ? "language.en" : "language.uk"),
          })),
          navRow(ctx),
        ],
      };
    },
    async handle(ctx, step, input) {
      const option =
        input.kind === "choice" ? languages.find((candidate) => candidate.id === input.id) : undefined;
      if (!option) return ctx.stay(step, ctx.t("hint.useButtons"));
      ctx.user.language = option.language;
      return openSettings(ctx, ctx.t("settings.languageSaved"));
    },
    async back(ctx) {
      return openSettings(ctx);
    },
  },
};
