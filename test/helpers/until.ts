// The one poll-until of the test suite: asks `probe` every pollMs until it gives a value (anything
// but undefined, null or false) and returns it; fails naming what it waited for after timeoutMs.
// The suite's helpers (jobs/support, browser/support, the Telegram service's waitUntil) are shapes of it.
export interface UntilOptions {
  what?: string;
  timeoutMs?: number;
  pollMs?: number;
}

type Maybe<T> = T | undefined | null | false;

export async function pollUntil<T>(
  probe: () => Maybe<T> | Promise<Maybe<T>>,
  options: UntilOptions = {},
): Promise<T> {
  const { what = "a condition", timeoutMs = 15_000, pollMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
