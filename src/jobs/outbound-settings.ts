// Everything the outbound queue and the reminders can be tuned with, and how the service Config maps
// onto it. Defaults are production values; tests shorten the timings.
import type { Config } from "../config.js";
import type { ChannelName } from "../engine/events.js";
import type { QuietHours } from "./quiet-hours.js";
import type { RateLimit } from "./rate-limiter.js";

export interface OutboundSettings {
  reminders: {
    /** Run campaigns on schedule (the manual script works either way). */
    enabled: boolean;
    windowOpenTime: string;
    lastDayTime: string;
    quietHours: QuietHours;
    /** Do not send reminders to Viber users more than 24 h after their last message (Viber charges those). */
    viberSkipOutsideFreeWindow: boolean;
    /** Users handled per campaign transaction. */
    batchSize: number;
  };
  /** Status notifications wait out quiet hours too (reminders always do). */
  quietHoursForNotifications: boolean;
  /** Global (all instances together) limits per platform; absent = unlimited (web chat). */
  platformLimits: Partial<Record<ChannelName, RateLimit>>;
  /** Per conversation limits per platform (evenly spaced: `burst` is not used here). */
  chatLimits: Partial<Record<ChannelName, RateLimit>>;
  queue: {
    /** Jobs in flight per channel and instance (including those waiting for their rate-limit slot). */
    concurrency: number;
    /** Retries after the first attempt; then the job goes to the dead-letter queue. */
    retryLimit: number;
    /** Base of the exponential backoff between retries. */
    retryDelaySeconds: number;
    /** A job active this long is considered lost (its process died) and retried by pg-boss. */
    expireInSeconds: number;
    /** A send taking longer is abandoned and its message marked uncertain (never re-sent). */
    sendTimeoutMs: number;
    /** How far ahead a sender may reserve a rate-limit slot. */
    maxReserveAheadMs: number;
    pollIntervalMs: number;
    /** pg-boss maintenance (expiring lost jobs) interval. */
    maintenanceIntervalSeconds: number;
  };
  /** Cron of the reminder tick (Kyiv time). */
  tickCron: string;
  /** Fan-out lanes (fanout.ts); defaults from defaultFanoutSettings() for what is left out. */
  fanout?: Partial<FanoutSettings>;
  /** Schedule notices (schedule-notices.ts); defaults from defaultScheduleNoticeSettings(). */
  scheduleNotices?: Partial<ScheduleNoticeSettings>;
}

export interface ScheduleNoticeSettings {
  /** Run the planner tick on schedule (every minute). */
  enabled: boolean;
  /** A day's change is told once its newest publication is this old (several quick edits: one message). */
  debounceMs: number;
  /** "Power should be back" is still sent this long after the period's end (a late tick, a restart). */
  powerBackWindowMs: number;
  /** A mode change older than this is not announced any more (a deployment does not dig up old ones). */
  modeWindowMs: number;
  /** Cron of the tick (Kyiv time). */
  cron: string;
}

export function defaultScheduleNoticeSettings(): ScheduleNoticeSettings {
  return {
    enabled: true,
    debounceMs: 120_000,
    powerBackWindowMs: 10 * 60_000,
    modeWindowMs: 24 * 3_600_000,
    cron: "* * * * *",
  };
}

export interface FanoutSettings {
  /** Most messages one claim takes (one statement marks them all sending). */
  batchSize: number;
  /** A batch spans at most this much of the lane's rate (small batches let urgent work overtake). */
  batchSpanMs: number;
  /** A lane claims its next batch when its scheduled sends end less than this ahead. */
  leadMs: number;
  /** Sends in flight per lane and instance (their platform calls overlap). */
  maxInFlight: number;
  /** How often a lane flushes outcomes (sent, dropped ...) in one statement. */
  flushIntervalMs: number;
  /** A failed message waits this long (times its attempts) before it is claimed again. */
  retryDelayMs: number;
  /** Telegram paid broadcasts: off, only urgent fan-outs, or all that ask. */
  paid: { mode: "off" | "urgent" | "all"; perSecond: number; dailyBudget: number };
}

export function defaultFanoutSettings(): FanoutSettings {
  return {
    batchSize: 100,
    batchSpanMs: 100,
    leadMs: 150,
    maxInFlight: 400,
    flushIntervalMs: 100,
    retryDelayMs: 5_000,
    paid: { mode: "off", perSecond: 1000, dailyBudget: 0 },
  };
}

/**
 * Telegram allows about 30 proactive messages a second; we pace at 95 % of the configured rate so
 * timer jitter never pushes a one-second window over it (28.5/s still clears the 27/s target).
 */
export const PACING_HEADROOM = 0.95;

export function outboundSettingsFromConfig(config: Config): OutboundSettings {
  const r = config.reminders;
  return {
    reminders: {
      enabled: r.enabled,
      windowOpenTime: r.windowOpenTime,
      lastDayTime: r.lastDayTime,
      quietHours: r.quietHours,
      viberSkipOutsideFreeWindow: r.viberSkipOutsideFreeWindow,
      batchSize: 500,
    },
    quietHoursForNotifications: false,
    platformLimits: {
      telegram: { perSecond: r.telegramPerSecond * PACING_HEADROOM },
      viber: { perSecond: r.viberPerSecond * PACING_HEADROOM },
    },
    chatLimits: {
      telegram: { perSecond: 1 },
      viber: { perSecond: 1 },
    },
    queue: defaultQueueSettings(),
    tickCron: "* * * * *",
    fanout: {
      paid: {
        mode: config.paidBroadcast.mode,
        perSecond: config.paidBroadcast.perSecond * PACING_HEADROOM,
        dailyBudget: config.paidBroadcast.dailyBudget,
      },
    },
    scheduleNotices: {
      enabled: config.scheduleNotices.enabled,
      debounceMs: config.scheduleNotices.debounceSeconds * 1000,
    },
  };
}

export function defaultQueueSettings(): OutboundSettings["queue"] {
  return {
    concurrency: 32,
    retryLimit: 5,
    retryDelaySeconds: 5,
    expireInSeconds: 300,
    sendTimeoutMs: 30_000,
    maxReserveAheadMs: 5_000,
    pollIntervalMs: 1_000,
    maintenanceIntervalSeconds: 60,
  };
}
