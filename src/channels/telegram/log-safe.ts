// What of a Bot API failure may reach a log line. grammY's HttpError keeps the underlying fetch
// error, whose message carries the request URL — and the URL carries the bot token; GrammyError
// keeps the request payload (message texts). Log only grammY's own message and the error code.
import { GrammyError, HttpError } from "grammy";

export interface LoggedApiError {
  type: string;
  message: string;
  code?: number;
  retryAfter?: number;
}

export function apiErrorForLog(error: unknown): LoggedApiError {
  if (error instanceof GrammyError) {
    const logged: LoggedApiError = { type: "GrammyError", message: error.message, code: error.error_code };
    if (error.parameters.retry_after !== undefined) logged.retryAfter = error.parameters.retry_after;
    return logged;
  }
  if (error instanceof HttpError) return { type: "HttpError", message: error.message };
  if (error instanceof Error) return { type: error.name, message: error.message.split("\n")[0] ?? "" };
  return { type: typeof error, message: "non-error thrown" };
}
