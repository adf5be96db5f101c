// The one place that builds viber-bot's client and points it at VIBER_API_URL, and that puts a
// timeout around its calls. viber-bot hard-codes https://chatapi.viber.com/pa; its client keeps
// the base in `_url` (no trailing slash) and appends "/send_message", so overriding that field
// after construction is the supported-in-practice way to reach another server (a fake in tests).
// A send answered by an HTTP error with an empty body never settles inside viber-bot, hence the
// timeout around every call.
import viberBot from "viber-bot";
import type { ViberOutgoing } from "./render.js";

export const DEFAULT_VIBER_API_URL = "https://chatapi.viber.com/pa/";

export interface ChatApiOptions {
  authToken: string;
  botName: string;
  botAvatar?: string | undefined;
  /** Base URL of the Chat API, with or without the trailing slash. */
  apiUrl: string;
  /** How long one call may take before it counts as failed. */
  timeoutMs: number;
}

/** What Viber answered: status 0 is success; the HTTP code says nothing (errors come as 200). */
export type ChatApiResult =
  | { kind: "answered"; status: number; statusMessage: string }
  | { kind: "timeout" }
  | { kind: "transport_error"; error: string };

export interface ChatApi {
  sendText(receiver: string, message: ViberOutgoing): Promise<ChatApiResult>;
  getAccountInfo(): Promise<ChatApiResult>;
}

export class ChatApiTimeoutError extends Error {
  override readonly name = "ChatApiTimeoutError";
}

export function createChatApi(options: ChatApiOptions): ChatApi {
  const bot = new viberBot.Bot({
    authToken: options.authToken,
    name: options.botName,
    avatar: options.botAvatar,
  });
  bot._client._url = options.apiUrl.replace(/\/+$/, "");

  return {
    async sendText(receiver, message) {
      if (message.picture) {
        const picture = new viberBot.Message.Picture(
          message.picture.media,
          message.text,
          undefined,
          message.keyboard,
          undefined,
          undefined,
          undefined,
          message.minApiVersion,
        );
        return settle(bot.sendMessage({ id: receiver }, [picture]), options.timeoutMs);
      }
      const text = new viberBot.Message.Text(
        message.text,
        message.keyboard,
        undefined,
        undefined,
        undefined,
        message.minApiVersion,
      );
      // A fresh one-element array per call: viber-bot pops from it, and only the LAST message of
      // a call gets its keyboard, so every message goes in a call of its own.
      return settle(bot.sendMessage({ id: receiver }, [text]), options.timeoutMs);
    },
    async getAccountInfo() {
      return settle(bot.getBotProfile(), options.timeoutMs);
    },
  };
}

/** Runs a viber-bot call under a timeout and turns its resolve/reject shapes into one result. */
async function settle(call: Promise<unknown>, timeoutMs: number): Promise<ChatApiResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChatApiTimeoutError(`no answer in ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([call, timeout]);
    return { kind: "answered", status: 0, statusMessage: "ok" };
  } catch (error: unknown) {
    if (error instanceof ChatApiTimeoutError) return { kind: "timeout" };
    // viber-bot rejects with the API's body when status is not 0.
    if (typeof error === "object" && error !== null && "status" in error) {
      const body = error as { status: unknown; status_message?: unknown };
      const status = Number(body.status);
      if (Number.isInteger(status)) {
        return {
          kind: "answered",
          status,
          statusMessage: typeof body.status_message === "string" ? body.status_message : "",
        };
      }
    }
    return { kind: "transport_error", error: describeError(error) };
  } finally {
    // Promise.race keeps a handler on `call`, so a late rejection after the timeout is not unhandled.
    clearTimeout(timer);
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`.slice(0, 200);
  return "unknown error";
}
