// The `fetch` grammY's API client uses (its documented `client.fetch` option), made for the one kind of
// call the service makes all the time: a small JSON POST to the Bot API whose answer grammY reads
// with `res.json()`. On Node, grammY's default (node-fetch 2) builds a WHATWG Request, Headers and
// Body around every call; a plain `http.request` on grammY's own keep-alive agent does the same work
// for about 45 µs less CPU per call (docs/benchmarks.md), and a webhook update makes one or two calls.
// Anything else (a multipart upload of a picture) goes to the platform's fetch unchanged.
import http from "node:http";
import https from "node:https";

/** What grammY passes: its base config (agent, compress, duplex), the abort signal and the payload. */
interface GrammyFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  signal?: AbortSignal;
  agent?: http.Agent;
}

/** The part of a Response grammY reads (`json()`), plus what a reader of logs would look for. */
interface JsonResponse {
  ok: boolean;
  status: number;
  json(): Promise<unknown>;
}

export function jsonFetch(url: string | URL, init?: GrammyFetchInit): Promise<JsonResponse> {
  if (typeof init?.body !== "string") return fetch(url, init as RequestInit);
  const body = init.body;
  const signal = init.signal;
  return new Promise<JsonResponse>((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason instanceof Error ? signal.reason : new Error("the request was aborted"));
      return;
    }
    const target = typeof url === "string" ? new URL(url) : url;
    const transport = target.protocol === "https:" ? https : http;
    const request = transport.request(
      target,
      {
        method: init.method ?? "POST",
        ...(init.agent ? { agent: init.agent } : {}),
        headers: { ...init.headers, "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const status = response.statusCode ?? 0;
          resolve({
            ok: status >= 200 && status < 300,
            status,
            // A body that is not JSON (a proxy's error page) rejects here, as node-fetch's json() does.
            json: () => new Promise((done) => done(JSON.parse(text))),
          });
        });
      },
    );
    const abort = (): void => {
      request.destroy(signal?.reason instanceof Error ? signal.reason : new Error("the request was aborted"));
    };
    signal?.addEventListener("abort", abort, { once: true });
    request.on("close", () => signal?.removeEventListener("abort", abort));
    request.on("error", reject);
    request.end(body);
  });
}
