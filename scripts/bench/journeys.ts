// Simulated customers for the benchmark and the reliability checks: each one walks the full journey
// (start -> verify -> submit a reading -> receipt) as the exact webhook requests its platform would
// send. Telegram users verify with their own shared phone and the account number; Viber users, whose
// shared phone proves nothing, take the fallback (account, meter serial, surname). Accounts come
// from the generated billing CSV, so phones, serials and last readings are the imported ones.
import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { createReadStream } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parse } from "csv-parse";

export const TELEGRAM_PATH = "/webhooks/telegram";
export const VIBER_PATH = "/webhooks/viber";

export interface BenchAccount {
  number: string;
  holderSurname: string;
  phone: string;
  meterSerial: string;
  lastReadings: number[];
}

/** One webhook request, ready to send. */
export interface WebhookRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
  /** The platform's id of this update (Telegram update_id / Viber message_token). */
  updateId: string;
}

export interface Secrets {
  telegramSecret: string;
  viberAuthToken: string;
}

export interface SimulatedUser {
  address: string;
  channel: "telegram" | "viber";
  account: BenchAccount;
  steps: WebhookRequest[];
}

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Writes `rows` synthetic billing accounts with the project's generator (npm run generate:accounts). */
export async function generateAccountsCsv(file: string, rows: number): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", "scripts/generate-accounts.ts", String(rows), file],
    {
      cwd: projectRoot,
    },
  );
}

/** Reads the first `count` accounts (after skipping `offset`) of a generated billing CSV. */
export async function readAccounts(file: string, offset: number, count: number): Promise<BenchAccount[]> {
  const accounts: BenchAccount[] = [];
  const parser = createReadStream(file).pipe(parse({ columns: true, from: offset + 1, to: offset + count }));
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    const lastReadings = [row.last_reading_t1, row.last_reading_t2, row.last_reading_t3]
      .filter((value): value is string => value !== undefined && value !== "")
      .map(Number);
    accounts.push({
      number: row.account_number ?? "",
      holderSurname: (row.holder_name ?? "").split(" ")[0] ?? "",
      phone: (row.phones ?? "").split(";")[0] ?? "",
      meterSerial: row.meter_serial ?? "",
      lastReadings,
    });
  }
  return accounts;
}

let nextTelegramUpdateId = 100_000_000;
let nextViberToken = 5_741_311_803_571_000_000n;

/** Makes update ids unique across runs in one process and across restarts of the generator. */
export function seedUpdateIds(seed: number): void {
  nextTelegramUpdateId = 100_000_000 + seed * 1_000_000;
  nextViberToken = 5_741_311_803_571_000_000n + BigInt(seed) * 10_000_000n;
}

/** New readings: a modest, plausible consumption on every zone. */
function newReadings(account: BenchAccount): number[] {
  return account.lastReadings.map((value, zone) => value + 40 + zone);
}

export function telegramUser(chatId: number, account: BenchAccount, secrets: Secrets): SimulatedUser {
  const from = { id: chatId, is_bot: false, first_name: "Тест", language_code: "uk" };
  const chat = { id: chatId, first_name: "Тест", type: "private" };
  let messageId = 0;
  const request = (payload: Record<string, unknown>): WebhookRequest => {
    const updateId = nextTelegramUpdateId++;
    return {
      path: TELEGRAM_PATH,
      body: JSON.stringify({ update_id: updateId, ...payload }),
      headers: {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": secrets.telegramSecret,
      },
      updateId: String(updateId),
    };
  };
  const message = (fields: Record<string, unknown>) =>
    request({ message: { message_id: ++messageId, from, chat, date: 1_764_496_800, ...fields } });
  const callback = (data: string) =>
    request({
      callback_query: {
        id: `cq${chatId}-${messageId}-${data}`,
        from,
        message: {
          message_id: messageId,
          from: { id: 8000000001, is_bot: true, first_name: "bot" },
          chat,
          date: 0,
          text: "",
        },
        chat_instance: "-3471869523402583541",
        data,
      },
    });
  const steps = [
    message({ text: "/start", entities: [{ offset: 0, length: 6, type: "bot_command" }] }),
    message({ contact: { phone_number: account.phone, first_name: "Тест", user_id: chatId } }),
    message({ text: account.number }),
    callback("lbl:skip"),
    callback("m:read"),
    ...newReadings(account).map((value) => message({ text: String(value) })),
    callback("ok"),
  ];
  return { address: `telegram:${chatId}`, channel: "telegram", account, steps };
}

/** JSON with message_token written as a bare 64-bit number, as Viber sends it. */
function viberJson(body: Record<string, unknown>, token: bigint): string {
  return JSON.stringify({ ...body, message_token: "@@token@@" }).replace('"@@token@@"', token.toString());
}

export function viberUser(userId: string, account: BenchAccount, secrets: Secrets): SimulatedUser {
  const user = { id: userId, name: "Тест", language: "uk", country: "UA", api_version: 10 };
  const request = (body: Record<string, unknown>): WebhookRequest => {
    const token = nextViberToken++;
    const raw = viberJson({ timestamp: 1_764_496_800_000, chat_hostname: "SN-CHAT-05_", ...body }, token);
    return {
      path: VIBER_PATH,
      body: raw,
      headers: {
        "content-type": "application/json",
        "x-viber-content-signature": createHmac("sha256", secrets.viberAuthToken).update(raw).digest("hex"),
      },
      updateId: token.toString(),
    };
  };
  const text = (value: string) =>
    request({ event: "message", sender: user, message: { type: "text", text: value }, silent: false });
  const steps = [
    request({ event: "conversation_started", type: "open", user, subscribed: false }),
    text("choice:v:fallback"),
    text(account.number),
    text(account.meterSerial),
    text(account.holderSurname),
    text("choice:lbl:skip"),
    text("choice:m:read"),
    ...newReadings(account).map((value) => text(String(value))),
    text("choice:ok"),
  ];
  return { address: `viber:${userId}`, channel: "viber", account, steps };
}

/** A mix of users: every `viberEvery`-th one on Viber (0 = Telegram only). */
export function makeUsers(
  accounts: BenchAccount[],
  secrets: Secrets,
  options: { firstChatId: number; viberEvery: number },
): SimulatedUser[] {
  return accounts.map((account, index) =>
    options.viberEvery > 0 && index % options.viberEvery === options.viberEvery - 1
      ? viberUser(`bench${options.firstChatId + index}==`, account, secrets)
      : telegramUser(options.firstChatId + index, account, secrets),
  );
}
