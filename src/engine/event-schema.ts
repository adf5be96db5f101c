// zod schema of the inbound vocabulary: the engine validates every event at its boundary, so a
// channel bug or a hostile web client cannot push oversized or malformed input into a flow.
import { z } from "zod";
import type { InboundEvent } from "./events.js";

export const inboundEventSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("start"), payload: z.string().max(512).optional() }),
  z.object({ type: z.literal("text"), text: z.string().max(4096) }),
  z.object({ type: z.literal("choice"), id: z.string().min(1).max(64) }),
  z.object({ type: z.literal("contact"), phone: z.string().max(32), provenOwn: z.boolean() }),
  z.object({
    type: z.literal("photo"),
    ref: z.string().min(1).max(512),
    caption: z.string().max(1024).optional(),
  }),
  z.object({
    type: z.literal("location"),
    latitude: z.number().min(-90).max(90),
    longitude: z.number().min(-180).max(180),
  }),
  z.object({ type: z.literal("unsupported"), what: z.string().max(64) }),
  z.object({ type: z.literal("blocked") }),
  z.object({ type: z.literal("unblocked") }),
]);

/** The event if it is well-formed; otherwise an "unsupported" event the flows answer with a hint. */
export function sanitizeEvent(event: unknown): InboundEvent {
  const parsed = inboundEventSchema.safeParse(event);
  return parsed.success ? parsed.data : { type: "unsupported", what: "invalid" };
}
