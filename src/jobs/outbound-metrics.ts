// Prometheus counters of the outbound queue and reminders, registered on the service's registry.
import { Counter, Gauge, type Registry } from "prom-client";
import type { FanoutProgress } from "./fanout-store.js";

export interface OutboundMetrics {
  /** Final or intermediate outcomes per channel: sent, unreachable, rate_limited, failed, dead, uncertain, dropped, skipped, deferred. */
  outcomes: Counter<"channel" | "outcome">;
  /** Viber messages the bot initiated outside the free 24 h window after the user's last message (paid). */
  viberOutsideFreeWindow: Counter<"kind">;
  /** Reminders enqueued by campaigns. */
  remindersEnqueued: Counter<"kind" | "channel">;
  /** Telegram messages sent as paid broadcasts (allow_paid_broadcast). */
  paidBroadcasts: Counter;
  /** Fan-out messages a dead process left mid-send (marked uncertain by the sweep). */
  fanoutLost: Counter;
  /** Messages of the schedule notices' fan-outs as they were created, per kind. */
  scheduleNotices: Counter<"kind">;
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
    paidBroadcasts:
      existing<Counter>("outbound_paid_broadcasts_total") ??
      new Counter({
        name: "outbound_paid_broadcasts_total",
        help: "Telegram messages sent as paid broadcasts (allow_paid_broadcast, charged per message)",
        registers: [registry],
      }),
    fanoutLost:
      existing<Counter>("outbound_fanout_lost_sends_total") ??
      new Counter({
        name: "outbound_fanout_lost_sends_total",
        help: "Fan-out messages left mid-send by a process that died (uncertain, never re-sent)",
        registers: [registry],
      }),
    scheduleNotices:
      existing<Counter<"kind">>("schedule_notices_planned_total") ??
      new Counter({
        name: "schedule_notices_planned_total",
        help: "Schedule notices planned (messages of the fan-outs created) by kind: before_off, power_back, day, mode",
        labelNames: ["kind"] as const,
        registers: [registry],
      }),
  };
}

/**
 * Gauges read from the database at scrape time: fan-out progress per priority (messages per state of
 * fan-outs unfinished or finished in the last 10 minutes, the longest ETA) and the paid budget left.
 */
export function registerFanoutGauges(
  registry: Registry,
  source: { progress(): Promise<FanoutProgress[]>; paidBudgetLeft(): Promise<number | undefined> },
): void {
  if (registry.getSingleMetric("outbound_fanout_messages")) return;
  const STATES = ["queued", "sending", "sent", "failed", "dropped", "skipped"] as const;
  let snapshot: Promise<FanoutProgress[]> | undefined;
  // One query per scrape for both gauges.
  const progress = () => {
    snapshot ??= source.progress().finally(() => setTimeout(() => (snapshot = undefined), 500));
    return snapshot;
  };
  new Gauge({
    name: "outbound_fanout_messages",
    help: "Messages of current fan-outs (unfinished or finished in the last 10 minutes) per priority and state",
    labelNames: ["priority", "state"] as const,
    registers: [registry],
    // Read from the database: the same in every worker of a cluster, counted once.
    aggregator: "first",
    async collect() {
      this.reset();
      for (const f of await progress()) {
        for (const state of STATES) this.inc({ priority: f.priority, state }, f[state]);
      }
    },
  });
  new Gauge({
    name: "outbound_fanout_eta_seconds",
    help: "Seconds until the slowest unfinished fan-out of a priority is sent at its recent rate (-1: not sending)",
    labelNames: ["priority"] as const,
    registers: [registry],
    // Read from the database: the same in every worker of a cluster, counted once.
    aggregator: "first",
    async collect() {
      this.reset();
      const eta = new Map<string, number>();
      for (const f of await progress()) {
        if (f.finishedAt) continue;
        const mine = f.etaSeconds ?? -1;
        const before = eta.get(f.priority);
        eta.set(
          f.priority,
          before === undefined ? mine : before === -1 || mine === -1 ? -1 : Math.max(before, mine),
        );
      }
      for (const [priority, seconds] of eta) this.set({ priority }, seconds);
    },
  });
  new Gauge({
    name: "outbound_paid_broadcast_budget_remaining",
    help: "Paid broadcast messages left today (Kyiv day); absent when paid broadcast is off",
    registers: [registry],
    // Read from the database: the same in every worker of a cluster, counted once.
    aggregator: "first",
    async collect() {
      const left = await source.paidBudgetLeft();
      if (left === undefined) this.reset();
      else this.set(left);
    },
  });
}
