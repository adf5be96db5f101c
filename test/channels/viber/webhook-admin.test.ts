// set_webhook as `npm run viber:webhook` sends it: our own call with send_name, send_photo and the
// event types including failed; an empty url to remove. Run through the real script against the fake.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeViberApi, type FakeViberApi } from "../../fakes/viber-api.js";

const run = promisify(execFile);
const AUTH_TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";

let fake: FakeViberApi;
beforeAll(async () => {
  fake = await startFakeViberApi({ authToken: AUTH_TOKEN });
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());

function script(command: string, env: Record<string, string>) {
  return run(process.execPath, ["--import", "tsx", "scripts/viber-webhook.ts", command], {
    env: { PATH: process.env.PATH ?? "", VIBER_AUTH_TOKEN: AUTH_TOKEN, VIBER_API_URL: fake.url, ...env },
  });
}

describe("npm run viber:webhook", () => {
  it("set: posts set_webhook with PUBLIC_URL + /webhooks/viber, names, photos and every event type", async () => {
    const { stdout } = await script("set", { PUBLIC_URL: "https://bot.example.com.ua/" });
    expect(stdout).toContain("Viber webhook set to https://bot.example.com.ua/webhooks/viber");
    const calls = fake.callsOf("set_webhook");
    expect(calls).toHaveLength(1);
    expect(calls[0]!.authToken).toBe(AUTH_TOKEN);
    expect(calls[0]!.body).toEqual({
      url: "https://bot.example.com.ua/webhooks/viber",
      event_types: ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"],
      send_name: true,
      send_photo: true,
    });
  });

  it("remove: posts an empty url", async () => {
    const { stdout } = await script("remove", {});
    expect(stdout).toContain("Viber webhook removed.");
    expect(fake.callsOf("set_webhook").map((call) => call.body)).toEqual([{ url: "" }]);
  });

  it("exits non-zero with Viber's status when set_webhook is refused, and without PUBLIC_URL", async () => {
    fake.script("set_webhook", [{ status: 1 }]);
    await expect(script("set", { PUBLIC_URL: "https://bot.example.com.ua" })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("set_webhook failed: status 1"),
    });
    await expect(script("set", {})).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("PUBLIC_URL is not set"),
    });
  });
});
