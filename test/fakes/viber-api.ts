// A fake Viber Chat API for tests: a fastify app on 127.0.0.1 (port 0) that records every
// POST /pa/<method> and answers like Viber does — HTTP 200 with a `status` in the body, including
// scripted failures (6 not subscribed, 12 too many requests, 13 API version not supported) and a
// raw HTTP error with an empty body (which viber-bot never settles on).
import Fastify, { type FastifyInstance } from "fastify";

export interface RecordedViberCall {
  method: string;
  /** The auth token header the call carried. */
  authToken: string | undefined;
  body: Record<string, unknown>;
}

/** What the fake answers to one call: a Viber status, or a bare HTTP error without a body. */
export type ScriptedViberAnswer = { status: number } | { httpStatus: number; emptyBody: true };

const STATUS_MESSAGES: Record<number, string> = {
  0: "ok",
  2: "invalidAuthToken",
  3: "badData",
  5: "receiverNotRegistered",
  6: "receiverNotSubscribed",
  12: "tooManyRequests",
  13: "apiVersionNotSupported",
};

export interface FakeViberApi {
  /** Base URL to give the channel as VIBER_API_URL (ends with "/pa/"). */
  url: string;
  calls: RecordedViberCall[];
  /** Calls of one method, e.g. "send_message". */
  callsOf(method: string): RecordedViberCall[];
  /** Queues answers for the next calls of a method (then it answers status 0 again). */
  script(method: string, answers: ScriptedViberAnswer[]): void;
  /** Answers every send_message to this receiver with the given status (e.g. 6) until cleared. */
  failReceiver(receiver: string, status: number | undefined): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startFakeViberApi(options: { authToken: string }): Promise<FakeViberApi> {
  const app: FastifyInstance = Fastify({ logger: false });
  const calls: RecordedViberCall[] = [];
  const scripts = new Map<string, ScriptedViberAnswer[]>();
  const failingReceivers = new Map<string, number>();
  // message tokens of sent messages: 64-bit, as Viber's are.
  let nextToken = 5741311803571721000n;

  app.post<{ Params: { method: string } }>("/pa/:method", async (request, reply) => {
    const method = request.params.method;
    const header = request.headers["x-viber-auth-token"];
    const body = (request.body ?? {}) as Record<string, unknown>;
    calls.push({ method, authToken: typeof header === "string" ? header : undefined, body });

    const answer = scripts.get(method)?.shift();
    if (answer !== undefined && "emptyBody" in answer) {
      return reply.code(answer.httpStatus).send();
    }
    let status = answer?.status ?? 0;
    if (header !== options.authToken) status = 2;
    const receiver = typeof body.receiver === "string" ? body.receiver : undefined;
    if (status === 0 && method === "send_message" && receiver !== undefined) {
      status = failingReceivers.get(receiver) ?? 0;
    }
    const envelope = { status, status_message: STATUS_MESSAGES[status] ?? "error" };
    reply.header("content-type", "application/json");
    if (status !== 0) return reply.send(JSON.stringify(envelope));
    switch (method) {
      case "send_message":
        nextToken += 1n;
        // Written by hand: the token must go out as a JSON number wider than 2^53.
        return reply.send(
          `{"status":0,"status_message":"ok","message_token":${nextToken},"chat_hostname":"SN-CHAT-01_"}`,
        );
      case "set_webhook":
        return reply.send(
          JSON.stringify({ ...envelope, chat_hostname: "SN-CHAT-01_", event_types: body.event_types ?? [] }),
        );
      case "get_account_info":
        return reply.send(
          JSON.stringify({
            ...envelope,
            id: "pa:5412345678912345678",
            name: "Fake bot",
            uri: "fakebot",
            subscribers_count: 2,
          }),
        );
      default:
        return reply.send(JSON.stringify(envelope));
    }
  });

  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url: `${address}/pa/`,
    calls,
    callsOf: (method) => calls.filter((call) => call.method === method),
    script(method, answers) {
      scripts.set(method, [...(scripts.get(method) ?? []), ...answers]);
    },
    failReceiver(receiver, status) {
      if (status === undefined) failingReceivers.delete(receiver);
      else failingReceivers.set(receiver, status);
    },
    reset() {
      calls.length = 0;
      scripts.clear();
      failingReceivers.clear();
    },
    close: () => app.close(),
  };
}
