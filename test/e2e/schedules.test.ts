// Outage schedules end to end through the assembled service (startService: real Postgres, the
// Telegram channel on the fake Bot API, the operator API): the operator publishes our JSON and
// DTEK's document and reads them back; a Telegram customer whose account billing put in queue 3.2
// taps the menu button and sees today's hours as published, with the picture drawn once.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import { kyivIsoDate } from "../../src/schedules/kyiv-day.js";
import type { RunningService } from "../../src/service.js";
import { TelegramUser, unescapeHtml } from "../channels/telegram/telegram-user.js";
import type { FakeTelegramApi } from "../fakes/telegram-api.js";
import { startE2EService, type E2EService } from "../helpers/e2e-service.js";

const TOKEN = "8000000001:AAHk3Vq9fakeTokenForTests_schedule";
const SECRET = "schedule-test-secret-0123456789";
const OPERATOR = "operator-bootstrap-token-for-tests-0002";

let telegramApi: FakeTelegramApi;
let service: RunningService;

const csv = [
  "account_number,eic,holder_name,phones,settlement,street,building,apartment,area_code,meter_serial,meter_digits,zones,last_reading_date,last_reading_t1,last_reading_t2,last_reading_t3,outage_queue",
  "4100000001,,Гончаренко Олег,+380671235001,Дніпро,вул. Тиха,1,1,SVC-01,SVC10001,6,1,2026-10-31,1500,,,3.2",
].join("\n");

async function operator(
  method: "GET" | "PUT" | "POST",
  url: string,
  payload?: unknown,
  type = "application/json",
) {
  return service.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${OPERATOR}`, "content-type": type },
    payload:
      payload === undefined ? undefined : typeof payload === "string" ? payload : JSON.stringify(payload),
  });
}

async function deliver(update: Record<string, unknown>): Promise<void> {
  const response = await telegramApi.deliverWebhook(update);
  expect(response.status).toBe(200);
}

async function metric(name: string): Promise<number> {
  const response = await service.app.inject({ method: "GET", url: "/metrics" });
  const line = response.body.split("\n").find((row) => row.startsWith(`${name} `));
  return line ? Number(line.split(" ")[1]) : 0;
}

let e2e: E2EService;

beforeAll(async () => {
  e2e = await startE2EService({ telegramToken: TOKEN, webhookSecret: SECRET, operatorToken: OPERATOR });
  ({ telegramApi, service } = e2e);
});

afterAll(async () => {
  await e2e?.stop();
});

describe("outage schedules through the service", () => {
  it("publishes our JSON and DTEK's document, reads them back, and a Telegram customer of the queue sees the hours", async () => {
    const imported = await operator("POST", "/api/v1/accounts/import", csv, "text/csv");
    expect(imported.statusCode).toBe(200);
    expect(imported.json()).toMatchObject({ rejectedTotal: 0 });

    // DTEK's document (its "today" is 29.11.2026): 3.2 off 08:00-12:30 ("no" x4 + "first"), maybe 16:00-18:00.
    const dtek = JSON.parse(
      await readFile(new URL("../fixtures/dtek/disconschedule.json", import.meta.url), "utf8"),
    );
    const dtekPut = await operator("PUT", "/api/v1/outage-schedules?format=dtek", dtek);
    expect(dtekPut.statusCode).toBe(200);
    const dtekDay = (await operator("GET", "/api/v1/outage-schedules/2026-11-29")).json() as {
      queues: { queue: string; published: boolean; periods: unknown[]; source: string }[];
    };
    expect(dtekDay.queues.find((q) => q.queue === "3.2")).toMatchObject({
      published: true,
      source: "dtek",
      periods: [
        { from: "08:00", to: "12:30", state: "off" },
        { from: "16:00", to: "18:00", state: "maybe" },
      ],
    });

    // Our JSON for today (whatever day the test runs): the newest publication of today's 3.2.
    const today = kyivIsoDate(new Date());
    const periods = [
      { from: "00:00", to: "02:30", state: "off" },
      { from: "10:00", to: "13:00", state: "maybe" },
      { from: "21:00", to: "24:00", state: "off" },
    ];
    const ours = await operator("PUT", `/api/v1/outage-schedules/${today}`, { queues: { "3.2": periods } });
    expect(ours.statusCode).toBe(200);
    const ourDay = (await operator("GET", `/api/v1/outage-schedules/${today}`)).json() as {
      queues: { queue: string; periods: unknown[]; source: string; version: number }[];
    };
    expect(ourDay.queues.find((q) => q.queue === "3.2")).toMatchObject({ source: "api", periods });

    // The customer links the account (phone on file) and taps the schedule button, twice.
    const user = new TelegramUser(7_700_000_001, telegramApi);
    await deliver(user.start());
    await deliver(user.contact("380671235001", true));
    await deliver(user.text("4100000001"));
    await deliver(user.press(t("uk", "label.flat")));
    const rendersBefore = await metric("schedule_picture_renders_total");
    await deliver(user.press("🕯 Графік відключень"));
    const text = unescapeHtml(telegramApi.shownTexts(user.id).at(-1) ?? "");
    const shown = `${today.slice(8, 10)}.${today.slice(5, 7)}`;
    expect(text).toContain(`🕯 ${t("uk", "label.flat")} — черга 3.2`);
    expect(text).toContain(
      `Сьогодні, ${shown}: 🔴 00:00–02:30 без світла · 🟡 10:00–13:00 можливе · 🔴 21:00–24:00 без світла`,
    );
    expect(text).toMatch(/⏭ /);
    expect(telegramApi.sentPhotos(user.id).map((photo) => photo.photo)).toEqual(["upload"]);
    await deliver(user.press("🔄 Оновити"));
    expect(telegramApi.sentPhotos(user.id)[1]?.photo).toMatch(/^AgAC/);
    expect(await metric("schedule_picture_renders_total")).toBe(rendersBefore + 1);

    // Emergency mode from the operator reaches the next view plainly.
    const mode = await operator("PUT", "/api/v1/outage-mode", {
      mode: "emergency",
      message: "Аварія в енергосистемі",
    });
    expect(mode.statusCode).toBe(200);
    await deliver(user.press("🔄 Оновити"));
    expect(unescapeHtml(telegramApi.shownTexts(user.id).at(-1) ?? "")).toBe(
      [t("uk", "sched.modeEmergency"), "ℹ️ Аварія в енергосистемі"].join("\n\n"),
    );
  });
});
