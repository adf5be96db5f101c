// Downloads a photo a Telegram customer sent, by the file id the channel stored as its reference:
// Bot API getFile, then GET <apiRoot>/file/bot<token>/<file_path> on the configured Bot API server.
// That URL carries the bot token, so it is built here and never leaves this module — not in an
// error, not in a log line.
import { Api, GrammyError } from "grammy";
import { grammySignal } from "./abort.js";
import {
  DEFAULT_MEDIA_LIMITS,
  MediaFetchError,
  downloadImage,
  type DownloadedImage,
  type MediaLimits,
} from "../media-download.js";

export interface TelegramFiles {
  download(fileId: string): Promise<DownloadedImage>;
}

/** What getFile returns as file_path: a relative path such as "photos/file_12.jpg". */
const FILE_PATH = /^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_./-]{0,255}$/;

export function createTelegramFiles(
  config: { token: string; apiRoot: string },
  limits: MediaLimits = DEFAULT_MEDIA_LIMITS,
): TelegramFiles {
  const api = new Api(config.token, { apiRoot: config.apiRoot });
  const what = "Telegram's file server";

  return {
    async download(fileId) {
      const signal = AbortSignal.timeout(limits.timeoutMs);
      let file: Awaited<ReturnType<Api["getFile"]>>;
      try {
        file = await api.getFile(fileId, grammySignal(signal));
      } catch (error) {
        throw getFileFailure(error, signal, limits);
      }
      if (file.file_size !== undefined && file.file_size > limits.maxBytes) {
        throw new MediaFetchError("too_large", `the file is larger than ${limits.maxBytes} bytes`);
      }
      if (file.file_path === undefined) {
        throw new MediaFetchError("gone", "Telegram offers no download for this file any more");
      }
      if (!FILE_PATH.test(file.file_path)) {
        throw new MediaFetchError("unreachable", "Telegram answered getFile with an unexpected file path");
      }
      return downloadImage(`${config.apiRoot}/file/bot${config.token}/${file.file_path}`, limits, what);
    },
  };
}

function getFileFailure(error: unknown, signal: AbortSignal, limits: MediaLimits): MediaFetchError {
  if (error instanceof GrammyError) {
    // "Bad Request: file is too big" (over the Bot API's 20 MB download limit).
    if (error.error_code === 400 && /too big/i.test(error.description)) {
      return new MediaFetchError("too_large", "Telegram refuses to hand out a file this large");
    }
    // "Bad Request: invalid file_id", "wrong file_id or the file is temporarily unavailable", ...
    if (error.error_code === 400) {
      return new MediaFetchError(
        "gone",
        `Telegram does not have this file (${error.description.slice(0, 120)})`,
      );
    }
    return new MediaFetchError("unreachable", `Telegram answered getFile with ${error.error_code}`);
  }
  // grammY's HttpError keeps the fetch error, whose message holds the URL with the token: not used.
  if (signal.aborted) {
    return new MediaFetchError("timeout", `Telegram did not answer getFile within ${limits.timeoutMs} ms`);
  }
  return new MediaFetchError("unreachable", "Telegram could not be reached");
}
