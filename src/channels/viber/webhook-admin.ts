// set_webhook called by us, not by viber-bot: its setWebhook cannot pass send_name / send_photo
// and leaves out the `failed` event. Viber calls the webhook (event "webhook") while set_webhook
// runs, so the service must already be up and answering at the URL.
import { VIBER_WEBHOOK_PATH } from "./routes.js";

/** Every callback this channel handles; `message` is always sent and cannot be listed. */
export const VIBER_EVENT_TYPES = [
  "delivered",
  "seen",
  "failed",
  "subscribed",
  "unsubscribed",
  "conversation_started",
] as const;

export interface WebhookAdminOptions {
  authToken: string;
  /** Chat API base, e.g. https://chatapi.viber.com/pa/ */
  apiUrl: string;
  timeoutMs?: number;
}

export type SetWebhookResult =
  { ok: true; eventTypes: string[] } | { ok: false; status: number | "http"; message: string };

/** The public webhook URL for a service reachable at `publicUrl`. */
export function viberWebhookUrl(publicUrl: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${VIBER_WEBHOOK_PATH}`;
}

export async function setViberWebhook(options: WebhookAdminOptions, url: string): Promise<SetWebhookResult> {
  return callSetWebhook(options, {
    url,
    event_types: [...VIBER_EVENT_TYPES],
    send_name: true,
    send_photo: true,
  });
}

/** An empty url removes the webhook: Viber stops sending callbacks. */
export async function removeViberWebhook(options: WebhookAdminOptions): Promise<SetWebhookResult> {
  return callSetWebhook(options, { url: "" });
}

async function callSetWebhook(
  options: WebhookAdminOptions,
  body: Record<string, unknown>,
): Promise<SetWebhookResult> {
  const endpoint = `${options.apiUrl.replace(/\/+$/, "")}/set_webhook`;
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json", "X-Viber-Auth-Token": options.authToken },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  const text = await response.text();
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch {
    return { ok: false, status: "http", message: `HTTP ${response.status}, not a Chat API answer` };
  }
  const {
    status,
    status_message: statusMessage,
    event_types: eventTypes,
  } = (answer ?? {}) as {
    status?: unknown;
    status_message?: unknown;
    event_types?: unknown;
  };
  if (status === 0) {
    return { ok: true, eventTypes: Array.isArray(eventTypes) ? eventTypes.map(String) : [] };
  }
  return {
    ok: false,
    status: typeof status === "number" ? status : "http",
    message: typeof statusMessage === "string" ? statusMessage : `HTTP ${response.status}`,
  };
}
