// Journey 5: the open outage reports and service orders of the user's accounts, with status,
// expected times and details.
import { showInstant } from "../calendar.js";
import type { FlowContext, Transition } from "../flow-kit.js";
import type { MessageKey } from "../i18n/index.js";
import type { OutageReportStatus, ServiceOrderStatus, ServiceType } from "../ports.js";

export const outageStatusKey: Record<OutageReportStatus, MessageKey> = {
  received: "outageStatus.received",
  crew_dispatched: "outageStatus.crew_dispatched",
  restored: "outageStatus.restored",
  cancelled: "outageStatus.cancelled",
};

export const orderStatusKey: Record<ServiceOrderStatus, MessageKey> = {
  received: "orderStatus.received",
  scheduled: "orderStatus.scheduled",
  in_progress: "orderStatus.in_progress",
  done: "orderStatus.done",
  cancelled: "orderStatus.cancelled",
};

export const serviceTypeKey: Record<ServiceType, MessageKey> = {
  meter_replacement: "serviceType.meter_replacement",
  meter_setup: "serviceType.meter_setup",
  sealing: "serviceType.sealing",
  unsealing: "serviceType.unsealing",
  meter_fault: "serviceType.meter_fault",
};

export async function requestsText(ctx: FlowContext): Promise<string> {
  const links = await ctx.linkedAccounts();
  const labels = new Map(links.map((link) => [link.account.id, link.label]));
  const accountIds = links.map((link) => link.account.id);
  const reports = await ctx.tx.outageReports.listOpenForAccounts(accountIds);
  const orders = await ctx.tx.serviceOrders.listOpenForAccounts(accountIds);
  if (reports.length === 0 && orders.length === 0) return ctx.t("requests.none");
  const lines = [ctx.t("requests.title")];
  for (const report of reports) {
    lines.push(
      ctx.t("requests.outage", {
        id: report.id,
        label: labels.get(report.accountId) ?? "",
        status: ctx.t(outageStatusKey[report.status]),
        created: showInstant(report.createdAt),
      }),
    );
    if (report.expectedRestoreAt) {
      lines.push(ctx.t("requests.expectedRestore", { time: showInstant(report.expectedRestoreAt) }));
    }
    if (report.comment) lines.push(ctx.t("requests.comment", { comment: report.comment }));
  }
  for (const order of orders) {
    lines.push(
      ctx.t("requests.order", {
        id: order.id,
        label: labels.get(order.accountId) ?? "",
        type: ctx.t(serviceTypeKey[order.type]),
        status: ctx.t(orderStatusKey[order.status]),
        created: showInstant(order.createdAt),
      }),
    );
    if (order.visitFrom && order.visitTo) {
      lines.push(
        ctx.t("requests.visit", { from: showInstant(order.visitFrom), to: showInstant(order.visitTo) }),
      );
    } else if (order.preferredDate) {
      const [year, month, day] = order.preferredDate.split("-");
      lines.push(ctx.t("requests.preferredDate", { date: `${day}.${month}.${year}` }));
    }
    if (order.comment) lines.push(ctx.t("requests.comment", { comment: order.comment }));
  }
  return lines.join("\n");
}

export async function showRequests(ctx: FlowContext): Promise<Transition> {
  return ctx.menu(await requestsText(ctx));
}
