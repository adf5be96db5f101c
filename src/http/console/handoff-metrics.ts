// /metrics for "Write to a person": how many conversations wait for a person now (read from the
// database at scrape time, so every instance reports the same figure), how many have waited for an
// answer past the threshold, and the time to the first answer (observed by the instance that sent it).
import { Gauge, Histogram, type Registry } from "prom-client";
import type { PrismaClient } from "../../generated/prisma/client.js";
import { overdueHandoffs, waitingHandoffs } from "../../operator/handoff.js";

export function handoffMetrics(
  prisma: PrismaClient,
  registry: Registry | undefined,
  unansweredMinutes: number,
  now: () => Date,
): { firstAnswer?: Histogram } {
  if (!registry) return {};
  if (!registry.getSingleMetric("handoff_waiting_conversations")) {
    new Gauge({
      name: "handoff_waiting_conversations",
      help: "Customer conversations waiting for an operator to take them",
      registers: [registry],
      // Read from the database: the same in every worker of a cluster, counted once.
      aggregator: "first",
      async collect() {
        this.set(await waitingHandoffs(prisma));
      },
    });
  }
  if (!registry.getSingleMetric("handoff_overdue_conversations")) {
    new Gauge({
      name: "handoff_overdue_conversations",
      help: "Open conversations whose customer has waited for an answer past HANDOFF_UNANSWERED_MINUTES",
      registers: [registry],
      // Read from the database: the same in every worker of a cluster, counted once.
      aggregator: "first",
      async collect() {
        this.set(await overdueHandoffs(prisma, new Date(now().getTime() - unansweredMinutes * 60_000)));
      },
    });
  }
  const existing = registry.getSingleMetric("handoff_first_answer_seconds");
  const firstAnswer =
    (existing as Histogram | undefined) ??
    new Histogram({
      name: "handoff_first_answer_seconds",
      help: "Time from a customer's hand-off to an operator's first answer",
      buckets: [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400],
      registers: [registry],
    });
  return { firstAnswer };
}
