// A fake Bot API for the reminder benchmark that enforces Telegram's bulk limit the way Telegram
// does: more than `perSecond` sendMessage calls within any one-second window get 429 with
// parameters.retry_after. It records every accepted message per chat, so the benchmark can check
// that everyone got exactly one reminder, and it counts the 429s it had to give. With paidPerSecond,
// messages sent with allow_paid_broadcast count against that limit instead (all messages together
// never above it), as paid broadcasts do (the fan-out benchmark).
import Fastify from "fastify";

export interface RateLimitedTelegram {
  apiRoot: string;
  /** Accepted sendMessage calls per chat id. */
  perChat: Map<string, number>;
  /** Arrival times (ms) of accepted sendMessage calls. */
  acceptedAt: number[];
  tooManyRequests: number;
  close(): Promise<void>;
}

export async function startRateLimitedTelegram(options: {
  token: string;
  perSecond: number;
  paidPerSecond?: number;
  /** Called for every accepted sendMessage (chat id, arrival time, paid broadcast or not). */
  onAccepted?: (chat: string, at: number, paid: boolean) => void;
}): Promise<RateLimitedTelegram> {
  const app = Fastify({ logger: false });
  const perChat = new Map<string, number>();
  const acceptedAt: number[] = [];
  const state = { tooManyRequests: 0 };
  const window: number[] = [];
  const all: number[] = [];
  const prune = (times: number[], now: number) => {
    let i = 0;
    while (i < times.length && (times[i] ?? 0) <= now - 1000) i++;
    if (i > 0) times.splice(0, i);
  };
  app.addContentTypeParser("*", { parseAs: "string" }, (_req, body, done) =>
    done(null, body === "" ? {} : body),
  );
  app.post<{ Params: { token: string; method: string } }>("/bot:token/:method", async (request, reply) => {
    if (request.params.token !== options.token)
      return reply.code(401).send({ ok: false, error_code: 401, description: "Unauthorized" });
    const params = (
      typeof request.body === "string" ? JSON.parse(request.body) : (request.body ?? {})
    ) as Record<string, unknown>;
    switch (request.params.method) {
      case "getMe":
        return {
          ok: true,
          result: { id: 8000000001, is_bot: true, first_name: "bench", username: "bench_bot" },
        };
      case "sendMessage": {
        const now = Date.now();
        const paid = options.paidPerSecond !== undefined && params.allow_paid_broadcast === true;
        prune(window, now);
        prune(all, now);
        const total = options.paidPerSecond ?? Number.POSITIVE_INFINITY;
        if (all.length >= total || (!paid && window.length >= options.perSecond)) {
          state.tooManyRequests += 1;
          return reply.code(429).send({
            ok: false,
            error_code: 429,
            description: "Too Many Requests: retry after 1",
            parameters: { retry_after: 1 },
          });
        }
        if (!paid) window.push(now);
        all.push(now);
        acceptedAt.push(now);
        const chat = String(params.chat_id);
        options.onAccepted?.(chat, now, paid);
        perChat.set(chat, (perChat.get(chat) ?? 0) + 1);
        return {
          ok: true,
          result: {
            message_id: acceptedAt.length,
            chat: { id: Number(chat), type: "private" },
            date: Math.floor(now / 1000),
            text: String(params.text ?? ""),
          },
        };
      }
      default:
        return { ok: true, result: true };
    }
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    perChat,
    acceptedAt,
    get tooManyRequests() {
      return state.tooManyRequests;
    },
    close: () => app.close(),
  };
}
