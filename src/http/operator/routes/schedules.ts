// Outage schedules by queue: queues, a day's schedule (our JSON or DTEK's document), its versions,
// the region-wide mode, and the address directory import. Thin over src/operator/schedules.ts.
import type { Readable } from "node:stream";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { importAddressQueuesCsv } from "../../../import/address-queues-csv.js";
import {
  configureQueues,
  getDay,
  getOutageMode,
  listDayVersions,
  listQueues,
  publishDay,
  publishDtek,
  setOutageMode,
} from "../../../operator/schedules.js";
import { operatorName } from "../auth.js";
import { acceptCsvStream } from "./accounts.js";
import type { OperatorApiDeps } from "../deps.js";
import {
  dayPublication,
  dayVersions,
  dayView,
  dtekDocument,
  dtekPublication,
  dtekQuery,
  errorResponse,
  importReport,
  modePut,
  modeView,
  queuesConfigured,
  queuesPut,
  queuesView,
  scheduleDateParams,
  schedulePut,
} from "../schemas.js";

export const ADDRESS_IMPORT_URL = "/address-queues/import";

export function scheduleRoutes(deps: OperatorApiDeps): FastifyPluginAsyncZod {
  return async (api) => {
    api.get(
      "/outage-queues",
      {
        schema: {
          summary: "The configured outage-schedule queues",
          tags: ["schedules"],
          response: { 200: queuesView, 401: errorResponse },
        },
      },
      async () => ({ queues: await listQueues(deps.prisma) }),
    );

    api.put(
      "/outage-queues",
      {
        schema: {
          summary: "Add queues, rename or re-sort them (queues not listed stay; none is removed)",
          tags: ["schedules"],
          body: queuesPut,
          response: { 200: queuesConfigured, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => {
        const result = await configureQueues(deps.prisma, request.body.queues);
        request.log.info({ added: result.added, updated: result.updated }, "outage queues configured");
        return result;
      },
    );

    api.put(
      "/outage-schedules/:date",
      {
        schema: {
          summary: "Publish a Kyiv day's schedule for the named queues (a new version if anything changed)",
          tags: ["schedules"],
          params: scheduleDateParams,
          body: schedulePut,
          response: { 200: dayPublication, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => {
        const result = await publishDay(deps.prisma, request.params.date, request.body.queues, {
          source: "api",
          actor: operatorName(request),
        });
        if (result.changed.length > 0) deps.countPublication("api");
        request.log.info(
          { date: result.date, version: result.version, changed: result.changed },
          "outage schedule published",
        );
        return result;
      },
    );

    api.put(
      "/outage-schedules",
      {
        schema: {
          summary: "Publish DTEK's schedule document: every day and queue in it",
          tags: ["schedules"],
          querystring: dtekQuery,
          body: dtekDocument,
          response: { 200: dtekPublication, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => {
        const result = await publishDtek(
          deps.prisma,
          request.body,
          { source: "dtek", actor: operatorName(request) },
          deps.now(),
        );
        if (result.changed.length > 0) deps.countPublication("dtek");
        request.log.info(
          {
            version: result.version,
            changed: result.changed,
            skipped: result.skipped.map((day) => day.date),
            addedQueues: result.addedQueues,
          },
          "DTEK outage schedule published",
        );
        return result;
      },
    );

    api.get(
      "/outage-schedules/:date",
      {
        schema: {
          summary: "A Kyiv day's schedule in force for every queue, with its version and time",
          tags: ["schedules"],
          params: scheduleDateParams,
          response: { 200: dayView, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => getDay(deps.prisma, request.params.date),
    );

    api.get(
      "/outage-schedules/:date/versions",
      {
        schema: {
          summary: "The publications that changed a day, newest first: who, when, from where and what",
          tags: ["schedules"],
          params: scheduleDateParams,
          response: { 200: dayVersions, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => ({
        date: request.params.date,
        versions: await listDayVersions(deps.prisma, request.params.date),
      }),
    );

    api.get(
      "/outage-mode",
      {
        schema: {
          summary: "The region-wide mode in force",
          tags: ["schedules"],
          response: { 200: modeView, 401: errorResponse },
        },
      },
      async () => getOutageMode(deps.prisma),
    );

    api.put(
      "/outage-mode",
      {
        schema: {
          summary: "Set the region-wide mode: schedules, none (no outages) or emergency, with a message",
          tags: ["schedules"],
          body: modePut,
          response: { 200: modeView, 400: errorResponse, 401: errorResponse },
        },
      },
      async (request) => {
        const mode = await setOutageMode(deps.prisma, request.body, operatorName(request));
        request.log.info({ mode: mode.mode, message: mode.message !== null }, "outage mode set");
        return mode;
      },
    );

    // The directory CSV is streamed like the account import (its own context: only CSV is parsed here).
    await api.register(async (csv) => {
      acceptCsvStream(csv);
      csv.post(
        ADDRESS_IMPORT_URL,
        {
          schema: {
            summary:
              "Import the address directory (CSV settlement,street,building,outage_queue; upsert by address)",
            tags: ["schedules"],
            consumes: ["text/csv"],
            response: { 200: importReport, 400: errorResponse, 401: errorResponse },
          },
        },
        async (request) => {
          const report = await importAddressQueuesCsv(deps.sql, request.body as Readable);
          request.log.info(
            { imported: report.imported, rejected: report.rejectedTotal },
            "address directory imported",
          );
          return report;
        },
      );
    });
  };
}
