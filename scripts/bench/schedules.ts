// `npm run bench -- schedules`: the outage-schedule view through the Telegram webhook. N Telegram
// users with linked accounts in the 12 queues (billing's outage_queue), today's and tomorrow's
// schedule published for every queue; each user links once (not measured), then taps the schedule
// button again and again (warm-up users do the same first, not measured). Measured per run on a fresh service process: updates/s, latency, the
// service's CPU per view, and the picture counters from /metrics before and after (a picture is drawn
// once per queue, days, versions and language, never per view).
import {
  type SimulatedUser,
  type Secrets,
  type BenchAccount,
  type WebhookRequest,
  TELEGRAM_PATH,
} from "./journeys.js";

let nextUpdateId = 900_000_000;

export function seedScheduleUpdateIds(seed: number): void {
  nextUpdateId = 900_000_000 + seed * 1_000_000;
}

/** A Telegram customer: the linking steps, and `views` taps of the schedule button after them. */
export function scheduleViewer(
  chatId: number,
  account: BenchAccount,
  secrets: Secrets,
  views: number,
): { setup: SimulatedUser; views: SimulatedUser } {
  const from = { id: chatId, is_bot: false, first_name: "Тест", language_code: "uk" };
  const chat = { id: chatId, first_name: "Тест", type: "private" };
  let messageId = 0;
  const message = (fields: Record<string, unknown>): WebhookRequest => {
    const updateId = nextUpdateId++;
    return {
      path: TELEGRAM_PATH,
      body: JSON.stringify({
        update_id: updateId,
        message: { message_id: ++messageId, from, chat, date: 1_764_496_800, ...fields },
      }),
      headers: {
        "content-type": "application/json",
        "x-telegram-bot-api-secret-token": secrets.telegramSecret,
      },
      updateId: String(updateId),
    };
  };
  const setup = [
    message({ text: "/start", entities: [{ offset: 0, length: 6, type: "bot_command" }] }),
    message({ contact: { phone_number: account.phone, first_name: "Тест", user_id: chatId } }),
    message({ text: account.number }),
    message({ text: "Залишити номер рахунку" }), // the label step's "skip" button, as the reply keyboard sends it
    message({ text: "🕯 Графік відключень" }),
  ];
  // The view's keyboard has "🔄 Оновити" (the schedule again); a reply-keyboard press sends its label.
  const taps = Array.from({ length: views }, () => message({ text: "🔄 Оновити" }));
  const address = `telegram:${chatId}`;
  return {
    setup: { address, channel: "telegram", account, steps: setup },
    views: { address, channel: "telegram", account, steps: taps },
  };
}

/** The value of a counter line (`name{labels} value`) in a /metrics body; 0 when absent. */
export function metricValue(body: string, name: string, labels = ""): number {
  const line = body.split("\n").find((row) => row.startsWith(`${name}${labels} `));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : 0;
}
