// Schedule notices end to end through the assembled service (startService: real Postgres, Telegram
// on the fake Bot API, Viber on the fake Chat API, the operator API): the operator publishes over
// HTTP, the planner tick (driven here; the cron is scheduled too) plans the notices and the fan-out
// lanes deliver them: tomorrow published -> exactly one message to each subscriber of that queue on
// either messenger and none to other queues; today changed -> one "changed" message; a period
// starting sooner than the lead time -> a warning at once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addDays, kyivIsoDate, slotTime } from "../../src/schedules/kyiv-day.js";
import { kyivDate } from "../../src/time/kyiv.js";
import type { RunningService } from "../../src/service.js";
import type { FakeTelegramApi } from "../fakes/telegram-api.js";
import type { FakeViberApi } from "../fakes/viber-api.js";
import type { TestDatabase } from "../helpers/database.js";
import { startE2EService, type E2EService } from "../helpers/e2e-service.js";
import { nextSlotBoundary } from "../helpers/schedules.js";
import { pollUntil } from "../helpers/until.js";

const TOKEN = "8000000001:AAHk3Vq9fakeTokenForTests_notices";
const SECRET = "notices-test-secret-0123456789";
const VIBER_TOKEN = "4f1ad0b2c3d4e5f6-notices-viber-token";
const OPERATOR = "operator-bootstrap-token-for-tests-0003";

let db: TestDatabase;
let telegramApi: FakeTelegramApi;
let viberApi: FakeViberApi;
let service: RunningService;

async function operator(method: "PUT" | "GET", url: string, payload?: unknown) {
  return service.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${OPERATOR}`, "content-type": "application/json" },
    payload: payload === undefined ? undefined : JSON.stringify(payload),
  });
}

let nextChat = 7_900_000_001;

/** A messenger user (as the engine would have made them) following queues; returns where they are told. */
async function subscriber(channel: "telegram" | "viber", queues: Record<string, number>) {
  const id = nextChat++;
  const address = channel === "telegram" ? `telegram:${id}` : `viber:v${id}`;
  const [user] = await db.prisma.$queryRaw<{ id: number }[]>`
    INSERT INTO messenger_user (address, channel, telegram_chat_id, viber_user_id, status, language, last_inbound_at, updated_at)
    VALUES (${address}, ${channel}::"Channel", ${channel === "telegram" ? BigInt(id) : null},
            ${channel === "viber" ? `v${id}` : null}, 'active', 'uk', now(), now())
    RETURNING id`;
  for (const [queue, lead] of Object.entries(queues)) {
    await db.prisma.$executeRaw`
      INSERT INTO schedule_subscription (user_id, queue, label, lead_minutes, updated_at)
      VALUES (${user!.id}, ${queue}, 'Дім', ${lead}, now())`;
  }
  return { channel, id, receiver: `v${id}` };
}

type Who = Awaited<ReturnType<typeof subscriber>>;

/** The texts a subscriber was sent, in order. */
function texts(who: Who): string[] {
  if (who.channel === "telegram") return telegramApi.sentMessages(who.id).map((m) => String(m.text));
  return viberApi
    .callsOf("send_message")
    .filter((c) => c.body.receiver === who.receiver)
    .map((c) => String(c.body.text));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let e2e: E2EService;

beforeAll(async () => {
  e2e = await startE2EService({
    telegramToken: TOKEN,
    webhookSecret: SECRET,
    operatorToken: OPERATOR,
    viberToken: VIBER_TOKEN,
    // Whenever the test runs: no quiet hours, and a short debounce.
    env: { QUIET_HOURS: "00:00-00:00", SCHEDULE_NOTICE_DEBOUNCE_SECONDS: "1" },
  });
  ({ db, telegramApi, service } = e2e);
  viberApi = e2e.viberApi!;
});

afterAll(async () => {
  await e2e?.stop();
});

describe("schedule notices through the service", () => {
  it("the planner's cron is scheduled every minute", async () => {
    const rows = await db.prisma.$queryRaw<{ cron: string }[]>`
      SELECT cron FROM pgboss.schedule WHERE name = 'schedule-notices-tick'`;
    expect(rows).toEqual([{ cron: "* * * * *" }]);
  });

  it("tomorrow published: one message to each subscriber of the queue, on both messengers; none to others", async () => {
    const telegram = await subscriber("telegram", { "3.2": 30 });
    const viber = await subscriber("viber", { "3.2": 60 });
    const other = await subscriber("telegram", { "4.1": 30 });
    const tomorrow = addDays(kyivIsoDate(new Date()), 1);
    const put = await operator("PUT", `/api/v1/outage-schedules/${tomorrow}`, {
      queues: { "3.2": [{ from: "08:00", to: "12:00", state: "off" }] },
    });
    expect(put.statusCode).toBe(200);
    await sleep(1_100); // the debounce
    await service.outbound.scheduleNotices.tick();
    await pollUntil(() => texts(telegram).length === 1 && texts(viber).length === 1);
    // Another tick (as the next minute's, or another instance's) adds nothing.
    await service.outbound.scheduleNotices.tick();
    await sleep(500);
    const shown = `${tomorrow.slice(8, 10)}.${tomorrow.slice(5, 7)}`;
    for (const who of [telegram, viber]) {
      expect(texts(who)).toEqual([
        `🗓 Черга 3.2 (Дім): графік на завтра, ${shown}:\n🔴 08:00–12:00 без світла`,
      ]);
    }
    expect(texts(other)).toEqual([]);
    // Under it, the schedule view button.
    const keyboard = telegramApi.sentMessages(telegram.id)[0]!.reply_markup as {
      inline_keyboard: { text: string }[][];
    };
    expect(keyboard.inline_keyboard.flat().map((b) => b.text)).toContain("🕯 Графік відключень");
  });

  it("today changed: one 'changed' message with what changed", async () => {
    const telegram = await subscriber("telegram", { "5.2": 0 });
    const today = kyivIsoDate(new Date());
    expect(
      (await operator("PUT", `/api/v1/outage-schedules/${today}`, { queues: { "5.2": [] } })).statusCode,
    ).toBe(200);
    await sleep(1_100);
    await service.outbound.scheduleNotices.tick();
    await pollUntil(() => texts(telegram).length === 1);
    expect(texts(telegram)[0]).toContain("відключень не заплановано");
    const changed = await operator("PUT", `/api/v1/outage-schedules/${today}`, {
      queues: { "5.2": [{ from: "00:00", to: "01:00", state: "maybe" }] },
    });
    expect(changed.json()).toMatchObject({ changed: ["5.2"] });
    await sleep(1_100);
    await service.outbound.scheduleNotices.tick();
    await pollUntil(() => texts(telegram).length === 2);
    await service.outbound.scheduleNotices.tick();
    await sleep(500);
    const shown = `${today.slice(8, 10)}.${today.slice(5, 7)}`;
    expect(texts(telegram).slice(1)).toEqual([
      [
        `✏️ Черга 5.2 (Дім): змінено графік на сьогодні, ${shown}.`,
        "Додано: 🟡 00:00–01:00.",
        "Увесь день: 🟡 00:00–01:00 можливе",
      ].join("\n"),
    ]);
  });

  it("a period starting sooner than the lead time: the warning goes out at once", async () => {
    const telegram = await subscriber("telegram", { "6.1": 60 });
    const viber = await subscriber("viber", { "6.1": 60 });
    const publishedAt = Date.now();
    const slot = nextSlotBoundary(new Date());
    const put = await operator("PUT", `/api/v1/outage-schedules/${slot.date}`, {
      queues: { "6.1": [{ from: slotTime(slot.index), to: slotTime(slot.index + 1), state: "off" }] },
    });
    expect(put.statusCode).toBe(200);
    await service.outbound.scheduleNotices.tick();
    await pollUntil(
      () => texts(telegram).some((t) => t.startsWith("🔴")) && texts(viber).some((t) => t.startsWith("🔴")),
    );
    expect(Date.now() - publishedAt).toBeLessThan(60_000);
    const local = kyivDate(slot.start);
    const at = `${String(local.hour).padStart(2, "0")}:${String(local.minute).padStart(2, "0")}`;
    for (const who of [telegram, viber]) {
      const warning = texts(who).find((t) => t.startsWith("🔴"))!;
      expect(warning).toMatch(
        new RegExp(
          `^🔴 Черга 6\\.1 \\(Дім\\): світло вимкнуть о ${at} \\(через \\d+ хв\\), до \\d\\d:\\d\\d\\.$`,
        ),
      );
      // Counted from when it was sent: between now and the publication.
      const minutes = Number(/через (\d+) хв/.exec(warning)![1]);
      expect(minutes).toBeGreaterThanOrEqual(Math.ceil((slot.start.getTime() - Date.now()) / 60_000));
      expect(minutes).toBeLessThanOrEqual(Math.ceil((slot.start.getTime() - publishedAt) / 60_000));
    }
  });
});
