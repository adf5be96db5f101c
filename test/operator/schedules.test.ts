// Outage schedules, the operator side end to end (HTTP -> Postgres -> HTTP): our JSON and DTEK's
// document published and read back, versions and what they changed, unchanged republishing, the
// region-wide mode, queue configuration, the address directory import, and 400s naming the field.
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTokenCommand } from "../../src/operator/token-cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, buildOperatorApp } from "./support.js";

let db: TestDatabase;
let app: FastifyInstance;
let dtekFixture: unknown;

beforeAll(async () => {
  db = await createTestDatabase();
  // 29 November 2026, 19:00 in Kyiv: the fixture's "today".
  app = await buildOperatorApp(db, { now: () => new Date("2026-11-29T17:00:00Z") });
  dtekFixture = JSON.parse(
    await readFile(new URL("../fixtures/dtek/disconschedule.json", import.meta.url), "utf8"),
  );
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const put = (url: string, payload: unknown, headers: Record<string, string> = AUTH) =>
  app.inject({ method: "PUT", url: `/api/v1${url}`, headers, payload: payload as object });
const get = (url: string, headers: Record<string, string> = AUTH) =>
  app.inject({ method: "GET", url: `/api/v1${url}`, headers });

type DayBody = {
  date: string;
  hours: number;
  queues: {
    queue: string;
    name: string;
    published: boolean;
    version: number | null;
    periods: unknown[];
    slots: string | null;
    actor: string | null;
    source: string | null;
  }[];
};
const queueOf = (day: DayBody, code: string) => day.queues.find((q) => q.queue === code)!;

describe("outage schedules: our JSON", () => {
  it("publishes a day, answers the version and the changed queues, and reads it back", async () => {
    const body = {
      queues: {
        "3.2": [
          { from: "08:00", to: "12:30", state: "off" },
          { from: "16:00", to: "18:00", state: "maybe" },
        ],
        "1.1": [],
      },
    };
    const published = await put("/outage-schedules/2026-12-01", body);
    expect(published.statusCode).toBe(200);
    const result = published.json();
    expect(result).toMatchObject({ date: "2026-12-01", changed: ["3.2", "1.1"] });
    expect(result.version).toBeGreaterThan(0);

    const read = await get("/outage-schedules/2026-12-01");
    expect(read.statusCode).toBe(200);
    const day = read.json() as DayBody;
    expect(day.hours).toBe(24);
    expect(queueOf(day, "3.2")).toMatchObject({
      name: "Черга 3.2",
      published: true,
      version: result.version,
      source: "api",
      actor: "bootstrap",
      periods: body.queues["3.2"],
      slots: "0".repeat(16) + "1".repeat(9) + "0".repeat(7) + "2".repeat(4) + "0".repeat(12),
    });
    expect(queueOf(day, "1.1")).toMatchObject({ published: true, periods: [], slots: "0".repeat(48) });
    expect(queueOf(day, "2.1")).toMatchObject({ published: false, version: null, periods: [], slots: null });
  });

  it("does not make a version when nothing changed; unnamed queues keep theirs; versions say what changed", async () => {
    const first = (
      await put("/outage-schedules/2026-12-02", {
        queues: { "4.1": [{ from: "00:00", to: "04:00", state: "off" }] },
      })
    ).json();
    const again = await put("/outage-schedules/2026-12-02", {
      queues: {
        "4.1": [
          { from: "00:00", to: "02:00", state: "off" },
          { from: "02:00", to: "04:00", state: "off" },
        ],
      },
    });
    expect(again.json()).toMatchObject({ version: first.version, changed: [] });
    expect(await db.prisma.schedulePublication.count({ where: { id: { gt: first.version } } })).toBe(0);

    const created = await runTokenCommand(db.prisma, ["create", "dispatcher-anna"], {
      out: () => {},
      err: () => {},
    });
    expect(created).toBe(0);
    const token = await tokenFor("dispatcher-anna");
    const second = await put(
      "/outage-schedules/2026-12-02",
      {
        queues: {
          "4.1": [
            { from: "00:00", to: "03:00", state: "off" },
            { from: "20:00", to: "24:00", state: "maybe" },
          ],
          "4.2": [],
        },
      },
      { authorization: `Bearer ${token}` },
    );
    expect(second.json()).toMatchObject({ version: first.version + 1, changed: ["4.1", "4.2"] });

    const day = (await get("/outage-schedules/2026-12-02")).json() as DayBody;
    expect(queueOf(day, "4.1")).toMatchObject({ actor: "dispatcher-anna", version: first.version + 1 });

    const versions = await get("/outage-schedules/2026-12-02/versions");
    expect(versions.statusCode).toBe(200);
    expect(versions.json()).toMatchObject({
      date: "2026-12-02",
      versions: [
        {
          version: first.version + 1,
          source: "api",
          actor: "dispatcher-anna",
          queues: [
            {
              queue: "4.1",
              kind: "changed",
              changes: [
                { from: "03:00", to: "04:00", was: "off", now: "on" },
                { from: "20:00", to: "24:00", was: "on", now: "maybe" },
              ],
            },
            { queue: "4.2", kind: "new", changes: [] },
          ],
        },
        {
          version: first.version,
          actor: "bootstrap",
          queues: [
            { queue: "4.1", kind: "new", changes: [{ from: "00:00", to: "04:00", was: "on", now: "off" }] },
          ],
        },
      ],
    });
  });

  it("answers 400 naming the field: overlap, unknown queue, bad time, bad state, bad date; nothing is stored", async () => {
    const before = await db.prisma.scheduleDay.count();
    const DAY = "/outage-schedules/2026-12-03";
    const one = (from: string, to: string, state: string) => ({ queues: { "3.2": [{ from, to, state }] } });
    const cases: [string, unknown, string][] = [
      [
        DAY,
        {
          queues: {
            "3.2": [
              { from: "08:00", to: "12:00", state: "off" },
              { from: "11:30", to: "13:00", state: "maybe" },
            ],
          },
        },
        "body.queues.3.2.1.from",
      ],
      [DAY, { queues: { "1.1": [], "9.9": [] } }, "body.queues.9.9"],
      [DAY, one("08:15", "12:00", "off"), "body.queues.3.2.0.from"],
      [DAY, one("08:00", "24:30", "off"), "body.queues.3.2.0.to"],
      [DAY, one("12:00", "08:00", "off"), "body.queues.3.2.0.to"],
      [DAY, one("24:00", "24:00", "off"), "body.queues.3.2.0.from"],
      [DAY, one("08:00", "09:00", "on"), "body.queues.3.2.0.state"],
      [DAY, { queues: {} }, "body.queues"],
      ["/outage-schedules/2026-02-30", { queues: { "1.1": [] } }, "params.date"],
      ["/outage-schedules/01.12.2026", { queues: { "1.1": [] } }, "params.date"],
    ];
    for (const [url, body, path] of cases) {
      const response = await put(url, body);
      expect(response.statusCode, `${url} ${JSON.stringify(body)}`).toBe(400);
      expect(
        response.json().issues.map((i: { path: string }) => i.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expect(await db.prisma.scheduleDay.count()).toBe(before);
    expect((await get("/outage-schedules/2026-13-01")).statusCode).toBe(400);
  });

  it("keeps a day with 25 hours by the wall clock", async () => {
    const response = await put("/outage-schedules/2026-10-25", {
      queues: { "5.1": [{ from: "03:00", to: "04:00", state: "off" }] },
    });
    expect(response.statusCode).toBe(200);
    const day = (await get("/outage-schedules/2026-10-25")).json() as DayBody;
    expect(day.hours).toBe(25);
    expect(queueOf(day, "5.1").periods).toEqual([{ from: "03:00", to: "04:00", state: "off" }]);
  });

  it("answers 401 without a token on every schedule route", async () => {
    const routes: [string, string][] = [
      ["PUT", "/outage-schedules/2026-12-01"],
      ["PUT", "/outage-schedules?format=dtek"],
      ["GET", "/outage-schedules/2026-12-01"],
      ["GET", "/outage-schedules/2026-12-01/versions"],
      ["GET", "/outage-mode"],
      ["PUT", "/outage-mode"],
      ["GET", "/outage-queues"],
      ["PUT", "/outage-queues"],
      ["POST", "/address-queues/import"],
    ];
    for (const [method, url] of routes) {
      const response = await app.inject({
        method: method as "GET",
        url: `/api/v1${url}`,
        payload: method === "GET" ? undefined : {},
      });
      expect(response.statusCode, `${method} ${url}`).toBe(401);
    }
  });
});

async function tokenFor(name: string): Promise<string> {
  const out: string[] = [];
  await runTokenCommand(db.prisma, ["revoke", name], { out: () => {}, err: () => {} });
  await runTokenCommand(db.prisma, ["create", name], { out: (line) => out.push(line), err: () => {} });
  return out[0]!;
}

describe("outage schedules: DTEK's document", () => {
  it("stores every day and queue of the fixture, adds the city-grid queue and reads them back", async () => {
    const response = await put("/outage-schedules?format=dtek", dtekFixture);
    expect(response.statusCode).toBe(200);
    const result = response.json();
    expect(result).toMatchObject({
      days: [
        { date: "2026-11-29", queues: 5 },
        { date: "2026-11-30", queues: 5 },
      ],
      skipped: [],
      addedQueues: ["1001.1"],
      documentUpdatedAt: "2026-11-29T16:45:00.000Z",
    });
    expect(result.changed).toEqual([
      { date: "2026-11-29", queues: ["1.1", "1.2", "3.2", "6.2", "1001.1"] },
      { date: "2026-11-30", queues: ["1.1", "1.2", "3.2", "6.2", "1001.1"] },
    ]);

    const today = (await get("/outage-schedules/2026-11-29")).json() as DayBody;
    expect(queueOf(today, "3.2")).toMatchObject({
      source: "dtek",
      version: result.version,
      periods: [
        { from: "08:00", to: "12:30", state: "off" },
        { from: "16:00", to: "18:00", state: "maybe" },
      ],
    });
    expect(queueOf(today, "1.1").periods).toEqual([
      { from: "00:00", to: "04:30", state: "off" },
      { from: "08:00", to: "08:30", state: "maybe" },
      { from: "16:30", to: "20:00", state: "off" },
      { from: "20:30", to: "22:00", state: "maybe" },
    ]);
    expect(queueOf(today, "1.2")).toMatchObject({ published: true, periods: [] });
    expect(queueOf(today, "1001.1")).toMatchObject({
      name: "ЦЕК 1.1",
      periods: [
        { from: "06:00", to: "06:30", state: "maybe" },
        { from: "12:00", to: "16:00", state: "off" },
      ],
    });
    const tomorrow = (await get("/outage-schedules/2026-11-30")).json() as DayBody;
    expect(queueOf(tomorrow, "1.2").periods).toEqual([
      { from: "10:00", to: "14:00", state: "off" },
      { from: "14:30", to: "15:00", state: "off" },
    ]);
    expect(queueOf(tomorrow, "1001.1").periods).toEqual([{ from: "02:30", to: "03:00", state: "maybe" }]);

    // The same document again: no new version.
    const again = (await put("/outage-schedules?format=dtek", dtekFixture)).json();
    expect(again).toMatchObject({ version: result.version, changed: [], addedQueues: [] });
    const versions = (await get("/outage-schedules/2026-11-29/versions")).json().versions;
    expect(versions[0]).toMatchObject({
      version: result.version,
      source: "dtek",
      actor: "bootstrap",
      sourceUpdatedAt: "2026-11-29T16:45:00.000Z",
    });
    const queues = (await get("/outage-queues")).json().queues as { code: string }[];
    expect(queues.at(-1)).toEqual({ code: "1001.1", name: "ЦЕК 1.1", sort: 10011 });
  });

  it("skips an all-yes day after today and stores a changed one (bare document, no wrapper)", async () => {
    const document = structuredClone(dtekFixture) as {
      DisconSchedule: { fact: { data: Record<string, Record<string, Record<string, string>>> } };
    };
    const data = document.DisconSchedule.fact.data;
    const tomorrow = data["1795989600"]!;
    for (const queue of Object.values(tomorrow)) for (const hour of Object.keys(queue)) queue[hour] = "yes";
    data["1795903200"]!["GPV3.2"]!["24"] = "no";
    const response = await put("/outage-schedules?format=dtek", document.DisconSchedule);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      days: [{ date: "2026-11-29", queues: 5 }],
      changed: [{ date: "2026-11-29", queues: ["3.2"] }],
      skipped: [{ date: "2026-11-30" }],
    });
    const tomorrowDay = (await get("/outage-schedules/2026-11-30")).json() as DayBody;
    expect(queueOf(tomorrowDay, "1.2").periods).toHaveLength(2);
  });

  it("refuses a malformed document naming where, and stores nothing", async () => {
    const before = await db.prisma.schedulePublication.count();
    const broken = (
      mutate: (doc: {
        fact: { data: Record<string, Record<string, Record<string, string>>>; today?: unknown };
      }) => void,
    ) => {
      const document = structuredClone(
        (dtekFixture as { DisconSchedule: unknown }).DisconSchedule,
      ) as Parameters<typeof mutate>[0];
      mutate(document);
      return document;
    };
    const cases: [unknown, string][] = [
      [
        broken((d) => (d.fact.data["1795903200"]!["GPV3.2"]!["7"] = "perhaps")),
        "body.fact.data.1795903200.GPV3.2.7",
      ],
      [
        broken((d) => delete d.fact.data["1795903200"]!["GPV3.2"]!["24"]),
        "body.fact.data.1795903200.GPV3.2.24",
      ],
      [
        broken((d) => (d.fact.data["1795903200"]!["Queue3"] = d.fact.data["1795903200"]!["GPV3.2"]!)),
        "body.fact.data.1795903200.Queue3",
      ],
      [
        broken((d) => {
          d.fact.data["1795910400"] = d.fact.data["1795903200"]!;
        }),
        "body.fact.data.1795910400",
      ],
      [broken((d) => (d.fact.today = 1795910400)), "body.fact.today"],
      [{ preset: {} }, "body.fact"],
    ];
    for (const [document, path] of cases) {
      const response = await put("/outage-schedules?format=dtek", document);
      expect(response.statusCode, path).toBe(400);
      expect(response.json().issues).toEqual([{ path, reason: expect.any(String) }]);
    }
    expect((await put("/outage-schedules?format=csv", dtekFixture)).json().issues[0].path).toBe(
      "querystring.format",
    );
    expect(await db.prisma.schedulePublication.count()).toBe(before);
  });
});

describe("outage mode", () => {
  it("is schedules until set; keeps each change with who and the message", async () => {
    expect((await get("/outage-mode")).json()).toMatchObject({
      mode: "schedules",
      message: null,
      since: null,
    });
    const set = await put("/outage-mode", {
      mode: "emergency",
      message: "  Аварійні відключення в області  ",
    });
    expect(set.statusCode).toBe(200);
    expect(set.json()).toMatchObject({
      mode: "emergency",
      message: "Аварійні відключення в області",
      actor: "bootstrap",
    });
    expect((await get("/outage-schedules/2026-11-29")).json().mode).toMatchObject({ mode: "emergency" });
    expect((await put("/outage-mode", { mode: "none" })).json()).toMatchObject({
      mode: "none",
      message: null,
    });
    expect(await db.prisma.outageModeChange.count()).toBe(2);
    const bad = await put("/outage-mode", { mode: "blackout" });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toBe("body.mode");
  });
});

describe("outage queues", () => {
  it("adds and renames queues; refuses a bad code naming the field", async () => {
    const response = await put("/outage-queues", {
      queues: [
        { code: "7.1", name: "Черга 7.1" },
        { code: "3.2", name: "Черга 3.2 (Дніпро)" },
        { code: "1.1", name: "Черга 1.1" },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ added: ["7.1"], updated: ["3.2"] });
    const queues = (await get("/outage-queues")).json().queues as {
      code: string;
      name: string;
      sort: number;
    }[];
    expect(queues.find((q) => q.code === "7.1")).toEqual({ code: "7.1", name: "Черга 7.1", sort: 71 });
    expect(queues.find((q) => q.code === "3.2")?.name).toBe("Черга 3.2 (Дніпро)");

    const bad = await put("/outage-queues", { queues: [{ code: "3-2", name: "x" }] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().issues[0].path).toBe("body.queues.0.code");
    const twice = await put("/outage-queues", {
      queues: [
        { code: "8.1", name: "a" },
        { code: "8.1", name: "b" },
      ],
    });
    expect(twice.json().issues[0]).toEqual({ path: "body.queues.1.code", reason: "is listed twice" });
  });
});

describe("address directory import", () => {
  const importCsv = (body: string, headers: Record<string, string> = AUTH) =>
    app.inject({
      method: "POST",
      url: "/api/v1/address-queues/import",
      headers: { ...headers, "content-type": "text/csv" },
      payload: body,
    });

  it("upserts by address keys and reports rejected lines with reasons", async () => {
    const csv = [
      "settlement,street,building,outage_queue",
      "м. Дніпро,вул. Робоча,5,3.2",
      "Дніпро,Робоча,5,1.1", // the same building: the later row wins
      "Дніпро,просп. Яворницького,10-А,2.1",
      "Кам'янське,вул. Сонячна,7,9.9",
      "Дніпро,вул.,3,1.1",
      "Дніпро,Робоча,7,3-2",
      "Дніпро,Робоча,,1.1",
      "",
    ].join("\n");
    const response = await importCsv(csv);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      imported: 2,
      rejectedTotal: 4,
      rejected: [
        { line: 5, reason: "outage_queue 9.9 is not a configured queue" },
        { line: 6, reason: "street has no name besides its type word" },
        { line: 7, reason: 'outage_queue must be a queue code like "3.2"' },
        { line: 8, reason: "building is required" },
      ],
    });
    const rows = await db.prisma.addressQueue.findMany({ orderBy: { id: "asc" } });
    expect(rows.map((r) => [r.settlementKey, r.streetKey, r.buildingKey, r.queue])).toEqual([
      ["дніпро", "робоча", "5", "1.1"],
      ["дніпро", "яворницького", "10а", "2.1"],
    ]);

    const again = await importCsv("settlement,street,building,outage_queue\nДніпро,вулиця Робоча,5,3.2\n");
    expect(again.json()).toMatchObject({ imported: 1, rejectedTotal: 0 });
    expect(await db.prisma.addressQueue.count()).toBe(2);
    expect((await db.prisma.addressQueue.findFirstOrThrow({ where: { streetKey: "робоча" } })).queue).toBe(
      "3.2",
    );
  });

  it("refuses a file without the directory's header", async () => {
    const response = await importCsv("settlement,street,building\nДніпро,Робоча,5\n");
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      message: "Not an address directory CSV",
      issues: [{ path: "body.header", reason: "missing columns: outage_queue" }],
    });
  });
});

describe("metrics", () => {
  it("counts publications that made a version", async () => {
    const registry = new Registry();
    const metered = await buildOperatorApp(db, { metrics: registry });
    try {
      await metered.inject({
        method: "PUT",
        url: "/api/v1/outage-schedules/2026-12-10",
        headers: AUTH,
        payload: { queues: { "6.1": [] } },
      });
      await metered.inject({
        method: "PUT",
        url: "/api/v1/outage-schedules/2026-12-10",
        headers: AUTH,
        payload: { queues: { "6.1": [] } },
      });
      expect(await registry.metrics()).toContain('schedule_publications_total{source="api"} 1');
    } finally {
      await metered.close();
    }
  });
});
