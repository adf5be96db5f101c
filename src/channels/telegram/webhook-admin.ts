// Registering the webhook with Telegram (used by `npm run telegram:webhook`): the URL is PUBLIC_URL
// plus the route, the secret goes along so Telegram sends it back in every call, and only the update
// kinds the channel handles are requested.
import type { Api } from "grammy";
import type { WebhookInfo } from "grammy/types";
import { ALLOWED_UPDATES } from "./polling.js";
import { TELEGRAM_WEBHOOK_PATH } from "./routes.js";

export function webhookUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${TELEGRAM_WEBHOOK_PATH}`;
}

export async function setTelegramWebhook(
  api: Api,
  options: { publicUrl: string; secret: string; dropPendingUpdates: boolean },
): Promise<string> {
  const url = webhookUrl(options.publicUrl);
  if (!url.startsWith("https://")) {
    // Telegram only calls HTTPS webhooks; failing here names the problem better than its 400.
    throw new Error(`PUBLIC_URL must be an https:// URL for a Telegram webhook (got ${url})`);
  }
  await api.setWebhook(url, {
    secret_token: options.secret,
    allowed_updates: [...ALLOWED_UPDATES],
    drop_pending_updates: options.dropPendingUpdates,
  });
  return url;
}

export async function deleteTelegramWebhook(
  api: Api,
  options: { dropPendingUpdates: boolean },
): Promise<void> {
  await api.deleteWebhook({ drop_pending_updates: options.dropPendingUpdates });
}

/** The webhook state without anything secret (Telegram never returns the secret anyway). */
export async function telegramWebhookInfo(api: Api): Promise<WebhookInfo> {
  return api.getWebhookInfo();
}
