// The photos customers attach, as images: a reading's meter photo and a service order's photo, fetched
// from where the customer's channel keeps them (customer_photo for web chat photos and Viber pictures,
// Telegram's file host, or an older Viber row's download link). Listings link here with photoUrl. The
// URL names the record, never the stored reference: an older Viber reference is a signed download
// link and must not travel in URLs or access logs.
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { readingPhoto, serviceOrderPhoto, type Photo } from "../../../operator/photos.js";
import { errorResponse, idParams, photoResponse } from "../schemas.js";
import type { OperatorApiDeps } from "../deps.js";

/** Error answers are JSON whatever the 200 is; each documented with what it means here. */
function jsonError(description: string) {
  return { description, content: { "application/json": { schema: errorResponse } } };
}

const photoErrors = {
  400: jsonError("The id is not a positive integer"),
  401: jsonError("No valid bearer token"),
  404: jsonError("No such record, no photo on it, or a stored reference this service cannot read"),
  409: jsonError("The photo's messenger is not configured here (no token)"),
  410: jsonError("The messenger no longer has the photo (its link expired, the file is gone)"),
  422: jsonError("The photo is larger than the service relays (10 MB)"),
  502: jsonError("The messenger failed or did not send an image"),
  504: jsonError("The messenger did not answer in time"),
};

function sendPhoto(reply: FastifyReply, photo: Photo, name: string): FastifyReply {
  const extension = photo.contentType.slice("image/".length).replace("jpeg", "jpg");
  return reply
    .type(photo.contentType)
    .header("content-disposition", `inline; filename="${name}.${extension}"`)
    .header("cache-control", "private, max-age=300")
    .header("x-content-type-options", "nosniff")
    .send(photo.bytes);
}

/** The records that can carry a customer's photo: one route each, the same shape. */
const photoOwners = [
  {
    path: "/readings/:id/photo",
    summary: "The meter photo a customer attached to a reading (the photoUrl of a reading)",
    load: readingPhoto,
    auditKey: "readingId",
    viewed: "reading photo viewed",
    filePrefix: "reading",
  },
  {
    path: "/service-orders/:id/photo",
    summary: "The photo a customer attached to a service order (the photoUrl of an order)",
    load: serviceOrderPhoto,
    auditKey: "orderId",
    viewed: "service order photo viewed",
    filePrefix: "service-order",
  },
] as const;

export function photoRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    for (const owner of photoOwners) {
      api.get(
        owner.path,
        {
          schema: {
            summary: owner.summary,
            tags: ["photos"],
            params: idParams,
            response: { 200: photoResponse, ...photoErrors },
          },
        },
        async (request, reply) => {
          const photo = await owner.load(deps.prisma, deps.photoSources, request.params.id);
          // Audit: operators looking at customers' photos.
          request.log.info(
            { [owner.auditKey]: request.params.id, source: photo.source, bytes: photo.bytes.length },
            owner.viewed,
          );
          // A Buffer bypasses the serializer; the typed reply knows only the documented shapes.
          const untyped: FastifyReply = reply;
          return sendPhoto(untyped, photo, `${owner.filePrefix}-${request.params.id}`);
        },
      );
    }
  };
}
