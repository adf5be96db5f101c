// The conversation state stored on the messenger_user row: the current step of a journey plus the
// choices offered in the last reply. Versioned and zod-validated: a row that does not parse (old
// version, bad data) resets the user to the menu instead of being misread.
import { z } from "zod";

/**
 * Bump when the stored shape changes, and add a migration from the previous version below; a row of
 * a version without a migration (or newer than this code) resets to the menu.
 * v2: optional `pending` (the journey a deep link asked for, kept while the person verifies first).
 */
export const STATE_VERSION = 2;

const accountId = z.number().int().positive();
const zoneValues = z.array(z.number().int().nonnegative()).max(3);
const serviceType = z.enum(["meter_replacement", "meter_setup", "sealing", "unsealing", "meter_fault"]);
const verifyMethod = z.enum(["phone", "serial_surname"]);
const addressPart = z.string().max(150);
const queueCode = z.string().max(16);
/** Close matches offered as buttons (their ids are indexes into this list). */
const addressOptions = z.array(addressPart).max(6);
const orderDraft = {
  accountId,
  type: serviceType,
  description: z.string().max(1000),
  photoRef: z.string().max(512).nullable(),
};

export const stepSchema = z.discriminatedUnion("name", [
  z.object({ name: z.literal("menu") }),
  // verify-account
  z.object({ name: z.literal("verify_phone") }),
  z.object({ name: z.literal("verify_account") }),
  z.object({ name: z.literal("verify_fallback_account") }),
  z.object({ name: z.literal("verify_fallback_serial"), accountNumber: z.string().max(20) }),
  z.object({
    name: z.literal("verify_fallback_surname"),
    accountNumber: z.string().max(20),
    serial: z.string().max(40),
  }),
  z.object({ name: z.literal("verify_failed"), method: verifyMethod }),
  z.object({ name: z.literal("account_label"), accountId, renaming: z.boolean() }),
  z.object({ name: z.literal("accounts") }),
  z.object({ name: z.literal("account_unlink"), accountId }),
  // submit-reading
  z.object({ name: z.literal("reading_account") }),
  z.object({ name: z.literal("reading_zone"), accountId, values: zoneValues, flagged: z.boolean() }),
  z.object({
    name: z.literal("reading_rollover"),
    accountId,
    values: zoneValues,
    flagged: z.boolean(),
    candidate: z.number().int().nonnegative(),
  }),
  z.object({
    name: z.literal("reading_high"),
    accountId,
    values: zoneValues,
    flagged: z.boolean(),
    candidate: z.number().int().nonnegative(),
  }),
  z.object({ name: z.literal("reading_photo"), accountId, values: zoneValues }),
  z.object({
    name: z.literal("reading_summary"),
    accountId,
    values: zoneValues,
    flagged: z.boolean(),
    photoRef: z.string().max(512).nullable(),
  }),
  // report-outage
  z.object({ name: z.literal("outage_account") }),
  z.object({ name: z.literal("outage_known"), accountId, outageId: z.number().int().positive() }),
  z.object({ name: z.literal("outage_scope"), accountId }),
  // order-service
  z.object({ name: z.literal("order_account") }),
  z.object({ name: z.literal("order_type"), accountId }),
  z.object({
    name: z.literal("order_description"),
    accountId,
    type: serviceType,
    photoRef: z.string().max(512).nullable(),
  }),
  z.object({ name: z.literal("order_photo"), ...orderDraft }),
  z.object({ name: z.literal("order_date"), ...orderDraft }),
  z.object({ name: z.literal("order_phone"), ...orderDraft, preferredDate: z.string().nullable() }),
  z.object({
    name: z.literal("order_summary"),
    ...orderDraft,
    preferredDate: z.string().nullable(),
    contactPhone: z.string().max(20),
  }),
  // reading-history
  z.object({ name: z.literal("history_account") }),
  // settings
  z.object({ name: z.literal("settings") }),
  z.object({ name: z.literal("settings_language") }),
  // outage-schedule
  z.object({ name: z.literal("sched_view") }),
  z.object({ name: z.literal("sched_pick") }),
  z.object({ name: z.literal("sched_forget") }),
  z.object({ name: z.literal("sched_settlement"), options: addressOptions }),
  z.object({ name: z.literal("sched_street"), settlement: addressPart, options: addressOptions }),
  z.object({ name: z.literal("sched_building"), settlement: addressPart, street: addressPart }),
  // schedule-subscriptions
  z.object({ name: z.literal("subs_list") }),
  z.object({ name: z.literal("subs_item"), queue: queueCode }),
  z.object({ name: z.literal("subs_added"), queue: queueCode }),
  // write-to-person
  z.object({ name: z.literal("handoff_intro") }),
  z.object({ name: z.literal("handoff_live"), conversationId: z.number().int().positive() }),
]);

export type Step = z.infer<typeof stepSchema>;
export type StepName = Step["name"];
export type StepOf<N extends StepName> = Extract<Step, { name: N }>;

/** The journey a deep link names (see deep-link.ts); a reading may name the account by its number. */
export const startTargetSchema = z.object({
  journey: z.enum(["reading", "outage", "order", "requests", "menu"]),
  accountNumber: z
    .string()
    .regex(/^\d{5,20}$/)
    .optional(),
});

export type StartTarget = z.infer<typeof startTargetSchema>;

export const storedStateSchema = z.object({
  step: stepSchema,
  /** Choices of the last reply, so a typed label counts as the button (Telegram reply keyboards). */
  offered: z.array(z.object({ id: z.string().max(64), label: z.string().max(200) })).max(200),
  /** Where a deep link asked to go, while the person is sent through verification first. */
  pending: startTargetSchema.optional(),
});

export type StoredState = z.infer<typeof storedStateSchema>;

export type LoadedState = { kind: "fresh" } | { kind: "ok"; state: StoredState } | { kind: "reset" };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Upgrades of a stored state by one version: `migrations[n]` turns a version-n state into a
 * version-(n+1) one. Rows written before an upgrade (or by an older instance during a rolling
 * deploy) keep their place in the journey instead of being reset.
 */
const migrations: Record<number, (stored: unknown) => unknown> = {
  // v1 -> v2: `pending` was added and is optional; a v1 row never meant one, so none is read from it.
  1: (stored) => {
    if (!isPlainObject(stored)) return stored;
    const { pending: _ignored, ...rest } = stored;
    return rest;
  },
};

/**
 * Reads the stored JSON: a brand-new row is fresh; an older version is migrated up; anything that
 * then does not parse at this version (or a version this code does not know) resets.
 */
export function loadState(stored: unknown, version: number, created: boolean): LoadedState {
  if (created || (version === 0 && isPlainObject(stored) && Object.keys(stored).length === 0)) {
    return { kind: "fresh" };
  }
  if (version > STATE_VERSION) return { kind: "reset" };
  let current = stored;
  for (let at = version; at < STATE_VERSION; at += 1) {
    const migrate = migrations[at];
    if (!migrate) return { kind: "reset" };
    current = migrate(current);
  }
  const parsed = storedStateSchema.safeParse(current);
  return parsed.success ? { kind: "ok", state: parsed.data } : { kind: "reset" };
}
