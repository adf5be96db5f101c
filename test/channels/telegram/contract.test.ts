// The shared channel contract, run for Telegram: steps go in through the webhook route (secret and
// all) to the real engine on Postgres; what the channel sent is read back from the fake Bot API.
// Reply-keyboard buttons carry only labels, so their choice ids are recovered from the choices the
// engine offered (as the engine itself maps a typed label back to its choice).
import { afterAll, beforeAll } from "vitest";
import type { Reply } from "../../../src/engine/replies.js";
import {
  runChannelContract,
  type ChannelHarness,
  type Delivery,
  type ScriptStep,
  type SentMessage,
} from "../contract.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../../fakes/telegram-api.js";
import { createTestDatabase, type TestDatabase } from "../../helpers/database.js";
import { TEST_BOT_TOKEN } from "./helpers.js";
import { WEBHOOK_SECRET, startTelegramTestService } from "./service.js";
import { TelegramUser, unescapeHtml } from "./telegram-user.js";
import { publishDays } from "../../helpers/schedules.js";
import { TELEGRAM_TEXT_LIMIT } from "../../../src/channels/telegram/render.js";

let db: TestDatabase;
let fake: FakeTelegramApi;
let nextUserId = 7_400_000_000;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegramApi({ token: TEST_BOT_TOKEN });
});
afterAll(async () => {
  await fake.close();
  await db.drop();
});

interface TelegramDelivery extends Delivery {
  update: Record<string, unknown>;
}

async function makeTelegramHarness(): Promise<ChannelHarness> {
  const service = await startTelegramTestService({ database: db, fake, mode: "webhook" });

  return {
    textLimit: TELEGRAM_TEXT_LIMIT,
    provesContacts: true,
    async newConversation() {
      nextUserId += 1;
      const user = new TelegramUser(nextUserId, fake);
      const directReplies: Reply[] = [];
      const engineCalls = () => service.engineCalls.filter((call) => call.address === user.address);

      function offeredReplies(): Reply[] {
        return [...engineCalls().flatMap((call) => call.result.replies), ...directReplies];
      }

      function idOfLabel(label: string): string {
        let id: string | undefined;
        for (const reply of offeredReplies()) {
          for (const choice of (reply.choices ?? []).flat()) if (choice.label === label) id = choice.id;
        }
        return id ?? `?unknown label ${label}`;
      }

      function labelOfId(id: string): string | undefined {
        let label: string | undefined;
        for (const reply of offeredReplies()) {
          for (const choice of (reply.choices ?? []).flat()) if (choice.id === id) label = choice.label;
        }
        return label;
      }

      async function post(update: Record<string, unknown>): Promise<void> {
        const response = await service.app.inject({
          method: "POST",
          url: "/webhooks/telegram",
          headers: { "x-telegram-bot-api-secret-token": WEBHOOK_SECRET },
          payload: update,
        });
        if (response.statusCode !== 200) throw new Error(`webhook answered ${response.statusCode}`);
      }

      function updateFor(step: ScriptStep): Record<string, unknown> {
        switch (step.kind) {
          case "start":
            return user.start();
          case "text":
            return user.text(step.text);
          case "contact":
            return user.contact(step.phone, step.proven);
          case "choice": {
            const shown = user.keyboard();
            const inline = shown.rows.flat().find((b) => b.callback_data === step.id);
            if (shown.kind === "inline" && inline) return user.callback(step.id);
            const label = labelOfId(step.id);
            if (label === undefined) throw new Error(`choice ${step.id} was never offered`);
            return user.press(label);
          }
        }
      }

      return {
        address: user.address,
        async deliver(step) {
          const update = updateFor(step);
          await post(update);
          const delivery: TelegramDelivery = { step, update };
          return delivery;
        },
        async redeliver(delivery) {
          await post((delivery as TelegramDelivery).update);
        },
        sent(): SentMessage[] {
          const shown = fake.calls
            .filter(
              (call) =>
                (call.method === "sendMessage" || call.method === "sendPhoto") &&
                Number(call.params.chat_id) === user.id,
            )
            .map((call) => call);
          return shown.map(({ method, params }) => {
            const picture =
              method === "sendPhoto"
                ? String(params.photo).startsWith("attach://")
                  ? "upload"
                  : String(params.photo)
                : undefined;
            const markup = (params.reply_markup ?? {}) as {
              keyboard?: { text: string; request_contact?: boolean }[][];
              inline_keyboard?: { text: string; callback_data: string }[][];
            };
            const replyButtons = markup.keyboard?.flat() ?? [];
            return {
              ...(picture !== undefined ? { picture } : {}),
              text: unescapeHtml(String(method === "sendPhoto" ? (params.caption ?? "") : params.text)),
              choiceIds: [
                ...replyButtons.filter((b) => !b.request_contact).map((b) => idOfLabel(b.text)),
                ...(markup.inline_keyboard?.flat().map((b) => b.callback_data) ?? []),
              ],
              requestPhone: replyButtons.some((b) => b.request_contact === true),
            };
          });
        },
        engineCalls,
        async sendDirect(replies) {
          directReplies.push(...replies);
          const outcome = await service.channel.sender.send(user.address, replies);
          if (outcome.kind !== "sent") throw new Error(`send failed: ${JSON.stringify(outcome)}`);
        },
      };
    },
    publishDay: (queue, date, slots) => publishDays(db.enginePool, [{ queue, date, slots }]),
    close: () => service.stop(),
  };
}

runChannelContract("telegram", makeTelegramHarness);
