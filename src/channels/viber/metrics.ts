// Prometheus counters of the Viber channel, registered on the registry the caller passes (the
// service's /metrics registry, or a fresh one per test).
import { Counter, type Registry } from "prom-client";

export interface ViberMetrics {
  /** Callbacks received, by event type (and "rejected" / "invalid" for refused ones). */
  callbacks: Counter<"event">;
  /** Messages Viber accepted (status 0). */
  messagesSent: Counter;
  /** Sends retried, by why (rate_limited, api_version). */
  sendRetries: Counter<"reason">;
  /** Sends given up, by why (unsubscribed, rate_limited, timeout, transport, status). */
  sendFailures: Counter<"reason">;
  /** Pictures received, by what became of them (kept, already_kept, or why they were unusable). */
  pictures: Counter<"outcome">;
}

export function createViberMetrics(registry: Registry): ViberMetrics {
  return {
    callbacks: new Counter({
      name: "viber_callbacks_total",
      help: "Viber webhook callbacks received, by event type",
      labelNames: ["event"],
      registers: [registry],
    }),
    messagesSent: new Counter({
      name: "viber_messages_sent_total",
      help: "Messages the Viber Chat API accepted",
      registers: [registry],
    }),
    sendRetries: new Counter({
      name: "viber_send_retries_total",
      help: "Viber sends retried, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    sendFailures: new Counter({
      name: "viber_send_failures_total",
      help: "Viber sends given up, by reason",
      labelNames: ["reason"],
      registers: [registry],
    }),
    pictures: new Counter({
      name: "viber_pictures_total",
      help: "Viber pictures received, by outcome (kept, already_kept, or why unusable)",
      labelNames: ["outcome"],
      registers: [registry],
    }),
  };
}
