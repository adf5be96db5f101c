// A fake Telegram Bot API server for tests: fastify on 127.0.0.1 (port 0) that records every
// `POST /bot<token>/<method>` and answers the way the real one does — including scripted 429
// (retry_after), 403 (blocked), 5xx and dropped connections — and serves getUpdates from a queue
// with offset confirmation and long-poll timeouts, so polling runs against it unchanged.
// It also keeps the webhook that setWebhook registered and can deliver updates to it, secret and all,
// and hosts files: getFile answers for the files a test added (400 "invalid file_id" for others) and
// GET /file/bot<token>/<file_path> serves their bytes, as Telegram's file server does.
import Fastify, { type FastifyInstance } from "fastify";

export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** Date.now() when the request arrived. */
  at: number;
  /** Made by "Telegram" from the webhook's response (a webhook reply), not by a request to the API. */
  webhookReply?: true;
}

export type ScriptedFailure =
  | { kind: "rate_limit"; retryAfter: number }
  | { kind: "forbidden"; description?: string }
  | { kind: "bad_request"; description: string }
  | { kind: "server_error"; status?: number }
  /** Close the socket without an answer: a network error for the client. */
  | { kind: "disconnect" };

export interface FakeTelegramApiOptions {
  token: string;
  bot?: { id: number; first_name: string; username: string };
}

export interface WebhookState {
  url: string;
  secret_token?: string;
  allowed_updates?: string[];
  max_connections?: number;
}

export interface FakeFile {
  bytes: Buffer;
  /** What getFile reports as file_size (default: the real length); e.g. a huge size to test limits. */
  reportedSize?: number;
  /** getFile answers without file_path (Telegram does when the file cannot be downloaded). */
  noPath?: boolean;
  /** The download answers 404 (the file_path expired) although getFile still knows the file. */
  downloadGone?: boolean;
}

export interface FakeTelegramApi {
  /** Value for TELEGRAM_API_ROOT (no trailing slash). */
  readonly apiRoot: string;
  readonly token: string;
  readonly bot: { id: number; first_name: string; username: string };
  /** Every call with a valid token, in arrival order. */
  readonly calls: RecordedCall[];
  callsTo(method: string): RecordedCall[];
  /** Parameters of every sendMessage call (also the failed ones), optionally for one chat. */
  sentMessages(chatId?: number): Record<string, unknown>[];
  /**
   * Every sendPhoto call, optionally for one chat: `photo` is the file id re-sent, or "upload" with
   * the uploaded bytes and their size (grammY sends uploads as multipart/form-data).
   */
  sentPhotos(chatId?: number): {
    chatId: number;
    photo: string;
    uploadBytes?: number;
    uploaded?: Buffer;
    caption?: string;
  }[];
  /** Texts the chat was shown, in order: message texts and photo captions. */
  shownTexts(chatId: number): string[];
  /** The next `times` calls of `method` fail this way (queued after earlier scripts). */
  failNext(method: string, failure: ScriptedFailure, times?: number): void;
  /** Every send to this chat answers 403 "bot was blocked by the user" until unblocked. */
  blockChat(chatId: number): void;
  unblockChat(chatId: number): void;
  /** Queues an update for getUpdates (update_id assigned when absent). */
  pushUpdate(update: Record<string, unknown>): number;
  /** Updates not yet confirmed by a getUpdates offset. */
  pendingUpdates(): number;
  webhook(): WebhookState | undefined;
  /** POSTs an update to the registered webhook with its secret, like Telegram. */
  deliverWebhook(update: Record<string, unknown>): Promise<{ status: number; body: string }>;
  /** Hosts a file under this file id (getFile + download). */
  addFile(fileId: string, file: FakeFile): void;
  /** file_path of every download with the right token, in order. */
  readonly downloads: string[];
  /** Resolves once `count` calls of `method` have arrived (or rejects after timeoutMs). */
  waitForCalls(method: string, count: number, timeoutMs?: number): Promise<RecordedCall[]>;
  reset(): void;
  close(): Promise<void>;
}

interface Waiter {
  resolve: () => void;
}

export async function startFakeTelegramApi(options: FakeTelegramApiOptions): Promise<FakeTelegramApi> {
  const bot = options.bot ?? { id: 8000000001, first_name: "ДТЕК ДнЕМ", username: "dtek_dnem_test_bot" };
  const calls: RecordedCall[] = [];
  const scripts = new Map<string, ScriptedFailure[]>();
  const blocked = new Set<number>();
  let updates: Record<string, unknown>[] = [];
  let nextUpdateId = 500_000_001;
  let nextMessageId = 1;
  let webhookState: WebhookState | undefined;
  let pollWaiters: Waiter[] = [];
  let callWaiters: { method: string; count: number; resolve: () => void }[] = [];
  const files = new Map<string, FakeFile & { path: string }>();
  const downloads: string[] = [];
  let nextFileNumber = 1;

  const app: FastifyInstance = Fastify({ logger: false });
  // grammY sends JSON; an empty body (e.g. getMe) arrives without a content type.
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) => {
    done(null, body === "" ? {} : body);
  });
  // Uploads (sendPhoto with bytes) come as multipart/form-data: fields as strings, files as their
  // size and bytes.
  app.addContentTypeParser("multipart/form-data", { parseAs: "buffer" }, (request, body, done) => {
    const boundary = /boundary=(?:"([^"]+)"|([^;]+))/.exec(String(request.headers["content-type"]));
    const marker = `--${boundary?.[1] ?? boundary?.[2] ?? ""}`;
    const params: Record<string, unknown> = {};
    const text = (body as Buffer).toString("latin1");
    for (const part of text.split(marker)) {
      const headerEnd = part.indexOf("\r\n\r\n");
      if (headerEnd < 0) continue;
      const headers = part.slice(0, headerEnd);
      const name = /name="([^"]+)"/.exec(headers)?.[1];
      if (!name) continue;
      const value = part.slice(headerEnd + 4).replace(/\r\n$/, "");
      if (/filename=/.test(headers)) {
        const bytes = Buffer.from(value, "latin1");
        params[name] = { uploadBytes: bytes.length, bytes };
      } else {
        const decoded = Buffer.from(value, "latin1").toString("utf8");
        try {
          params[name] = JSON.parse(decoded) as unknown;
        } catch {
          params[name] = decoded;
        }
      }
    }
    done(null, params);
  });
  const photos = new Set<string>();
  let nextPhoto = 1;

  const ok = (result: unknown) => ({ ok: true, result });

  function notifyCallWaiters() {
    callWaiters = callWaiters.filter((w) => {
      if (calls.filter((c) => c.method === w.method).length >= w.count) {
        w.resolve();
        return false;
      }
      return true;
    });
  }

  function wakePollers() {
    const waiting = pollWaiters;
    pollWaiters = [];
    for (const w of waiting) w.resolve();
  }

  function confirm(offset: number) {
    updates = updates.filter((u) => (u.update_id as number) >= offset);
  }

  async function getUpdates(params: Record<string, unknown>, onClose: (fn: () => void) => void) {
    const offset = typeof params.offset === "number" ? params.offset : undefined;
    const limit = typeof params.limit === "number" ? params.limit : 100;
    const timeout = typeof params.timeout === "number" ? params.timeout : 0;
    if (offset !== undefined) confirm(offset);
    if (updates.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, timeout * 1000);
        const waiter: Waiter = { resolve: finish };
        function finish() {
          clearTimeout(timer);
          pollWaiters = pollWaiters.filter((w) => w !== waiter);
          resolve();
        }
        pollWaiters.push(waiter);
        onClose(finish);
      });
    }
    return updates.slice(0, limit);
  }

  function answerMethod(method: string, params: Record<string, unknown>): unknown {
    switch (method) {
      case "getMe":
        return {
          ...bot,
          is_bot: true,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        };
      case "sendMessage": {
        const chatId = Number(params.chat_id);
        return {
          message_id: nextMessageId++,
          from: { ...bot, is_bot: true },
          chat:
            chatId > 0 ? { id: chatId, type: "private" } : { id: chatId, type: "supergroup", title: "group" },
          date: Math.floor(Date.now() / 1000),
          text: String(params.text ?? ""),
        };
      }
      case "sendPhoto": {
        const chatId = Number(params.chat_id);
        let fileId = String(params.photo ?? "");
        if (fileId.startsWith("attach://")) {
          fileId = `AgACAgIAAxkBAAPhoto${nextPhoto++}`;
          photos.add(fileId);
        } else if (!photos.has(fileId)) return "wrong file identifier";
        return {
          message_id: nextMessageId++,
          from: { ...bot, is_bot: true },
          chat: { id: chatId, type: "private" },
          date: Math.floor(Date.now() / 1000),
          ...(typeof params.caption === "string" ? { caption: params.caption } : {}),
          photo: [
            { file_id: `${fileId}-thumb`, file_unique_id: `${fileId}-t`, width: 90, height: 30 },
            { file_id: fileId, file_unique_id: `${fileId}-u`, width: 960, height: 320 },
          ],
        };
      }
      case "answerCallbackQuery":
      case "deleteWebhook":
        if (method === "deleteWebhook") {
          webhookState = undefined;
          if (params.drop_pending_updates === true) updates = [];
        }
        return true;
      case "setWebhook": {
        const state: WebhookState = { url: String(params.url ?? "") };
        if (typeof params.secret_token === "string") state.secret_token = params.secret_token;
        if (Array.isArray(params.allowed_updates)) state.allowed_updates = params.allowed_updates as string[];
        if (typeof params.max_connections === "number") state.max_connections = params.max_connections;
        webhookState = state.url === "" ? undefined : state;
        if (params.drop_pending_updates === true) updates = [];
        return true;
      }
      case "getWebhookInfo":
        return {
          url: webhookState?.url ?? "",
          has_custom_certificate: false,
          pending_update_count: updates.length,
          ...(webhookState?.allowed_updates ? { allowed_updates: webhookState.allowed_updates } : {}),
          ...(webhookState?.max_connections ? { max_connections: webhookState.max_connections } : {}),
        };
      default:
        return undefined;
    }
  }

  app.post<{ Params: { token: string; method: string } }>("/bot:token/:method", async (request, reply) => {
    const { token, method } = request.params;
    if (token !== options.token) {
      return reply.code(401).send({ ok: false, error_code: 401, description: "Unauthorized" });
    }
    let params: Record<string, unknown> = {};
    if (typeof request.body === "string") {
      try {
        params = JSON.parse(request.body) as Record<string, unknown>;
      } catch {
        return reply.code(400).send({ ok: false, error_code: 400, description: "Bad Request: invalid JSON" });
      }
    } else if (request.body && typeof request.body === "object") {
      params = request.body as Record<string, unknown>;
    }
    calls.push({ method, params, at: Date.now() });
    notifyCallWaiters();

    const queue = scripts.get(method);
    const failure = queue?.shift();
    if (failure) {
      switch (failure.kind) {
        case "rate_limit":
          return reply.code(429).send({
            ok: false,
            error_code: 429,
            description: `Too Many Requests: retry after ${failure.retryAfter}`,
            parameters: { retry_after: failure.retryAfter },
          });
        case "forbidden":
          return reply.code(403).send({
            ok: false,
            error_code: 403,
            description: failure.description ?? "Forbidden: bot was blocked by the user",
          });
        case "bad_request":
          return reply.code(400).send({ ok: false, error_code: 400, description: failure.description });
        case "server_error": {
          const status = failure.status ?? 502;
          return reply.code(status).send({ ok: false, error_code: status, description: "Bad Gateway" });
        }
        case "disconnect":
          request.raw.socket.destroy();
          return reply.hijack();
      }
    }
    if (method === "sendMessage" && blocked.has(Number(params.chat_id))) {
      return reply
        .code(403)
        .send({ ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
    }
    if (method === "getFile") {
      const file = files.get(String(params.file_id ?? ""));
      if (!file) {
        return reply
          .code(400)
          .send({ ok: false, error_code: 400, description: "Bad Request: invalid file_id" });
      }
      return reply.send(
        ok({
          file_id: String(params.file_id),
          file_unique_id: `u-${file.path}`,
          file_size: file.reportedSize ?? file.bytes.length,
          ...(file.noPath ? {} : { file_path: file.path }),
        }),
      );
    }
    if (method === "getUpdates") {
      if (webhookState) {
        return reply.code(409).send({
          ok: false,
          error_code: 409,
          description:
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        });
      }
      const result = await getUpdates(params, (fn) => request.raw.on("close", fn));
      return reply.send(ok(result));
    }
    if (method === "sendMessage" || method === "sendPhoto") {
      if (blocked.has(Number(params.chat_id)) && method === "sendPhoto") {
        return reply
          .code(403)
          .send({ ok: false, error_code: 403, description: "Forbidden: bot was blocked by the user" });
      }
    }
    const result = answerMethod(method, params);
    if (result === "wrong file identifier") {
      return reply.code(400).send({
        ok: false,
        error_code: 400,
        description: "Bad Request: wrong file identifier/HTTP URL specified",
      });
    }
    if (result === undefined) {
      return reply.code(404).send({ ok: false, error_code: 404, description: "Not Found: method not found" });
    }
    return reply.send(ok(result));
  });

  // Telegram's file server: the token in the path, the bytes as application/octet-stream.
  app.get<{ Params: { token: string; "*": string } }>("/file/bot:token/*", async (request, reply) => {
    const path = request.params["*"];
    const file = [...files.values()].find((f) => f.path === path);
    if (request.params.token !== options.token || !file || file.downloadGone) {
      return reply.code(404).send({ ok: false, error_code: 404, description: "Not Found" });
    }
    downloads.push(path);
    return reply.type("application/octet-stream").send(file.bytes);
  });

  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("fake Telegram API did not get a TCP port");
  const apiRoot = `http://127.0.0.1:${address.port}`;

  return {
    apiRoot,
    token: options.token,
    bot,
    calls,
    callsTo: (method) => calls.filter((c) => c.method === method),
    sentMessages: (chatId) =>
      calls
        .filter(
          (c) => c.method === "sendMessage" && (chatId === undefined || Number(c.params.chat_id) === chatId),
        )
        .map((c) => c.params),
    sentPhotos: (chatId) =>
      calls
        .filter(
          (c) => c.method === "sendPhoto" && (chatId === undefined || Number(c.params.chat_id) === chatId),
        )
        .map((c) => {
          const photo = c.params.photo;
          const attached =
            typeof photo === "string" && photo.startsWith("attach://") ? c.params[photo.slice(9)] : undefined;
          const upload =
            attached && typeof attached === "object"
              ? (attached as { uploadBytes: number; bytes: Buffer })
              : undefined;
          return {
            chatId: Number(c.params.chat_id),
            photo: upload !== undefined ? "upload" : String(photo),
            ...(upload !== undefined ? { uploadBytes: upload.uploadBytes, uploaded: upload.bytes } : {}),
            ...(typeof c.params.caption === "string" ? { caption: c.params.caption } : {}),
          };
        }),
    shownTexts: (chatId) =>
      calls
        .filter(
          (c) =>
            (c.method === "sendMessage" || c.method === "sendPhoto") && Number(c.params.chat_id) === chatId,
        )
        .map((c) => String(c.method === "sendPhoto" ? (c.params.caption ?? "") : c.params.text)),
    failNext(method, failure, times = 1) {
      const queue = scripts.get(method) ?? [];
      for (let i = 0; i < times; i += 1) queue.push(failure);
      scripts.set(method, queue);
    },
    blockChat: (chatId) => void blocked.add(chatId),
    unblockChat: (chatId) => void blocked.delete(chatId),
    pushUpdate(update) {
      const id = typeof update.update_id === "number" ? update.update_id : nextUpdateId++;
      updates.push({ ...update, update_id: id });
      wakePollers();
      return id;
    },
    pendingUpdates: () => updates.length,
    addFile(fileId, file) {
      files.set(fileId, { ...file, path: `photos/file_${nextFileNumber++}.jpg` });
    },
    downloads,
    webhook: () => webhookState,
    async deliverWebhook(update) {
      if (!webhookState) throw new Error("no webhook is set on the fake Telegram API");
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (webhookState.secret_token) headers["x-telegram-bot-api-secret-token"] = webhookState.secret_token;
      const response = await fetch(webhookState.url, {
        method: "POST",
        headers,
        body: JSON.stringify(update),
      });
      const body = await response.text();
      // Telegram's webhook reply: a 200 whose JSON names a method is a Bot API call it makes for the bot.
      if (response.status === 200 && response.headers.get("content-type")?.includes("json")) {
        const { method, ...params } = JSON.parse(body) as { method?: unknown } & Record<string, unknown>;
        if (typeof method === "string") {
          calls.push({ method, params, at: Date.now(), webhookReply: true });
          notifyCallWaiters();
        }
      }
      return { status: response.status, body };
    },
    waitForCalls(method, count, timeoutMs = 10_000) {
      const done = () => calls.filter((c) => c.method === method);
      if (done().length >= count) return Promise.resolve(done());
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          callWaiters = callWaiters.filter((w) => w !== waiter);
          reject(new Error(`timed out waiting for ${count} ${method} calls (got ${done().length})`));
        }, timeoutMs);
        const waiter = {
          method,
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(done());
          },
        };
        callWaiters.push(waiter);
      });
    },
    reset() {
      photos.clear();
      calls.length = 0;
      downloads.length = 0;
      files.clear();
      scripts.clear();
      blocked.clear();
      updates = [];
    },
    async close() {
      wakePollers();
      await app.close();
    },
  };
}
