// Schedule notification subscriptions (one per person and queue): the options a person chooses and
// the one rule for them, shared by the flows (choices from buttons) and the stores (which refuse
// anything else, as the database's CHECK does).
import { z } from "zod";
import type { SubscriptionOptions } from "./ports.js";

/** Minutes before an off period the person is warned; 0 = no warnings. */
export const LEAD_MINUTES = [0, 15, 30, 60] as const;

export const leadMinutesSchema = z.union([z.literal(0), z.literal(15), z.literal(30), z.literal(60)]);

export const subscriptionOptionsSchema = z.object({
  leadMinutes: leadMinutesSchema,
  includeMaybe: z.boolean(),
  night: z.boolean(),
  powerBack: z.boolean(),
});

/** A change of some of the options (an empty change is allowed; an unknown option is not). */
export const optionChangeSchema = subscriptionOptionsSchema.partial().strict();

/** What a one-tap subscription starts with (the table's defaults). */
export const DEFAULT_SUBSCRIPTION_OPTIONS: SubscriptionOptions = {
  leadMinutes: 30,
  includeMaybe: true,
  night: false,
  powerBack: false,
};

/** A change of some options, checked: throws a ZodError for a value outside the rule. */
export function checkedOptionChange(change: Partial<SubscriptionOptions>): Partial<SubscriptionOptions> {
  return optionChangeSchema.parse(change);
}
