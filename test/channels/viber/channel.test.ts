// The assembled channel's readiness probe: get_account_info through viber-bot at VIBER_API_URL,
// retried with backoff while the Chat API refuses or cannot be reached, never throwing.
import { pino } from "pino";
import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EngineHandle, UserStatusPort } from "../../../src/channels/channel.js";
import type { CustomerPhotoStore } from "../../../src/channels/customer-photos.js";
import { createViberChannel } from "../../../src/channels/viber/index.js";
import { startFakeViberApi, type FakeViberApi } from "../../fakes/viber-api.js";

const AUTH_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";

let fake: FakeViberApi;
beforeAll(async () => {
  fake = await startFakeViberApi({ authToken: AUTH_TOKEN });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

// Readiness never reaches the engine or the user table: both refuse to be used.
const unusedEngine: EngineHandle = {
  handle: () => Promise.reject(new Error("the readiness probe must not call the engine")),
};
const unusedStatus: UserStatusPort = {
  setStatus: () => Promise.reject(new Error("the readiness probe must not change users")),
};
const unusedPhotos: CustomerPhotoStore = {
  has: () => Promise.reject(new Error("the readiness probe must not read photos")),
  keep: () => Promise.reject(new Error("the readiness probe must not keep photos")),
};

function channel(apiUrl: string, authToken = AUTH_TOKEN) {
  return createViberChannel({
    config: { authToken, botName: "ДТЕК Дніпро", botAvatar: undefined, apiUrl },
    engine: unusedEngine,
    userStatus: unusedStatus,
    photoStore: unusedPhotos,
    logger: pino({ level: "silent" }),
    metrics: new Registry(),
    sendTimeoutMs: 500,
    probeRetryMs: { first: 50, max: 100 },
  });
}

describe("Viber channel readiness", () => {
  it("is ready once get_account_info answers status 0", async () => {
    const viber = channel(fake.url);
    expect(viber.ready()).toBe(false);
    await viber.start();
    expect(viber.ready()).toBe(true);
    expect(viber.readiness()).toBe("ok");
    expect(fake.callsOf("get_account_info")).toEqual([
      { method: "get_account_info", authToken: AUTH_TOKEN, body: { auth_token: AUTH_TOKEN } },
    ]);
    await viber.stop();
  });

  it("stays not ready with the reason while the token is refused, and retries until stopped", async () => {
    const viber = channel(fake.url, "wrong-token");
    await viber.start();
    expect(viber.ready()).toBe(false);
    expect(viber.readiness()).toBe("chat api status 2 (invalidAuthToken)");
    await new Promise((resolve) => setTimeout(resolve, 250));
    const attempts = fake.callsOf("get_account_info").length;
    expect(attempts).toBeGreaterThanOrEqual(2);
    await viber.stop();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(fake.callsOf("get_account_info").length).toBe(attempts);
  });

  it("reports an unreachable Chat API without throwing", async () => {
    const viber = channel("http://127.0.0.1:9/pa/");
    await viber.start();
    expect(viber.ready()).toBe(false);
    expect(viber.readiness()).toMatch(/^chat api unreachable: /);
    await viber.stop();
  });
});
