// The environment schema: defaults, every bad variable named, webhook modes need their secrets,
// and .env.example documents exactly the variables the schema knows.
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ConfigError, envSchema, loadConfig } from "../../src/config.js";

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => p.variable);
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("runs with nothing set: embedded database, web chat on, messengers off", () => {
    const config = loadConfig({});
    expect(config.db.url).toBeUndefined();
    expect(config.http.port).toBe(3000);
    expect(config.webChat.enabled).toBe(true);
    expect(config.telegram.enabled).toBe(false);
    expect(config.viber.enabled).toBe(false);
    expect(config.reminders.quietHours).toEqual({ from: "21:00", to: "09:00" });
  });

  it("names every bad variable", () => {
    expect(problems({ PORT: "abc", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud" }).sort()).toEqual([
      "DATABASE_URL",
      "LOG_LEVEL",
      "PORT",
    ]);
    expect(problems({ PORT: "70000" })).toEqual(["PORT"]);
    expect(problems({ QUIET_HOURS: "9pm" })).toEqual(["QUIET_HOURS"]);
  });

  it("requires the webhook secret in Telegram webhook mode, not in polling mode", () => {
    const token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    expect(problems({ TELEGRAM_BOT_TOKEN: token })).toEqual(["TELEGRAM_WEBHOOK_SECRET"]);
    expect(problems({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_MODE: "polling" })).toEqual([]);
    const config = loadConfig({ TELEGRAM_BOT_TOKEN: token, TELEGRAM_WEBHOOK_SECRET: "s3cret-s3cret-s3cret" });
    expect(config.telegram).toMatchObject({ enabled: true, mode: "webhook" });
    expect(config.webChat.enabled).toBe(false);
  });

  it("protects a web chat switched on next to messenger tokens", () => {
    expect(problems({ VIBER_AUTH_TOKEN: "abc", WEB_CHAT: "on" })).toEqual(["WEB_CHAT_TOKEN"]);
    expect(loadConfig({ VIBER_AUTH_TOKEN: "abc", WEB_CHAT: "on", WEB_CHAT_TOKEN: "t" }).webChat.enabled).toBe(
      true,
    );
  });

  it("treats empty strings as unset (docker compose passes them)", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: "", TELEGRAM_BOT_TOKEN: "" }).db.url).toBeUndefined();
  });

  it(".env.example lists every variable of the schema and nothing else", async () => {
    const example = await readFile(new URL("../../.env.example", import.meta.url), "utf8");
    const documented = [...example.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]).sort();
    const known = Object.keys(envSchema.shape)
      .filter((k) => k !== "NODE_ENV")
      .sort();
    expect(documented).toEqual(known);
  });
});
