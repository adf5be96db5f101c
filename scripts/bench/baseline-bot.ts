// The baseline of `npm run bench -- compare`: the same customer journey (verify by shared phone +
// account number, skip the label, submit a reading zone by zone, confirm) written the way grammY's
// documentation recommends for an ordinary bot — @grammyjs/conversations for the multi-step dialogs,
// its state and a session in Postgres through @grammyjs/storage-psql, grammY's fastify webhook
// callback, node-postgres for the domain queries. No update dedupe, no per-chat lock, no transaction
// around an update: the work this service does on top, and what the comparison prices.
// Runs as a child process of the benchmark (like service-child.ts) and reports "ready" over IPC.
import {
  conversations,
  createConversation,
  type Conversation,
  type ConversationFlavor,
} from "@grammyjs/conversations";
import { PsqlAdapter } from "@grammyjs/storage-psql";
import Fastify from "fastify";
import {
  Bot,
  type Context,
  InlineKeyboard,
  Keyboard,
  session,
  webhookCallback,
  type SessionFlavor,
} from "grammy";
import pg from "pg";

interface SessionData {
  accountId: number | null;
}
type BotContext = ConversationFlavor<Context & SessionFlavor<SessionData>>;
type DialogContext = Context;

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const pool = new pg.Pool({
  connectionString: env("DATABASE_URL"),
  max: Number(process.env.DB_POOL_SIZE ?? 10),
});
await pool.query(
  `CREATE TABLE IF NOT EXISTS baseline_link (chat_id bigint PRIMARY KEY, account_id int NOT NULL, label text)`,
);

const bot = new Bot<BotContext>(env("TELEGRAM_BOT_TOKEN"), {
  client: { apiRoot: env("TELEGRAM_API_ROOT") },
});

// The adapters take a pg client; the pool has the same query() and lets updates run in parallel.
const sessionStorage = await PsqlAdapter.create({ tableName: "baseline_sessions", client: pool as never });
const conversationStorage = await PsqlAdapter.create({
  tableName: "baseline_conversations",
  client: pool as never,
});

bot.use(session({ initial: (): SessionData => ({ accountId: null }), storage: sessionStorage as never }));
bot.use(conversations({ storage: { type: "key", adapter: conversationStorage as never } }));

const normalizePhone = (raw: string): string => {
  const digits = raw.replace(/\D/g, "");
  return digits.length === 10 && digits.startsWith("0") ? `38${digits}` : digits;
};

async function verify(conversation: Conversation<BotContext, DialogContext>, ctx: DialogContext) {
  await ctx.reply("Вітаємо! Поділіться номером телефону, щоб підтвердити особовий рахунок.", {
    reply_markup: new Keyboard().requestContact("📱 Поділитися номером").resized().oneTime(),
  });
  const shared = await conversation.waitFor("message:contact", {
    otherwise: (other) => other.reply("Натисніть кнопку «Поділитися номером»."),
  });
  const contact = shared.message.contact;
  if (contact.user_id !== shared.from?.id) {
    await shared.reply("Поділіться, будь ласка, власним номером.");
    return;
  }
  const phone = normalizePhone(contact.phone_number);
  await shared.reply("Дякуємо! Введіть номер особового рахунку.", {
    reply_markup: { remove_keyboard: true },
  });
  for (;;) {
    const typed = await conversation.waitFor("message:text");
    const number = typed.message.text.trim();
    const account = await conversation.external(async () => {
      const { rows } = await pool.query<{ id: number; phones: string[] }>(
        "SELECT id, phones FROM account WHERE number = $1",
        [number],
      );
      return rows[0] ?? null;
    });
    if (!account || !account.phones.includes(phone)) {
      await typed.reply("Рахунок з таким номером телефону не знайдено. Перевірте номер і спробуйте ще раз.");
      continue;
    }
    await conversation.external(async (outside: BotContext) => {
      await pool.query(
        `INSERT INTO baseline_link (chat_id, account_id) VALUES ($1, $2)
         ON CONFLICT (chat_id) DO UPDATE SET account_id = EXCLUDED.account_id`,
        [typed.chat.id, account.id],
      );
      outside.session.accountId = account.id;
    });
    await typed.reply("Рахунок підтверджено. Як його назвати?", {
      reply_markup: new InlineKeyboard().text("Пропустити", "lbl:skip"),
    });
    break;
  }
  const labelled = await conversation.waitFor(["callback_query:data", "message:text"]);
  if (labelled.callbackQuery) await labelled.answerCallbackQuery();
  const label = labelled.message?.text ?? null;
  if (label) {
    await conversation.external(() =>
      pool.query("UPDATE baseline_link SET label = $2 WHERE chat_id = $1", [labelled.chat?.id, label]),
    );
  }
  await labelled.reply("Головне меню", { reply_markup: menu });
}

async function submitReading(conversation: Conversation<BotContext, DialogContext>, ctx: DialogContext) {
  const account = await conversation.external(async (outside: BotContext) => {
    const accountId = outside.session.accountId;
    if (accountId === null) return null;
    const { rows } = await pool.query<{
      id: number;
      zones: number;
      t1: number;
      t2: number | null;
      t3: number | null;
    }>(
      `SELECT a.id, a.zones, r.t1, r.t2, r.t3 FROM account a
       LEFT JOIN LATERAL (SELECT t1, t2, t3 FROM meter_reading WHERE account_id = a.id AND status <> 'superseded'
                          ORDER BY taken_at DESC LIMIT 1) r ON true
       WHERE a.id = $1`,
      [accountId],
    );
    return rows[0] ?? null;
  });
  if (!account) {
    await ctx.reply("Спершу підтвердіть рахунок: /start");
    return;
  }
  const last = [account.t1, account.t2, account.t3];
  const values: number[] = [];
  for (let zone = 1; zone <= account.zones; zone++) {
    await ctx.reply(`Введіть показник зони T${zone} (останній: ${last[zone - 1] ?? "—"}).`);
    for (;;) {
      const typed = await conversation.waitFor("message:text");
      const value = Number(typed.message.text.trim());
      const previous = last[zone - 1] ?? 0;
      if (!Number.isInteger(value) || value < previous) {
        await typed.reply("Показник має бути цілим числом, не меншим за попередній.");
        continue;
      }
      values.push(value);
      break;
    }
  }
  const usage = values
    .map((value, i) => `T${i + 1}: ${value} (+${value - (last[i] ?? 0)} кВт·год)`)
    .join("\n");
  await ctx.reply(`Перевірте:\n${usage}`, { reply_markup: new InlineKeyboard().text("Підтвердити", "ok") });
  const confirmed = await conversation.waitForCallbackQuery("ok");
  await confirmed.answerCallbackQuery();
  const id = await conversation.external(async () => {
    const now = new Date();
    const period = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
    const { rows } = await pool.query<{ id: number }>(
      `INSERT INTO meter_reading (account_id, period, t1, t2, t3, taken_at, source, status, in_window)
       VALUES ($1, $2, $3, $4, $5, now(), 'telegram', 'accepted', true) RETURNING id`,
      [account.id, period, values[0], values[1] ?? null, values[2] ?? null],
    );
    return rows[0]?.id ?? 0;
  });
  await confirmed.reply(`Показники прийнято, квитанція №${id}.`, { reply_markup: menu });
}

const menu = new InlineKeyboard().text("Передати показники", "m:read");

bot.use(createConversation(verify, "verify"));
bot.use(createConversation(submitReading, "reading"));
bot.command("start", (ctx) => ctx.conversation.enter("verify"));
bot.callbackQuery("m:read", async (ctx) => {
  await ctx.answerCallbackQuery();
  await ctx.conversation.enter("reading");
});

await bot.init();
const app = Fastify();
app.post(
  "/webhooks/telegram",
  webhookCallback(bot, "fastify", { secretToken: env("TELEGRAM_WEBHOOK_SECRET") }),
);
const address = await app.listen({ port: 0, host: "127.0.0.1" });
process.send?.({ type: "ready", url: address, assembly: "grammy-baseline", pid: process.pid });

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("disconnect", stop);
