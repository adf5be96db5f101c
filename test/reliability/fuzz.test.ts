// 10,000 random and mutated payloads to each webhook (bad JSON, wrong types, huge strings, missing
// fields, wrong secrets and signatures), through fastify inject for speed, against the real service
// on Postgres: no 5xx, no crash, and nothing stored from input that was refused. Bodies over the
// size limit get 413. A seeded generator makes every failure reproducible (FUZZ_SEED).
import { createHmac } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBenchService, type BenchService } from "../../scripts/bench/assemble.js";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { query, report, secrets, serviceEnv, startFakes, type Fakes, noServer } from "./support.js";

const CASES = Number(process.env.FUZZ_CASES ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261127);
const BODY_LIMIT = 262_144;

let db: TestDatabase;
let fakes: Fakes;
let service: BenchService;
let app: FastifyInstance;

beforeAll(async () => {
  if (noServer) return;
  db = await createTestDatabase();
  fakes = await startFakes();
  const config = loadConfig({
    ...serviceEnv(db.url, fakes),
    LOG_LEVEL: "silent",
    BODY_LIMIT_BYTES: String(BODY_LIMIT),
  });
  service = await startBenchService(config, createLogger(config.log));
  app = service.app;
});

afterAll(async () => {
  await service?.stop();
  await fakes?.close();
  await db?.drop();
});

/** mulberry32: small, seeded, good enough to pick mutations. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
  };
}

type Rng = ReturnType<typeof random>;

const ODD_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53 + 1,
  1e308,
  -1e308,
  "",
  " ",
  "0",
  "NaN",
  "💡".repeat(50),
  "\u0000",
  "<script>alert(1)</script>",
  "'; DROP TABLE account; --",
  [],
  {},
  [1, 2],
  { a: { b: {} } },
];

function hugeString(rng: Rng): string {
  return rng.pick(["x", "я", "💡", "\\", '"', "\n"]).repeat(1000 + rng.int(60_000));
}

/** Replaces, deletes or blows up one value somewhere in a JSON tree. */
function mutate(value: unknown, rng: Rng, depth = 0): unknown {
  if (value === null || typeof value !== "object" || (depth > 0 && rng.next() < 0.3)) {
    const roll = rng.next();
    if (roll < 0.6) return rng.pick(ODD_VALUES);
    if (roll < 0.8) return hugeString(rng);
    return typeof value === "number"
      ? String(value)
      : typeof value === "string"
        ? Number(value) || 42
        : value;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [rng.pick(ODD_VALUES)];
    const copy = [...value];
    const i = rng.int(copy.length);
    copy[i] = mutate(copy[i], rng, depth + 1);
    return copy;
  }
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const keys = Object.keys(copy);
  const key = rng.pick(keys);
  const roll = rng.next();
  if (roll < 0.3)
    delete copy[key]; // missing field
  else if (roll < 0.4) copy[`extra_${rng.int(100)}`] = rng.pick(ODD_VALUES);
  else copy[key] = mutate(copy[key], rng, depth + 1);
  return copy;
}

function telegramSample(id: number, rng: Rng): Record<string, unknown> {
  const chatId = 660_000_000 + rng.int(20);
  const from = { id: chatId, is_bot: false, first_name: "Fuzz", language_code: "uk" };
  const chat = { id: chatId, type: "private", first_name: "Fuzz" };
  const kinds = [
    { message: { message_id: id, from, chat, date: 1_764_496_800, text: "/start" } },
    { message: { message_id: id, from, chat, date: 1_764_496_800, text: "1234567890" } },
    {
      message: {
        message_id: id,
        from,
        chat,
        date: 1_764_496_800,
        contact: { phone_number: "+380670000000", user_id: chatId },
      },
    },
    {
      message: {
        message_id: id,
        from,
        chat,
        date: 1_764_496_800,
        photo: [{ file_id: "f", file_unique_id: "u", width: 1, height: 1 }],
      },
    },
    {
      callback_query: {
        id: `q${id}`,
        from,
        message: { message_id: 1, chat, date: 0 },
        chat_instance: "1",
        data: "m:read",
      },
    },
    {
      my_chat_member: {
        chat,
        from,
        date: 0,
        old_chat_member: { status: "member" },
        new_chat_member: { status: "kicked" },
      },
    },
  ];
  return { update_id: id, ...rng.pick(kinds) };
}

function viberSample(token: string, rng: Rng): { body: Record<string, unknown>; token: string } {
  const user = { id: `fuzz${rng.int(20)}==`, name: "Fuzz", language: "uk", country: "UA", api_version: 10 };
  const kinds = [
    { event: "conversation_started", type: "open", user, subscribed: false },
    { event: "message", sender: user, message: { type: "text", text: "1234567890" } },
    {
      event: "message",
      sender: user,
      message: { type: "contact", contact: { phone_number: "380670000000" } },
    },
    // The channel downloads a picture when it arrives: a link on 127.0.0.1 (the fake Chat API has
    // no such file) keeps the fuzzing off the network.
    {
      event: "message",
      sender: user,
      message: { type: "picture", media: new URL("/media/y.jpg", fakes.viber.url).toString() },
    },
    { event: "subscribed", user },
    { event: "unsubscribed", user_id: user.id },
    { event: "delivered", user_id: user.id },
  ];
  return { body: { timestamp: 1_764_496_800_000, ...rng.pick(kinds) }, token };
}

interface Sent {
  status: number;
  updateId: string | undefined;
  /** Kept only for 5xx answers, to reproduce them. */
  payload?: string;
  answer?: string;
}

function brokenJson(rng: Rng, valid: string): string {
  const roll = rng.next();
  if (roll < 0.3) return valid.slice(0, rng.int(valid.length));
  if (roll < 0.5)
    return Array.from({ length: rng.int(200) }, () => String.fromCharCode(rng.int(256))).join("");
  if (roll < 0.7) return valid.replace(/[{}[\]":,]/, "");
  if (roll < 0.85) return "";
  return rng.pick(["null", "[]", "123", '"text"', "true", "{}", '{"update_id":']);
}

describe.skipIf(noServer)("reliability: random and mutated payloads", () => {
  it(`survives ${CASES} payloads to each webhook without a 5xx and stores nothing it refused`, async () => {
    const rng = random(SEED);
    const telegram: Sent[] = [];
    const viber: Sent[] = [];
    const crashes: string[] = [];
    const onCrash = (error: unknown) => crashes.push(String(error));
    process.on("uncaughtException", onCrash);
    process.on("unhandledRejection", onCrash);

    for (let i = 0; i < CASES; i += 1) {
      const updateId = 800_000_000 + i;
      const valid = telegramSample(updateId, rng);
      const roll = rng.next();
      let payload: string;
      let secret: string | undefined = secrets.telegramSecret;
      if (roll < 0.25) payload = brokenJson(rng, JSON.stringify(valid));
      else if (roll < 0.35) {
        payload = JSON.stringify(valid);
        secret = rng.pick([
          undefined,
          "",
          "wrong-secret-123456",
          secrets.telegramSecret.slice(1),
          secrets.telegramSecret + "x",
        ]);
      } else {
        const mutated = mutate(valid, rng) as Record<string, unknown>;
        // Keep the id traceable when it survived, so refused updates can be looked up afterwards.
        payload = JSON.stringify(mutated);
      }
      const response = await app.inject({
        method: "POST",
        url: "/webhooks/telegram",
        headers: {
          "content-type":
            rng.next() < 0.95 ? "application/json" : rng.pick(["text/plain", "application/xml", ""]),
          ...(secret === undefined ? {} : { "x-telegram-bot-api-secret-token": secret }),
        },
        payload,
      });
      telegram.push({
        status: response.statusCode,
        updateId: payload.includes(String(updateId)) ? String(updateId) : undefined,
        ...(response.statusCode >= 500
          ? { payload: payload.slice(0, 500), answer: response.body.slice(0, 300) }
          : {}),
      });
    }

    for (let i = 0; i < CASES; i += 1) {
      const token = String(5_741_311_900_000_000_000n + BigInt(i));
      const { body } = viberSample(token, rng);
      const validRaw = JSON.stringify({ ...body, message_token: "@@" }).replace('"@@"', token);
      const roll = rng.next();
      let raw: string;
      let signature: string | undefined;
      if (roll < 0.25) raw = brokenJson(rng, validRaw);
      else if (roll < 0.35) raw = validRaw;
      else
        raw = JSON.stringify(mutate({ ...body, message_token: Number(token) }, rng)).replace(
          /5741311900\d+/,
          token,
        );
      const sign = (text: string) => createHmac("sha256", secrets.viberAuthToken).update(text).digest("hex");
      if (roll >= 0.25 && roll < 0.35) {
        signature = rng.pick([
          undefined,
          "",
          "00".repeat(32),
          sign(raw).slice(2) + "ab",
          sign(raw + " "),
          "zz".repeat(32),
        ]);
      } else signature = sign(raw);
      const response = await app.inject({
        method: "POST",
        url: "/webhooks/viber",
        headers: {
          "content-type": "application/json",
          ...(signature === undefined ? {} : { "x-viber-content-signature": signature }),
        },
        payload: raw,
      });
      viber.push({
        status: response.statusCode,
        updateId: raw.includes(token) ? token : undefined,
        ...(response.statusCode >= 500
          ? { payload: raw.slice(0, 500), answer: response.body.slice(0, 300) }
          : {}),
      });
    }

    // Over the size limit: refused before anything is parsed or checked.
    const huge = "x".repeat(BODY_LIMIT + 1);
    const tooLargeTelegram = await app.inject({
      method: "POST",
      url: "/webhooks/telegram",
      headers: {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": secrets.telegramSecret,
      },
      payload: JSON.stringify({ update_id: 1, message: { text: huge } }),
    });
    const tooLargeRaw = JSON.stringify({ event: "message", message_token: 1, message: { text: huge } });
    const tooLargeViber = await app.inject({
      method: "POST",
      url: "/webhooks/viber",
      headers: {
        "content-type": "application/json",
        "x-viber-content-signature": createHmac("sha256", secrets.viberAuthToken)
          .update(tooLargeRaw)
          .digest("hex"),
      },
      payload: tooLargeRaw,
    });
    process.off("uncaughtException", onCrash);
    process.off("unhandledRejection", onCrash);

    const processed = await query<{ channel: string; update_id: string }>(
      db.url,
      "SELECT channel::text, update_id FROM processed_update",
    );
    const stored = new Set(processed.map((row) => `${row.channel}:${row.update_id}`));
    const refused = (sent: Sent[]) => sent.filter((s) => s.status >= 400);
    const storedFromRefused = [
      ...refused(telegram).filter((s) => s.updateId && stored.has(`telegram:${s.updateId}`)),
      ...refused(viber).filter((s) => s.updateId && stored.has(`viber:${s.updateId}`)),
    ];
    const byStatus = (sent: Sent[]) =>
      sent.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s.status]: (acc[s.status] ?? 0) + 1 }), {});
    const failures = [...telegram, ...viber].filter((s) => s.status >= 500);
    const serverErrors = failures.length;
    // Still alive and still correct: a valid update is handled after all of that.
    const health = await app.inject({ method: "GET", url: "/healthz" });
    const valid = await app.inject({
      method: "POST",
      url: "/webhooks/telegram",
      headers: {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": secrets.telegramSecret,
      },
      payload: JSON.stringify(telegramSample(799_999_999, random(1))),
    });
    report(
      "random and mutated payloads to each webhook",
      { telegram: telegram.length, viber: viber.length, seed: SEED, oversized: 2 },
      {
        serverErrors,
        crashes: crashes.length,
        storedFromRefused: storedFromRefused.length,
        telegramStatuses: byStatus(telegram),
        viberStatuses: byStatus(viber),
        processedRows: processed.length,
        oversized: [tooLargeTelegram.statusCode, tooLargeViber.statusCode],
        serverErrorExamples: failures.slice(0, 3),
      },
    );
    expect(serverErrors).toBe(0);
    expect(crashes).toEqual([]);
    expect(storedFromRefused).toEqual([]);
    expect(tooLargeTelegram.statusCode).toBe(413);
    expect(tooLargeViber.statusCode).toBe(413);
    expect(health.statusCode).toBe(200);
    expect(valid.statusCode).toBe(200);
    expect(refused(telegram).length).toBeGreaterThan(CASES / 4);
    expect(refused(viber).length).toBeGreaterThan(CASES / 4);
  }, 300_000);
});
