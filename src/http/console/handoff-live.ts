// Server-sent events for the conversations pages: GET /console/conversations/events streams the
// conversations' version whenever it changes, so an open page re-fetches at once instead of at its
// next poll. Changes come from the instance's LISTEN connection (src/db/handoff-changes.ts); a burst
// of them reads the version once and pushes it to every open stream. Without a live connection the
// route answers 503 and the page polls (assets/console.js), as it does when the stream drops.
import type { FastifyReply, FastifyRequest } from "fastify";

/** What the feed needs of the change signal (src/db/handoff-changes.ts provides it). */
export interface ChangeSignal {
  readonly connected: boolean;
  subscribe(listener: () => void): () => void;
}

export interface VersionFeed {
  /** Streams versions to this request until it goes away; false when push is not available now. */
  stream(request: FastifyRequest, reply: FastifyReply, current: string): boolean;
  /** Ends every open stream (the server is closing; pages reconnect elsewhere or poll). */
  close(): void;
}

const HEARTBEAT_MS = 25_000;

export function createVersionFeed(
  changes: ChangeSignal,
  readVersion: () => Promise<string>,
  onError: (err: unknown) => void,
): VersionFeed {
  const streams = new Map<(version: string) => void, () => void>();
  let reading = false;
  let again = false;

  // One version read per burst of changes, pushed to every stream; a change that arrives while
  // reading triggers one more read, so the last change is never missed.
  async function publish(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        const version = await readVersion();
        for (const send of streams.keys()) send(version);
      } while (again);
    } catch (err) {
      onError(err);
    } finally {
      reading = false;
    }
  }
  changes.subscribe(() => {
    if (streams.size > 0) void publish();
  });

  return {
    stream(request, reply, current) {
      if (!changes.connected) return false;
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
        connection: "keep-alive",
      });
      let last = current;
      out.write(`retry: 3000\ndata: ${current}\n\n`);
      const send = (version: string) => {
        if (version === last) return;
        last = version;
        out.write(`data: ${version}\n\n`);
      };
      const heartbeat = setInterval(() => out.write(": keep-alive\n\n"), HEARTBEAT_MS);
      const end = () => {
        clearInterval(heartbeat);
        streams.delete(send);
        out.end();
      };
      streams.set(send, end);
      request.raw.on("close", end);
      return true;
    },
    close() {
      for (const end of [...streams.values()]) end();
    },
  };
}
