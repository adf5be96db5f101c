// The whole service as main.ts assembles it (startService): real Postgres, the Telegram and Viber
// channels pointed at fake platform APIs, the web chat, the outbound queue and the operator API.
// One story across all of them: accounts imported through the operator API, a Telegram customer
// verifies and reports an outage, the operator moves the report along and publishes a known outage,
// and the customer hears of every change in their messenger, naming the account by its label; the
// customer orders a meter service with a photo and the operator sees that photo through the API.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import type { RunningService } from "../../src/service.js";
import { TelegramUser } from "../channels/telegram/telegram-user.js";
import type { FakeTelegramApi } from "../fakes/telegram-api.js";
import type { TestDatabase } from "../helpers/database.js";
import { startE2EService, type E2EService } from "../helpers/e2e-service.js";
import { pollUntil } from "../helpers/until.js";

const uk = (key: Parameters<typeof t>[1], params?: Parameters<typeof t>[2]) => t("uk", key, params);
const TOKEN = "8000000001:AAHk3Vq9fakeTokenForTests_service";
const SECRET = "service-test-secret-0123456789";
const VIBER_TOKEN = "4f1ad0b2c3d4e5f6-service-viber-token";
const OPERATOR = "operator-bootstrap-token-for-tests-0001";

const logLines: string[] = [];
const logSink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

let db: TestDatabase;
let telegramApi: FakeTelegramApi;
let service: RunningService;

const csv = [
  "account_number,eic,holder_name,phones,settlement,street,building,apartment,area_code,meter_serial,meter_digits,zones,last_reading_date,last_reading_t1,last_reading_t2,last_reading_t3",
  "4000000001,,Гончаренко Олег,+380671234001,Дніпро,вул. Тиха,1,1,SVC-01,SVC00001,6,1,2026-10-31,1500,,",
  "4000000002,,Лисенко Ніна,+380671234002,Дніпро,вул. Тиха,2,,SVC-02,SVC00002,6,2,2026-10-31,900,400,",
].join("\n");

async function operator(
  method: "GET" | "POST" | "PATCH",
  url: string,
  payload?: unknown,
  contentType = "application/json",
) {
  const response = await service.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${OPERATOR}`, "content-type": contentType },
    payload:
      payload === undefined ? undefined : typeof payload === "string" ? payload : JSON.stringify(payload),
  });
  return response;
}

async function deliver(update: Record<string, unknown>): Promise<void> {
  const response = await telegramApi.deliverWebhook(update);
  expect(response.status).toBe(200);
}

let e2e: E2EService;

beforeAll(async () => {
  e2e = await startE2EService({
    telegramToken: TOKEN,
    webhookSecret: SECRET,
    operatorToken: OPERATOR,
    viberToken: VIBER_TOKEN,
    env: { QUIET_HOURS: "00:00-00:00" },
    logLevel: "debug",
    logSink,
  });
  ({ db, telegramApi, service } = e2e);
});

afterAll(async () => {
  await e2e?.stop();
});

describe("the assembled service", () => {
  it("is ready with both messengers known and exposes their routes; the web chat is off next to tokens", async () => {
    await pollUntil(() => (service.telegram?.ready() ? true : undefined));
    const ready = await service.app.inject("/readyz");
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toMatchObject({ database: "ok", telegram: "ok", viber: "ok" });
    expect((await service.app.inject("/")).statusCode).toBe(404);
    const unsigned = await service.app.inject({
      method: "POST",
      url: "/webhooks/viber",
      payload: { event: "webhook" },
    });
    expect(unsigned.statusCode).toBe(403);
    const noSecret = await service.app.inject({
      method: "POST",
      url: "/webhooks/telegram",
      payload: { update_id: 1 },
    });
    expect(noSecret.statusCode).toBe(401);
  });

  it("imports accounts through the operator API", async () => {
    const response = await operator("POST", "/api/v1/accounts/import", csv, "text/csv");
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ imported: 2, rejected: [] });
  });

  it("tells a Telegram customer of every change to their outage report and to a known outage", async () => {
    const user = new TelegramUser(7_300_000_001, telegramApi);
    await deliver(user.start());
    await deliver(user.contact("+380671234001", true));
    await deliver(user.text("4000000001"));
    await deliver(user.press(uk("label.house")));
    expect(await db.prisma.accountLink.count({ where: { label: uk("label.house") } })).toBe(1);

    await deliver(user.press(uk("menu.outage")));
    await deliver(user.press(uk("outage.scopeHome")));
    const report = await db.prisma.outageReport.findFirstOrThrow({ include: { account: true } });
    expect(report).toMatchObject({ scope: "home", status: "received" });
    expect(report.account.number).toBe("4000000001");

    const before = user.received().length;
    const patched = await operator("PATCH", `/api/v1/outage-reports/${report.id}`, {
      status: "crew_dispatched",
      expectedRestoreAt: "2026-11-28T15:00:00.000Z",
    });
    expect(patched.statusCode).toBe(200);
    const notice = await pollUntil(() => user.received().slice(before)[0]);
    expect(notice.text).toContain(uk("label.house"));
    expect(notice.text).toContain(String(report.id));
    expect(notice.params.chat_id).toBe(user.id);

    // A known emergency outage in the customer's area: the bot says so and offers to notify.
    const published = await operator("POST", "/api/v1/outages", {
      areaCodes: ["SVC-01"],
      kind: "emergency",
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      expectedEndAt: new Date(Date.now() + 3 * 3_600_000).toISOString(),
    });
    expect(published.statusCode).toBe(201);
    const outageId = published.json().id as number;
    // The notification carried an inline keyboard; the reply keyboard (the menu) is still shown under it.
    await deliver(user.text(uk("menu.outage")));
    const last = user.received().at(-1);
    expect(last?.text).toContain(uk("label.house"));
    await deliver(user.press(uk("outage.notifyMe")));
    expect(await db.prisma.outageWatch.count({ where: { outageId } })).toBe(1);

    const beforeResolve = user.received().length;
    const resolved = await operator("PATCH", `/api/v1/outages/${outageId}`, { resolved: true });
    expect(resolved.statusCode).toBe(200);
    const backOn = await pollUntil(() => user.received().slice(beforeResolve)[0]);
    expect(backOn.text).toContain(uk("label.house"));
    // Told once: a second resolve changes nothing and sends nothing.
    await operator("PATCH", `/api/v1/outages/${outageId}`, { resolved: true });
    await service.outbound.waitUntilDrained({ timeoutMs: 10_000 });
    expect(user.received().length).toBe(beforeResolve + 1);
  });

  it("shows the operator the photo a Telegram customer attached to a service order", async () => {
    const user = new TelegramUser(7_300_000_001, telegramApi);
    // What Telegram's file server holds for the largest size of the photo the customer sends.
    const photo = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe1]),
      Buffer.from("meter fault photo ".repeat(200)),
    ]);
    telegramApi.addFile("AgACAgIAAxkBAAIServiceFault-1280", { bytes: photo });
    await deliver(user.text(uk("menu.order")));
    await deliver(user.press(uk("serviceType.meter_fault")));
    await deliver(user.photo("AgACAgIAAxkBAAIServiceFault", "Лічильник не світиться"));
    await deliver(user.press(uk("order.anyDate")));
    await deliver(user.text("+380671234001"));
    await deliver(user.press(uk("common.confirm")));
    const stored = await db.prisma.serviceOrder.findFirstOrThrow({ where: { type: "meter_fault" } });
    expect(stored.photoRef).toBe("AgACAgIAAxkBAAIServiceFault-1280");

    const list = await operator("GET", "/api/v1/service-orders?status=received");
    expect(list.statusCode).toBe(200);
    const listed = (list.json().items as { id: number; photoUrl: string | null }[]).find(
      (o) => o.id === stored.id,
    );
    expect(listed?.photoUrl).toBe(`/api/v1/service-orders/${stored.id}/photo`);
    const image = await operator("GET", listed!.photoUrl!);
    expect(image.statusCode).toBe(200);
    expect(image.headers["content-type"]).toBe("image/jpeg");
    expect(image.rawPayload.equals(photo)).toBe(true);
    expect(telegramApi.downloads).toHaveLength(1);
  });

  it("logged no phone number, token, secret or holder name along the way", () => {
    const all = logLines.join("");
    expect(all.length).toBeGreaterThan(1000);
    for (const secret of [TOKEN, SECRET, VIBER_TOKEN, OPERATOR, "380671234001", "671234001", "Гончаренко"]) {
      expect(all).not.toContain(secret);
    }
  });

  it("wrote each log line as JSON with every key once (no field bound twice by nested child loggers)", () => {
    const lines = logLines
      .join("")
      .split("\n")
      .filter((line) => line.trim() !== "");
    expect(lines.length).toBeGreaterThan(10);
    const repeated = lines.filter((line) => {
      // Top-level keys only: count each `"key":` at depth 1.
      const keys: string[] = [];
      let depth = 0;
      for (const match of line.matchAll(/[{}[\]]|"(?:[^"\\]|\\.)*"(\s*:)?/g)) {
        const token = match[0];
        if (token === "{" || token === "[") depth += 1;
        else if (token === "}" || token === "]") depth -= 1;
        else if (match[1] !== undefined && depth === 1) keys.push(token);
      }
      return new Set(keys).size !== keys.length;
    });
    expect(repeated).toEqual([]);
  });
});
