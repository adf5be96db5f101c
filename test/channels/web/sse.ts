// Reads a server-sent event stream in tests the way a browser's EventSource would: one fetch kept
// open, frames split on blank lines, `id:` / `event:` / `data:` fields collected.
export interface SseMessage {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseReader {
  status: number;
  /** Resolves with the next `count` messages (comments and retry hints skipped), or rejects on timeout. */
  next(count: number, timeoutMs?: number): Promise<SseMessage[]>;
  close(): Promise<void>;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
  const abort = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: abort.signal,
  });
  const queue: SseMessage[] = [];
  let buffer = "";
  let wake: (() => void) | undefined;
  const pump = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = { id: undefined as string | undefined, event: "message", data: [] as string[] };
          let hasData = false;
          for (const line of frame.split("\n")) {
            if (line.startsWith(":") || line === "") continue;
            const colon = line.indexOf(":");
            const name = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (name === "id") fields.id = value;
            if (name === "event") fields.event = value;
            if (name === "data") {
              fields.data.push(value);
              hasData = true;
            }
          }
          if (hasData) queue.push({ id: fields.id, event: fields.event, data: fields.data.join("\n") });
        }
        wake?.();
      }
    } catch {
      // Aborted by close().
    }
  })();

  return {
    status: response.status,
    async next(count, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length < count) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected ${count} SSE messages, got ${queue.length}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 100));
        });
      }
      return queue.splice(0, count);
    },
    async close() {
      abort.abort();
      await pump;
    },
  };
}
