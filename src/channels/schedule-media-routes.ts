// GET /media/schedules/<key>.png: the schedule pictures the service drew, for Viber (which fetches
// a picture message's media URL itself) and the web chat's <img>. Only pictures that were drawn for
// a reply exist; a key names one queue, days, versions and language for good, so the answer is
// cached as immutable. Nothing else is served and nothing is drawn on request.
import type { FastifyPluginAsync } from "fastify";
import type { Logger } from "pino";
import { MEDIA_PATH_PREFIX, PICTURE_KEY_PATTERN, type SchedulePictures } from "./schedule-pictures.js";

export function scheduleMediaRoutes(pictures: SchedulePictures, logger: Logger): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { file: string } }>(`${MEDIA_PATH_PREFIX}:file`, async (request, reply) => {
      const match = /^(.+)\.png$/.exec(request.params.file);
      const key = match?.[1];
      if (!key || !PICTURE_KEY_PATTERN.test(key)) {
        return reply.code(404).send({ error: "not_found", message: "No such picture." });
      }
      let png: Buffer | null;
      try {
        png = await pictures.pngByKey(key);
      } catch (err) {
        logger.warn({ err }, "schedule picture lookup failed");
        return reply.code(503).header("retry-after", "5").send({ error: "unavailable" });
      }
      if (!png) return reply.code(404).send({ error: "not_found", message: "No such picture." });
      return reply
        .headers({
          "content-type": "image/png",
          "cache-control": "public, max-age=31536000, immutable",
          "x-content-type-options": "nosniff",
          "content-length": String(png.length),
        })
        .send(png);
    });
  };
}
