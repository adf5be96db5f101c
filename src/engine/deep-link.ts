// Deep links: the company prints `https://t.me/<bot>?start=<payload>` and
// `viber://pa?chatURI=<uri>&context=<payload>` on bills, SMS and its website. Both channels deliver
// the payload as `{ type: "start", payload }`; this file is the one grammar of those payloads and
// the journey each one names. Pure: the flow that opens the journey is flows/deep-link.ts.
import type { InboundEvent } from "./events.js";
import type { StartTarget } from "./state.js";

/**
 * What a payload may look like: Telegram's own limit for start parameters (1-64 characters of
 * A-Z a-z 0-9 _ -). Viber's context is free text up to 2000 characters; holding it to the same
 * grammar keeps both channels' links interchangeable and anything else a plain start.
 */
export const DEEP_LINK_PAYLOAD = /^[A-Za-z0-9_-]{1,64}$/;

/** The start event for a platform's raw payload: with it when well-formed, else a plain start. */
export function startEvent(rawPayload: string | undefined): InboundEvent {
  const payload = rawPayload?.trim();
  return payload !== undefined && DEEP_LINK_PAYLOAD.test(payload)
    ? { type: "start", payload }
    : { type: "start" };
}

const simpleTargets: Record<string, StartTarget> = {
  reading: { journey: "reading" },
  outage: { journey: "outage" },
  order: { journey: "order" },
  requests: { journey: "requests" },
  menu: { journey: "menu" },
};

/**
 * The journey a payload names: `reading`, `reading_<accountNumber>`, `outage`, `order`,
 * `requests`, `menu` (keywords in any letter case). Null for anything else: a plain /start.
 */
export function parseStartPayload(payload: string | undefined): StartTarget | null {
  if (payload === undefined) return null;
  const lower = payload.toLowerCase();
  const simple = simpleTargets[lower];
  if (simple) return simple;
  const reading = /^reading_(\d{5,20})$/.exec(lower);
  return reading?.[1] ? { journey: "reading", accountNumber: reading[1] } : null;
}
