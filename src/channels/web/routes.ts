// The web chat's HTTP surface: the page (GET /, /web/app.js, /web/style.css), the event endpoint
// (POST /web/api/events: runs the engine and answers with its replies) and the push stream
// (GET /web/api/stream: server-sent events fed from web_outbox). Registered only when enabled.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import rateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Logger } from "pino";
import { Counter, Gauge, type Registry } from "prom-client";
import type { PrismaClient } from "../../generated/prisma/client.js";
import { StoreUnavailableError, UpdateFailedError } from "../../engine/errors.js";
import type { InboundEvent } from "../../engine/events.js";
import type { EngineHandle } from "../channel.js";
import type { SchedulePictures } from "../schedule-pictures.js";
import type { SharedPhotoStore } from "../shared-photos.js";
import type { WebOutbox } from "./outbox.js";
import { shownReply } from "./shown.js";
import { checkPhoto, storePhoto } from "./photos.js";
import type { StreamConnection, StreamHub } from "./stream-hub.js";
import {
  addressOf,
  eventRequestSchema,
  MAX_PHOTO_BYTES,
  photoIdOf,
  renderReply,
  splitReply,
  streamQuerySchema,
  toInboundEvent,
  updateIdOf,
} from "./wire.js";

export interface WebRoutesDeps {
  engine: EngineHandle;
  prisma: PrismaClient;
  outbox: WebOutbox;
  hub: StreamHub;
  logger: Logger;
  registry: Registry | undefined;
  /** When set, every API call must carry it (header x-web-chat-token, or ?token= for the stream). */
  token: string | undefined;
  limits: { eventsPerMinute: number; streamsPerMinute: number };
  /** Schedule pictures: shown as images served by the media route; without them, text only. */
  schedulePictures?: SchedulePictures | undefined;
  /** Photos the company shares (an operator's attachment), shown from /media/photos/. */
  sharedPhotos?: SharedPhotoStore | undefined;
}

const TOKEN_HEADER = "x-web-chat-token";

// The page loads only its own files; nothing inline, nothing third-party.
const PAGE_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** A short, non-reversible tag of a client id for logs (the id itself is the conversation's key). */
function clientTag(clientId: string): string {
  return createHash("sha256").update(clientId).digest("base64url").slice(0, 10);
}

function presentedToken(request: FastifyRequest): string | undefined {
  const header = request.headers[TOKEN_HEADER];
  if (typeof header === "string") return header;
  // EventSource cannot send headers, so the stream takes the token as a query parameter.
  const query = request.query as Record<string, unknown> | undefined;
  return typeof query?.token === "string" ? query.token : undefined;
}

function clientIdKey(request: FastifyRequest): string {
  const body = request.body as Record<string, unknown> | undefined;
  const query = request.query as Record<string, unknown> | undefined;
  const clientId = typeof body?.clientId === "string" ? body.clientId : query?.clientId;
  // Requests without a usable id share their IP's bucket.
  return typeof clientId === "string" && clientId.length <= 64 ? `client:${clientId}` : `ip:${request.ip}`;
}

export async function webChatRoutes(app: FastifyInstance, deps: WebRoutesDeps): Promise<void> {
  const { engine, prisma, outbox, hub, logger } = deps;
  const [pageHtml, appJs, styleCss] = await Promise.all(
    ["index.html", "app.js", "style.css"].map((name) =>
      readFile(new URL(`./public/${name}`, import.meta.url), "utf8"),
    ),
  );

  const registers = deps.registry ? [deps.registry] : [];
  const eventsCounter = new Counter({
    name: "web_chat_events_total",
    help: "Web chat events by type and outcome",
    labelNames: ["type", "outcome"] as const,
    registers,
  });
  // Registered on the registry, which keeps it; read at scrape time.
  new Gauge({
    name: "web_chat_streams",
    help: "Web chat event streams open on this instance",
    registers,
    collect() {
      this.set(hub.size());
    },
  });

  await app.register(rateLimit, { global: false });

  const expectedToken = deps.token === undefined ? undefined : digest(deps.token);
  async function authorize(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (!expectedToken) return;
    const presented = presentedToken(request);
    // Compare digests so the comparison is constant-time whatever the presented length.
    if (presented === undefined || !timingSafeEqual(digest(presented), expectedToken)) {
      await reply
        .status(401)
        .send({ error: "unauthorized", message: "This web chat needs its access token." });
    }
  }

  // Ends open streams before the server waits for in-flight requests, or close would hang on them.
  app.addHook("preClose", async () => {
    hub.close();
  });

  app.get("/", async (_request, reply) =>
    reply.headers(PAGE_HEADERS).type("text/html; charset=utf-8").send(pageHtml),
  );
  app.get("/web/app.js", async (_request, reply) =>
    reply.headers(PAGE_HEADERS).type("text/javascript; charset=utf-8").send(appJs),
  );
  app.get("/web/style.css", async (_request, reply) =>
    reply.headers(PAGE_HEADERS).type("text/css; charset=utf-8").send(styleCss),
  );

  app.post(
    "/web/api/events",
    {
      onRequest: authorize,
      // Photos arrive base64-encoded inside the JSON body.
      bodyLimit: Math.ceil((MAX_PHOTO_BYTES * 4) / 3) + 64 * 1024,
      config: {
        rateLimit: {
          max: deps.limits.eventsPerMinute,
          timeWindow: 60_000,
          hook: "preHandler",
          keyGenerator: clientIdKey,
        },
      },
    },
    async (request, reply) => {
      const parsed = eventRequestSchema.safeParse(request.body);
      if (!parsed.success) {
        eventsCounter.inc({ type: "unknown", outcome: "invalid" });
        return reply.status(400).send({
          error: "invalid_request",
          issues: parsed.error.issues.map((issue) => ({
            path: issue.path.join("."),
            message: issue.message,
          })),
        });
      }
      const { clientId, eventId, language, event } = parsed.data;
      const address = addressOf(clientId);
      const log = logger.child({
        channel: "web",
        client: clientTag(clientId),
        eventId,
        eventType: event.type,
      });

      try {
        let inbound: InboundEvent;
        if (event.type === "photo") {
          const photo = checkPhoto(event);
          if (!photo.ok) {
            eventsCounter.inc({ type: event.type, outcome: "invalid" });
            return reply.status(400).send({ error: "invalid_photo", message: photo.reason });
          }
          const ref = await storePhoto(prisma, {
            id: photoIdOf(clientId, eventId),
            address,
            mimeType: event.mimeType,
            bytes: photo.bytes,
          });
          inbound = toInboundEvent(event, ref);
        } else {
          inbound = toInboundEvent(event);
        }

        const result = await engine.handle(address, inbound, {
          channel: "web",
          updateId: updateIdOf(clientId, eventId),
          ...(language ? { languageCode: language } : {}),
        });
        eventsCounter.inc({ type: event.type, outcome: result.duplicate ? "duplicate" : "handled" });
        log.info(
          { ...result.trace, replies: result.replies.length, duplicate: result.duplicate },
          "web chat event handled",
        );
        const parts = result.replies.flatMap((r) => splitReply(r));
        const images = { schedulePictures: deps.schedulePictures, sharedPhotos: deps.sharedPhotos };
        const warn = (err: unknown) =>
          logger.warn({ err, channel: "web" }, "picture not available; text only");
        const shown = await Promise.all(parts.map((r) => shownReply(r, images, warn)));
        return {
          duplicate: result.duplicate,
          language: result.language,
          messages: shown.map((r) => renderReply(r, undefined, r.shownPicture)),
        };
      } catch (err) {
        if (err instanceof UpdateFailedError) {
          // The engine rolled back and gave us an apology in the user's language: show it, answer 200.
          eventsCounter.inc({ type: event.type, outcome: "failed" });
          log.error({ err }, "web chat event failed");
          return {
            duplicate: false,
            language: err.language,
            messages: splitReply(err.apology).map((r) => renderReply(r)),
          };
        }
        if (err instanceof StoreUnavailableError || isDatabaseUnreachable(err)) {
          eventsCounter.inc({ type: event.type, outcome: "unavailable" });
          log.warn({ err }, "web chat event: store unavailable");
          return reply.status(503).header("retry-after", "5").send({
            error: "unavailable",
            message: "The service is briefly unavailable; the page will retry.",
          });
        }
        throw err;
      }
    },
  );

  app.get(
    "/web/api/stream",
    {
      onRequest: authorize,
      config: {
        rateLimit: {
          max: deps.limits.streamsPerMinute,
          timeWindow: 60_000,
          hook: "preHandler",
          keyGenerator: clientIdKey,
        },
      },
    },
    async (request, reply) => {
      const parsed = streamQuerySchema.safeParse(request.query);
      if (!parsed.success) {
        return reply.status(400).send({
          error: "invalid_request",
          issues: parsed.error.issues.map((issue) => ({
            path: issue.path.join("."),
            message: issue.message,
          })),
        });
      }
      const address = addressOf(parsed.data.clientId);
      // EventSource resends the last id it saw when it reconnects by itself; the page passes ?after=
      // after a reload. Either acknowledges everything up to it.
      const lastEventId = Number(request.headers["last-event-id"]);
      const after = Math.max(
        parsed.data.after,
        Number.isSafeInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0,
      );
      try {
        await outbox.acknowledge(address, after);
      } catch (err) {
        logger.warn({ err, channel: "web" }, "web chat stream: store unavailable");
        return reply.status(503).header("retry-after", "5").send({ error: "unavailable" });
      }

      const raw = reply.raw;
      const connection: StreamConnection = {
        address,
        cursor: after,
        write: (chunk) => {
          if (!raw.writableEnded && !raw.destroyed) raw.write(chunk);
        },
        end: () => {
          if (!raw.writableEnded && !raw.destroyed) raw.end();
        },
      };
      if (!hub.add(connection)) {
        return reply.status(503).header("retry-after", "10").send({ error: "busy" });
      }
      reply.hijack();
      raw.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        // Tell nginx-like proxies not to buffer the stream.
        "x-accel-buffering": "no",
      });
      raw.write("retry: 3000\n\n");
      // The response's close fires when the browser goes away (the request's fires once it is read).
      raw.on("close", () => hub.remove(connection));
      logger.debug(
        { channel: "web", client: clientTag(parsed.data.clientId), after },
        "web chat stream opened",
      );
      // Deliver whatever waited for this browser right away, not at the next tick.
      await hub.pollOnce();
    },
  );
}

/** Prisma/pg errors that mean the database cannot be reached (the engine wraps its own; photos do not). */
function isDatabaseUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === "string" &&
    ["ECONNREFUSED", "ECONNRESET", "P1001", "P1002", "P1017", "P2024"].includes(code)
  );
}
