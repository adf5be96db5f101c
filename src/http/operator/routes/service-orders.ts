// Meter service orders: the operators' queue and changes (status, visit window) that reach the customer.
import { recordAudit } from "../../../operator/audit.js";
import { actorOf } from "../auth.js";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { listServiceOrders, updateServiceOrder } from "../../../operator/service-orders.js";
import {
  errorResponse,
  idParams,
  serviceOrderPatch,
  serviceOrderView,
  serviceOrdersQuery,
} from "../schemas.js";
import type { OperatorApiDeps } from "../deps.js";

export function serviceOrderRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    api.get(
      "/service-orders",
      {
        schema: {
          summary: "Service orders, oldest first, filtered by status",
          tags: ["service orders"],
          querystring: serviceOrdersQuery,
          response: {
            200: z.object({ items: z.array(serviceOrderView) }),
            400: errorResponse,
            401: errorResponse,
          },
        },
      },
      async (request) => ({ items: await listServiceOrders(deps.prisma, request.query) }),
    );

    api.patch(
      "/service-orders/:id",
      {
        schema: {
          summary: "Change an order's status, visit window or comment; the customer is told",
          tags: ["service orders"],
          params: idParams,
          body: serviceOrderPatch,
          response: { 200: serviceOrderView, 400: errorResponse, 401: errorResponse, 404: errorResponse },
        },
      },
      async (request) => {
        const order = await updateServiceOrder(deps.prisma, deps.notifier, request.params.id, request.body);
        request.log.info(
          { orderId: order.id, fields: Object.keys(request.body), status: order.status },
          "service order changed",
        );
        await recordAudit(deps.prisma, actorOf(request), {
          action: "service_order.update",
          entity: "service_order",
          entityId: order.id,
          details: request.body,
        });
        return order;
      },
    );
  };
}
