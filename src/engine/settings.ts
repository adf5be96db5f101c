// The engine's tunable rules in one place (limits, windows, plausibility, company contacts), so
// main.ts can fill them from configuration and tests can pin them. Defaults follow notes/domain.md.

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
};

/** The configurable part as src/config.ts names it (Config["engine"]), merged over the defaults. */
export function engineSettingsFrom(config: {
  companyPhone: string;
  companyWebsite: string;
  verifyMaxFailuresPerHour: number;
  flowTimeoutMinutes: number;
}): EngineSettings {
  return {
    ...defaultEngineSettings,
    verification: { maxFailures: config.verifyMaxFailuresPerHour, windowMinutes: 60 },
    idleMinutes: config.flowTimeoutMinutes,
    company: { phone: config.companyPhone, website: config.companyWebsite },
  };
}
