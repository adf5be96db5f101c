// Outage schedules for dispatchers and admins: a Kyiv date's grid of every queue (48 half hours),
// edit it per queue and publish, publish DTEK's document (file input or pasted), the versions of
// the date with what each changed, the region-wide mode. Everything goes through
// src/operator/schedules.ts with source "console" and the operator's login, as the API does.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from "fastify";
import type { ConsoleIdentity } from "../../../operator/console-sessions.js";
import { pictureCaption, renderPicture } from "../../../channels/schedule-pictures.js";
import type { SchedulePicture } from "../../../engine/replies.js";
import { recordAudit } from "../../../operator/audit.js";
import { InvalidChangeError } from "../../../operator/errors.js";
import {
  getDay,
  listDayVersions,
  publishDay,
  publishDtek,
  setOutageMode,
} from "../../../operator/schedules.js";
import { addDays, isIsoDate, kyivIsoDate } from "../../../schedules/kyiv-day.js";
import { decodeSlots } from "../../../schedules/slot-codes.js";
import { SLOTS_PER_DAY, type SchedulePeriod, type SlotState } from "../../../schedules/types.js";
import { body, oneOf, text } from "../forms.js";
import { mayOpen } from "../nav.js";
import { userOf, type ConsoleDeps } from "../context.js";
import { renderPage } from "../render.js";
import { parseMultipart, parsePeriodsText, slotCodesText, type PeriodsTextError } from "../schedule-form.js";
import { forbidden, requireAction } from "./inbox.js";

/** DTEK's document is ~15 KB; a file of a few megabytes is refused before it is read. */
const UPLOAD_LIMIT = 2 * 1024 * 1024;
const CODES = /^[\d.]{1,16}(,[\d.]{1,16}){0,99}$/;

interface PageState {
  /** What the operator typed per queue (kept when the form is refused). */
  typed?: Record<string, string>;
  errors?: Record<string, PeriodsTextError>;
  uploadError?: string;
  status?: number;
}

function dateOf(value: unknown, fallback: string): string {
  return typeof value === "string" && isIsoDate(value) ? value : fallback;
}

/** The outcome a change redirected with (?version=…&changed=…), validated. */
function outcomeOf(query: Record<string, unknown>) {
  const list = (value: unknown) => (typeof value === "string" && CODES.test(value) ? value.split(",") : []);
  const dates = (value: unknown) =>
    typeof value === "string" &&
    /^(\d{4}-\d{2}-\d{2}(:\d{1,4})?)(,\d{4}-\d{2}-\d{2}(:\d{1,4})?){0,30}$/.test(value)
      ? value.split(",")
      : [];
  const version =
    typeof query.version === "string" && /^\d{1,10}$/.test(query.version) ? Number(query.version) : null;
  return {
    version,
    changed: list(query.changed),
    added: list(query.added),
    stored: dates(query.stored).map((d) => ({ date: d.slice(0, 10), queues: Number(d.slice(11) || 0) })),
    skipped: dates(query.skipped),
  };
}

export function scheduleRoutes(deps: ConsoleDeps): FastifyPluginAsync {
  async function showPage(
    reply: FastifyReply,
    identity: ConsoleIdentity,
    date: string,
    state: PageState = {},
  ) {
    const today = kyivIsoDate(deps.now());
    const [day, versions] = await Promise.all([
      getDay(deps.prisma, date),
      listDayVersions(deps.prisma, date),
    ]);
    const outcome = outcomeOf(reply.request.query as Record<string, unknown>);
    const wanted = (reply.request.query as Record<string, unknown>).preview;
    const previewQueue =
      day.queues.find((q) => q.queue === wanted)?.queue ??
      day.queues.find((q) => q.queue === outcome.changed[0])?.queue ??
      day.queues.find((q) => q.published && q.periods.length > 0)?.queue ??
      day.queues[0]?.queue;
    const preview = previewQueue
      ? { queue: previewQueue, caption: pictureCaption(pictureOf(previewQueue, date, 0, identity.language)) }
      : null;
    const rows = day.queues.map((queue) => ({
      ...queue,
      /** The day in force as the editor writes it, and its version: posted back to tell edits from stale rows. */
      base: queue.slots ? slotCodesText(queue.slots) : "",
      text: state.typed?.[queue.queue] ?? (queue.slots ? slotCodesText(queue.slots) : ""),
      cells:
        state.typed?.[queue.queue] !== undefined && state.errors?.[queue.queue]?.problem !== "stale"
          ? typedCells(state.typed[queue.queue]!)
          : queue.slots,
      error: state.errors?.[queue.queue],
    }));
    return renderPage(
      reply,
      "schedules",
      {
        date,
        today,
        tomorrow: addDays(today, 1),
        previous: addDays(date, -1),
        next: addDays(date, 1),
        day,
        rows,
        versions,
        preview,
        outcome,
        uploadError: state.uploadError,
        refused: state.errors !== undefined && Object.keys(state.errors).length > 0,
      },
      {
        identity,
        language: identity.language,
        current: "schedules",
        title: "schedules",
        ...(state.status ? { status: state.status } : {}),
      },
    );
  }

  return async (app) => {
    // DTEK's file comes as multipart/form-data (a file input); only this page's routes parse it.
    app.addContentTypeParser(
      "multipart/form-data",
      { parseAs: "buffer", bodyLimit: UPLOAD_LIMIT },
      (
        request: FastifyRequest,
        payload: Buffer | string,
        done: (err: Error | null, body?: unknown) => void,
      ) => {
        const fields = parseMultipart(
          Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
          request.headers["content-type"] ?? "",
        );
        if (!fields) return done(Object.assign(new Error("bad multipart body"), { statusCode: 400 }));
        const form: Record<string, string> = {};
        for (const field of fields) {
          // A file field without a file is posted empty: it must not hide the pasted text.
          if (field.filename !== undefined && field.value.length === 0) continue;
          form[field.name] = field.value.toString("utf8");
        }
        done(null, form);
      },
    );

    app.get("/schedules", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "schedules")) throw forbidden();
      const query = request.query as Record<string, unknown>;
      return showPage(reply, identity, dateOf(query.date, kyivIsoDate(deps.now())));
    });

    // The picture customers get for a queue's day (sched-view's renderer, drawn now, not cached):
    // the day in force, or with ?periods= the day as being edited.
    app.get("/schedules/:date/:queue/picture.png", async (request, reply) => {
      const identity = userOf(request);
      if (!mayOpen(identity.role, "schedules")) throw forbidden();
      const { date, queue } = request.params as { date: string; queue: string };
      const notFound = () => Object.assign(new Error("no such day"), { statusCode: 404 });
      if (!isIsoDate(date)) throw notFound();
      const row = (await getDay(deps.prisma, date)).queues.find((q) => q.queue === queue);
      if (!row) throw notFound();
      const edited = (request.query as Record<string, unknown>).periods;
      let slots: SlotState[] = row.slots
        ? decodeSlots(row.slots)
        : Array.from({ length: SLOTS_PER_DAY }, () => "on" as const);
      if (typeof edited === "string") {
        const parsed = parsePeriodsText(edited);
        if (!parsed.ok) throw Object.assign(new Error("bad periods"), { statusCode: 400 });
        slots = parsed.slots;
      }
      const png = renderPicture(pictureOf(queue, date, row.version ?? 0, identity.language), [slots]);
      return reply.type("image/png").header("cache-control", "no-store").send(png);
    });

    app.post("/schedules/mode", async (request, reply) => {
      requireAction(request, "publishSchedules");
      const form = body(request);
      const mode = oneOf("mode", form.mode, ["schedules", "none", "emergency"] as const);
      if (!mode) throw new InvalidChangeError("mode", "one of schedules, none, emergency");
      const message = text(form, "message", 1000) ?? null;
      const login = userOf(request).login;
      const set = await setOutageMode(deps.prisma, { mode, message }, login);
      await recordAudit(
        deps.prisma,
        { kind: "user", login },
        { action: "outage_mode.set", entity: "outage_mode", entityId: set.mode, details: { mode, message } },
      );
      const date = dateOf(form.date, kyivIsoDate(deps.now()));
      return reply.redirect(`/console/schedules?date=${date}&done=mode_set`, 303);
    });

    app.post("/schedules/upload", async (request, reply) => {
      requireAction(request, "publishSchedules");
      const identity = userOf(request);
      const form = body(request);
      const date = dateOf(form.date, kyivIsoDate(deps.now()));
      const raw = typeof form.file === "string" && form.file.trim() ? form.file : form.document;
      if (typeof raw !== "string" || raw.trim() === "") {
        return showPage(reply, identity, date, { uploadError: "empty", status: 400 });
      }
      let document: unknown;
      try {
        document = JSON.parse(raw);
      } catch {
        return showPage(reply, identity, date, { uploadError: "json", status: 400 });
      }
      let outcome;
      try {
        outcome = await publishDtek(
          deps.prisma,
          document,
          // DTEK's data keeps its source, as through the API; the login says it came in by the console.
          { source: "dtek", actor: identity.login },
          deps.now(),
        );
      } catch (error) {
        if (!(error instanceof InvalidChangeError)) throw error;
        return showPage(reply, identity, date, {
          uploadError: `${error.path.replace(/^body\./, "")}: ${error.reason}`,
          status: 400,
        });
      }
      await auditPublication(
        deps,
        identity.login,
        "schedule.publish_dtek",
        outcome.version,
        outcome.changed,
        {
          changed: outcome.changed,
          skipped: outcome.skipped,
          addedQueues: outcome.addedQueues,
        },
      );
      const params = new URLSearchParams({
        date:
          outcome.days.some((d) => d.date === date) || outcome.days.length === 0
            ? date
            : outcome.days[0]!.date,
        done: outcome.changed.length > 0 ? "dtek_published" : "schedule_unchanged",
      });
      if (outcome.version !== null) params.set("version", String(outcome.version));
      const changed = [...new Set(outcome.changed.flatMap((d) => d.queues))];
      if (changed.length > 0) params.set("changed", changed.join(","));
      if (outcome.days.length > 0)
        params.set("stored", outcome.days.map((d) => `${d.date}:${d.queues}`).join(","));
      if (outcome.skipped.length > 0) params.set("skipped", outcome.skipped.map((d) => d.date).join(","));
      if (outcome.addedQueues.length > 0) params.set("added", outcome.addedQueues.join(","));
      return reply.redirect(`/console/schedules?${params.toString()}`, 303);
    });

    app.post("/schedules/:date", async (request, reply) => {
      requireAction(request, "publishSchedules");
      const identity = userOf(request);
      const date = (request.params as { date: string }).date;
      if (!isIsoDate(date)) throw Object.assign(new Error("bad date"), { statusCode: 404 });
      const form = body(request);
      const day = await getDay(deps.prisma, date);
      const typed: Record<string, string> = {};
      const errors: Record<string, PeriodsTextError> = {};
      const queues: Record<string, SchedulePeriod[]> = {};
      const everyQueue = form.everyQueue === "1";
      for (const queue of day.queues) {
        const value = form[`q.${queue.queue}`];
        if (typeof value !== "string") continue;
        typed[queue.queue] = value;
        const parsed = parsePeriodsText(value);
        if (!parsed.ok) {
          errors[queue.queue] = parsed.error;
          continue;
        }
        // The page posts each row's day as it was loaded (base.<queue>) and its version (v.<queue>):
        // a row the operator did not touch is left alone, so a page opened before someone else's
        // publication cannot undo it; a row edited over a newer version is refused.
        const base = form[`base.${queue.queue}`];
        const loaded = typeof base === "string" ? parsePeriodsText(base) : null;
        const edited = !loaded?.ok || loaded.slots.join() !== parsed.slots.join();
        const seen = form[`v.${queue.queue}`];
        if (edited && typeof seen === "string" && seen !== String(queue.version ?? "")) {
          errors[queue.queue] = { problem: "stale", period: queue.version ?? 0 };
          continue;
        }
        // A queue with nothing published that day is published when it has outages, or when the
        // operator says the day is settled for every queue ("no outages" is news too).
        const wanted = loaded ? edited : queue.published || parsed.periods.length > 0;
        if (wanted || (everyQueue && !queue.published)) queues[queue.queue] = parsed.periods;
      }
      if (Object.keys(errors).length > 0) {
        const stale = Object.values(errors).some((error) => error.problem === "stale");
        return showPage(reply, identity, date, { typed, errors, status: stale ? 409 : 400 });
      }
      if (Object.keys(queues).length === 0) {
        return reply.redirect(`/console/schedules?date=${date}&done=schedule_unchanged`, 303);
      }
      const outcome = await publishDay(deps.prisma, date, queues, {
        source: "console",
        actor: identity.login,
      });
      await auditPublication(deps, identity.login, "schedule.publish", outcome.version, outcome.changed, {
        date,
        changed: outcome.changed,
      });
      const params = new URLSearchParams({
        date,
        done: outcome.changed.length > 0 ? "schedule_published" : "schedule_unchanged",
      });
      if (outcome.version !== null) params.set("version", String(outcome.version));
      if (outcome.changed.length > 0) params.set("changed", outcome.changed.join(","));
      return reply.redirect(`/console/schedules?${params.toString()}`, 303);
    });
  };
}

function pictureOf(queue: string, date: string, version: number, language: "uk" | "en"): SchedulePicture {
  return { kind: "outage-schedule", queue, days: [{ date, version }], language };
}

/** The audit entry of a publication that made a version (one that changed nothing made none). */
async function auditPublication(
  deps: ConsoleDeps,
  login: string,
  action: string,
  version: number | null,
  changed: readonly unknown[],
  details: Record<string, unknown>,
): Promise<void> {
  if (version === null || changed.length === 0) return;
  await recordAudit(
    deps.prisma,
    { kind: "user", login },
    { action, entity: "schedule_publication", entityId: version, details },
  );
}

/** The cells of a refused form as typed (the valid ones), else none. */
function typedCells(value: string): string | null {
  const parsed = parsePeriodsText(value);
  if (!parsed.ok) return null;
  return parsed.slots.map((s) => (s === "off" ? "1" : s === "maybe" ? "2" : "0")).join("");
}
