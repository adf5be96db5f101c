// Photos of the company's own that a reply carries (Reply.photo: an operator's attachment in a
// conversation with a person, named by its stored id). Channels read them through the
// SharedPhotoStore port (src/db/shared-photo-store.ts): Telegram uploads the bytes; Viber sends a
// picture message and the web chat an <img>, both from GET /media/photos/<id>.<ext>, a public path
// that cannot be guessed (the id is a random UUID) and that answers only for photos an operator
// sent. A photo that cannot be shown is said in words (Reply.photo.unshown), never as a link.
import type { FastifyPluginAsync } from "fastify";
import type { Logger } from "pino";
import type { CompanyPhoto, Reply } from "../engine/replies.js";

export const SHARED_PHOTO_PATH_PREFIX = "/media/photos/";

const ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EXTENSIONS: Readonly<Record<string, string>> = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/gif": "gif",
  "image/webp": "webp",
};

export interface SharedPhoto {
  bytes: Buffer;
  mimeType: string;
}

export interface SharedPhotoStore {
  /** The photo's type without its bytes; null when no operator sent a photo with this id. */
  mimeType(id: string): Promise<string | null>;
  /** The photo; null when no operator sent a photo with this id. */
  photo(id: string): Promise<SharedPhoto | null>;
}

export function isSharedPhotoId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/** The URL path of a shared photo ("/media/photos/<id>.jpg"); undefined for a type not served. */
export function sharedPhotoPath(id: string, mimeType: string): string | undefined {
  const extension = EXTENSIONS[mimeType];
  return extension && isSharedPhotoId(id) ? `${SHARED_PHOTO_PATH_PREFIX}${id}.${extension}` : undefined;
}

/** The reply as text alone, saying that its photo could not be shown. */
export function withoutPhoto(reply: Reply, photo: CompanyPhoto): Reply {
  const { photo: _shown, ...rest } = reply;
  return { ...rest, text: `${reply.text}\n${photo.unshown}` };
}

/** GET /media/photos/<id>.<ext>: the photo's bytes, for Viber's fetcher and the web chat page. */
export function sharedPhotoRoutes(store: SharedPhotoStore, logger: Logger): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { file: string } }>(`${SHARED_PHOTO_PATH_PREFIX}:file`, async (request, reply) => {
      const [id = "", extension, ...more] = request.params.file.split(".");
      const notFound = () => reply.code(404).send({ error: "not_found", message: "No such photo." });
      if (more.length > 0 || !isSharedPhotoId(id)) return notFound();
      let photo: SharedPhoto | null;
      try {
        photo = await store.photo(id);
      } catch (err) {
        logger.warn({ err }, "shared photo lookup failed");
        return reply.code(503).header("retry-after", "5").send({ error: "unavailable" });
      }
      if (!photo || EXTENSIONS[photo.mimeType] !== extension) return notFound();
      return reply
        .headers({
          "content-type": photo.mimeType,
          // Never changes under its id; kept out of shared caches (it belongs to one conversation).
          "cache-control": "private, max-age=86400",
          "x-content-type-options": "nosniff",
          "content-length": String(photo.bytes.length),
        })
        .send(photo.bytes);
    });
  };
}
