// POST /webhooks/viber: our own inbound route (viber-bot's middleware is never mounted). Order of
// work: verify the signature over the raw bytes -> bigint-safe parse -> zod -> map -> (a picture:
// download and keep it) -> engine -> send the replies -> only then answer 200, so a callback Viber
// does not see acknowledged is redelivered and nothing is lost. The engine's dedupe on
// message_token makes redelivery safe; a picture's copy is keyed by the same token (media.ts).
//
// The picture is kept before the engine's transaction, not inside it: the engine's transaction is
// its own (one per update, row lock held), and a download of seconds must not hold it. The cost is
// a copy nothing refers to when the engine then fails or the picture came where no flow takes one;
// the retention sweep (src/db/retention.ts) deletes such copies after two days.
import type { FastifyPluginAsync, FastifyReply } from "fastify";
import type { Logger } from "../../logger.js";
import { StoreUnavailableError, UpdateFailedError } from "../../engine/errors.js";
import type { Address, EventMeta, InboundEvent } from "../../engine/events.js";
import type { Reply } from "../../engine/replies.js";
import type { EngineHandle, UserStatusPort } from "../channel.js";
import { parseViberCallback } from "./callbacks.js";
import type { ViberPictures } from "./media.js";
import type { ViberMetrics } from "./metrics.js";
import { renderWelcome } from "./render.js";
import type { ViberSender } from "./sender.js";
import { isValidViberSignature, pickViberSignature } from "./signature.js";
import { pictureEvent, toViberInbound } from "./to-event.js";

export const VIBER_WEBHOOK_PATH = "/webhooks/viber";

export interface ViberRouteDeps {
  authToken: string;
  botName: string;
  botAvatar: string | undefined;
  engine: EngineHandle;
  sender: ViberSender;
  /** Downloads and keeps pictures before the engine sees them. */
  pictures: ViberPictures;
  userStatus: UserStatusPort;
  logger: Logger;
  metrics: ViberMetrics;
}

export function viberWebhookRoutes(deps: ViberRouteDeps): FastifyPluginAsync {
  return async (app) => {
    // The signature covers the exact bytes Viber sent: in this plugin's scope every body stays a
    // Buffer (the JSON parser would lose both the bytes and 64-bit tokens).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => {
      done(null, body);
    });

    app.post(VIBER_WEBHOOK_PATH, async (request, reply) => {
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signature = pickViberSignature(request.headers, request.query);
      if (!isValidViberSignature(raw, signature, deps.authToken)) {
        deps.metrics.callbacks.inc({ event: "rejected" });
        request.log.warn(
          { channel: "viber", signature: signature === undefined ? "missing" : "mismatch" },
          "viber callback refused: bad signature",
        );
        return reply.code(403).send({ error: "forbidden" });
      }

      const parsed = parseViberCallback(raw.toString("utf8"));
      if (parsed.kind === "invalid") {
        deps.metrics.callbacks.inc({ event: "invalid" });
        request.log.warn({ channel: "viber", issues: parsed.issues }, "viber callback refused: invalid");
        return reply.code(400).send({ error: "bad_request", issues: parsed.issues });
      }
      if (parsed.kind === "unknown_event") {
        deps.metrics.callbacks.inc({ event: "unknown" });
        request.log.debug({ channel: "viber", event: parsed.event }, "viber callback ignored: unknown event");
        return reply.code(200).send();
      }

      const { callback } = parsed;
      deps.metrics.callbacks.inc({ event: callback.event });
      const inbound = toViberInbound(callback);
      switch (inbound.kind) {
        case "webhook_check":
          request.log.info({ channel: "viber" }, "viber webhook check answered");
          return reply.code(200).send();
        case "receipt": {
          const log = request.log.child({ channel: "viber", event: inbound.event, updateId: inbound.token });
          if (inbound.event === "failed")
            log.warn({ description: inbound.description?.slice(0, 200) }, "viber reports a message failed");
          else log.debug("viber delivery receipt");
          return reply.code(200).send();
        }
        case "invalid":
          deps.metrics.callbacks.inc({ event: "invalid" });
          request.log.warn(
            { channel: "viber", issues: inbound.issues },
            "viber callback refused: invalid message",
          );
          return reply.code(400).send({ error: "bad_request", issues: inbound.issues });
        case "engine":
        case "picture":
          break;
      }

      const { address, meta } = inbound;
      // deps.logger is the channel's own (it carries channel: "viber"); one child per callback.
      const bindings = { reqId: request.id, updateId: meta.updateId, callback: callback.event };
      let event: InboundEvent;
      if (inbound.kind === "picture") {
        const kept = await keepPicture(inbound, deps.logger.child(bindings));
        if (kept === "unavailable") return reply.code(503).send({ error: "unavailable" });
        event = kept;
      } else {
        event = inbound.event;
      }
      const log = deps.logger.child({ ...bindings, eventType: event.type });
      // Known from the callback itself: no need to learn it from a status 13.
      const userApiVersion =
        callback.event === "message"
          ? callback.sender.api_version
          : callback.event === "conversation_started" || callback.event === "subscribed"
            ? callback.user.api_version
            : undefined;
      const apiLevel3 = userApiVersion === undefined || userApiVersion >= 3;

      let replies: Reply[];
      let trace: { userId?: number; step?: string } = {};
      try {
        const result = await deps.engine.handle(address, event, meta);
        if (result.duplicate) {
          log.info("viber callback already processed; acknowledged");
          return reply.code(200).send();
        }
        replies = result.replies;
        trace = result.trace ?? {};
      } catch (error) {
        if (error instanceof StoreUnavailableError) {
          log.error({ err: error }, "store unavailable; viber will redeliver");
          return reply.code(503).send({ error: "unavailable" });
        }
        log.error({ err: error }, "handling a viber callback failed");
        // A poison callback must not be redelivered for an hour: 200, with the engine's apology.
        if (!(error instanceof UpdateFailedError)) return reply.code(200).send();
        replies = [error.apology];
      }

      if (inbound.kind === "engine" && inbound.welcome) return sendWelcome(reply, replies, apiLevel3, log);
      if (event.type === "blocked") {
        // The engine marks the user inactive ("blocked"); on Viber the precise state is
        // "unsubscribed", the same one a status 6 answer leads to. Nothing can be sent to them.
        await deps.userStatus.setStatus(address, "unsubscribed");
        log.info("viber user unsubscribed");
        return reply.code(200).send();
      }
      if (replies.length === 0) return reply.code(200).send();
      const outcome = await deps.sender.send(address, replies, { apiLevel3 });
      if (outcome.kind === "sent")
        log.info({ ...trace, messages: outcome.messages }, "viber callback handled");
      else log.warn({ outcome }, "viber replies not delivered");
      return reply.code(200).send();
    });
  };

  /**
   * Downloads and keeps a picture; its event for the engine. A picture that cannot be used becomes an
   * unsupported event (the customer is asked again; never a 5xx: Viber would redeliver for an hour).
   * Only a database that cannot be reached answers 503, so Viber redelivers once it is back.
   */
  async function keepPicture(
    picture: { address: Address; meta: EventMeta; messageToken: string; media: string; caption?: string },
    log: Logger,
  ): Promise<InboundEvent | "unavailable"> {
    try {
      const outcome = await deps.pictures.keep(picture);
      if (outcome.kind === "kept") {
        deps.metrics.pictures.inc({ outcome: outcome.alreadyKept ? "already_kept" : "kept" });
        log.info(
          { picture: outcome.alreadyKept ? "already_kept" : "kept", bytes: outcome.bytes },
          "viber picture kept",
        );
      } else {
        deps.metrics.pictures.inc({ outcome: outcome.failure });
        log.warn({ failure: outcome.failure, reason: outcome.message }, "viber picture unusable");
      }
      return pictureEvent(outcome, picture.caption);
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        deps.metrics.pictures.inc({ outcome: "store_unavailable" });
        log.error({ err: error }, "store unavailable while keeping a picture; viber will redeliver");
        return "unavailable";
      }
      deps.metrics.pictures.inc({ outcome: "store_failed" });
      log.error({ err: error }, "keeping a viber picture failed; handled as unusable");
      return pictureEvent({ kind: "unusable" }, picture.caption);
    }
  }

  /** conversation_started: the reply goes back as the response body, the only way to greet a user
   *  who has not subscribed yet. Built from this request's replies alone. */
  function sendWelcome(reply: FastifyReply, replies: Reply[], apiLevel3: boolean, log: Logger) {
    const welcome = renderWelcome(replies, { apiLevel3 });
    if (welcome === undefined) return reply.code(200).send();
    log.info("viber welcome returned");
    return reply
      .code(200)
      .type("application/json")
      .send({
        sender:
          deps.botAvatar === undefined
            ? { name: deps.botName }
            : { name: deps.botName, avatar: deps.botAvatar },
        type: "text",
        text: welcome.text,
        ...(welcome.keyboard !== undefined ? { keyboard: welcome.keyboard } : {}),
        ...(welcome.minApiVersion !== undefined ? { min_api_version: welcome.minApiVersion } : {}),
      });
  }
}
