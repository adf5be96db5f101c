// `npm run telegram:webhook -- set|info|delete` against the fake Bot API: the URL, the secret and
// the allowed update kinds Telegram is given, and clear refusals when configuration is missing.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookUrl } from "../../../src/channels/telegram/webhook-admin.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../../fakes/telegram-api.js";
import { TEST_BOT_TOKEN } from "./helpers.js";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const secret = "s3cret_webhook_token_for_tests";
let fake: FakeTelegramApi;

beforeAll(async () => {
  fake = await startFakeTelegramApi({ token: TEST_BOT_TOKEN });
});
afterAll(async () => {
  await fake.close();
});

async function script(args: string[], env: Record<string, string>) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ["--import", "tsx", "scripts/telegram-webhook.ts", ...args],
      { cwd: root, env: { PATH: process.env.PATH ?? "", ...env }, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const env = {
  TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
  TELEGRAM_WEBHOOK_SECRET: secret,
  TELEGRAM_API_ROOT: "",
  PUBLIC_URL: "https://bot.example.com/",
};

describe("telegram:webhook script", () => {
  it("builds the webhook URL from PUBLIC_URL", () => {
    expect(webhookUrl("https://bot.example.com/")).toBe("https://bot.example.com/webhooks/telegram");
    expect(webhookUrl("https://example.com/bot")).toBe("https://example.com/bot/webhooks/telegram");
  });

  it("sets, shows and deletes the webhook with the secret and allowed updates", async () => {
    const e = { ...env, TELEGRAM_API_ROOT: fake.apiRoot };
    const set = await script(["set", "--drop-pending"], e);
    expect(set.stderr).toBe("");
    expect(set.code).toBe(0);
    expect(set.stdout).toContain("https://bot.example.com/webhooks/telegram");
    expect(fake.callsTo("setWebhook").at(-1)?.params).toEqual({
      url: "https://bot.example.com/webhooks/telegram",
      secret_token: secret,
      allowed_updates: ["message", "callback_query", "my_chat_member"],
      drop_pending_updates: true,
    });
    expect(set.stdout).not.toContain(secret);

    const info = await script(["info"], e);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({
      url: "https://bot.example.com/webhooks/telegram",
      allowed_updates: ["message", "callback_query", "my_chat_member"],
    });

    const removed = await script(["delete"], e);
    expect(removed.code).toBe(0);
    expect(fake.callsTo("deleteWebhook").at(-1)?.params).toEqual({ drop_pending_updates: false });
    expect(fake.webhook()).toBeUndefined();
  }, 60_000);

  it("refuses to run without PUBLIC_URL or with an unknown command", async () => {
    const calls = fake.calls.length;
    const noUrl = await script(["set"], { ...env, TELEGRAM_API_ROOT: fake.apiRoot, PUBLIC_URL: "" });
    expect(noUrl.code).toBe(1);
    expect(noUrl.stderr).toContain("PUBLIC_URL is not set");
    const bad = await script(["sett"], { ...env, TELEGRAM_API_ROOT: fake.apiRoot });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("usage: npm run telegram:webhook");
    expect(fake.calls.length).toBe(calls);
  }, 60_000);
});
