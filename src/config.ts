// The environment, validated once. main.ts is the only caller of loadConfig(process.env); everything
// else receives the typed Config. A bad variable stops the process with a message naming it.
import { z } from "zod";

const emptyToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());
const booleanFlag = (fallback: boolean) =>
  z.preprocess(
    emptyToUndefined,
    z
      .enum(["true", "false", "1", "0", "on", "off", "yes", "no"])
      .optional()
      .transform((v) => (v === undefined ? fallback : ["true", "1", "on", "yes"].includes(v))),
  );
const port = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).max(65535).default(fallback));
const positiveInt = (fallback: number) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().positive().default(fallback));

const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM (24-hour)");

export const envSchema = z
  .object({
    NODE_ENV: optionalString,
    PORT: port(3000),
    HOST: z.preprocess(emptyToUndefined, z.string().default("127.0.0.1")),
    WEB_CONCURRENCY: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(64).default(1)),
    PUBLIC_URL: optionalUrl,
    LOG_LEVEL: z.preprocess(
      emptyToUndefined,
      z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    ),
    LOG_PRETTY: z.preprocess(emptyToUndefined, z.enum(["auto", "on", "off"]).default("auto")),

    DATABASE_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^postgres(ql)?:\/\//, "expected a postgresql:// connection URL")
        .optional(),
    ),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default(".data")),
    EMBEDDED_DB_PORT: port(0),
    DB_POOL_SIZE: positiveInt(10),
    MIGRATE_ON_START: booleanFlag(true),
    DEMO_DATA: z.preprocess(emptyToUndefined, z.enum(["auto", "on", "off"]).default("auto")),

    TELEGRAM_BOT_TOKEN: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^\d+:[A-Za-z0-9_-]{20,}$/, "expected a Bot API token like 123456:ABC-...")
        .optional(),
    ),
    TELEGRAM_MODE: z.preprocess(emptyToUndefined, z.enum(["webhook", "polling"]).default("webhook")),
    TELEGRAM_WEBHOOK_SECRET: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[A-Za-z0-9_-]{16,256}$/, "16-256 characters of A-Z a-z 0-9 _ -")
        .optional(),
    ),
    TELEGRAM_API_ROOT: z.preprocess(
      emptyToUndefined,
      z
        .url()
        .default("https://api.telegram.org")
        .transform((u) => u.replace(/\/+$/, "")),
    ),

    VIBER_AUTH_TOKEN: optionalString,
    VIBER_BOT_NAME: z.preprocess(
      emptyToUndefined,
      z.string().max(28).default("ДТЕК Дніпровські електромережі"),
    ),
    VIBER_BOT_AVATAR: optionalUrl,
    VIBER_API_URL: z.preprocess(
      emptyToUndefined,
      z
        .url()
        .default("https://chatapi.viber.com/pa/")
        .transform((u) => (u.endsWith("/") ? u : `${u}/`)),
    ),

    WEB_CHAT: z.preprocess(emptyToUndefined, z.enum(["auto", "on", "off"]).default("auto")),
    WEB_CHAT_TOKEN: optionalString,

    OPERATOR_API_TOKEN: z.preprocess(
      emptyToUndefined,
      z.string().min(24, "at least 24 characters").optional(),
    ),

    CONSOLE_TRUST_PROXY: booleanFlag(false),

    COMPANY_PHONE: z.preprocess(emptyToUndefined, z.string().default("0 800 40 15 15")),
    COMPANY_WEBSITE: z.preprocess(emptyToUndefined, z.url().default("https://www.dtek-dnem.com.ua")),
    VERIFY_MAX_FAILURES_PER_HOUR: positiveInt(5),
    FLOW_TIMEOUT_MINUTES: positiveInt(30),

    REMINDERS_ENABLED: booleanFlag(true),
    REMINDER_WINDOW_OPEN_TIME: z.preprocess(emptyToUndefined, timeOfDay.default("10:00")),
    REMINDER_LAST_DAY_TIME: z.preprocess(emptyToUndefined, timeOfDay.default("10:00")),
    QUIET_HOURS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/, "expected HH:MM-HH:MM")
        .default("21:00-09:00"),
    ),
    TELEGRAM_PROACTIVE_PER_SECOND: positiveInt(30),
    VIBER_PROACTIVE_PER_SECOND: positiveInt(50),
    VIBER_SKIP_OUTSIDE_FREE_WINDOW: booleanFlag(false),
    TELEGRAM_PAID_BROADCAST: z.preprocess(emptyToUndefined, z.enum(["off", "urgent", "all"]).default("off")),
    TELEGRAM_PAID_BROADCAST_PER_SECOND: positiveInt(1000),
    SCHEDULE_NOTICES_ENABLED: booleanFlag(true),
    SCHEDULE_NOTICE_DEBOUNCE_SECONDS: z.preprocess(
      emptyToUndefined,
      z.coerce.number().int().min(0).max(3600).default(120),
    ),
    TELEGRAM_PAID_BROADCAST_DAILY_BUDGET: z.preprocess(
      emptyToUndefined,
      z.coerce.number().int().min(0).default(0),
    ),

    // "Write to a person": the contact centre's hours (Kyiv time) and the unanswered-too-long flag.
    HANDOFF_HOURS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, "expected HH:MM-HH:MM")
        .refine((value) => {
          const [from = "", to = ""] = value.split("-");
          return from < to;
        }, "the start must be before the end (same day)")
        .default("08:00-20:00"),
    ),
    HANDOFF_DAYS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^[1-7](-[1-7])?(,[1-7](-[1-7])?)*$/, "ISO weekdays 1-7, e.g. 1-5 or 1-5,7")
        .default("1-7"),
    ),
    HANDOFF_UNANSWERED_MINUTES: positiveInt(10),
    HANDOFF_POLL_MS: z.preprocess(
      emptyToUndefined,
      z.coerce.number().int().min(200).max(60_000).default(1000),
    ),

    SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
    BODY_LIMIT_BYTES: positiveInt(1_048_576),
  })
  .superRefine((env, ctx) => {
    if (env.TELEGRAM_BOT_TOKEN && env.TELEGRAM_MODE === "webhook" && !env.TELEGRAM_WEBHOOK_SECRET) {
      ctx.addIssue({
        code: "custom",
        path: ["TELEGRAM_WEBHOOK_SECRET"],
        message: "required when TELEGRAM_BOT_TOKEN is set and TELEGRAM_MODE=webhook",
      });
    }
    if (env.WEB_CHAT === "on" && (env.TELEGRAM_BOT_TOKEN || env.VIBER_AUTH_TOKEN) && !env.WEB_CHAT_TOKEN) {
      ctx.addIssue({
        code: "custom",
        path: ["WEB_CHAT_TOKEN"],
        message: "required when WEB_CHAT=on in a deployment with messenger tokens",
      });
    }
  });

export type Env = z.infer<typeof envSchema>;

export interface Config {
  env: Env;
  http: {
    port: number;
    host: string;
    publicUrl: string | undefined;
    bodyLimit: number;
    shutdownTimeoutMs: number;
    /** Service processes on this port (node:cluster); 1 with the embedded database or Telegram polling. */
    workers: number;
  };
  log: { level: Env["LOG_LEVEL"]; pretty: "auto" | "on" | "off" };
  db: {
    /** Unset: the embedded Postgres under dataDir is used. */
    url: string | undefined;
    dataDir: string;
    embeddedPort: number;
    poolSize: number;
    migrateOnStart: boolean;
    demoData: "auto" | "on" | "off";
  };
  telegram:
    | { enabled: false }
    | {
        enabled: true;
        token: string;
        mode: "webhook" | "polling";
        webhookSecret: string | undefined;
        apiRoot: string;
      };
  viber:
    | { enabled: false }
    | { enabled: true; authToken: string; botName: string; botAvatar: string | undefined; apiUrl: string };
  webChat: { enabled: boolean; token: string | undefined };
  operator: { bootstrapToken: string | undefined };
  console: {
    /** Client address from X-Forwarded-For's last hop (behind a reverse proxy). */
    trustProxy: boolean;
    /** Session cookies marked Secure (PUBLIC_URL is https). */
    secureCookies: boolean;
  };
  engine: {
    companyPhone: string;
    companyWebsite: string;
    verifyMaxFailuresPerHour: number;
    flowTimeoutMinutes: number;
    handoffHours: { days: number[]; from: string; to: string };
  };
  /** "Write to a person": the unanswered-too-long flag and how often console pages look for changes. */
  handoff: { unansweredMinutes: number; pollMs: number };
  reminders: {
    enabled: boolean;
    windowOpenTime: string;
    lastDayTime: string;
    quietHours: { from: string; to: string };
    telegramPerSecond: number;
    viberPerSecond: number;
    viberSkipOutsideFreeWindow: boolean;
  };
  /** Schedule notices to subscribers (before off periods, day published/changed, mode, power back). */
  scheduleNotices: {
    /** Run the planner tick every minute. */
    enabled: boolean;
    /** A day's change is told once its newest publication is this old: quick edits give one message. */
    debounceSeconds: number;
  };
  /** Telegram paid broadcasts (allow_paid_broadcast) for fan-outs that ask for them. */
  paidBroadcast: {
    /** off; urgent = only urgent fan-outs; all = any fan-out that asks. */
    mode: "off" | "urgent" | "all";
    perSecond: number;
    /** Paid messages per Kyiv day; beyond it fan-outs go on in the free lane. */
    dailyBudget: number;
  };
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join("\n")}`);
  }
}

/** "1-5,7" -> [1, 2, 3, 4, 5, 7] (ISO weekdays, validated by the schema). */
function parseWeekdays(value: string): number[] {
  const days = new Set<number>();
  for (const part of value.split(",")) {
    const [from = 1, to = from] = part.split("-").map(Number);
    for (let day = Math.min(from, to); day <= Math.max(from, to); day += 1) days.add(day);
  }
  return [...days].sort((a, b) => a - b);
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function loadConfig(source: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: issue.path.map(String).join(".") || "(environment)",
        message: issue.message,
      })),
    );
  }
  const env = parsed.data;
  const hasMessenger = Boolean(env.TELEGRAM_BOT_TOKEN || env.VIBER_AUTH_TOKEN);
  const [quietFrom = "21:00", quietTo = "09:00"] = env.QUIET_HOURS.split("-");
  return {
    env,
    http: {
      port: env.PORT,
      host: env.HOST,
      publicUrl: env.PUBLIC_URL,
      bodyLimit: env.BODY_LIMIT_BYTES,
      shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
      workers: env.WEB_CONCURRENCY,
    },
    log: { level: env.LOG_LEVEL, pretty: env.LOG_PRETTY },
    db: {
      url: env.DATABASE_URL,
      dataDir: env.DATA_DIR,
      embeddedPort: env.EMBEDDED_DB_PORT,
      poolSize: env.DB_POOL_SIZE,
      migrateOnStart: env.MIGRATE_ON_START,
      demoData: env.DEMO_DATA,
    },
    telegram: env.TELEGRAM_BOT_TOKEN
      ? {
          enabled: true,
          token: env.TELEGRAM_BOT_TOKEN,
          mode: env.TELEGRAM_MODE,
          webhookSecret: env.TELEGRAM_WEBHOOK_SECRET,
          apiRoot: env.TELEGRAM_API_ROOT,
        }
      : { enabled: false },
    viber: env.VIBER_AUTH_TOKEN
      ? {
          enabled: true,
          authToken: env.VIBER_AUTH_TOKEN,
          botName: env.VIBER_BOT_NAME,
          botAvatar: env.VIBER_BOT_AVATAR,
          apiUrl: env.VIBER_API_URL,
        }
      : { enabled: false },
    webChat: {
      enabled: env.WEB_CHAT === "on" || (env.WEB_CHAT === "auto" && !hasMessenger),
      token: env.WEB_CHAT_TOKEN,
    },
    operator: { bootstrapToken: env.OPERATOR_API_TOKEN },
    console: {
      trustProxy: env.CONSOLE_TRUST_PROXY,
      secureCookies: env.PUBLIC_URL?.startsWith("https://") ?? false,
    },
    engine: {
      companyPhone: env.COMPANY_PHONE,
      companyWebsite: env.COMPANY_WEBSITE,
      verifyMaxFailuresPerHour: env.VERIFY_MAX_FAILURES_PER_HOUR,
      flowTimeoutMinutes: env.FLOW_TIMEOUT_MINUTES,
      handoffHours: {
        days: parseWeekdays(env.HANDOFF_DAYS),
        from: env.HANDOFF_HOURS.split("-")[0] ?? "08:00",
        to: env.HANDOFF_HOURS.split("-")[1] ?? "20:00",
      },
    },
    handoff: { unansweredMinutes: env.HANDOFF_UNANSWERED_MINUTES, pollMs: env.HANDOFF_POLL_MS },
    reminders: {
      enabled: env.REMINDERS_ENABLED,
      windowOpenTime: env.REMINDER_WINDOW_OPEN_TIME,
      lastDayTime: env.REMINDER_LAST_DAY_TIME,
      quietHours: { from: quietFrom, to: quietTo },
      telegramPerSecond: env.TELEGRAM_PROACTIVE_PER_SECOND,
      viberPerSecond: env.VIBER_PROACTIVE_PER_SECOND,
      viberSkipOutsideFreeWindow: env.VIBER_SKIP_OUTSIDE_FREE_WINDOW,
    },
    scheduleNotices: {
      enabled: env.SCHEDULE_NOTICES_ENABLED,
      debounceSeconds: env.SCHEDULE_NOTICE_DEBOUNCE_SECONDS,
    },
    paidBroadcast: {
      mode: env.TELEGRAM_PAID_BROADCAST,
      perSecond: env.TELEGRAM_PAID_BROADCAST_PER_SECOND,
      dailyBudget: env.TELEGRAM_PAID_BROADCAST_DAILY_BUDGET,
    },
  };
}
