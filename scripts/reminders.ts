// `npm run reminders -- run|dry-run [--period YYYY-MM] [--kind window_open|last_day] [--list]`
// Runs a reading-reminder campaign on demand. dry-run prints who would get what (counts per channel,
// a sample of recipients, all of them with --list) and changes nothing; run enqueues the reminders in
// the outbound queue (the service's workers deliver them). Safe to repeat and to run while the
// scheduler runs: a user gets at most one reminder per (period, kind).
// With the embedded database (no DATABASE_URL) stop the service first: PGlite has one owner.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../src/config.js";
import { openDatabase } from "../src/db/open.js";
import { parsePeriod } from "../src/engine/reading-window.js";
import { createMetrics } from "../src/http/metrics.js";
import { createOutbound } from "../src/jobs/outbound.js";
import { outboundSettingsFromConfig } from "../src/jobs/outbound-settings.js";
import type { ReminderRecipient } from "../src/jobs/reminder-campaign.js";
import { defaultReminder, type ReminderKind } from "../src/jobs/reminder-schedule.js";
import { createLogger } from "../src/logger.js";

const usage =
  "usage: npm run reminders -- run|dry-run [--period YYYY-MM] [--kind window_open|last_day] [--list]";

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}\n`);
  process.exit(2);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      period: { type: "string" },
      kind: { type: "string" },
      list: { type: "boolean", default: false },
    },
  });
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const mode = parsed.positionals[0];
if (mode !== "run" && mode !== "dry-run") fail(`unknown command: ${mode ?? "(none)"}`);
if (parsed.values.kind && !["window_open", "last_day"].includes(parsed.values.kind))
  fail(`unknown kind: ${parsed.values.kind}`);
if (parsed.values.period) {
  try {
    parsePeriod(parsed.values.period);
  } catch {
    fail(`not a period: ${parsed.values.period} (expected YYYY-MM)`);
  }
}

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
const settings = outboundSettingsFromConfig(config);
const fallback = defaultReminder(new Date(), settings.reminders);
const period = parsed.values.period ?? fallback.period;
const kind = (parsed.values.kind as ReminderKind | undefined) ?? fallback.kind;
const dryRun = mode === "dry-run";
const logger = createLogger({ level: process.env.LOG_LEVEL ?? "warn", pretty: config.log.pretty });

const db = await openDatabase(config.db, { migrate: config.db.migrateOnStart });
const outbound = createOutbound({
  prisma: db.prisma,
  databaseUrl: db.url,
  senders: {},
  logger,
  metrics: createMetrics({ defaultMetrics: false }),
  settings,
});

const tty = process.stderr.isTTY === true;
const sample: ReminderRecipient[] = [];
const SAMPLE_SIZE = 20;
const out = (line: string) => process.stdout.write(`${line}\n`);
const describeRecipient = (r: ReminderRecipient) =>
  `  user ${r.userId} (${r.channel}, ${r.language}${r.outsideViberWindow ? ", paid: outside Viber's 24 h window" : ""}): ${r.accounts.map((a) => a.label).join(", ")}`;

let exitCode = 0;
try {
  if (!dryRun) await outbound.start({ deliver: false, schedule: false });
  out(`${dryRun ? "Dry run" : "Run"}: reminder "${kind}" for period ${period}`);
  const result = await outbound.runReminderCampaign({
    period,
    kind,
    dryRun,
    onProgress: ({ scanned, enqueued }) => {
      if (tty) process.stderr.write(`\r  scanned ${scanned} users, enqueued ${enqueued}   `);
    },
    onRecipient: (r) => {
      if (parsed.values.list) out(describeRecipient(r));
      else if (sample.length < SAMPLE_SIZE) sample.push(r);
    },
  });
  if (tty) process.stderr.write("\n");
  if (sample.length > 0) {
    out(`Sample of recipients (${sample.length} of ${result.recipients}; --list prints all):`);
    sample.forEach((r) => out(describeRecipient(r)));
  }
  const channels = Object.entries(result.perChannel)
    .map(([channel, n]) => `${channel} ${n}`)
    .join(", ");
  out(
    dryRun
      ? `Would remind ${result.recipients} users: ${channels || "nobody"}`
      : `Enqueued ${result.enqueued} reminders: ${channels || "none"}`,
  );
  out(
    `Viber users outside the free 24 h window: ${result.viberOutsideFreeWindow}` +
      (settings.reminders.viberSkipOutsideFreeWindow
        ? ` (skipped: ${result.viberSkipped})`
        : " (each is a paid message)"),
  );
} catch (error) {
  if (tty) process.stderr.write("\n");
  process.stderr.write(`Campaign failed: ${error instanceof Error ? error.message : String(error)}\n`);
  exitCode = 1;
} finally {
  await outbound.stop();
  await db.close();
}
process.exit(exitCode);
