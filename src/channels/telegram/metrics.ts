// Prometheus counters for Telegram sends, registered once per registry (a second channel instance
// on the same registry, as in tests, reuses them instead of failing on a duplicate name).
import { Counter, type Registry } from "prom-client";

export type SendFailureReason = "blocked" | "rate_limited" | "server_error" | "network" | "rejected";
export type RetryReason = "rate_limited" | "server_error" | "network";

export interface TelegramMetrics {
  /** Messages Telegram accepted. */
  sent: Counter<never>;
  /** Attempts repeated after a 429, 5xx or network error. */
  retried: Counter<"reason">;
  /** Messages given up on. */
  failed: Counter<"reason">;
}

function counter<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: L[],
): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createTelegramMetrics(registry: Registry): TelegramMetrics {
  return {
    sent: counter<never>(
      registry,
      "telegram_messages_sent_total",
      "Telegram messages accepted by the Bot API",
      [],
    ),
    retried: counter(registry, "telegram_send_retries_total", "Telegram send attempts repeated, by reason", [
      "reason",
    ]),
    failed: counter(registry, "telegram_messages_failed_total", "Telegram messages given up on, by reason", [
      "reason",
    ]),
  };
}
