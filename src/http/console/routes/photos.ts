// A customer's photo as the console shows it (inline image, private cache).
import type { FastifyReply } from "fastify";
import type { Photo } from "../../../operator/photos.js";

export function sendPhoto(reply: FastifyReply, photo: Photo): FastifyReply {
  return reply
    .type(photo.contentType)
    .header("cache-control", "private, max-age=300")
    .header("x-content-type-options", "nosniff")
    .send(photo.bytes);
}
