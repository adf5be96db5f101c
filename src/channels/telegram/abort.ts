// grammY's Node build types its AbortSignal parameter with the `abort-controller` polyfill, which
// Node's own AbortSignal does not match structurally although grammY accepts it at run time.
// One cast, here, instead of one per call; plus the abortable sleep the retry loops share.
import type { Api } from "grammy";

export type GrammySignal = NonNullable<Parameters<Api["getMe"]>[0]>;

export function grammySignal(signal: AbortSignal): GrammySignal {
  return signal as unknown as GrammySignal;
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done);
  });
}
