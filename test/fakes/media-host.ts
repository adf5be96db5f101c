// A stand-in for a messenger's media host (Viber's dl-media.viber.com links) on 127.0.0.1, port 0:
// serves what a test scripted per path — an image, an expired or missing link, a server error, a
// link that never answers, a body longer than the service takes (streamed, no Content-Length) — and
// records the path and query of every request.
import { Readable } from "node:stream";
import Fastify, { type FastifyInstance } from "fastify";

export type MediaAnswer =
  | { kind: "file"; bytes: Buffer; contentType: string }
  /** Sent in chunks without a Content-Length, so only counting the bytes can stop it. */
  | { kind: "stream"; bytes: Buffer; contentType: string }
  | { kind: "status"; status: number; body?: string }
  /** Accepts the request and never answers. */
  | { kind: "hang" };

export interface FakeMediaHost {
  /** Absolute URL of a path on this host (path may carry a query). */
  url(pathAndQuery: string): string;
  serve(path: string, answer: MediaAnswer): void;
  /** Path and query of each request, in order. */
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startFakeMediaHost(): Promise<FakeMediaHost> {
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });
  const answers = new Map<string, MediaAnswer>();
  const requests: string[] = [];

  app.get("/*", async (request, reply) => {
    requests.push(request.url);
    const answer = answers.get(request.url.split("?")[0] ?? "");
    if (!answer) return reply.code(404).type("text/plain").send("Not Found");
    switch (answer.kind) {
      case "file":
        return reply.type(answer.contentType).send(answer.bytes);
      case "stream": {
        const chunkSize = 16 * 1024;
        const chunks: Buffer[] = [];
        for (let at = 0; at < answer.bytes.length; at += chunkSize) {
          chunks.push(answer.bytes.subarray(at, at + chunkSize));
        }
        return reply.type(answer.contentType).send(Readable.from(chunks));
      }
      case "status":
        return reply
          .code(answer.status)
          .type("application/xml")
          .send(answer.body ?? "<Error><Code>AccessDenied</Code></Error>");
      case "hang":
        return reply.hijack();
    }
  });

  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (!address || typeof address === "string") throw new Error("fake media host did not get a TCP port");
  const origin = `http://127.0.0.1:${address.port}`;

  return {
    url: (pathAndQuery) => `${origin}${pathAndQuery}`,
    serve: (path, answer) => void answers.set(path, answer),
    requests,
    close: () => app.close(),
  };
}
