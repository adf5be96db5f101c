// "Some conversation changed": Postgres tells it at commit (a statement trigger on handoff_message
// inserts: pg_notify('handoff_changed'), one per transaction), and this keeps one LISTEN connection per
// instance and calls its subscribers. Whatever instance stored a message, every instance's console
// pages hear of it. The connection is re-opened after a failure (subscribers are called then too:
// something may have been missed meanwhile); while it is down, `connected` is false and the pages
// poll instead.
import pg from "pg";
import type { Logger } from "pino";

export const HANDOFF_CHANNEL = "handoff_changed";

export interface HandoffChanges {
  /** True while the LISTEN connection is up. */
  readonly connected: boolean;
  /** Calls `listener` after each change (and after a reconnect); returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  close(): Promise<void>;
}

export function listenHandoffChanges(
  databaseUrl: string,
  logger: Logger,
  options: { retryMs?: number } = {},
): HandoffChanges {
  const retryMs = options.retryMs ?? 2_000;
  const listeners = new Set<() => void>();
  let client: pg.Client | undefined;
  let connected = false;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;

  const tell = () => {
    for (const listener of listeners) listener();
  };

  const again = () => {
    connected = false;
    client = undefined;
    if (!closed && !retry) retry = setTimeout(connect, retryMs);
  };

  async function connect(): Promise<void> {
    retry = undefined;
    const next = new pg.Client({ connectionString: databaseUrl });
    next.on("error", (err) => {
      logger.warn({ err }, "handoff LISTEN connection failed; pages poll until it is back");
      void next.end().catch(() => undefined);
      again();
    });
    next.on("notification", tell);
    try {
      await next.connect();
      await next.query(`LISTEN ${HANDOFF_CHANNEL}`);
      if (closed) {
        await next.end();
        return;
      }
      client = next;
      connected = true;
      tell();
    } catch (err) {
      logger.warn({ err }, "handoff LISTEN not available; pages poll until it is");
      void next.end().catch(() => undefined);
      again();
    }
  }
  void connect();

  return {
    get connected() {
      return connected;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      closed = true;
      clearTimeout(retry);
      listeners.clear();
      connected = false;
      await client?.end().catch(() => undefined);
    },
  };
}
