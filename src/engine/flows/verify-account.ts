// Journey 1: link a billing account to this messenger user. The main path proves the phone with the
// messenger's contact button and matches it against the phones on file for the account number; the
// fallback (no proven phone, outdated phone, declined) takes account number + meter serial + the
// holder's surname. Failures are limited per user per hour and never reveal whether the account exists.
// After a failure, an account number typed instead of a button is a new try on the same path.
import { showInstant } from "../calendar.js";
import { navRow, type FlowContext, type StepHandlers, type Transition } from "../flow-kit.js";
import type { AccountRecord } from "../ports.js";
import { isMeterSerial, normalizeMeterSerial } from "../meter-serial.js";
import { normalizeSharedPhone } from "../phone.js";

const FALLBACK = "v:fallback";
const RETRY = "v:retry";

type VerifyHandlers = Pick<
  StepHandlers,
  | "verify_phone"
  | "verify_account"
  | "verify_fallback_account"
  | "verify_fallback_serial"
  | "verify_fallback_surname"
  | "verify_failed"
>;

/** When the user is locked out of verification: the time the lockout ends, else null. */
export async function lockedUntil(ctx: FlowContext): Promise<Date | null> {
  const { maxFailures, windowMinutes } = ctx.settings.verification;
  const windowMs = windowMinutes * 60_000;
  const failures = await ctx.tx.verificationAttempts.failuresSince(
    ctx.user.userId,
    new Date(ctx.now.getTime() - windowMs),
  );
  if (failures.length < maxFailures) return null;
  const pivot = failures[failures.length - maxFailures];
  return pivot ? new Date(pivot.getTime() + windowMs) : null;
}

function lockedMessage(ctx: FlowContext, until: Date): string {
  return ctx.t("verify.locked", { until: showInstant(until) });
}

/** Entry point ("Add account", first use). */
export async function startVerification(ctx: FlowContext, notice?: string): Promise<Transition> {
  const until = await lockedUntil(ctx);
  if (until) return ctx.menu(lockedMessage(ctx, until));
  if (ctx.user.phone && ctx.user.phoneProven) return ctx.enter({ name: "verify_account" }, notice);
  return ctx.enter({ name: "verify_phone" }, notice);
}

function accountNumberFrom(text: string): string | null {
  const compact = text.replace(/[\s-]/g, "");
  return /^\d{5,20}$/.test(compact) ? compact : null;
}

function normalizeName(value: string): string {
  return value
    .trim()
    .toLocaleLowerCase("uk")
    .replace(/[ʼ’'`]/g, "'")
    .replace(/\u0451/g, "\u0435") // Russian yo typed for ye
    .replace(/\s+/g, " ");
}

/** The holder's surname is the first word of the name on file ("Шевченко Тарас Григорович"). */
function surnameMatches(holderName: string, surname: string): boolean {
  const onFile = normalizeName(holderName).split(" ")[0] ?? "";
  return onFile.length > 0 && onFile === normalizeName(surname);
}

/**
 * Records the attempt and either links the account (-> label step) or answers with the one failure
 * text used for every cause, or the lockout when this failure used up the allowance.
 */
async function concludeAttempt(
  ctx: FlowContext,
  method: "phone" | "serial_surname",
  accountNumber: string,
  account: AccountRecord | null,
  matches: boolean,
): Promise<Transition> {
  const success = account !== null && matches;
  await ctx.tx.verificationAttempts.record({
    userId: ctx.user.userId,
    method,
    success,
    accountNumber,
    at: ctx.now,
  });
  if (!success || !account) {
    const until = await lockedUntil(ctx);
    if (until) return ctx.menu(lockedMessage(ctx, until));
    return ctx.enter({ name: "verify_failed", method }, ctx.t("verify.failed"));
  }
  const { existed } = await ctx.tx.links.link({
    userId: ctx.user.userId,
    accountId: account.id,
    label: ctx.t("label.default", { number: account.number }),
    verifiedBy: method,
  });
  ctx.forgetLinks();
  if (existed) return ctx.menu(ctx.t("verify.alreadyLinked", { number: account.number }));
  return ctx.enter(
    { name: "account_label", accountId: account.id, renaming: false },
    ctx.t("verify.linked", { number: account.number }),
  );
}

/** One phone-path attempt for a typed account number: counted, and limited like every attempt. */
async function tryPhone(ctx: FlowContext, number: string): Promise<Transition> {
  const until = await lockedUntil(ctx);
  if (until) return ctx.menu(lockedMessage(ctx, until));
  const account = await ctx.tx.accounts.findByNumber(number);
  const phone = ctx.user.phoneProven ? ctx.user.phone : null;
  const matches = account !== null && phone !== null && account.phones.includes(phone);
  return concludeAttempt(ctx, "phone", number, account, matches);
}

export const verifyHandlers: VerifyHandlers = {
  verify_phone: {
    async prompt(ctx) {
      return {
        text: ctx.t("verify.askPhone"),
        requestPhone: { label: ctx.t("verify.sharePhoneButton") },
        choices: [[{ id: FALLBACK, label: ctx.t("verify.otherWay") }], navRow(ctx, false)],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === FALLBACK)
        return ctx.enter({ name: "verify_fallback_account" });
      if (input.kind === "contact") {
        const phone = normalizeSharedPhone(input.phone);
        if (!phone) return ctx.stay(step, ctx.t("verify.phoneUnreadable"));
        if (!input.provenOwn) {
          // Nothing proves a Viber contact is the sender's own: keep it only as a contact number
          // (offered for service orders) and verify the other way instead.
          ctx.user.phone = phone;
          ctx.user.phoneProven = false;
          return ctx.enter({ name: "verify_fallback_account" }, ctx.t("verify.phoneNotProven"));
        }
        ctx.user.phone = phone;
        ctx.user.phoneProven = true;
        return ctx.enter({ name: "verify_account" }, ctx.t("verify.phoneSaved"));
      }
      return ctx.stay(step, ctx.t("verify.usePhoneButton"));
    },
  },

  verify_account: {
    async prompt(ctx) {
      return {
        text: ctx.t("verify.askAccount"),
        choices: [[{ id: FALLBACK, label: ctx.t("verify.otherWay") }], navRow(ctx)],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === FALLBACK)
        return ctx.enter({ name: "verify_fallback_account" });
      if (input.kind !== "text") return ctx.stay(step, ctx.t("verify.askAccountHint"));
      const number = accountNumberFrom(input.text);
      if (!number) return ctx.stay(step, ctx.t("verify.accountFormat"));
      return tryPhone(ctx, number);
    },
    async back(ctx) {
      return ctx.enter({ name: "verify_phone" });
    },
  },

  verify_fallback_account: {
    async prompt(ctx) {
      return { text: ctx.t("verify.fallbackAskAccount"), choices: [navRow(ctx)] };
    },
    async handle(ctx, step, input) {
      if (input.kind !== "text") return ctx.stay(step, ctx.t("verify.askAccountHint"));
      const number = accountNumberFrom(input.text);
      if (!number) return ctx.stay(step, ctx.t("verify.accountFormat"));
      return ctx.enter({ name: "verify_fallback_serial", accountNumber: number });
    },
    async back(ctx) {
      return ctx.enter({ name: "verify_phone" });
    },
  },

  verify_fallback_serial: {
    async prompt(ctx) {
      return { text: ctx.t("verify.fallbackAskSerial"), choices: [navRow(ctx)] };
    },
    async handle(ctx, step, input) {
      if (input.kind !== "text") return ctx.stay(step, ctx.t("verify.serialHint"));
      const serial = normalizeMeterSerial(input.text);
      if (!isMeterSerial(serial)) return ctx.stay(step, ctx.t("verify.serialHint"));
      return ctx.enter({ name: "verify_fallback_surname", accountNumber: step.accountNumber, serial });
    },
    async back(ctx) {
      return ctx.enter({ name: "verify_fallback_account" });
    },
  },

  verify_fallback_surname: {
    async prompt(ctx) {
      return { text: ctx.t("verify.fallbackAskSurname"), choices: [navRow(ctx)] };
    },
    async handle(ctx, step, input) {
      if (input.kind !== "text") return ctx.stay(step, ctx.t("verify.surnameHint"));
      const surname = input.text.trim();
      if (surname.length < 2 || surname.length > 60 || /\d/.test(surname)) {
        return ctx.stay(step, ctx.t("verify.surnameHint"));
      }
      const until = await lockedUntil(ctx);
      if (until) return ctx.menu(lockedMessage(ctx, until));
      const account = await ctx.tx.accounts.findByNumber(step.accountNumber);
      const matches =
        account !== null &&
        normalizeMeterSerial(account.meterSerial) === normalizeMeterSerial(step.serial) &&
        surnameMatches(account.holderName, surname);
      return concludeAttempt(ctx, "serial_surname", step.accountNumber, account, matches);
    },
    async back(ctx, step) {
      return ctx.enter({ name: "verify_fallback_serial", accountNumber: step.accountNumber });
    },
  },

  verify_failed: {
    async prompt(ctx) {
      return {
        text: ctx.t("verify.failedWhatNext"),
        choices: [
          [{ id: RETRY, label: ctx.t("verify.retry") }],
          [{ id: FALLBACK, label: ctx.t("verify.otherWay") }],
          navRow(ctx, false),
        ],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === FALLBACK)
        return ctx.enter({ name: "verify_fallback_account" });
      if (input.kind === "choice" && input.id === RETRY) {
        if (step.method === "serial_surname") return ctx.enter({ name: "verify_fallback_account" });
        return startVerification(ctx);
      }
      // People type another account number instead of tapping "Try again": take it as the retry.
      if (input.kind !== "text") return ctx.stay(step, ctx.t("verify.failedHint"));
      const number = accountNumberFrom(input.text);
      if (!number) {
        const digitsOnly = /^[\d\s-]+$/.test(input.text.trim());
        return ctx.stay(step, ctx.t(digitsOnly ? "verify.accountFormat" : "verify.failedHint"));
      }
      if (step.method === "phone" && ctx.user.phone && ctx.user.phoneProven) return tryPhone(ctx, number);
      const until = await lockedUntil(ctx);
      if (until) return ctx.menu(lockedMessage(ctx, until));
      return ctx.enter({ name: "verify_fallback_serial", accountNumber: number });
    },
  },
};
