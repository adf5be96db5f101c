// The shapes of Viber's webhook callbacks, validated with zod after a bigint-safe JSON parse.
// message_token is a 64-bit integer: plain JSON.parse rounds 5741311803571721087 to
// 5741311803571721000, so the body is parsed with json-bigint (long numbers kept as their digits)
// and tokens are carried as exact decimal text from here on.
import JSONbig from "json-bigint";
import { z } from "zod";

const bigintSafeJson = JSONbig({ storeAsString: true, strict: true });

/** Parses a callback body, keeping integers longer than 15 digits as their exact digits. */
export function parseViberJson(raw: string): unknown {
  return bigintSafeJson.parse(raw);
}

/** A 64-bit token: digits kept as text (long ones arrive as strings, short ones as numbers). */
const token = z
  .union([z.string().regex(/^-?\d{1,20}$/), z.number().int()])
  .transform((value) => String(value));

/** json-bigint keeps numbers longer than 15 characters as strings, so a precise latitude may be one. */
const coordinate = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);

// A Viber user id becomes part of the address stored in Postgres, whose text cannot hold U+0000:
// control characters are refused here (400) instead of failing later in the database (500).
const viberUserId = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (id) => ![...id].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f),
    "control characters in a user id",
  );

const viberUser = z.object({
  id: viberUserId,
  name: z.string().optional(),
  avatar: z.string().optional(),
  language: z.string().max(35).optional(),
  country: z.string().optional(),
  api_version: z.number().int().optional(),
});
export type ViberUser = z.infer<typeof viberUser>;

const timestamp = z.number().int().nonnegative();

export const textMessageSchema = z.object({
  type: z.literal("text"),
  text: z.string(),
  tracking_data: z.string().optional(),
});
export const pictureMessageSchema = z.object({
  type: z.literal("picture"),
  /** A short-lived download link for the picture: kept as the photo's reference, never logged. */
  media: z.string(),
  thumbnail: z.string().optional(),
  file_name: z.string().optional(),
  size: z.number().optional(),
  /** Optional caption. */
  text: z.string().optional(),
});
export const contactMessageSchema = z.object({
  type: z.literal("contact"),
  contact: z.object({
    name: z.string().optional(),
    /** Viber desktop sends a share-phone result without a number. */
    phone_number: z.string().optional(),
    avatar: z.string().optional(),
  }),
});
export const locationMessageSchema = z.object({
  type: z.literal("location"),
  location: z.object({ lat: coordinate, lon: coordinate }),
});

/** The message types the channel maps to something specific; any other type is "unsupported". */
export const knownMessageSchemas = {
  text: textMessageSchema,
  picture: pictureMessageSchema,
  contact: contactMessageSchema,
  location: locationMessageSchema,
} as const;

const messageCallback = z.object({
  event: z.literal("message"),
  timestamp,
  message_token: token,
  sender: viberUser,
  /** Checked per type in to-event.ts: unknown types must not fail the callback. */
  message: z.looseObject({ type: z.string().min(1) }),
});

const conversationStartedCallback = z.object({
  event: z.literal("conversation_started"),
  timestamp,
  message_token: token,
  type: z.string().optional(),
  /** The deep-link context (viber://pa?chatURI=...&context=...), at most 2000 characters. */
  context: z.string().max(2000).optional(),
  user: viberUser,
  subscribed: z.boolean().optional(),
});

const subscribedCallback = z.object({
  event: z.literal("subscribed"),
  timestamp,
  message_token: token.optional(),
  user: viberUser,
});

const unsubscribedCallback = z.object({
  event: z.literal("unsubscribed"),
  timestamp,
  message_token: token.optional(),
  user_id: viberUserId,
});

const receiptCallback = z.object({
  event: z.enum(["delivered", "seen", "failed"]),
  timestamp,
  message_token: token,
  user_id: viberUserId.optional(),
  /** Why a message failed (failed only). */
  desc: z.string().optional(),
});

const webhookCallback = z.object({
  event: z.literal("webhook"),
  timestamp,
  message_token: token.optional(),
});

export const viberCallbackSchema = z.discriminatedUnion("event", [
  messageCallback,
  conversationStartedCallback,
  subscribedCallback,
  unsubscribedCallback,
  receiptCallback,
  webhookCallback,
]);
export type ViberCallback = z.infer<typeof viberCallbackSchema>;
export type ViberMessageCallback = z.infer<typeof messageCallback>;

export const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  "message",
  "conversation_started",
  "subscribed",
  "unsubscribed",
  "delivered",
  "seen",
  "failed",
  "webhook",
]);

export type CallbackParse =
  | { kind: "valid"; callback: ViberCallback }
  /** An event type Viber may add later: acknowledged and ignored. */
  | { kind: "unknown_event"; event: string }
  /** Not JSON, or a known event in the wrong shape: `issues` names paths only, never values. */
  | { kind: "invalid"; issues: string[] };

/** Raw body text -> a validated callback (or why not). */
export function parseViberCallback(raw: string): CallbackParse {
  let json: unknown;
  try {
    json = parseViberJson(raw);
  } catch {
    return { kind: "invalid", issues: ["body is not JSON"] };
  }
  const envelope = z.object({ event: z.string() }).safeParse(json);
  if (!envelope.success) return { kind: "invalid", issues: ["event: missing"] };
  if (!KNOWN_EVENTS.has(envelope.data.event)) {
    return { kind: "unknown_event", event: envelope.data.event.slice(0, 64) };
  }
  const parsed = viberCallbackSchema.safeParse(json);
  if (!parsed.success) return { kind: "invalid", issues: describeIssues(parsed.error) };
  return { kind: "valid", callback: parsed.data };
}

/** Paths and codes of validation problems, without the offending values (they may be personal). */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.code}`);
}
