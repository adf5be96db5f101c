// The conversation engine: one call per inbound update. Inside ONE store transaction it claims the
// platform's update id (a repeat changes nothing), opens and locks the conversation row, loads the
// versioned state, runs the current step of the current journey, saves, and hands back the replies.
// Commands that work everywhere (/start, /cancel, Menu, Back, menu and global buttons) and the idle
// timeout are decided here; everything else belongs to the flow files.
import { UNUSABLE_PHOTO, type Address, type EventMeta, type InboundEvent } from "./events.js";
import { StoreUnavailableError, UpdateFailedError } from "./errors.js";
import { sanitizeEvent } from "./event-schema.js";
import {
  NAV_BACK,
  NAV_MENU,
  type FlowContext,
  type Input,
  type StepHandler,
  type StepHandlers,
  type Transition,
  type UserView,
} from "./flow-kit.js";
import { parseStartPayload } from "./deep-link.js";
import { accountHandlers } from "./flows/accounts.js";
import { keepsPending, startConversation } from "./flows/deep-link.js";
import { showHelp } from "./flows/help.js";
import { menuHandlers, runMenuChoice } from "./flows/menu.js";
import { showRequests } from "./flows/my-requests.js";
import { orderHandlers } from "./flows/order-service.js";
import { SCHED, scheduleHandlers, viewDates } from "./flows/outage-schedule.js";
import { historyHandlers } from "./flows/reading-history.js";
import {
  openSubscription,
  subscribeQueue,
  subscriptionHandlers,
  unsubscribeQueue,
} from "./flows/schedule-subscriptions.js";
import { outageHandlers } from "./flows/report-outage.js";
import { settingsHandlers, stopReminders } from "./flows/settings.js";
import { readingHandlers, startReading } from "./flows/submit-reading.js";
import { verifyHandlers } from "./flows/verify-account.js";
import { handoffHandlers, liveHandoff } from "./flows/write-to-person.js";
import { parseGlobalChoice } from "./global-choices.js";
import { catalogues, languageFromCode, t } from "./i18n/index.js";
import type { Clock, EngineLog, EngineStore, EngineTx, LinkedAccount } from "./ports.js";
import type { Choice, HandleResult, Language, Reply } from "./replies.js";
import type { EngineSettings } from "./settings.js";
import {
  loadState,
  STATE_VERSION,
  type LoadedState,
  type StartTarget,
  type Step,
  type StepName,
} from "./state.js";

export interface EngineDeps {
  store: EngineStore;
  clock: Clock;
  settings: EngineSettings;
  log?: EngineLog;
}

export interface Engine {
  handle(address: Address, event: InboundEvent, meta: EventMeta): Promise<HandleResult>;
}

const handlers: StepHandlers = {
  ...menuHandlers,
  ...verifyHandlers,
  ...accountHandlers,
  ...readingHandlers,
  ...outageHandlers,
  ...orderHandlers,
  ...historyHandlers,
  ...settingsHandlers,
  ...scheduleHandlers,
  ...subscriptionHandlers,
  ...handoffHandlers,
};

/** The handler of a step; the map is complete by type, the cast only erases the name correlation. */
function handlerFor(step: Step): StepHandler<StepName> {
  return handlers[step.name] as unknown as StepHandler<StepName>;
}

const silentLog: EngineLog = { info: () => {}, warn: () => {}, error: () => {} };

function toInput(event: InboundEvent): Input {
  switch (event.type) {
    case "text":
      return { kind: "text", text: event.text };
    case "choice":
      return { kind: "choice", id: event.id };
    case "contact":
      return { kind: "contact", phone: event.phone, provenOwn: event.provenOwn };
    case "photo":
      return event.caption === undefined
        ? { kind: "photo", ref: event.ref }
        : { kind: "photo", ref: event.ref, caption: event.caption };
    case "unsupported":
      return event.what === UNUSABLE_PHOTO ? { kind: "photo_unusable" } : { kind: "other" };
    default:
      return { kind: "other" };
  }
}

/** The choices a person can answer by typing a label: those of the last reply that has any. */
function offeredChoices(replies: Reply[]): Choice[] {
  const last = [...replies]
    .reverse()
    .find((reply) => !reply.attached && reply.choices && reply.choices.length > 0);
  return last?.choices?.flat() ?? [];
}

/** The deep-link journey saved with the state: only while the person is still linking an account. */
function pendingToKeep(pending: StartTarget | null, step: Step): { pending?: StartTarget } {
  return pending !== null && keepsPending(step) ? { pending } : {};
}

function commandOf(event: InboundEvent): "start" | "cancel" | "menu" | "help" | null {
  if (event.type === "start") return "start";
  if (event.type !== "text") return null;
  const match = /^\/(start|cancel|menu|help)(?:@\w+)?(?:\s.*)?$/i.exec(event.text.trim());
  return match ? (match[1]?.toLowerCase() as "start" | "cancel" | "menu" | "help") : null;
}

/**
 * A button label or typed text as the engine compares them: trimmed, any case. (toLowerCase: the
 * same as the locale-aware lower case for Ukrainian and English, without ICU on every update.)
 */
function labelKey(text: string): string {
  return text.trim().toLowerCase();
}

/**
 * The schedule button's labels in every language (its menu button and "refresh"), as a reply keyboard
 * sends them back: typed text is matched the way step() matches it against the offered choices.
 */
const SCHEDULE_VIEW_LABELS = new Set(
  (Object.keys(catalogues) as Language[]).flatMap((language) =>
    (["sched.menu", "sched.refresh"] as const).map((key) => labelKey(t(language, key))),
  ),
);

/**
 * The schedule button (menu or "refresh"), pressed on an inline keyboard (a choice) or on a reply
 * keyboard (its label as text, Telegram and Viber): the store may read the view's data with the
 * conversation. Only a hint: what is read ahead is used only when the step asks for it.
 */
function opensScheduleView(event: InboundEvent): boolean {
  if (event.type === "choice") return event.id === SCHED.view;
  return event.type === "text" && SCHEDULE_VIEW_LABELS.has(labelKey(event.text));
}

export function createEngine(deps: EngineDeps): Engine {
  const { store, clock, settings } = deps;
  const log = deps.log ?? silentLog;

  function createContext(tx: EngineTx, user: UserView, now: Date, meta: EventMeta): FlowContext {
    let links: LinkedAccount[] | null = null;
    const ctx: FlowContext = {
      tx,
      now,
      settings,
      channel: meta.channel,
      user,
      pendingStart: null,
      t: (key, params) => t(user.language, key, params),
      async linkedAccounts() {
        links ??= await tx.links.listForUser(user.userId);
        return links;
      },
      forgetLinks() {
        links = null;
      },
      async enter(step, notice) {
        const reply = await handlerFor(step).prompt(ctx, step);
        return { step, replies: [notice ? { ...reply, text: `${notice}\n\n${reply.text}` } : reply] };
      },
      async stay(step, message) {
        const reply = await handlerFor(step).prompt(ctx, step);
        return { step, replies: [{ ...reply, text: message }] };
      },
      menu(notice) {
        return ctx.enter({ name: "menu" }, notice);
      },
    };
    return ctx;
  }

  /** /start (with the journey its deep link names), or the first message of someone new. */
  function welcome(ctx: FlowContext, event: InboundEvent): Promise<Transition> {
    return startConversation(ctx, event.type === "start" ? parseStartPayload(event.payload) : null);
  }

  async function step(
    ctx: FlowContext,
    loaded: LoadedState,
    stateUpdatedAt: Date,
    event: InboundEvent,
  ): Promise<Transition> {
    const command = commandOf(event);
    if (loaded.kind === "fresh") return welcome(ctx, event);
    if (loaded.kind === "reset") {
      if (command === "start") return welcome(ctx, event);
      return ctx.menu(ctx.t("state.reset"));
    }
    const { step: current, offered } = loaded.state;
    ctx.pendingStart = loaded.state.pending ?? null;
    if (current.name === "handoff_live") {
      // A person has the conversation: its messages go to them, not to the bot (write-to-person.ts).
      const live = await liveHandoff(ctx, current, event, command);
      if (live) return live;
    }
    if (command === "start") return welcome(ctx, event);
    if (command === "cancel") return ctx.menu(ctx.t("common.cancelled"));
    if (command === "menu") return ctx.menu();
    if (command === "help") return showHelp(ctx);

    let input = toInput(event);
    if (input.kind === "text") {
      const typed = labelKey(input.text);
      const match = offered.find((choice) => labelKey(choice.label) === typed);
      if (match) input = { kind: "choice", id: match.id };
    }
    if (input.kind === "choice") {
      const global = parseGlobalChoice(input.id);
      if (global?.kind === "submit_reading") return startReading(ctx, global.accountId);
      if (global?.kind === "stop_reminders") return stopReminders(ctx);
      if (global?.kind === "my_requests") return showRequests(ctx);
      if (global?.kind === "subscribe") return subscribeQueue(ctx, global.queue);
      if (global?.kind === "unsubscribe") return unsubscribeQueue(ctx, global.queue);
      if (global?.kind === "subscription") return openSubscription(ctx, global.queue);
      if (global?.kind === "menu" || input.id === NAV_MENU) return ctx.menu();
      const menuChoice = runMenuChoice(ctx, input.id);
      if (menuChoice) return menuChoice;
    }
    const idleMs = ctx.now.getTime() - stateUpdatedAt.getTime();
    if (current.name !== "menu" && idleMs > settings.idleMinutes * 60_000) {
      return ctx.menu(ctx.t("idle.restart"));
    }
    const handler = handlerFor(current);
    if (input.kind === "choice" && input.id === NAV_BACK) {
      return handler.back ? handler.back(ctx, current) : ctx.menu();
    }
    return handler.handle(ctx, current, input);
  }

  return {
    async handle(address, rawEvent, meta) {
      const event = sanitizeEvent(rawEvent);
      const now = clock.now();
      let language: Language = languageFromCode(meta.languageCode);
      try {
        return await store.transaction(async (tx): Promise<HandleResult> => {
          const conversation = await tx.open(
            { channel: meta.channel, updateId: meta.updateId, now },
            {
              address,
              channel: meta.channel,
              language,
              now,
              floodWindowSeconds: settings.flood.windowSeconds,
              ...(opensScheduleView(event) ? { scheduleView: { dates: viewDates(now) } } : {}),
              ...(meta.telegramChatId !== undefined ? { telegramChatId: meta.telegramChatId } : {}),
              ...(meta.viberUserId !== undefined ? { viberUserId: meta.viberUserId } : {}),
            },
          );
          if (!conversation) return { duplicate: true, replies: [], language };
          language = conversation.language;
          const user: UserView = {
            userId: conversation.userId,
            language: conversation.language,
            status: conversation.status,
            remindersEnabled: conversation.remindersEnabled,
            phone: conversation.phone,
            phoneProven: conversation.phoneProven,
          };
          const keepState = {
            state: conversation.state,
            stateVersion: conversation.stateVersion,
            stateUpdatedAt: conversation.stateUpdatedAt,
          };
          if (event.type === "blocked" || event.type === "unblocked") {
            user.status = event.type === "blocked" ? "blocked" : "active";
            await tx.saveConversation(user.userId, { ...user, ...keepState });
            log.info(
              { channel: meta.channel, updateId: meta.updateId, userId: user.userId, status: user.status },
              "user status changed",
            );
            return { duplicate: false, replies: [], language };
          }
          // Flood limit: the update is claimed (a redelivery stays a duplicate) but not acted on, so a
          // flooding address costs one short transaction and is answered at a bounded rate.
          const recent = conversation.recentUpdates ?? 0;
          if (recent > settings.flood.maxUpdates) {
            log.warn(
              { channel: meta.channel, updateId: meta.updateId, userId: user.userId, recentUpdates: recent },
              "flood limit: update not acted on",
            );
            const notice =
              recent === settings.flood.maxUpdates + 1 ? [{ text: t(language, "flood.slowDown") }] : [];
            return { duplicate: false, replies: notice, language };
          }
          user.status = "active";
          const ctx = createContext(tx, user, now, meta);
          const loaded = loadState(conversation.state, conversation.stateVersion, conversation.created);
          if (loaded.kind === "reset") {
            log.warn(
              { channel: meta.channel, updateId: meta.updateId, userId: user.userId },
              "stored state unreadable, reset to menu",
            );
          }
          const transition = await step(ctx, loaded, conversation.stateUpdatedAt, event);
          const offered = offeredChoices(transition.replies).map((choice) => ({
            id: choice.id,
            label: choice.label,
          }));
          await tx.saveConversation(user.userId, {
            ...user,
            state: { step: transition.step, offered, ...pendingToKeep(ctx.pendingStart, transition.step) },
            stateVersion: STATE_VERSION,
            stateUpdatedAt: now,
          });
          language = user.language;
          // No log line here: the channel writes one per update, with this trace in it.
          return {
            duplicate: false,
            replies: transition.replies,
            language: user.language,
            trace: { userId: user.userId, step: transition.step.name },
          };
        });
      } catch (error) {
        if (error instanceof StoreUnavailableError) throw error;
        log.error(
          { err: error, channel: meta.channel, updateId: meta.updateId },
          "update failed, rolled back",
        );
        throw new UpdateFailedError("handling the update failed; nothing was saved", {
          apology: {
            text: t(language, "error.apology"),
            choices: [[{ id: NAV_MENU, label: t(language, "nav.menu") }]],
          },
          language,
          cause: error,
        });
      }
    },
  };
}
