// "Write to a person" in the console: the conversations inbox (waiting / mine / all open / closed,
// newest message first, unread counts, the unanswered-too-long flag; a search by account number,
// phone's last digits or words, and pages of 50 in the URL), one conversation with the
// customer's context, and take / reply / transfer / close over src/operator/handoff.ts. Pages
// refresh themselves when the version changes: pushed over GET /console/conversations/events
// (server-sent events fed by Postgres LISTEN/NOTIFY), else by polling GET
// /console/conversations/version (one index lookup); they reload only when it changed.
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Histogram } from "prom-client";
import type { OperatorRole } from "../../../generated/prisma/client.js";
import { recordAudit } from "../../../operator/audit.js";
import {
  closeHandoff,
  getHandoff,
  handoffCounts,
  handoffCursor,
  handoffPhotoRef,
  handoffVersion,
  HANDOFF_VIEWS,
  listHandoffs,
  markHandoffRead,
  replyToHandoff,
  takeHandoff,
  transferHandoff,
  transferTargets,
  type HandoffView,
  type OperatorRef,
} from "../../../operator/handoff.js";
import { cannedAnswers } from "../../../operator/handoff-canned.js";
import { decodeCursor, encodeCursor } from "../../../operator/paging.js";
import { sharedHandoffPhoto } from "../../../operator/handoff-photos.js";
import { fetchPhoto } from "../../../operator/photos.js";
import { sniffImageType } from "../../../channels/media-download.js";
import { body, oneOf, parseId, text } from "../forms.js";
import { mayOpen } from "../nav.js";
import { userOf, type ConsoleDeps } from "../context.js";
import { createVersionFeed, type ChangeSignal } from "../handoff-live.js";
import { renderPage } from "../render.js";
import { forbidden, requireAction } from "./inbox.js";
import { sendPhoto } from "./photos.js";

const ROLES: readonly OperatorRole[] = ["dispatcher", "service", "billing", "admin"];
/** Conversations a list page shows; older ones are on the next pages (keyset paging). */
const PAGE_SIZE = 50;

export interface ConversationOptions {
  /** A conversation waiting for an answer longer than this is flagged. */
  unansweredMinutes: number;
  /** How often the pages poll for changes. */
  pollMs: number;
  firstAnswer?: Histogram;
  /** Postgres's change notifications: pages get versions pushed (server-sent events), else poll. */
  changes?: ChangeSignal;
}

function operatorOf(request: FastifyRequest): OperatorRef {
  const identity = userOf(request);
  if (!mayOpen(identity.role, "conversations")) throw forbidden();
  return { userId: identity.userId, login: identity.login, role: identity.role };
}

export function conversationRoutes(deps: ConsoleDeps, options: ConversationOptions): FastifyPluginAsync {
  const actor = (request: FastifyRequest) => ({ kind: "user" as const, login: userOf(request).login });
  return async (app) => {
    const feed = options.changes
      ? createVersionFeed(
          options.changes,
          () => handoffVersion(deps.prisma),
          (err) => app.log.warn({ err }, "conversations version not read; pages catch up on the next change"),
        )
      : undefined;
    // Open streams would keep the server from closing.
    app.addHook("preClose", async () => feed?.close());

    app.get("/conversations", async (request, reply) => {
      const operator = operatorOf(request);
      const query = request.query as Record<string, unknown>;
      const view: HandoffView = oneOf("view", query.view, HANDOFF_VIEWS) ?? "waiting";
      const search = text(query, "q", 100);
      const after = decodeCursor(typeof query.after === "string" ? query.after : undefined);
      const now = deps.now();
      const common = { operator, now, unansweredMinutes: options.unansweredMinutes };
      const [rows, counts, version] = await Promise.all([
        listHandoffs(deps.prisma, {
          view,
          ...common,
          limit: PAGE_SIZE + 1,
          ...(search ? { search } : {}),
          ...(after ? { after } : {}),
        }),
        handoffCounts(deps.prisma, common),
        handoffVersion(deps.prisma),
      ]);
      const items = rows.slice(0, PAGE_SIZE);
      const last = items.at(-1);
      const identity = userOf(request);
      return renderPage(
        reply,
        "conversations",
        {
          items,
          counts,
          view,
          views: HANDOFF_VIEWS,
          q: search ?? "",
          after: after ? encodeCursor(after) : null,
          next: rows.length > PAGE_SIZE && last ? encodeCursor(handoffCursor(last)) : null,
          now,
          version,
          pollMs: options.pollMs,
          unansweredMinutes: options.unansweredMinutes,
        },
        { identity, language: identity.language, current: "conversations", title: "conversations" },
      );
    });

    // What the pages poll: changes whenever any conversation does.
    app.get("/conversations/version", async (request, reply) => {
      operatorOf(request);
      return reply.type("application/json").send({ version: await handoffVersion(deps.prisma) });
    });

    // Pushed instead of polled while the instance hears Postgres's notifications; else 503 (poll).
    app.get("/conversations/events", async (request, reply) => {
      operatorOf(request);
      const current = await handoffVersion(deps.prisma);
      if (feed?.stream(request, reply, current)) return reply;
      return reply.code(503).type("application/json").send({ error: "unavailable", poll: true });
    });

    app.get("/conversations/:id", async (request, reply) => {
      const operator = operatorOf(request);
      const id = parseId(request.params);
      const now = deps.now();
      const version = await handoffVersion(deps.prisma);
      await markHandoffRead(deps.prisma, id, operator);
      const conversation = await getHandoff(deps.prisma, id, {
        now,
        unansweredMinutes: options.unansweredMinutes,
      });
      const identity = userOf(request);
      const mine = conversation.status === "active" && conversation.assignedTo === operator.userId;
      return renderPage(
        reply,
        "conversation",
        {
          c: conversation,
          mine,
          now,
          unansweredMinutes: options.unansweredMinutes,
          version,
          pollMs: options.pollMs,
          canned: mine ? cannedAnswers(conversation.language, operator.login) : [],
          targets: mine ? await transferTargets(deps.prisma, operator.userId) : [],
          roles: ROLES,
          // The account partial expects one context at a time.
          contexts: conversation.contexts,
        },
        { identity, language: identity.language, current: "conversations", title: `💬 ${conversation.id}` },
      );
    });

    app.get("/conversations/:id/messages/:message/photo", async (request, reply) => {
      operatorOf(request);
      const id = parseId(request.params);
      const raw = (request.params as { message?: string }).message ?? "";
      if (!/^\d{1,18}$/.test(raw)) throw Object.assign(new Error("message"), { statusCode: 404 });
      const ref = await handoffPhotoRef(deps.prisma, id, BigInt(raw));
      const photo = await fetchPhoto(deps.prisma, deps.photoSources, ref);
      request.log.info({ conversationId: id, messageId: raw }, "conversation photo viewed");
      return sendPhoto(reply, photo);
    });

    app.post("/conversations/:id/take", async (request, reply) => {
      requireAction(request, "answerConversations");
      const operator = operatorOf(request);
      const id = parseId(request.params);
      await takeHandoff(deps.prisma, id, operator, deps.now());
      await recordAudit(deps.prisma, actor(request), {
        action: "conversation.take",
        entity: "handoff_conversation",
        entityId: id,
        details: {},
      });
      return reply.redirect(`/console/conversations/${id}?done=taken`, 303);
    });

    app.post("/conversations/:id/reply", async (request, reply) => {
      requireAction(request, "answerConversations");
      const operator = operatorOf(request);
      const id = parseId(request.params);
      const message = text(body(request), "text", 4000);
      if (!message) throw Object.assign(new Error("text"), { statusCode: 400 });
      const { firstAnswerSeconds } = await replyToHandoff(
        deps.prisma,
        deps.notifier,
        id,
        operator,
        message,
        deps.now(),
      );
      if (firstAnswerSeconds !== null) options.firstAnswer?.observe(firstAnswerSeconds);
      return reply.redirect(`/console/conversations/${id}?done=replied`, 303);
    });

    // A photo with an optional caption: the page's script posts the file itself (image/* body).
    app.addContentTypeParser(
      /^image\/(jpeg|png|webp|gif)$/,
      { parseAs: "buffer", bodyLimit: 10 * 1024 * 1024 },
      (_request, payload, done) => done(null, payload),
    );
    app.post("/conversations/:id/reply-photo", async (request, reply) => {
      requireAction(request, "answerConversations");
      const operator = operatorOf(request);
      const id = parseId(request.params);
      const bytes = request.body;
      const mimeType = Buffer.isBuffer(bytes) ? sniffImageType(bytes) : undefined;
      if (!Buffer.isBuffer(bytes) || !mimeType) throw Object.assign(new Error("photo"), { statusCode: 415 });
      const caption = text(request.query as Record<string, unknown>, "text", 4000) ?? "";
      const { firstAnswerSeconds } = await replyToHandoff(
        deps.prisma,
        deps.notifier,
        id,
        operator,
        caption,
        deps.now(),
        { bytes, mimeType },
      );
      if (firstAnswerSeconds !== null) options.firstAnswer?.observe(firstAnswerSeconds);
      return reply.redirect(`/console/conversations/${id}?done=replied`, 303);
    });

    // Public: older notifications carried a link to the operator's photo (now it goes as a picture).
    app.get("/shared-photos/:photo", async (request, reply) => {
      const photoId = (request.params as { photo?: string }).photo ?? "";
      const photo = await sharedHandoffPhoto(deps.prisma, photoId);
      return reply
        .type(photo.mimeType)
        .header("cache-control", "private, max-age=86400")
        .header("x-content-type-options", "nosniff")
        .send(photo.bytes);
    });

    app.post("/conversations/:id/transfer", async (request, reply) => {
      requireAction(request, "answerConversations");
      const operator = operatorOf(request);
      const id = parseId(request.params);
      const to = String(body(request).to ?? "");
      const role = /^role:(\w+)$/.exec(to)?.[1];
      const user = /^user:(\d{1,9})$/.exec(to)?.[1];
      const target =
        role && ROLES.includes(role as OperatorRole)
          ? { role: role as OperatorRole }
          : user
            ? { operatorId: Number(user) }
            : null;
      if (!target) throw Object.assign(new Error("to"), { statusCode: 400 });
      await transferHandoff(deps.prisma, id, operator, target, deps.now());
      await recordAudit(deps.prisma, actor(request), {
        action: "conversation.transfer",
        entity: "handoff_conversation",
        entityId: id,
        details: { to },
      });
      return reply.redirect(`/console/conversations?done=transferred`, 303);
    });

    app.post("/conversations/:id/close", async (request, reply) => {
      requireAction(request, "answerConversations");
      const operator = operatorOf(request);
      const id = parseId(request.params);
      const resolution = text(body(request), "resolution", 500) ?? "";
      await closeHandoff(deps.prisma, deps.notifier, id, operator, resolution, deps.now());
      await recordAudit(deps.prisma, actor(request), {
        action: "conversation.close",
        entity: "handoff_conversation",
        entityId: id,
        details: resolution ? { resolution } : {},
      });
      return reply.redirect(`/console/conversations?view=mine&done=closed`, 303);
    });
  };
}
