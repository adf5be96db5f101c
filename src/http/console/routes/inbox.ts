// The inbox: customers' outage reports (dispatchers) and service orders (service staff), filtered
// and paged on the database (src/operator/inbox.ts), and a record's page with the account around it
// and the form whose changes reach the customer (the same services as PATCH /api/v1/...).
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import { maskPhone } from "../../../operator/accounts.js";
import { accountContext } from "../../../operator/account-context.js";
import { recordAudit } from "../../../operator/audit.js";
import {
  AGE_FILTERS,
  listAreas,
  listInbox,
  OUTAGE_STATUSES,
  SERVICE_STATUSES,
  SERVICE_TYPES,
  type InboxKind,
} from "../../../operator/inbox.js";
import { decodeCursor, encodeCursor } from "../../../operator/paging.js";
import {
  getOutageReport,
  updateOutageReport,
  type OutageReportChange,
} from "../../../operator/outage-reports.js";
import { serviceOrderPhoto } from "../../../operator/photos.js";
import {
  getServiceOrder,
  serviceOrderContactPhone,
  updateServiceOrder,
  type ServiceOrderChange,
} from "../../../operator/service-orders.js";
import { body, kyivTime, oneOf, parseId, text } from "../forms.js";
import { mayDo, mayOpen, type Action } from "../nav.js";
import { userOf, type ConsoleDeps } from "../context.js";
import { renderPage } from "../render.js";
import { sendPhoto } from "./photos.js";

const PAGE_SIZE = 50;
const OUTAGE_SCOPES = ["home", "building", "street"] as const;

export function forbidden(): Error {
  return Object.assign(new Error("forbidden"), { statusCode: 403 });
}

export function requireAction(request: FastifyRequest, action: Action): void {
  if (!mayDo(userOf(request).role, action)) throw forbidden();
}

function kindsFor(request: FastifyRequest): InboxKind[] {
  const kinds: InboxKind[] = [];
  if (mayDo(userOf(request).role, "workOutageReports")) kinds.push("outage");
  if (mayDo(userOf(request).role, "workServiceOrders")) kinds.push("service");
  return kinds;
}

export function inboxRoutes(deps: ConsoleDeps): FastifyPluginAsync {
  async function recordPage(request: FastifyRequest, reply: FastifyReply, kind: InboxKind, id: number) {
    const identity = userOf(request);
    const record =
      kind === "outage" ? await getOutageReport(deps.prisma, id) : await getServiceOrder(deps.prisma, id);
    const context = await accountContext(deps.prisma, record.accountNumber);
    let contactPhone: string | undefined;
    if (kind === "service") {
      const phone = await serviceOrderContactPhone(deps.prisma, id);
      contactPhone = mayDo(identity.role, "seeContactPhone") ? phone : maskPhone(phone);
    }
    return renderPage(
      reply,
      kind === "outage" ? "outage-report" : "service-order",
      {
        record,
        context,
        contactPhone,
        statuses: kind === "outage" ? OUTAGE_STATUSES : SERVICE_STATUSES,
        canChange: mayDo(identity.role, kind === "outage" ? "workOutageReports" : "workServiceOrders"),
        now: deps.now(),
      },
      {
        identity,
        language: identity.language,
        current: "inbox",
        title: `${kind === "outage" ? "⚡" : "🛠"} ${record.id}`,
      },
    );
  }

  return async (app) => {
    app.get("/inbox", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "inbox")) throw forbidden();
      const kinds = kindsFor(request);
      const query = request.query as Record<string, unknown>;
      const kind: InboxKind = query.kind === "service" && kinds.includes("service") ? "service" : kinds[0]!;
      const statuses = kind === "outage" ? OUTAGE_STATUSES : SERVICE_STATUSES;
      const status = oneOf("status", query.status, ["open", "all", ...statuses]) ?? "open";
      const area =
        typeof query.area === "string" && /^[\w.-]{1,32}$/.test(query.area) ? query.area : undefined;
      const type = oneOf("type", query.type, kind === "outage" ? OUTAGE_SCOPES : SERVICE_TYPES);
      const age = oneOf("age", query.age, Object.keys(AGE_FILTERS) as (keyof typeof AGE_FILTERS)[]);
      const after = decodeCursor(typeof query.after === "string" ? query.after : undefined);
      const now = deps.now();
      const [page, areas] = await Promise.all([
        listInbox(
          deps.prisma,
          kind,
          {
            status,
            limit: PAGE_SIZE,
            ...(area ? { area } : {}),
            ...(type ? { type } : {}),
            ...(age ? { age } : {}),
            ...(after ? { after } : {}),
          },
          now,
        ),
        listAreas(deps.prisma),
      ]);
      const open = (
        kind === "outage" ? ["received", "crew_dispatched"] : ["received", "scheduled", "in_progress"]
      ).reduce((sum, s) => sum + (page.counts[s] ?? 0), 0);
      return renderPage(
        reply,
        "inbox",
        {
          kind,
          kinds,
          filter: { status, area, type, age },
          page,
          openCount: open,
          next: encodeCursor(page.next),
          statuses,
          types: kind === "outage" ? OUTAGE_SCOPES : SERVICE_TYPES,
          ages: Object.keys(AGE_FILTERS),
          areas,
          now,
        },
        { identity, language: identity.language, current: "inbox", title: "inbox" },
      );
    });

    app.get("/outage-reports/:id", async (request, reply) => {
      if (!mayDo(userOf(request).role, "workOutageReports")) throw forbidden();
      return recordPage(request, reply, "outage", parseId(request.params));
    });

    app.post("/outage-reports/:id", async (request, reply) => {
      requireAction(request, "workOutageReports");
      const id = parseId(request.params);
      const form = body(request);
      const change: OutageReportChange = {};
      const status = oneOf("status", form.status, OUTAGE_STATUSES);
      if (status) change.status = status;
      if (form.expectedRestoreAt !== undefined)
        change.expectedRestoreAt = kyivTime("expectedRestoreAt", form.expectedRestoreAt);
      const comment = text(form, "comment");
      if (comment !== undefined) change.comment = comment;
      await updateOutageReport(deps.prisma, deps.notifier, id, change);
      await recordAudit(
        deps.prisma,
        { kind: "user", login: userOf(request).login },
        {
          action: "outage_report.update",
          entity: "outage_report",
          entityId: id,
          details: { ...change },
        },
      );
      return reply.redirect(`/console/outage-reports/${id}?done=saved`, 303);
    });

    app.get("/service-orders/:id", async (request, reply) => {
      if (!mayDo(userOf(request).role, "workServiceOrders")) throw forbidden();
      return recordPage(request, reply, "service", parseId(request.params));
    });

    app.post("/service-orders/:id", async (request, reply) => {
      requireAction(request, "workServiceOrders");
      const id = parseId(request.params);
      const form = body(request);
      const change: ServiceOrderChange = {};
      const status = oneOf("status", form.status, SERVICE_STATUSES);
      if (status) change.status = status;
      if (form.visitFrom !== undefined) change.visitFrom = kyivTime("visitFrom", form.visitFrom);
      if (form.visitTo !== undefined) change.visitTo = kyivTime("visitTo", form.visitTo);
      const comment = text(form, "comment");
      if (comment !== undefined) change.comment = comment;
      await updateServiceOrder(deps.prisma, deps.notifier, id, change);
      await recordAudit(
        deps.prisma,
        { kind: "user", login: userOf(request).login },
        {
          action: "service_order.update",
          entity: "service_order",
          entityId: id,
          details: { ...change },
        },
      );
      return reply.redirect(`/console/service-orders/${id}?done=saved`, 303);
    });

    app.get("/service-orders/:id/photo", async (request, reply) => {
      requireAction(request, "workServiceOrders");
      const id = parseId(request.params);
      const photo = await serviceOrderPhoto(deps.prisma, deps.photoSources, id);
      request.log.info({ orderId: id }, "service order photo viewed");
      return sendPhoto(reply, photo);
    });
  };
}
