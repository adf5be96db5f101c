// Shared by the outbound tests: seeding users/accounts, a recording ChannelSender with scripted
// outcomes, and settings with short timings.
import { pino } from "pino";
import { Registry } from "prom-client";
import type { ChannelSender, SendOutcome } from "../../src/channels/channel.js";
import type { Address, ChannelName } from "../../src/engine/events.js";
import type { Reply } from "../../src/engine/replies.js";
import type { PrismaClient } from "../../src/generated/prisma/client.js";
import { defaultQueueSettings, type OutboundSettings } from "../../src/jobs/outbound-settings.js";
import { pollUntil } from "../helpers/until.js";

export const silentLogger = pino({ level: "silent" });

export function testSettings(overrides: Partial<OutboundSettings["queue"]> = {}): OutboundSettings {
  return {
    reminders: {
      enabled: false,
      windowOpenTime: "10:00",
      lastDayTime: "10:00",
      quietHours: { from: "21:00", to: "09:00" },
      viberSkipOutsideFreeWindow: false,
      batchSize: 50,
    },
    quietHoursForNotifications: false,
    platformLimits: {},
    chatLimits: {},
    queue: {
      ...defaultQueueSettings(),
      concurrency: 8,
      retryLimit: 2,
      retryDelaySeconds: 1,
      expireInSeconds: 4,
      sendTimeoutMs: 1_000,
      pollIntervalMs: 100,
      maintenanceIntervalSeconds: 1,
      ...overrides,
    },
    tickCron: "* * * * *",
  };
}

export function testMetrics() {
  return { registry: new Registry() };
}

export interface SentRecord {
  address: Address;
  replies: Reply[];
  at: number;
}

/** A ChannelSender that records every call and answers with scripted outcomes (default: sent). */
export function recordingSender(
  channel: ChannelName,
  script: (address: Address, call: number) => SendOutcome | Promise<SendOutcome> = () => ({
    kind: "sent",
    messages: 1,
  }),
): ChannelSender & { sent: SentRecord[]; calls: Map<Address, number> } {
  const sent: SentRecord[] = [];
  const calls = new Map<Address, number>();
  return {
    channel,
    sent,
    calls,
    async send(address, replies) {
      const call = (calls.get(address) ?? 0) + 1;
      calls.set(address, call);
      const outcome = await script(address, call);
      if (outcome.kind === "sent") sent.push({ address, replies, at: Date.now() });
      return outcome;
    },
  };
}

let accountSeq = 0;

/** Inserts a messenger user and optionally linked accounts; returns ids. */
export async function seedUser(
  prisma: PrismaClient,
  options: {
    channel?: ChannelName;
    status?: "active" | "blocked" | "unsubscribed";
    remindersEnabled?: boolean;
    language?: "uk" | "en";
    lastInboundAt?: Date | null;
    accounts?: string[];
  } = {},
): Promise<{ userId: number; address: string; accountIds: number[] }> {
  const channel = options.channel ?? "telegram";
  const n = ++accountSeq;
  const address = `${channel}:${1000 + n}${Math.floor(Math.random() * 1e6)}`;
  const user = await prisma.messengerUser.create({
    data: {
      address,
      channel,
      status: options.status ?? "active",
      remindersEnabled: options.remindersEnabled ?? true,
      language: options.language ?? "uk",
      lastInboundAt: options.lastInboundAt === undefined ? new Date() : options.lastInboundAt,
    },
  });
  const accountIds: number[] = [];
  for (const label of options.accounts ?? []) {
    const number = `${Date.now() % 1e6}${++accountSeq}`.slice(-12);
    const account = await prisma.account.create({
      data: {
        number,
        holderName: "Test Holder",
        phones: [],
        settlement: "Дніпро",
        street: "Test",
        building: "1",
        areaCode: "DNI-1",
        meterSerial: `S${number}`,
        meterDigits: 6,
        zones: 1,
      },
    });
    await prisma.accountLink.create({
      data: { userId: user.id, accountId: account.id, label, verifiedBy: "phone" },
    });
    accountIds.push(account.id);
  }
  return { userId: user.id, address, accountIds };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function until<T>(
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  pollMs = 50,
): Promise<T> {
  // Any falsy value keeps polling here (a count of 0 too).
  return pollUntil(async () => (await probe()) || undefined, { timeoutMs, pollMs });
}
