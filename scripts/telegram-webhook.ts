// `npm run telegram:webhook -- set|delete|info [--drop-pending]`: points Telegram at this service's
// webhook (PUBLIC_URL + /webhooks/telegram, with TELEGRAM_WEBHOOK_SECRET and the allowed update
// kinds), removes it, or shows what Telegram has. Reads the same environment as the service.
import { Api } from "grammy";
import { ConfigError, loadConfig } from "../src/config.js";
import {
  deleteTelegramWebhook,
  setTelegramWebhook,
  telegramWebhookInfo,
} from "../src/channels/telegram/webhook-admin.js";

const usage = "usage: npm run telegram:webhook -- set|delete|info [--drop-pending]";
const [command, ...flags] = process.argv.slice(2);
const unknownFlags = flags.filter((f) => f !== "--drop-pending");
if (!command || !["set", "delete", "info"].includes(command) || unknownFlags.length > 0) {
  console.error(usage);
  process.exit(2);
}
const dropPendingUpdates = flags.includes("--drop-pending");

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
}
if (!config.telegram.enabled) {
  console.error("TELEGRAM_BOT_TOKEN is not set");
  process.exit(1);
}
const api = new Api(config.telegram.token, { apiRoot: config.telegram.apiRoot, timeoutSeconds: 30 });

try {
  if (command === "set") {
    if (!config.http.publicUrl) throw new Error("PUBLIC_URL is not set");
    if (!config.telegram.webhookSecret) throw new Error("TELEGRAM_WEBHOOK_SECRET is not set");
    const url = await setTelegramWebhook(api, {
      publicUrl: config.http.publicUrl,
      secret: config.telegram.webhookSecret,
      dropPendingUpdates,
    });
    console.log(`webhook set to ${url}${dropPendingUpdates ? " (pending updates dropped)" : ""}`);
  } else if (command === "delete") {
    await deleteTelegramWebhook(api, { dropPendingUpdates });
    console.log(`webhook deleted${dropPendingUpdates ? " (pending updates dropped)" : ""}`);
  } else {
    console.log(JSON.stringify(await telegramWebhookInfo(api), null, 2));
  }
} catch (error) {
  // The error message of grammY never contains the token; print only the message.
  console.error(
    `telegram:webhook ${command} failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
}
