// Journey 2: submit a meter reading. Pick the account, see the last reading and the window, enter
// each tariff zone in turn (validated by reading-rules.ts: digits, rollover, plausibility), optional
// meter photo when a value is far above the forecast, a summary with consumption, Confirm / Fix, and
// a receipt naming the account, values, billing period and whether it replaced an earlier one.
import {
  daysBetween,
  readingWindow,
  showDate,
  showLocalDay,
  showPeriod,
  startOfLocalDay,
  type ReadingWindow,
} from "../calendar.js";
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
import type { AccountRecord, LinkedAccount, ReadingRecord } from "../ports.js";
import {
  checkedDailyPerZone,
  checkZoneValue,
  consumption,
  forecastDaily,
  historyDailyPerZone,
  isHigh,
  usualDailyPerZone,
  zoneLimits,
  zoneValue,
} from "../reading-rules.js";
import type { StepOf } from "../state.js";

const SAME = "same";
const YES = "yes";
const NO = "no";
const SKIP = "skip";
const CONFIRM = "ok";
const FIX = "fix";

/** The zones' names in entry order: T1, T2 (two zones: day, night), T3 (three zones: peak, semi-peak, night). */
export function zoneKeys(zones: number): MessageKey[] {
  if (zones >= 3) return ["zone.peak", "zone.semipeak", "zone.nightT3"];
  if (zones === 2) return ["zone.day", "zone.night"];
  return ["zone.total"];
}

export interface AccountReadingStatus {
  window: ReadingWindow;
  /** The newest counting reading of an earlier period: what new values are checked against. */
  baseline: ReadingRecord | null;
  /** The counting reading already submitted for the window's period, if any. */
  current: ReadingRecord | null;
  /** Per zone, the daily consumption the plausibility check assumes (may be the configured default). */
  averageDaily: number[];
  /** Per zone, the customer's usual daily consumption from their history or billing; null when unknown. */
  usualDaily: (number | null)[];
  daysSinceBaseline: number;
  /**
   * What the company would bill without a reading (billing's average daily consumption, else the
   * history's, x days since the last reading); null when submitted or when neither is known.
   */
  forecastKwh: number | null;
}

// One update often needs the same account's status twice (checking a value, then the next prompt):
// remember it for the update, and forget it after a submission changes it.
const statusCache = new WeakMap<FlowContext, Map<number, Promise<AccountReadingStatus>>>();

export function readingStatus(ctx: FlowContext, account: AccountRecord): Promise<AccountReadingStatus> {
  let perAccount = statusCache.get(ctx);
  if (!perAccount) {
    perAccount = new Map();
    statusCache.set(ctx, perAccount);
  }
  let status = perAccount.get(account.id);
  if (!status) {
    status = loadReadingStatus(ctx, account);
    perAccount.set(account.id, status);
  }
  return status;
}

async function loadReadingStatus(ctx: FlowContext, account: AccountRecord): Promise<AccountReadingStatus> {
  const window = readingWindow(ctx.now);
  const readings = await ctx.tx.readings.latest(account.id, ctx.settings.plausibility.historyReadings + 2);
  const current = readings.find((reading) => reading.period === window.period) ?? null;
  const history = readings.filter((reading) => reading.period < window.period);
  const baseline = history[0] ?? null;
  const historyDaily = historyDailyPerZone(
    history.slice(0, ctx.settings.plausibility.historyReadings),
    account.zones,
    account.meterDigits,
    ctx.settings,
  );
  const usualDaily = usualDailyPerZone(historyDaily, account.avgDailyKwh);
  const averageDaily = checkedDailyPerZone(usualDaily, account.avgDailyKwh, ctx.settings);
  const daysSinceBaseline = baseline ? Math.max(0, daysBetween(baseline.takenAt, ctx.now)) : 0;
  const daily = forecastDaily(historyDaily, account.avgDailyKwh);
  let forecastKwh: number | null = null;
  if (!current && baseline && daily !== null) {
    const [year, month] = window.period.split("-").map(Number);
    const periodStart = startOfLocalDay({ year: year ?? 0, month: month ?? 1, day: 1 });
    const days = Math.max(0, daysBetween(baseline.takenAt, periodStart));
    forecastKwh = Math.round(daily * days);
  }
  return { window, baseline, current, averageDaily, usualDaily, daysSinceBaseline, forecastKwh };
}

function valuesLine(ctx: FlowContext, zones: number, values: (number | null)[]): string {
  return zoneKeys(zones)
    .map((key, zone) => ctx.t("reading.zoneValue", { zone: ctx.t(key), value: values[zone] ?? "-" }))
    .join("\n");
}

function readingValues(reading: ReadingRecord): (number | null)[] {
  return [reading.t1, reading.t2, reading.t3];
}

export async function startReading(ctx: FlowContext, accountId?: number): Promise<Transition> {
  if (accountId !== undefined) {
    const link = await findLinked(ctx, accountId);
    if (link) return enterZones(ctx, link);
  }
  return withAccount(ctx, { name: "reading_account" }, (link) => enterZones(ctx, link));
}

function enterZones(ctx: FlowContext, link: LinkedAccount): Promise<Transition> {
  return ctx.enter({ name: "reading_zone", accountId: link.account.id, values: [], flagged: false });
}

async function introText(
  ctx: FlowContext,
  link: LinkedAccount,
  status: AccountReadingStatus,
): Promise<string> {
  const { account } = link;
  const parts = [ctx.t("reading.intro", { label: link.label, number: account.number })];
  if (status.baseline) {
    parts.push(
      ctx.t("reading.last", { date: showLocalDay(status.baseline.takenAt) }),
      valuesLine(ctx, account.zones, readingValues(status.baseline)),
    );
  } else {
    parts.push(ctx.t("reading.noLast"));
  }
  parts.push(
    status.window.open
      ? ctx.t("reading.windowOpen", {
          closes: showDate(status.window.closesOn),
          period: showPeriod(status.window.period),
        })
      : ctx.t("reading.windowClosed", { opens: showDate(status.window.opensOn) }),
  );
  if (status.current) {
    parts.push(
      ctx.t("reading.alreadySubmitted", { period: showPeriod(status.window.period) }),
      valuesLine(ctx, account.zones, readingValues(status.current)),
    );
  }
  return parts.join("\n");
}

type ZoneDraft = { accountId: number; values: number[]; flagged: boolean };

/** Back to entering the current zone, keeping the zones already entered. */
function reenterZone(ctx: FlowContext, draft: ZoneDraft): Promise<Transition> {
  return ctx.enter({
    name: "reading_zone",
    accountId: draft.accountId,
    values: draft.values,
    flagged: draft.flagged,
  });
}

/** What a candidate value for the next zone implies: consumption since the baseline and the limits. */
async function candidateUsage(ctx: FlowContext, link: LinkedAccount, draft: ZoneDraft, candidate: number) {
  const status = await readingStatus(ctx, link.account);
  const zone = draft.values.length;
  const last = status.baseline ? zoneValue(status.baseline, zone) : null;
  const limits = zoneLimits(status.averageDaily[zone] ?? 0, status.daysSinceBaseline, ctx.settings);
  const used = last === null ? 0 : consumption(last, candidate, link.account.meterDigits);
  // The "usual" figure a customer reads is theirs (history or billing), never the default.
  const usual = status.usualDaily[zone] ?? null;
  const expected = usual === null ? null : zoneLimits(usual, status.daysSinceBaseline, ctx.settings).expected;
  return { used, limits, expected };
}

/** A zone value passed every check: ask the next zone, or for a photo when flagged, or show the summary. */
function acceptValue(
  ctx: FlowContext,
  link: LinkedAccount,
  draft: ZoneDraft,
  value: number,
  flagged: boolean,
): Promise<Transition> {
  const values = [...draft.values, value];
  const anyFlag = draft.flagged || flagged;
  if (values.length < link.account.zones) {
    return ctx.enter({ name: "reading_zone", accountId: draft.accountId, values, flagged: anyFlag });
  }
  if (anyFlag) return ctx.enter({ name: "reading_photo", accountId: draft.accountId, values });
  return ctx.enter({
    name: "reading_summary",
    accountId: draft.accountId,
    values,
    flagged: false,
    photoRef: null,
  });
}

function zoneName(ctx: FlowContext, account: AccountRecord, zone: number): string {
  return ctx.t(zoneKeys(account.zones)[zone] ?? "zone.total");
}

async function submit(
  ctx: FlowContext,
  step: StepOf<"reading_summary">,
  link: LinkedAccount,
): Promise<Transition> {
  const status = await readingStatus(ctx, link.account);
  const { reading, replaced } = await ctx.tx.readings.submit({
    accountId: link.account.id,
    userId: ctx.user.userId,
    period: status.window.period,
    t1: step.values[0] ?? 0,
    t2: step.values[1] ?? null,
    t3: step.values[2] ?? null,
    takenAt: ctx.now,
    source: ctx.channel,
    flagReason: step.flagged ? "above_forecast" : null,
    photoRef: step.photoRef,
    inWindow: status.window.open,
  });
  statusCache.get(ctx)?.delete(link.account.id);
  const parts = [
    ctx.t("reading.receipt", {
      label: link.label,
      number: link.account.number,
      period: showPeriod(reading.period),
    }),
    valuesLine(ctx, link.account.zones, readingValues(reading)),
  ];
  if (replaced > 0) parts.push(ctx.t("reading.replacedNote"));
  if (!status.window.open)
    parts.push(ctx.t("reading.outsideWindowNote", { opens: showDate(status.window.opensOn) }));
  if (step.flagged) parts.push(ctx.t("reading.flaggedNote"));
  return ctx.menu(parts.join("\n"));
}

export const readingHandlers: Pick<
  StepHandlers,
  | "reading_account"
  | "reading_zone"
  | "reading_rollover"
  | "reading_high"
  | "reading_photo"
  | "reading_summary"
> = {
  reading_account: pickAccountStep("reading.pickAccount", (ctx, link) => enterZones(ctx, link)),

  reading_zone: {
    async prompt(ctx, step) {
      const link = await findLinked(ctx, step.accountId);
      if (!link) return { text: ctx.t("hint.useButtons"), choices: [navRow(ctx, false)] };
      const status = await readingStatus(ctx, link.account);
      const zone = step.values.length;
      const ask = ctx.t("reading.askZone", {
        zone: zoneName(ctx, link.account, zone),
        digits: link.account.meterDigits,
      });
      const text = zone === 0 ? `${await introText(ctx, link, status)}\n\n${ask}` : ask;
      const choices = status.baseline
        ? [[{ id: SAME, label: ctx.t("reading.sameAsLast") }], navRow(ctx)]
        : [navRow(ctx)];
      return { text, choices };
    },
    async handle(ctx, step, input) {
      const link = await findLinked(ctx, step.accountId);
      if (!link) return ctx.menu();
      const status = await readingStatus(ctx, link.account);
      const zone = step.values.length;
      const last = status.baseline ? zoneValue(status.baseline, zone) : null;
      if (input.kind === "choice" && input.id === SAME) {
        if (last === null) return ctx.stay(step, ctx.t("reading.noLastForSame"));
        return acceptValue(ctx, link, step, last, false);
      }
      if (input.kind !== "text") return ctx.stay(step, ctx.t("reading.typeNumber"));
      const limits = zoneLimits(status.averageDaily[zone] ?? 0, status.daysSinceBaseline, ctx.settings);
      const check = checkZoneValue(input.text, link.account.meterDigits, last, limits);
      switch (check.kind) {
        case "not_a_number":
          return ctx.stay(step, ctx.t("reading.notANumber"));
        case "too_many_digits":
          return ctx.stay(
            step,
            ctx.t("reading.tooManyDigits", { digits: link.account.meterDigits, max: check.max }),
          );
        case "lower":
          return ctx.stay(step, ctx.t("reading.lower", { last: check.last }));
        case "absurd":
          return ctx.stay(step, ctx.t("reading.absurd", { from: check.from, to: check.to }));
        case "rollover":
          return ctx.enter({ ...step, name: "reading_rollover", candidate: check.value });
        case "high":
          return ctx.enter({ ...step, name: "reading_high", candidate: check.value });
        case "ok":
          return acceptValue(ctx, link, step, check.value, false);
      }
    },
    async back(ctx, step) {
      if (step.values.length === 0) return ctx.menu();
      return ctx.enter({ ...step, values: step.values.slice(0, -1) });
    },
  },

  reading_rollover: {
    async prompt(ctx, step) {
      const link = await findLinked(ctx, step.accountId);
      const digits = link?.account.meterDigits ?? 6;
      return {
        text: ctx.t("reading.rolloverAsk", { value: step.candidate, max: 10 ** digits - 1 }),
        choices: [
          [{ id: YES, label: ctx.t("reading.rolloverYes") }],
          [{ id: NO, label: ctx.t("reading.reenter") }],
          navRow(ctx),
        ],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === NO) return reenterZone(ctx, step);
      if (input.kind !== "choice" || input.id !== YES) return ctx.stay(step, ctx.t("hint.useButtons"));
      const link = await findLinked(ctx, step.accountId);
      if (!link) return ctx.menu();
      const { used, limits } = await candidateUsage(ctx, link, step, step.candidate);
      if (isHigh(used, limits)) return ctx.enter({ ...step, name: "reading_high" });
      return acceptValue(ctx, link, step, step.candidate, false);
    },
    back: (ctx, step) => reenterZone(ctx, step),
  },

  reading_high: {
    async prompt(ctx, step) {
      const link = await findLinked(ctx, step.accountId);
      let used = 0;
      let expected: number | null = null;
      if (link) {
        const usage = await candidateUsage(ctx, link, step, step.candidate);
        used = usage.used;
        expected = usage.expected;
      }
      return {
        text:
          expected === null
            ? ctx.t("reading.highAskNoUsual", { value: step.candidate, used })
            : ctx.t("reading.highAsk", { value: step.candidate, used, expected }),
        choices: [
          [{ id: YES, label: ctx.t("reading.highYes") }],
          [{ id: NO, label: ctx.t("reading.reenter") }],
          navRow(ctx),
        ],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === NO) return reenterZone(ctx, step);
      if (input.kind !== "choice" || input.id !== YES) return ctx.stay(step, ctx.t("hint.useButtons"));
      const link = await findLinked(ctx, step.accountId);
      if (!link) return ctx.menu();
      return acceptValue(ctx, link, step, step.candidate, true);
    },
    back: (ctx, step) => reenterZone(ctx, step),
  },

  reading_photo: {
    async prompt(ctx) {
      return {
        text: ctx.t("reading.photoAsk"),
        choices: [[{ id: SKIP, label: ctx.t("common.skip") }], navRow(ctx)],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "photo") {
        return ctx.enter(
          {
            name: "reading_summary",
            accountId: step.accountId,
            values: step.values,
            flagged: true,
            photoRef: input.ref,
          },
          ctx.t("reading.photoReceived"),
        );
      }
      if (input.kind === "photo_unusable") return ctx.stay(step, ctx.t("photo.unusable"));
      if (input.kind === "choice" && input.id === SKIP) {
        return ctx.enter({
          name: "reading_summary",
          accountId: step.accountId,
          values: step.values,
          flagged: true,
          photoRef: null,
        });
      }
      return ctx.stay(step, ctx.t("reading.photoHint"));
    },
    async back(ctx, step) {
      return ctx.enter({
        name: "reading_zone",
        accountId: step.accountId,
        values: step.values.slice(0, -1),
        flagged: true,
      });
    },
  },

  reading_summary: {
    async prompt(ctx, step) {
      const link = await findLinked(ctx, step.accountId);
      if (!link) return { text: ctx.t("hint.useButtons"), choices: [navRow(ctx, false)] };
      const status = await readingStatus(ctx, link.account);
      const lines = zoneKeys(link.account.zones).map((key, zone) => {
        const value = step.values[zone] ?? 0;
        const last = status.baseline ? zoneValue(status.baseline, zone) : null;
        return last === null
          ? ctx.t("reading.zoneValue", { zone: ctx.t(key), value })
          : ctx.t("reading.zoneValueUsed", {
              zone: ctx.t(key),
              value,
              used: consumption(last, value, link.account.meterDigits),
            });
      });
      const text = [
        ctx.t("reading.summary", {
          label: link.label,
          number: link.account.number,
          period: showPeriod(status.window.period),
        }),
        ...lines,
        step.photoRef ? ctx.t("reading.summaryPhoto") : null,
        ctx.t("reading.summaryAsk"),
      ]
        .filter((line): line is string => line !== null)
        .join("\n");
      return {
        text,
        choices: [
          [
            { id: CONFIRM, label: ctx.t("common.confirm") },
            { id: FIX, label: ctx.t("common.fix") },
          ],
          navRow(ctx, false),
        ],
      };
    },
    async handle(ctx, step, input) {
      const link = await findLinked(ctx, step.accountId);
      if (!link) return ctx.menu();
      if (input.kind === "choice" && input.id === FIX) return enterZones(ctx, link);
      if (input.kind === "choice" && input.id === CONFIRM) return submit(ctx, step, link);
      return ctx.stay(step, ctx.t("hint.useButtons"));
    },
  },
};
