// The engine's tunable rules in one place (limits, windows, plausibility, company contacts), so
// main.ts can fill them from configuration and tests can pin them. Defaults follow notes/domain.md.
import type { ContactHours } from "./contact-hours.js";

export interface EngineSettings {
  verification: {
    /** Failed attempts allowed per user within the window before a lockout. */
    maxFailures: number;
    windowMinutes: number;
  };
  /** A flow left half way longer than this restarts at the menu. */
  idleMinutes: number;
  plausibility: {
    /** How many past readings the average daily consumption is computed from. */
    historyReadings: number;
    /** Average daily consumption per zone (kWh) assumed when history is too short. */
    defaultDailyKwh: number;
    /** History spanning fewer days than this is too short to trust. */
    minHistoryDays: number;
    /** Consumption above expected x warnFactor (and above warnFloorKwh) asks to confirm and for a photo. */
    warnFactor: number;
    warnFloorKwh: number;
    /** Consumption above expected x absurdFactor (and above absurdFloorKwh) is rejected. */
    absurdFactor: number;
    absurdFloorKwh: number;
  };
  /**
   * Flood limit per address: at most maxUpdates updates are answered per windowSeconds; the first
   * one over gets a short "slow down" notice, later ones in the window are dropped unanswered.
   */
  flood: { windowSeconds: number; maxUpdates: number };
  /** How many next working days the service order offers as preferred visit dates. */
  serviceDateOptions: number;
  /** Company contacts shown in Help. */
  company: {
    phone: string;
    website: string;
    /** Optional: shown only when set. */
    email?: string;
  };
  /** "Write to a person": the contact centre's hours and what the wait estimate is made of. */
  handoff: {
    hours: ContactHours;
    /** The estimate is the median first answer of this many recently answered conversations... */
    estimateSample: number;
    /** ...answered within this many days (older ones say nothing about today's queue). */
    estimateWindowDays: number;
  };
}

export const defaultEngineSettings: EngineSettings = {
  verification: { maxFailures: 5, windowMinutes: 60 },
  idleMinutes: 30,
  plausibility: {
    historyReadings: 12,
    defaultDailyKwh: 10,
    minHistoryDays: 20,
    warnFactor: 3,
    warnFloorKwh: 100,
    absurdFactor: 30,
    absurdFloorKwh: 3000,
  },
  flood: { windowSeconds: 10, maxUpdates: 20 },
  serviceDateOptions: 5,
  company: {
    phone: "0 800 40 15 15",
    website: "https://dnem.example",
  },
  handoff: {
    hours: { days: [1, 2, 3, 4, 5, 6, 7], from: "08:00", to: "20:00" },
    estimateSample: 20,
    estimateWindowDays: 7,
  },
};

/** The configurable part as src/config.ts names it (Config["engine"]), merged over the defaults. */
export function engineSettingsFrom(config: {
  companyPhone: string;
  companyWebsite: string;
  verifyMaxFailuresPerHour: number;
  flowTimeoutMinutes: number;
  handoffHours?: ContactHours;
}): EngineSettings {
  return {
    ...defaultEngineSettings,
    verification: { maxFailures: config.verifyMaxFailuresPerHour, windowMinutes: 60 },
    idleMinutes: config.flowTimeoutMinutes,
    company: { phone: config.companyPhone, website: config.companyWebsite },
    handoff: {
      ...defaultEngineSettings.handoff,
      hours: config.handoffHours ?? defaultEngineSettings.handoff.hours,
    },
  };
}
