// The console's outage-schedules page on a real database: a dispatcher publishes a day's grid
// (source "console", their login as actor, audited), the answer names the version and the changed
// queues, publishing it again changes nothing, a bad period is shown next to its queue and stores
// nothing, a page opened before another publication neither undoes it nor edits over it, DTEK's document goes in as a file (multipart; source "dtek", the login as actor) with the
// days stored / skipped, the versions of
// the date say what changed, the mode is set; billing cannot open or change it; no change without
// the CSRF token. The editor's text <-> periods and the multipart reader are checked alone too.
import { readFile } from "node:fs/promises";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseMultipart, parsePeriodsText, periodsText } from "../../src/http/console/schedule-form.js";
import { getDay, getOutageMode, listDayVersions, publishDay } from "../../src/operator/schedules.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { buildConsoleApp, ConsoleBrowser, COOKIE, createUser } from "./support.js";

let db: TestDatabase;
let app: FastifyInstance;
let dispatcher: ConsoleBrowser;
let billing: ConsoleBrowser;
let admin: ConsoleBrowser;
// 29 November 2026, 19:00 in Kyiv: the DTEK fixture's "today".
const NOW = new Date("2026-11-29T17:00:00Z");
const DAY = "2026-12-03";

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildConsoleApp(db, { now: () => NOW });
  await Promise.all([
    createUser(db.prisma, "disp", "dispatcher"),
    createUser(db.prisma, "bill", "billing"),
    createUser(db.prisma, "adm", "admin"),
  ]);
  dispatcher = new ConsoleBrowser(app, "10.0.1.1");
  billing = new ConsoleBrowser(app, "10.0.1.2");
  admin = new ConsoleBrowser(app, "10.0.1.3");
  await dispatcher.signIn("disp");
  await billing.signIn("bill");
  await admin.signIn("adm");
});

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const redirectOf = (response: { statusCode: number; headers: Record<string, unknown> }) => {
  expect(response.statusCode).toBe(303);
  return String(response.headers.location);
};

describe("the editor's text", () => {
  it("reads periods (off, ? = maybe) and writes them back", () => {
    const parsed = parsePeriodsText(" 8:00-12:30, 18:00 – 20:00? ;");
    expect(parsed).toMatchObject({
      ok: true,
      periods: [
        { from: "08:00", to: "12:30", state: "off" },
        { from: "18:00", to: "20:00", state: "maybe" },
      ],
    });
    if (parsed.ok) {
      expect(parsed.slots.filter((s) => s === "off")).toHaveLength(9);
      expect(periodsText(parsed.periods)).toBe("08:00-12:30, 18:00-20:00?");
    }
    expect(parsePeriodsText("")).toMatchObject({ ok: true, periods: [] });
  });

  it("names the period at fault and why", () => {
    expect(parsePeriodsText("08:00-10:00, noon")).toEqual({
      ok: false,
      error: { problem: "format", period: 2 },
    });
    expect(parsePeriodsText("08:15-10:00")).toEqual({ ok: false, error: { problem: "time", period: 1 } });
    expect(parsePeriodsText("10:00-08:00")).toEqual({ ok: false, error: { problem: "order", period: 1 } });
    expect(parsePeriodsText("08:00-10:00, 09:00-11:00")).toEqual({
      ok: false,
      error: { problem: "overlap", period: 2 },
    });
  });

  it("reads a multipart body: text fields and a file", () => {
    const body = Buffer.from(
      '--XyZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\ntok\r\n' +
        '--XyZ\r\nContent-Disposition: form-data; name="file"; filename="d.json"\r\nContent-Type: application/json\r\n\r\n{"a":\r\n1}\r\n' +
        "--XyZ--\r\n",
    );
    const fields = parseMultipart(body, "multipart/form-data; boundary=XyZ");
    expect(fields?.map((f) => [f.name, f.filename, f.value.toString()])).toEqual([
      ["_csrf", undefined, "tok"],
      ["file", "d.json", '{"a":\r\n1}'],
    ]);
    expect(parseMultipart(body, "multipart/form-data")).toBeNull();
  });
});

describe("the schedules page", () => {
  it("shows every queue's day as a grid of 48 cells with the mode, for dispatchers and admins only", async () => {
    const page = await dispatcher.get(`/console/schedules?date=${DAY}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('href="/console/schedules" aria-current="page"');
    const rows = [...page.body.matchAll(/<tr data-queue="([\d.]+)"/g)].map((m) => m[1]);
    expect(rows).toHaveLength(12);
    expect(rows[0]).toBe("1.1");
    const firstRow = page.body.split('<tr data-queue="1.1"')[1]!.split("</tr>")[0]!;
    expect(firstRow.match(/<td class="cell s-none/g)).toHaveLength(48);
    expect(page.body).toContain("діють графіки");
    // In English too, and a day with 25 hours says so.
    await admin.get("/console/schedules");
    expect(
      (await admin.post("/console/language", { language: "en", back: "/console/schedules" })).statusCode,
    ).toBe(303);
    const english = await admin.get("/console/schedules?date=2026-10-25");
    expect(english.statusCode).toBe(200);
    expect(english.body).toContain("Schedule for 2026-10-25");
    expect(english.body).toContain("This day has 25 hours");
    expect(english.body).toContain("schedules apply");

    expect((await billing.get("/console/schedules")).statusCode).toBe(403);
    const refused = await billing.post(`/console/schedules/${DAY}`, { "q.3.2": "08:00-10:00" });
    expect(refused.statusCode).toBe(403);
    expect((await dispatcher.get("/console/dashboard")).body).toContain('href="/console/schedules"');
    expect((await billing.get("/console/dashboard")).body).not.toContain('href="/console/schedules"');
  });

  it("publishes the grid as the dispatcher (source console), names the version and the changed queues", async () => {
    await dispatcher.get(`/console/schedules?date=${DAY}`);
    const location = redirectOf(
      await dispatcher.post(`/console/schedules/${DAY}`, {
        "q.3.2": "08:00-12:30, 16:00-18:00?",
        "q.1.1": "",
        "q.4.1": "00:00-04:00",
      }),
    );
    const version = Number(new URL(location, "http://x").searchParams.get("version"));
    expect(location).toBe(
      `/console/schedules?date=${DAY}&done=schedule_published&version=${version}&changed=3.2%2C4.1`,
    );
    const page = await dispatcher.get(location);
    expect(page.body).toContain(`Версія № ${version}.`);
    expect(page.body).toContain("Змінено черги: 3.2, 4.1.");
    expect(page.body).toContain('value="08:00-12:30, 16:00-18:00?"');
    const row = page.body.split('<tr data-queue="3.2"')[1]!.split("</tr>")[0]!;
    expect(row.match(/s-off/g)).toHaveLength(9);
    expect(row.match(/s-maybe/g)).toHaveLength(4);
    // The version list: who, from where, what changed.
    expect(page.body).toMatch(new RegExp(`№ ${version}</strong> · [^<]+ · консоль · disp`));
    expect(page.body).toContain("08:00–12:30 є → немає");

    const day = await getDay(db.prisma, DAY);
    const q32 = day.queues.find((q) => q.queue === "3.2")!;
    expect(q32).toMatchObject({ source: "console", actor: "disp", version });
    expect(day.queues.find((q) => q.queue === "1.1")!.published).toBe(false);
    const audit = await db.prisma.auditEntry.findFirstOrThrow({ where: { action: "schedule.publish" } });
    expect(audit).toMatchObject({
      actor: "user:disp",
      entity: "schedule_publication",
      entityId: String(version),
    });
    expect(audit.details).toEqual({ date: DAY, changed: ["3.2", "4.1"] });

    // The same grid again: nothing changed, no version, no audit entry.
    const again = redirectOf(
      await dispatcher.post(`/console/schedules/${DAY}`, {
        "q.3.2": "08:00-12:30,16:00-18:00?",
        "q.4.1": "00:00-04:00",
      }),
    );
    expect(again).toBe(`/console/schedules?date=${DAY}&done=schedule_unchanged&version=${version}`);
    expect((await dispatcher.get(again)).body).toContain("Нічого не змінилося.");
    expect(await db.prisma.schedulePublication.count()).toBe(1);
    expect(await db.prisma.auditEntry.count({ where: { action: "schedule.publish" } })).toBe(1);

    // A change of one queue and "every queue" publishes the no-outage days too.
    const next = redirectOf(
      await dispatcher.post(`/console/schedules/${DAY}`, {
        "q.3.2": "08:00-10:00",
        "q.1.1": "",
        everyQueue: "1",
      }),
    );
    expect(next).toContain("changed=1.1%2C3.2");
    const versions = await listDayVersions(db.prisma, DAY);
    expect(versions[0]!.queues).toEqual([
      { queue: "1.1", kind: "new", changes: [] },
      {
        queue: "3.2",
        kind: "changed",
        changes: [
          { fromSlot: 20, toSlot: 25, from: "10:00", to: "12:30", was: "off", now: "on" },
          { fromSlot: 32, toSlot: 36, from: "16:00", to: "18:00", was: "maybe", now: "on" },
        ],
      },
    ]);
  });

  it("shows a bad period next to its queue, keeps what was typed, and stores nothing", async () => {
    const before = await db.prisma.schedulePublication.count();
    const page = await dispatcher.post(`/console/schedules/${DAY}`, {
      "q.3.2": "08:00-12:00",
      "q.5.1": "10:00-09:00",
      "q.6.2": "9 to 5",
    });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain("Графік не опубліковано");
    const row51 = page.body.split('<tr data-queue="5.1"')[1]!.split("</tr>")[0]!;
    expect(page.body).toMatch(/<tr data-queue="5.1" class="refused">/);
    expect(row51).toContain('value="10:00-09:00"');
    expect(row51).toContain("Період 1: кінець має бути пізніше за початок.");
    const row62 = page.body.split('<tr data-queue="6.2"')[1]!.split("</tr>")[0]!;
    expect(row62).toContain("Період 1: пишіть як 08:00-12:30");
    expect(await db.prisma.schedulePublication.count()).toBe(before);
  });

  it("leaves rows the operator did not touch alone and refuses an edit over a newer version", async () => {
    // The page as loaded: every row's periods, the day it was loaded with and its version.
    const loaded = await dispatcher.get(`/console/schedules?date=${DAY}`);
    const form: Record<string, string> = {};
    for (const m of loaded.body.matchAll(/name="((?:q|base|v)\.[\d.]+)" value="([^"]*)"/g))
      form[m[1]!] = m[2]!;
    expect(form["q.4.1"]).toBe("00:00-04:00");
    // Meanwhile someone publishes 3.2 and 4.1 through the API.
    const other = await publishDay(
      db.prisma,
      DAY,
      {
        "3.2": [{ from: "08:00", to: "11:00", state: "off" }],
        "4.1": [{ from: "00:00", to: "06:00", state: "off" }],
      },
      { source: "api", actor: "other" },
    );
    // The dispatcher adds a period to 5.1 on the old page: 3.2 and 4.1 are not put back.
    const location = redirectOf(
      await dispatcher.post(`/console/schedules/${DAY}`, { ...form, "q.5.1": "12:00-14:00" }),
    );
    expect(location).toMatch(/&changed=5\.1$/);
    const day = await getDay(db.prisma, DAY);
    expect(day.queues.find((q) => q.queue === "4.1")).toMatchObject({
      version: other.version,
      actor: "other",
    });
    expect(day.queues.find((q) => q.queue === "3.2")).toMatchObject({ version: other.version });

    // Editing 3.2 on that old page is refused, the version named beside it; nothing is stored.
    const before = await db.prisma.schedulePublication.count();
    const stale = await dispatcher.post(`/console/schedules/${DAY}`, { ...form, "q.3.2": "08:00-09:00" });
    expect(stale.statusCode).toBe(409);
    const row = stale.body.split('<tr data-queue="3.2"')[1]!.split("</tr>")[0]!;
    expect(row).toContain(`чергу змінила версія № ${other.version}`);
    expect(row).toContain('value="08:00-09:00"');
    expect(row).toContain(`name="v.3.2" value="${other.version}"`);
    expect(await db.prisma.schedulePublication.count()).toBe(before);
  });

  it("draws the customers' picture of a queue's day (in force, or as edited) for the page's roles", async () => {
    const page = await dispatcher.get(`/console/schedules?date=${DAY}&preview=3.2`);
    expect(page.body).toContain(`src="/console/schedules/${DAY}/3.2/picture.png"`);
    const png = await dispatcher.get(`/console/schedules/${DAY}/3.2/picture.png`);
    expect(png.statusCode).toBe(200);
    expect(png.headers["content-type"]).toBe("image/png");
    expect(png.rawPayload.subarray(1, 4).toString()).toBe("PNG");
    const edited = await dispatcher.get(
      `/console/schedules/${DAY}/3.2/picture.png?periods=${encodeURIComponent("18:00-20:00?")}`,
    );
    expect(edited.statusCode).toBe(200);
    expect(edited.rawPayload.equals(png.rawPayload)).toBe(false);
    expect((await dispatcher.get(`/console/schedules/${DAY}/3.2/picture.png?periods=noon`)).statusCode).toBe(
      400,
    );
    expect((await dispatcher.get(`/console/schedules/${DAY}/9.9/picture.png`)).statusCode).toBe(404);
    expect((await billing.get(`/console/schedules/${DAY}/3.2/picture.png`)).statusCode).toBe(403);
  });

  it("publishes DTEK's document from a file input: days stored and skipped, audited", async () => {
    const document = await readFile(new URL("../fixtures/dtek/disconschedule.json", import.meta.url), "utf8");
    await dispatcher.get("/console/schedules");
    const boundary = "----console-test";
    const part = (name: string, value: string, filename?: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ""}\r\n` +
      `${filename ? "Content-Type: application/json\r\n" : ""}\r\n${value}\r\n`;
    const post = (fields: string) =>
      app.inject({
        method: "POST",
        url: "/console/schedules/upload",
        remoteAddress: "10.0.1.1",
        headers: {
          "content-type": `multipart/form-data; boundary=${boundary}`,
          cookie: `${COOKIE}=${dispatcher.cookie}`,
        },
        payload: fields + `--${boundary}--\r\n`,
      });
    const withoutCsrf = await post(part("date", "2026-11-29") + part("file", document, "d.json"));
    expect(withoutCsrf.statusCode).toBe(403);

    const location = redirectOf(
      await post(
        part("_csrf", dispatcher.csrf!) +
          part("date", "2026-11-29") +
          part("file", document, "d.json") +
          part("document", ""),
      ),
    );
    const url = new URL(location, "http://x");
    expect(url.searchParams.get("done")).toBe("dtek_published");
    expect(url.searchParams.get("stored")).toMatch(/^2026-11-29:\d+/);
    const page = await dispatcher.get(location);
    expect(page.body).toContain("Дні в документі (черг):");
    expect(page.body).toContain("документ ДТЕК · disp");
    const publication = await db.prisma.schedulePublication.findFirstOrThrow({ orderBy: { id: "desc" } });
    expect(publication).toMatchObject({ source: "dtek", actor: "disp" });
    expect(
      await db.prisma.auditEntry.findFirst({
        where: { action: "schedule.publish_dtek", entityId: String(publication.id) },
      }),
    ).not.toBeNull();

    const broken = await post(part("_csrf", dispatcher.csrf!) + part("file", "{not json", "d.json"));
    expect(broken.statusCode).toBe(400);
    expect(broken.body).toContain("Це не JSON. Нічого не збережено.");
    const wrong = await post(part("_csrf", dispatcher.csrf!) + part("document", '{"DisconSchedule": {}}'));
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain("Документ не прийнято");
  });

  it("sets the region-wide mode with its message, audited; refused without the CSRF token", async () => {
    await dispatcher.get("/console/schedules");
    const refused = await dispatcher.post("/console/schedules/mode", { mode: "emergency" }, null);
    expect(refused.statusCode).toBe(403);
    expect((await getOutageMode(db.prisma)).mode).toBe("schedules");
    const location = redirectOf(
      await dispatcher.post("/console/schedules/mode", {
        mode: "emergency",
        message: "Аварійні відключення через атаку",
        date: DAY,
      }),
    );
    expect(location).toBe(`/console/schedules?date=${DAY}&done=mode_set`);
    expect(await getOutageMode(db.prisma)).toMatchObject({
      mode: "emergency",
      message: "Аварійні відключення через атаку",
      actor: "disp",
    });
    const page = await dispatcher.get(location);
    expect(page.body).toContain("аварійні відключення");
    expect(page.body).toContain("Аварійні відключення через атаку");
    expect(await db.prisma.auditEntry.findFirst({ where: { action: "outage_mode.set" } })).toMatchObject({
      actor: "user:disp",
    });
    expect((await dispatcher.post("/console/schedules/mode", { mode: "sometimes" })).statusCode).toBe(400);
  });
});
