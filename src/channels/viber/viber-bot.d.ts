// viber-bot 1.0.18 ships no TypeScript types. This declares only the small surface this channel
// uses (constructing a bot, its HTTP client and Message.Text), so everything else stays unusable
// from TypeScript on purpose: the library's webhook middleware must never be mounted.

declare module "viber-bot" {
  /** The receiver: viber-bot only reads `id`. */
  interface ViberUserRef {
    id: string;
  }

  /** A logger with the methods viber-bot calls (printf-style arguments). */
  interface ViberBotLogger {
    debug(...args: unknown[]): void;
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  }

  interface ViberBotConfiguration {
    authToken: string;
    name: string;
    avatar: string | undefined;
    logger?: ViberBotLogger;
    registerToEvents?: string[];
  }

  /** The library's HTTP client; `_url` is the API base (no trailing slash) it posts to. */
  interface ViberClient {
    _url: string;
  }

  interface TextMessage {
    readonly text: string;
    readonly keyboard: unknown;
    readonly minApiVersion: number | undefined;
  }

  interface Bot {
    readonly authToken: string;
    readonly name: string;
    readonly avatar: string | undefined;
    _client: ViberClient;
    /**
     * Sends the messages in order; resolves with their tokens (precision lost for 64-bit ones).
     * Rejects with the API's response body (`{ status, status_message }`) when status is not 0, or
     * with a transport error. NEVER settles when the HTTP answer is an error with an empty body.
     * Mutates the array it is given (pops the last message).
     */
    sendMessage(receiver: ViberUserRef, messages: TextMessage[]): Promise<unknown[]>;
    /** POST get_account_info; resolves with the body when status is 0. */
    getBotProfile(): Promise<Record<string, unknown>>;
  }

  const viberBot: {
    Bot: new (configuration: ViberBotConfiguration) => Bot;
    Message: {
      Text: new (
        text: string,
        keyboard?: unknown,
        trackingData?: unknown,
        timestamp?: number,
        token?: string,
        minApiVersion?: number,
      ) => TextMessage;
      Picture: new (
        url: string,
        text?: string,
        thumbnail?: string,
        keyboard?: unknown,
        trackingData?: unknown,
        timestamp?: number,
        token?: string,
        minApiVersion?: number,
      ) => TextMessage;
    };
  };
  export default viberBot;
}
