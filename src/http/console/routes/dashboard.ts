// The dashboard: this period's submission rate by day against the previous period's, users per
// messenger, open tickets by age (SVG drawn here from src/operator/dashboard.ts), and the headline
// numbers.
import type { FastifyPluginAsync } from "fastify";
import { dashboard } from "../../../operator/dashboard.js";
import { barChart, lineChart } from "../charts.js";
import { ct } from "../i18n.js";
import { mayOpen } from "../nav.js";
import { userOf, type ConsoleDeps } from "../context.js";
import { renderPage } from "../render.js";
import { forbidden } from "./inbox.js";

const percent = (v: number) => `${Math.round(v * 100)} %`;

export function dashboardRoutes(deps: ConsoleDeps): FastifyPluginAsync {
  return async (app) => {
    app.get("/dashboard", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "dashboard")) throw forbidden();
      const now = deps.now();
      const data = await dashboard(deps.prisma, deps.currentPeriod(now), now);
      const t = (key: Parameters<typeof ct>[1], params?: Record<string, string | number>) =>
        ct(identity.language, key, params);
      const dayLabel = (day: number) => t("dashboard.day", { n: day });
      const submissions = lineChart({
        title: t("dashboard.submissionsTitle"),
        max: Math.max(0.5, ...data.current.days.map((d) => d.rate), ...data.previous.days.map((d) => d.rate)),
        tick: percent,
        series: [
          {
            name: t("dashboard.thisPeriod", { period: data.current.period }),
            colour: "#0b6bcb",
            points: data.current.days.map((d) => [dayLabel(d.day), d.rate]),
          },
          {
            name: t("dashboard.lastPeriod", { period: data.previous.period }),
            colour: "#9aa5b1",
            dashed: true,
            points: data.previous.days.map((d) => [dayLabel(d.day), d.rate]),
          },
        ],
      });
      const channels = (["telegram", "viber", "web"] as const).map((c) => ({
        label: t(`channel.${c}`),
        values: [
          data.stats.usersPerChannel[c].active,
          data.stats.usersPerChannel[c].total - data.stats.usersPerChannel[c].active,
        ],
      }));
      const users = barChart({
        title: t("dashboard.usersTitle"),
        series: [
          { name: t("dashboard.active"), colour: "#0b6bcb" },
          { name: t("dashboard.inactive"), colour: "#c5ccd3" },
        ],
        groups: channels,
      });
      const ages = barChart({
        title: t("dashboard.ageTitle"),
        series: [
          { name: t("dashboard.outageReports"), colour: "#d9822b" },
          { name: t("dashboard.serviceOrders"), colour: "#7b61c9" },
        ],
        groups: data.openByAge.map((b) => ({
          label: t(`age.bucket.${b.key}`),
          values: [b.outageReports, b.serviceOrders],
        })),
      });
      return renderPage(
        reply,
        "dashboard",
        { data, charts: { submissions, users, ages } },
        { identity, language: identity.language, current: "dashboard", title: "dashboard" },
      );
    });
  };
}
