// Prometheus counters of the outbound queue and reminders, registered on the service's registry.
import { Counter, type Registry } from "prom-client";

export interface OutboundMetrics {
  /** Final or intermediate outcomes per channel: sent, unreachable, rate_limited, failed, dead, uncertain, dropped, skipped, deferred. */
  outcomes: Counter<"channel" | "outcome">;
  /** Viber messages the bot initiated outside the free 24 h window after the user's last message (paid). */
  viberOutsideFreeWindow: Counter<"kind">;
  /** Reminders enqueued by campaigns. */
  remindersEnqueued: Counter<"kind" | "channel">;
}

export function createOutboundMetrics(registry: Registry): OutboundMetrics {
  // A second createOutbound on the same registry (tests, the benchmark) reuses the counters.
  const existing = <T>(name: string): T | undefined => registry.getSingleMetric(name) as T | undefined;
  return {
    outcomes:
      existing<Counter<"channel" | "outcome">>("outbound_messages_total") ??
      new Counter({
        name: "outbound_messages_total",
        help: "Proactive message delivery outcomes by channel",
        labelNames: ["channel", "outcome"] as const,
        registers: [registry],
      }),
    viberOutsideFreeWindow:
      existing<Counter<"kind">>("outbound_viber_outside_free_window_total") ??
      new Counter({
        name: "outbound_viber_outside_free_window_total",
        help: "Viber messages initiated by the bot more than 24 h after the user's last message (charged)",
        labelNames: ["kind"] as const,
        registers: [registry],
      }),
    remindersEnqueued:
      existing<Counter<"kind" | "channel">>("reminders_enqueued_total") ??
      new Counter({
        name: "reminders_enqueued_total",
        help: "Reading reminders enqueued by campaigns",
        labelNames: ["kind", "channel"] as const,
        registers: [registry],
      }),
  };
}
