// The two send options the fan-out lanes pass to the real Telegram sender, against the fake Bot API:
// allow_paid_broadcast only on paid sends, and a 429 answered at once (the lane pauses) instead of
// being waited out inside the sender.
import { Api } from "grammy";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTelegramMetrics } from "../../src/channels/telegram/metrics.js";
import { createTelegramSender } from "../../src/channels/telegram/sender.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../fakes/telegram-api.js";
import { silentLogger } from "./support.js";

const TOKEN = "123456789:AAfanoutfanoutfanoutfanoutfanout0";
let fake: FakeTelegramApi;

beforeAll(async () => {
  fake = await startFakeTelegramApi({ token: TOKEN });
});
afterAll(async () => {
  await fake.close();
});

function sender() {
  return createTelegramSender({
    api: new Api(TOKEN, { apiRoot: fake.apiRoot }),
    userStatus: { setStatus: async () => undefined },
    logger: silentLogger,
    metrics: createTelegramMetrics(new Registry()),
  });
}

describe("Telegram sender options for fan-out lanes", () => {
  it("passes allow_paid_broadcast only when asked", async () => {
    const s = sender();
    await s.send("telegram:7100000001", [{ text: "Безкоштовно" }]);
    await s.send("telegram:7100000002", [{ text: "Платно" }], { paidBroadcast: true });
    expect(fake.sentMessages(7100000001)[0]).not.toHaveProperty("allow_paid_broadcast");
    expect(fake.sentMessages(7100000002)[0]).toMatchObject({ allow_paid_broadcast: true });
  });

  it("rateLimitedNow answers a 429 at once instead of waiting retry_after", async () => {
    const s = sender();
    fake.failNext("sendMessage", { kind: "rate_limit", retryAfter: 3 });
    const started = Date.now();
    const outcome = await s.send("telegram:7100000003", [{ text: "Зараз" }], { rateLimitedNow: true });
    expect(outcome).toEqual({ kind: "rate_limited", retryAfterMs: 3_000 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(fake.sentMessages(7100000003)).toHaveLength(1); // the refused call only
  });
});
