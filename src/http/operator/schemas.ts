// Request and response shapes of the operator API, in zod: the validator, the serializer and the
// OpenAPI document (/api/docs/json) all come from these, so they cannot drift apart.
import { z } from "zod";
import { isIsoDate } from "../../schedules/kyiv-day.js";

/** The named schemas of the operator API: they become components of its OpenAPI document (kept out of
 * zod's global registry so other parts of the service cannot collide with these ids). */
export const operatorSchemas = z.registry<z.core.GlobalMeta>();

/** An ISO 8601 time with an offset ("2026-11-27T10:00:00+02:00"), parsed to a Date. */
const isoTime = z.iso
  .datetime({ offset: true })
  .transform((value) => new Date(value))
  .describe("ISO 8601 date-time with offset");

export const period = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must be YYYY-MM")
  .describe("Billing period, YYYY-MM");

const positiveId = z.coerce.number().int().positive().max(2_147_483_647);

export const idParams = z.object({ id: positiveId });

export const accountNumberParams = z.object({
  number: z.string().regex(/^\d{1,20}$/, "must be 1 to 20 digits"),
});

/** A query filter where `?status=` (empty) means "no filter", as list UIs send it. */
function filter<T extends z.ZodType<string>>(schema: T) {
  return z
    .union([z.literal(""), schema])
    .optional()
    .transform((value) => (value === "" ? undefined : (value as z.output<T> | undefined)));
}

const pageQuery = {
  afterId: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("Keyset pagination: only ids above this"),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
};

export const errorResponse = z
  .object({
    error: z.string(),
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), reason: z.string() })).optional(),
  })
  .register(operatorSchemas, { id: "OperatorError" });

/* ---------- accounts ---------- */

export const importReport = z
  .object({
    imported: z.number().int(),
    rejected: z.array(z.object({ line: z.number().int(), reason: z.string() })),
    rejectedTotal: z.number().int().describe("All rejected rows; the list above may be capped"),
  })
  .register(operatorSchemas, { id: "OperatorImportReport" });

const channelUsers = z.array(
  z.object({
    userId: z.number().int(),
    label: z.string(),
    verifiedBy: z.enum(["phone", "serial_surname", "operator"]),
    linkedAt: z.date(),
    language: z.enum(["uk", "en"]),
    status: z.enum(["active", "blocked", "unsubscribed"]),
    phone: z.string().nullable().describe("Masked: country code and last two digits"),
  }),
);

const readingSource = z.enum(["billing", "telegram", "viber", "web", "operator"]);

/** A link to the photo endpoints below, relative to the API's host; null when there is no photo. */
const photoUrl = z
  .string()
  .nullable()
  .describe("GET it with the same bearer token for the image; null when the customer attached none");

export const accountView = z
  .object({
    number: z.string(),
    eic: z.string().nullable(),
    holderName: z.string(),
    phones: z.array(z.string()).describe("Phones on file, masked"),
    address: z.object({
      settlement: z.string(),
      street: z.string(),
      building: z.string(),
      apartment: z.string().nullable(),
    }),
    areaCode: z.string(),
    meter: z.object({ serial: z.string(), digits: z.number().int(), zones: z.number().int() }),
    linkedUsers: z.object({ telegram: channelUsers, viber: channelUsers, web: channelUsers }),
    lastReadings: z.array(
      z.object({
        period: z.string(),
        t1: z.number().int(),
        t2: z.number().int().nullable(),
        t3: z.number().int().nullable(),
        takenAt: z.date(),
        source: readingSource,
        status: z.enum(["accepted", "flagged", "superseded"]),
        flagReason: z.string().nullable(),
        photoUrl,
      }),
    ),
  })
  .register(operatorSchemas, { id: "OperatorAccount" });

/* ---------- readings ---------- */

export const readingsQuery = z.object({
  period,
  format: z.enum(["csv", "json"]).default("json"),
});

export const exportedReading = z
  .object({
    accountNumber: z.string(),
    period: z.string(),
    t1: z.number().int(),
    t2: z.number().int().nullable(),
    t3: z.number().int().nullable(),
    submittedAt: z.date(),
    source: readingSource,
    status: z.enum(["accepted", "flagged"]),
    flagReason: z.string().nullable(),
    inWindow: z.boolean(),
    photoUrl: photoUrl.describe("The meter photo (JSON export only; the CSV has no such column)"),
  })
  .register(operatorSchemas, { id: "OperatorExportedReading" });

/* ---------- outage reports ---------- */

const reportStatus = z.enum(["received", "crew_dispatched", "restored", "cancelled"]);

export const outageReportsQuery = z.object({
  status: filter(reportStatus),
  area: filter(z.string().max(32)),
  ...pageQuery,
});

export const outageReportView = z
  .object({
    id: z.number().int(),
    accountNumber: z.string(),
    areaCode: z.string(),
    scope: z.enum(["home", "building", "street"]),
    status: reportStatus,
    expectedRestoreAt: z.date().nullable(),
    comment: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .register(operatorSchemas, { id: "OperatorOutageReport" });

const comment = z.string().trim().min(1).max(1000);

export const outageReportPatch = z
  .strictObject({
    status: reportStatus.optional(),
    expectedRestoreAt: isoTime.nullable().optional(),
    comment: comment.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "at least one field is required" });

/* ---------- known outages ---------- */

const areaCodes = z.array(z.string().trim().min(1).max(32)).min(1).max(500);
const outageKind = z.enum(["planned", "emergency"]);
const note = z.string().trim().min(1).max(2000);

export const knownOutageCreate = z.strictObject({
  areaCodes,
  kind: outageKind,
  startsAt: isoTime,
  expectedEndAt: isoTime.nullable().optional(),
  note: note.nullable().optional(),
});

export const knownOutagePatch = z
  .strictObject({
    areaCodes: areaCodes.optional(),
    kind: outageKind.optional(),
    startsAt: isoTime.optional(),
    expectedEndAt: isoTime.nullable().optional(),
    note: note.nullable().optional(),
    resolved: z.literal(true).optional().describe("true: power is back; watchers are told once"),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "at least one field is required" });

export const knownOutagesQuery = z.object({
  active: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
  area: z.string().min(1).max(32).optional(),
  ...pageQuery,
});

export const knownOutageView = z
  .object({
    id: z.number().int(),
    areaCodes: z.array(z.string()),
    kind: outageKind,
    startsAt: z.date(),
    expectedEndAt: z.date().nullable(),
    note: z.string().nullable(),
    resolvedAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    watchers: z.number().int(),
  })
  .register(operatorSchemas, { id: "OperatorKnownOutage" });

/* ---------- service orders ---------- */

const orderStatus = z.enum(["received", "scheduled", "in_progress", "done", "cancelled"]);

export const serviceOrdersQuery = z.object({ status: filter(orderStatus), ...pageQuery });

export const serviceOrderView = z
  .object({
    id: z.number().int(),
    accountNumber: z.string(),
    type: z.enum(["meter_replacement", "meter_setup", "sealing", "unsealing", "meter_fault"]),
    description: z.string(),
    preferredDate: z.date().nullable(),
    status: orderStatus,
    visitFrom: z.date().nullable(),
    visitTo: z.date().nullable(),
    comment: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    photoUrl,
  })
  .register(operatorSchemas, { id: "OperatorServiceOrder" });

export const serviceOrderPatch = z
  .strictObject({
    status: orderStatus.optional(),
    visitFrom: isoTime.nullable().optional(),
    visitTo: isoTime.nullable().optional(),
    comment: comment.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, { message: "at least one field is required" })
  .refine((body) => !(body.visitFrom && body.visitTo && body.visitTo < body.visitFrom), {
    message: "must not be before visitFrom",
    path: ["visitTo"],
  });

/* ---------- photos ---------- */

export const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"] as const;

/** Raw bytes in the document (the metadata must live in this registry for the OpenAPI transform to see it). */
const imageBytes = z.string().register(operatorSchemas, { format: "binary", description: "The image bytes" });

/** The 200 of a photo endpoint: the image itself, its type read from the bytes. */
export const photoResponse = {
  description: "The image, typed by its magic number",
  content: Object.fromEntries(PHOTO_TYPES.map((type) => [type, { schema: imageBytes }])),
};

/* ---------- stats ---------- */

export const statsQuery = z.object({ period: period.optional() });

const channelCount = z.object({ total: z.number().int(), active: z.number().int() });

export const statsView = z
  .object({
    period: z.string(),
    usersPerChannel: z.object({ telegram: channelCount, viber: channelCount, web: channelCount }),
    accounts: z.number().int(),
    verifiedAccounts: z.number().int(),
    accountsWithReading: z.number().int(),
    submissionRate: z.number().describe("accountsWithReading / accounts"),
    openOutageReports: z.number().int(),
    openServiceOrders: z.number().int(),
    activeKnownOutages: z.number().int(),
  })
  .register(operatorSchemas, { id: "OperatorStats" });

/* ---------- readings flagged for review ---------- */

export const flaggedReadingsQuery = z.object({
  after: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z_\d+$/, "must be <ISO time>_<id> from the previous page's next")
    .optional()
    .describe("Keyset pagination: the previous page's `next`"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const zoneValue = z.number().int().nullable();

export const flaggedReadingView = z
  .object({
    id: z.number().int(),
    accountNumber: z.string(),
    areaCode: z.string(),
    period,
    t1: z.number().int(),
    t2: zoneValue,
    t3: zoneValue,
    takenAt: z.date(),
    source: z.string(),
    flagReason: z.string().nullable(),
    previous: z
      .object({ period, t1: z.number().int(), t2: zoneValue, t3: zoneValue, takenAt: z.date() })
      .nullable()
      .describe("The last accepted reading before this one"),
    photoUrl: z.string().nullable(),
    createdAt: z.date(),
  })
  .register(operatorSchemas, { id: "OperatorFlaggedReading" });

export const flaggedReadingsPage = z.object({
  items: z.array(flaggedReadingView),
  next: z.string().nullable().describe("Pass as `after` for the next page; null on the last"),
});

export const readingReviewBody = z
  .strictObject({
    decision: z.enum(["accepted", "rejected"]),
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .describe("Required to reject; the customer reads it"),
  })
  .refine((body) => body.decision === "accepted" || body.reason !== undefined, {
    message: "a rejection needs a reason",
    path: ["reason"],
  });

export const reviewedReadingView = z
  .object({
    id: z.number().int(),
    status: z.enum(["accepted", "flagged", "superseded"]),
    reviewDecision: z.enum(["accepted", "rejected"]).nullable(),
    reviewReason: z.string().nullable(),
    reviewedAt: z.date().nullable(),
  })
  .register(operatorSchemas, { id: "OperatorReviewedReading" });

/* ---------- outage schedules ---------- */

const queueCode = z
  .string()
  .regex(/^\d{1,4}\.\d{1,2}$/, 'must be a queue code like "3.2"')
  .describe('Queue code: "3.2", city grid "1001.1"');

export const scheduleDateParams = z.object({
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be YYYY-MM-DD")
    .refine(isIsoDate, "is not a real date")
    .describe("Kyiv calendar date, YYYY-MM-DD"),
});

const slotBoundary = z
  .string()
  .regex(/^(([01]\d|2[0-3]):(00|30)|24:00)$/, 'must be HH:MM on :00 or :30, up to "24:00"');

const schedulePeriod = z
  .strictObject({
    from: slotBoundary.describe('"HH:MM" on :00 or :30'),
    to: slotBoundary.describe('"HH:MM" on :00 or :30, after from; "24:00" is the end of the day'),
    state: z.enum(["off", "maybe"]).describe("off: no power; maybe: a possible outage"),
  })
  .register(operatorSchemas, { id: "OperatorSchedulePeriod" });

export const schedulePut = z.strictObject({
  queues: z
    .record(z.string(), z.array(schedulePeriod).max(48))
    .describe(
      "Queue code -> its periods without power that day ([] = no outages); unnamed queues keep theirs",
    ),
});

export const dtekQuery = z.object({
  format: z.literal("dtek").describe("The body is DTEK's published schedule document"),
});

export const dtekDocument = z
  .looseObject({})
  .describe(
    'DTEK\'s document: {"fact": {"data": {"<unix time of a Kyiv midnight>": {"GPV3.2": {"1": "yes", ..., "24": "no"}}}, ' +
      '"update": "dd.MM.yyyy HH:mm", "today": <unix>}, "preset": {"sch_names": {"GPV3.2": "Черга 3.2"}}}, ' +
      'bare or wrapped as {"DisconSchedule": {...}}',
  );

export const dayPublication = z
  .object({
    version: z.number().int().nullable().describe("The new version; unchanged: the version in force"),
    publishedAt: z.date().nullable(),
    date: z.string(),
    changed: z.array(z.string()).describe("Queues whose day changed; [] = nothing changed, no new version"),
  })
  .register(operatorSchemas, { id: "OperatorDayPublication" });

export const dtekPublication = z
  .object({
    version: z.number().int().nullable(),
    publishedAt: z.date().nullable(),
    days: z.array(z.object({ date: z.string(), queues: z.number().int() })),
    changed: z.array(z.object({ date: z.string(), queues: z.array(z.string()) })),
    skipped: z.array(z.object({ date: z.string(), reason: z.string() })),
    addedQueues: z.array(z.string()),
    documentUpdatedAt: z.date().nullable(),
  })
  .register(operatorSchemas, { id: "OperatorDtekPublication" });

const outageMode = z.enum(["schedules", "none", "emergency"]);

export const modeView = z
  .object({
    mode: outageMode,
    message: z.string().nullable(),
    since: z.date().nullable(),
    actor: z.string().nullable(),
  })
  .register(operatorSchemas, { id: "OperatorOutageMode" });

export const modePut = z.strictObject({
  mode: outageMode.describe(
    "schedules: they apply; none: no outages planned; emergency: schedules not in force",
  ),
  message: z.string().max(1000).nullable().optional().describe("Shown to customers with the mode"),
});

export const dayView = z
  .object({
    date: z.string(),
    hours: z.number().int().describe("24, or 23 / 25 when the clocks change"),
    mode: modeView,
    queues: z.array(
      z.object({
        queue: z.string(),
        name: z.string(),
        published: z.boolean(),
        version: z.number().int().nullable(),
        publishedAt: z.date().nullable(),
        source: z.string().nullable(),
        actor: z.string().nullable(),
        periods: z.array(schedulePeriod),
        slots: z.string().nullable().describe('48 half hours from 00:00: "0" on, "1" off, "2" maybe'),
      }),
    ),
  })
  .register(operatorSchemas, { id: "OperatorScheduleDay" });

const slotChange = z.object({
  fromSlot: z.number().int(),
  toSlot: z.number().int(),
  from: z.string(),
  to: z.string(),
  was: z.enum(["on", "off", "maybe"]),
  now: z.enum(["on", "off", "maybe"]),
});

export const dayVersions = z
  .object({
    date: z.string(),
    versions: z.array(
      z.object({
        version: z.number().int(),
        publishedAt: z.date(),
        source: z.string(),
        actor: z.string().nullable(),
        sourceUpdatedAt: z
          .date()
          .nullable()
          .describe("When the source says it was updated (DTEK's fact.update)"),
        queues: z.array(
          z.object({ queue: z.string(), kind: z.enum(["new", "changed"]), changes: z.array(slotChange) }),
        ),
      }),
    ),
  })
  .register(operatorSchemas, { id: "OperatorScheduleVersions" });

const queueView = z.object({ code: z.string(), name: z.string(), sort: z.number().int() });

export const queuesView = z
  .object({ queues: z.array(queueView) })
  .register(operatorSchemas, { id: "OperatorQueues" });

export const queuesPut = z.strictObject({
  queues: z
    .array(
      z.strictObject({
        code: queueCode,
        name: z.string().trim().min(1).max(64).describe('Display name: "Черга 3.2"'),
        sort: z
          .number()
          .int()
          .min(0)
          .max(1_000_000)
          .optional()
          .describe("Order in lists (default from the code)"),
      }),
    )
    .min(1)
    .max(500),
});

export const queuesConfigured = z
  .object({ added: z.array(z.string()), updated: z.array(z.string()), queues: z.array(queueView) })
  .register(operatorSchemas, { id: "OperatorQueuesConfigured" });
