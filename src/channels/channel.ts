// The shared shape of a channel: a pure mapper (platform payload -> engine event), a renderer
// (engine reply -> platform payload) and a sender. Routes live with each channel and are
// registered by src/http/server.ts.
import type { Address, ChannelName, EventMeta, InboundEvent } from "../engine/events.js";
import type { HandleResult, Reply } from "../engine/replies.js";

/** What a channel needs from the engine: one call per inbound update. */
export interface EngineHandle {
  handle(address: Address, event: InboundEvent, meta: EventMeta): Promise<HandleResult>;
}

/** The result of sending replies to one address. */
export type SendOutcome =
  | { kind: "sent"; messages: number }
  /** The user blocked the bot / unsubscribed: mark them and stop sending. */
  | { kind: "unreachable"; reason: "blocked" | "unsubscribed" }
  /** Rate-limited by the platform: try again after this delay. */
  | { kind: "rate_limited"; retryAfterMs: number }
  /** Anything else (network, 5xx after retries). */
  | { kind: "failed"; error: string };

/** Sends rendered replies to an address on one platform (used for replies and by the outbound queue). */
export interface ChannelSender {
  readonly channel: ChannelName;
  send(address: Address, replies: Reply[]): Promise<SendOutcome>;
}

/** Marks users the platform says cannot be reached, so nothing more is sent to them. */
export interface UserStatusPort {
  setStatus(address: Address, status: "active" | "blocked" | "unsubscribed"): Promise<void>;
}
