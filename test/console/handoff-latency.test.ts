// `npm run handoff:measure`: how long a customer's message takes to appear in an open console page,
// with 200 open conversations. The whole service runs (startService on real Postgres, the Telegram
// channel on the fake Bot API); 200 Telegram customers hand their conversations over through the
// webhook; then a console "tab" does exactly what assets/console.js does (follow the versions the
// server pushes over /console/conversations/events, or with HANDOFF_MODE=poll poll the version at the
// page's data-live-poll interval; when it changed, fetch the page again) while 100 of those
// customers write once each at random moments. A message's latency runs from the moment its webhook POST is
// sent to the moment a fetched page holds its text. Skipped unless HANDOFF_MEASURE=1 (it takes ~1 min).
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import { createOperatorUser } from "../../src/operator/operator-users.js";
import { TelegramUser } from "../channels/telegram/telegram-user.js";
import type { FakeTelegramApi } from "../fakes/telegram-api.js";
import type { RunningService } from "../../src/service.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { startTelegramService } from "../helpers/telegram-service.js";

const run = process.env.HANDOFF_MEASURE === "1";
const TOKEN = "8000000004:AAHk3Vq9fakeTokenForTests_measure";
const SECRET = "handoff-measure-secret-0123456789";
const PASSWORD = "operator-password-1";
const OPEN = Number(process.env.HANDOFF_OPEN ?? 200);
const SAMPLES = Number(process.env.HANDOFF_SAMPLES ?? 100);

let db: TestDatabase;
let telegram: FakeTelegramApi;
let service: RunningService;

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!run)("appearance latency in the console", () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    ({ service, telegram } = await startTelegramService(db, {
      token: TOKEN,
      secret: SECRET,
      env: { HANDOFF_HOURS: "00:00-24:00", HANDOFF_POLL_MS: process.env.HANDOFF_POLL_MS ?? "1000" },
    }));
    await createOperatorUser(db.prisma, { login: "olena", role: "dispatcher", password: PASSWORD });
  }, 120_000);

  afterAll(async () => {
    await service?.stop();
    await telegram?.close();
    await db?.drop();
  });

  it(`p50/p99 with ${OPEN} open conversations`, async () => {
    const customers = Array.from({ length: OPEN }, (_, i) => new TelegramUser(7_900_000 + i, telegram));
    for (const [i, customer] of customers.entries()) {
      await telegram.deliverWebhook(customer.start());
      await telegram.deliverWebhook(customer.text("/menu"));
      await telegram.deliverWebhook(customer.text(t("uk", "menu.person")));
      await telegram.deliverWebhook(customer.text(`Питання ${i}`));
    }
    expect(await db.prisma.handoffConversation.count({ where: { status: "waiting" } })).toBe(OPEN);

    const signIn = await fetch(`${service.url}/console/sign-in`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ login: "olena", password: PASSWORD }).toString(),
      redirect: "manual",
    });
    const cookie = /console_session=([^;]+)/.exec(signIn.headers.get("set-cookie") ?? "")?.[1];
    expect(cookie).toBeDefined();
    const headers = { cookie: `console_session=${cookie}` };
    const pageUrl = `${service.url}/console/conversations?view=all`;
    const first = await (await fetch(pageUrl, { headers })).text();
    const pollMs = Number(/data-live-poll="(\d+)"/.exec(first)?.[1]);
    let version = /data-live-version="(\d+)"/.exec(first)?.[1];
    expect(pollMs).toBeGreaterThan(0);

    // The console tab.
    const pending = new Map<string, number>();
    const latencies: number[] = [];
    const versionMs: number[] = [];
    const pageMs: number[] = [];
    let stop = false;
    /** The page fetched again, as the script does when the version changed. */
    const refresh = async (latest: string) => {
      const started = performance.now();
      const html = await (await fetch(pageUrl, { headers })).text();
      pageMs.push(performance.now() - started);
      version = /data-live-version="(\d+)"/.exec(html)?.[1] ?? latest;
      const seenAt = performance.now();
      for (const [text, sentAt] of pending) {
        if (html.includes(text)) {
          latencies.push(seenAt - sentAt);
          pending.delete(text);
        }
      }
    };
    const poll = async () => {
      while (!stop) {
        await sleep(pollMs);
        const started = performance.now();
        const latest = (
          (await (await fetch(`${service.url}/console/conversations/version`, { headers })).json()) as {
            version: string;
          }
        ).version;
        versionMs.push(performance.now() - started);
        if (latest !== version) await refresh(latest);
      }
    };
    // Pushed versions (server-sent events); a newer one arriving during a fetch is taken after it.
    const abort = new AbortController();
    const push = async () => {
      const stream = await fetch(`${service.url}/console/conversations/events`, {
        headers,
        signal: abort.signal,
      });
      expect(stream.status).toBe(200);
      const reader = stream.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = "";
      let wanted: string | undefined;
      let running = false;
      let busy: Promise<void> = Promise.resolve();
      const follow = async () => {
        running = true;
        try {
          while (wanted !== undefined && wanted !== version) await refresh(wanted);
        } finally {
          running = false;
        }
      };
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffered += value;
          let end: number;
          while ((end = buffered.indexOf("\n\n")) >= 0) {
            const data = /^data: (.*)$/m.exec(buffered.slice(0, end))?.[1];
            buffered = buffered.slice(end + 2);
            if (data === undefined) continue;
            wanted = data;
            if (!running) busy = follow();
          }
        }
      } catch (err) {
        if (!stop) throw err;
      }
      await busy;
    };
    const mode = process.env.HANDOFF_MODE === "poll" ? "poll" : "push";
    const tab = mode === "poll" ? poll() : push();

    const webhookMs: number[] = [];
    for (let k = 0; k < SAMPLES; k++) {
      await sleep(Math.random() * 500);
      const text = `probe-${k}-${randomBytes(3).toString("hex")}`;
      const sentAt = performance.now();
      pending.set(text, sentAt);
      const response = await telegram.deliverWebhook(customers[(k * 7) % OPEN]!.text(text));
      webhookMs.push(performance.now() - sentAt);
      expect(response.status).toBe(200);
    }
    const deadline = Date.now() + 10_000;
    while (pending.size > 0 && Date.now() < deadline) await sleep(50);
    stop = true;
    abort.abort();
    await tab;
    expect(pending.size).toBe(0);

    const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
    const summary = (values: number[]) => {
      const s = sorted(values);
      return {
        p50: Math.round(quantile(s, 0.5)),
        p99: Math.round(quantile(s, 0.99)),
        max: Math.round(s.at(-1)!),
      };
    };
    const report = {
      openConversations: OPEN,
      mode,
      samples: latencies.length,
      ...(mode === "poll" ? { pollMs, versionEndpointMs: summary(versionMs) } : {}),
      appearanceMs: summary(latencies),
      webhookMs: summary(webhookMs),
      pageMs: summary(pageMs),
    };
    console.log(JSON.stringify(report, null, 2));
  }, 600_000);
});
