// A conversation under test: one address talking to an engine over the in-memory store with a
// pinned, movable clock. Each helper sends one event with a fresh update id and returns the result.
import { createEngine, type Engine } from "../../src/engine/engine.js";
import type { ChannelName, InboundEvent } from "../../src/engine/events.js";
import type { HandleResult, Reply } from "../../src/engine/replies.js";
import { defaultEngineSettings, type EngineSettings } from "../../src/engine/settings.js";
import { MemoryStore } from "../fakes/memory-store.js";

export class PinnedClock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(iso: string): void {
    this.current = new Date(iso);
  }
  advanceMinutes(minutes: number): void {
    this.current = new Date(this.current.getTime() + minutes * 60_000);
  }
}

let updateCounter = 0;

export class Conversation {
  last: HandleResult | null = null;
  constructor(
    readonly engine: Engine,
    readonly store: MemoryStore,
    readonly clock: PinnedClock,
    readonly address: string,
    readonly channel: ChannelName = "telegram",
    readonly languageCode = "uk",
  ) {}

  async send(event: InboundEvent, updateId = `u${++updateCounter}`): Promise<HandleResult> {
    this.last = await this.engine.handle(this.address, event, {
      channel: this.channel,
      updateId,
      languageCode: this.languageCode,
    });
    return this.last;
  }
  start(): Promise<HandleResult> {
    return this.send({ type: "start" });
  }
  text(text: string): Promise<HandleResult> {
    return this.send({ type: "text", text });
  }
  choose(id: string): Promise<HandleResult> {
    return this.send({ type: "choice", id });
  }
  contact(phone: string, provenOwn = true): Promise<HandleResult> {
    return this.send({ type: "contact", phone, provenOwn });
  }
  photo(ref: string, caption?: string): Promise<HandleResult> {
    return this.send(caption === undefined ? { type: "photo", ref } : { type: "photo", ref, caption });
  }

  /** The text of the last reply. */
  get reply(): Reply {
    const replies = this.last?.replies ?? [];
    const reply = replies[replies.length - 1];
    if (!reply) throw new Error("no reply");
    return reply;
  }
  get text_(): string {
    return this.reply.text;
  }
  /** Ids of the buttons of the last reply, row by row flattened. */
  get choiceIds(): string[] {
    return (this.reply.choices ?? []).flat().map((choice) => choice.id);
  }
  label(id: string): string {
    const choice = (this.reply.choices ?? []).flat().find((candidate) => candidate.id === id);
    if (!choice) throw new Error(`no choice ${id} in ${JSON.stringify(this.reply.choices)}`);
    return choice.label;
  }
  get user() {
    const user = this.store.userByAddress(this.address);
    if (!user) throw new Error("no user row");
    return user;
  }
  get stepName(): string {
    return (this.user.state as { step: { name: string } }).step.name;
  }
}

export interface Setup {
  store: MemoryStore;
  clock: PinnedClock;
  engine: Engine;
  settings: EngineSettings;
  conversation(address?: string, options?: { channel?: ChannelName; languageCode?: string }): Conversation;
}

export function setup(now = "2026-11-30T10:00:00Z", overrides: Partial<EngineSettings> = {}): Setup {
  const store = new MemoryStore();
  const clock = new PinnedClock(new Date(now));
  const settings = { ...defaultEngineSettings, ...overrides };
  const engine = createEngine({ store, clock, settings });
  return {
    store,
    clock,
    engine,
    settings,
    conversation: (address = "telegram:100", options = {}) =>
      new Conversation(
        engine,
        store,
        clock,
        address,
        options.channel ?? "telegram",
        options.languageCode ?? "uk",
      ),
  };
}

/** A two-zone account with a year of monthly billing readings (≈ 200 kWh day + 100 kWh night a month). */
export function seedAccount(
  store: MemoryStore,
  overrides: Parameters<MemoryStore["addAccount"]>[0] = { number: "1234567890" },
) {
  const account = store.addAccount({ zones: 2, meterDigits: 5, ...overrides });
  for (let month = 0; month < 12; month += 1) {
    const date = new Date(Date.UTC(2025, 11 + month, 1, 9));
    const period = `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, "0")}`;
    store.addReading({
      accountId: account.id,
      period,
      t1: 10_000 + month * 200,
      t2: account.zones >= 2 ? 5_000 + month * 100 : null,
      t3: account.zones >= 3 ? 2_000 + month * 50 : null,
      takenAt: date,
    });
  }
  return account;
}

/** Links the account through the phone path and names it. */
export async function linkByPhone(
  conversation: Conversation,
  accountNumber = "1234567890",
  label = "lbl:flat",
): Promise<void> {
  await conversation.start();
  await conversation.contact("+380671234567", true);
  await conversation.text(accountNumber);
  await conversation.choose(label);
}
