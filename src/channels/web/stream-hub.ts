// Server-sent event streams of the browsers connected to THIS instance, fed from web_outbox.
// Polling the table (rather than keeping messages in memory) is what lets a notification enqueued
// on instance A reach a browser connected to instance B. Only connections live in memory here, and
// they belong to this process anyway.
import type { Logger } from "pino";
import type { WebOutbox } from "./outbox.js";
import { renderReply, type WebMessage } from "./wire.js";

export interface StreamConnection {
  address: string;
  /** Highest message id already written to this connection. */
  cursor: number;
  write(chunk: string): void;
  end(): void;
}

export interface StreamHub {
  /** Starts tracking a connection; false when the instance is at its stream limit. */
  add(connection: StreamConnection): boolean;
  remove(connection: StreamConnection): void;
  /** Polls at once (called when this instance stored a message). */
  wake(): void;
  /** One polling round, awaited (used by wake and the timer; exported for tests). */
  pollOnce(): Promise<void>;
  size(): number;
  close(): void;
}

export interface StreamHubOptions {
  outbox: WebOutbox;
  logger: Logger;
  pollIntervalMs?: number;
  heartbeatMs?: number;
  maxStreams?: number;
  /** Messages nobody collected for this long are dropped. */
  retentionMs?: number;
  onDelivered?: (count: number) => void;
  /** Delay between a local store and the poll that picks it up (the outbox's settle time). */
  wakeDelayMs?: number;
}

export function formatSseMessage(message: WebMessage & { id: number }): string {
  // JSON never contains a raw newline, so one data line is enough.
  return `id: ${message.id}\nevent: message\ndata: ${JSON.stringify(message)}\n\n`;
}

export function createStreamHub(options: StreamHubOptions): StreamHub {
  const { outbox, logger } = options;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const heartbeatMs = options.heartbeatMs ?? 25_000;
  const maxStreams = options.maxStreams ?? 2000;
  const retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
  const wakeDelayMs = options.wakeDelayMs ?? 0;
  const connections = new Set<StreamConnection>();
  let pollTimer: NodeJS.Timeout | undefined;
  let heartbeatTimer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  let pollAgain = false;
  let lastPruneAt = 0;
  let closed = false;

  async function pollRound(): Promise<void> {
    if (connections.size === 0) return;
    const addresses = [...new Set([...connections].map((c) => c.address))];
    const minCursor = Math.min(...[...connections].map((c) => c.cursor));
    const rows = await outbox.pending(addresses, minCursor, 500);
    let delivered = 0;
    for (const row of rows) {
      for (const connection of connections) {
        if (connection.address !== row.address || connection.cursor >= row.id) continue;
        connection.write(
          formatSseMessage({ ...renderReply(row.reply, row.id, row.reply.shownPicture), id: row.id }),
        );
        connection.cursor = row.id;
        delivered += 1;
      }
    }
    if (delivered > 0) options.onDelivered?.(delivered);
    if (Date.now() - lastPruneAt > 600_000) {
      lastPruneAt = Date.now();
      const pruned = await outbox.pruneOlderThan(new Date(Date.now() - retentionMs));
      if (pruned > 0) logger.info({ pruned }, "web chat: dropped uncollected pushed messages");
    }
  }

  async function pollOnce(): Promise<void> {
    // One round at a time; a wake during a round schedules exactly one more.
    if (polling) {
      pollAgain = true;
      return polling;
    }
    polling = (async () => {
      do {
        pollAgain = false;
        try {
          await pollRound();
        } catch (err) {
          logger.warn({ err }, "web chat: polling web_outbox failed");
        }
      } while (pollAgain && !closed);
    })();
    try {
      await polling;
    } finally {
      polling = undefined;
    }
  }

  function startTimers(): void {
    if (pollTimer || closed) return;
    pollTimer = setInterval(() => void pollOnce(), pollIntervalMs);
    heartbeatTimer = setInterval(() => {
      // A comment line keeps proxies from closing an idle stream and reveals dead sockets.
      for (const connection of connections) connection.write(": ping\n\n");
    }, heartbeatMs);
    pollTimer.unref();
    heartbeatTimer.unref();
  }

  function stopTimers(): void {
    clearInterval(pollTimer);
    clearInterval(heartbeatTimer);
    pollTimer = undefined;
    heartbeatTimer = undefined;
  }

  return {
    add(connection) {
      if (closed || connections.size >= maxStreams) return false;
      connections.add(connection);
      startTimers();
      return true;
    },
    remove(connection) {
      connections.delete(connection);
      if (connections.size === 0) stopTimers();
    },
    wake() {
      // The stored rows become readable after the outbox's settle time: poll just after it.
      if (connections.size === 0 || closed) return;
      const timer = setTimeout(() => void pollOnce(), wakeDelayMs);
      timer.unref();
    },
    pollOnce,
    size: () => connections.size,
    close() {
      closed = true;
      stopTimers();
      for (const connection of connections) connection.end();
      connections.clear();
    },
  };
}
