// In-memory EngineStore for conversation tests: the same port semantics as src/db/engine-store.ts
// (dedupe, one transaction at a time per store, rollback on failure) without a database, so
// journeys can be tested as events in -> replies and records out in milliseconds.
import { StoreUnavailableError } from "../../src/engine/errors.js";
import type { ChannelName } from "../../src/engine/events.js";
import type {
  AccountRecord,
  ConversationRecord,
  EngineStore,
  EngineTx,
  KnownOutageRecord,
  OutageReportRecord,
  QueueDayRecord,
  ReadingRecord,
  ScheduleSubscriptionRecord,
  ServiceOrderRecord,
  UserStatus,
  VerificationMethod,
} from "../../src/engine/ports.js";
import type { Language } from "../../src/engine/replies.js";
import { checkedOptionChange, subscriptionOptionsSchema } from "../../src/engine/schedule-subscriptions.js";
import { addressKey } from "../../src/schedules/address-key.js";
import type { OutageMode, QueueInfo } from "../../src/schedules/types.js";

export interface MemoryUser {
  id: number;
  address: string;
  channel: ChannelName;
  telegramChatId: bigint | null;
  viberUserId: string | null;
  language: Language;
  status: UserStatus;
  remindersEnabled: boolean;
  phone: string | null;
  phoneProven: boolean;
  lastInboundAt: Date | null;
  state: unknown;
  stateVersion: number;
  stateUpdatedAt: Date;
}

export interface MemoryData {
  processedUpdates: string[];
  users: MemoryUser[];
  accounts: AccountRecord[];
  links: { id: number; userId: number; accountId: number; label: string; verifiedBy: VerificationMethod }[];
  attempts: {
    id: number;
    userId: number;
    method: VerificationMethod;
    success: boolean;
    accountNumber: string | null;
    createdAt: Date;
  }[];
  readings: (ReadingRecord & { userId: number | null })[];
  outageReports: (OutageReportRecord & { userId: number | null })[];
  knownOutages: (KnownOutageRecord & { areaCodes: string[]; resolvedAt: Date | null })[];
  outageWatches: { id: number; outageId: number; userId: number; accountId: number; createdAt: Date }[];
  serviceOrders: (ServiceOrderRecord & { userId: number | null })[];
  queues: QueueInfo[];
  /** Every published queue-day, all versions (the newest per queue and date is in force). */
  scheduleDays: QueueDayRecord[];
  modes: { mode: OutageMode; message: string | null; since: Date }[];
  addresses: { settlement: string; street: string; building: string; queue: string }[];
  follows: { userId: number; queue: string; label: string | null; createdAt: Date }[];
  subscriptions: (Omit<ScheduleSubscriptionRecord, "queueName"> & { userId: number; createdAt: Date })[];
  handoffs: MemoryHandoff[];
  handoffMessages: {
    id: number;
    conversationId: number;
    author: "customer" | "operator" | "system";
    text: string | null;
    photoRef: string | null;
    createdAt: Date;
  }[];
  nextId: number;
}

export interface MemoryHandoff {
  id: number;
  userId: number;
  status: "waiting" | "active" | "closed";
  createdAt: Date;
  firstAnswerAt: Date | null;
  closedAt: Date | null;
  closedBy: "customer" | "operator" | null;
}

/** The twelve queues the migration seeds. */
export const DEFAULT_QUEUES: QueueInfo[] = ["1", "2", "3", "4", "5", "6"].flatMap((group) =>
  ["1", "2"].map((sub) => ({ code: `${group}.${sub}`, name: `Черга ${group}.${sub}` })),
);

function emptyData(): MemoryData {
  return {
    processedUpdates: [],
    users: [],
    accounts: [],
    links: [],
    attempts: [],
    readings: [],
    outageReports: [],
    knownOutages: [],
    outageWatches: [],
    serviceOrders: [],
    queues: DEFAULT_QUEUES.map((queue) => ({ ...queue })),
    scheduleDays: [],
    modes: [],
    addresses: [],
    follows: [],
    subscriptions: [],
    handoffs: [],
    handoffMessages: [],
    nextId: 1,
  };
}

export type AccountSeed = Partial<AccountRecord> & { number: string };

export class MemoryStore implements EngineStore {
  data: MemoryData = emptyData();
  /** When set, every transaction fails as if the database were down. */
  unavailable = false;
  private queue: Promise<unknown> = Promise.resolve();

  private id(): number {
    const id = this.data.nextId;
    this.data.nextId += 1;
    return id;
  }

  addAccount(seed: AccountSeed): AccountRecord {
    const account: AccountRecord = {
      id: this.id(),
      holderName: "Шевченко Тарас Григорович",
      phones: ["380671234567"],
      settlement: "Дніпро",
      street: "вул. Січеславська",
      building: "10",
      apartment: "5",
      areaCode: "DNP-01",
      meterSerial: "AB123456",
      meterDigits: 6,
      zones: 1,
      outageQueue: null,
      avgDailyKwh: null,
      ...seed,
    };
    this.data.accounts.push(account);
    return account;
  }

  addReading(
    seed: Partial<ReadingRecord> & { accountId: number; period: string; t1: number; takenAt: Date },
  ): ReadingRecord {
    const reading = {
      id: this.id(),
      t2: null,
      t3: null,
      source: "billing" as const,
      status: "accepted" as const,
      flagReason: null,
      photoRef: null,
      inWindow: true,
      userId: null,
      ...seed,
    };
    this.data.readings.push(reading);
    return reading;
  }

  addKnownOutage(
    seed: Partial<KnownOutageRecord> & { areaCodes: string[]; startsAt: Date; resolvedAt?: Date | null },
  ): KnownOutageRecord {
    const outage = {
      id: this.id(),
      kind: "emergency" as const,
      expectedEndAt: null,
      note: null,
      resolvedAt: null,
      ...seed,
    };
    this.data.knownOutages.push(outage);
    return outage;
  }

  /** Publishes queue-days as one new version (like the operator API); returns the version. */
  publishSchedule(days: { queue: string; date: string; slots: QueueDayRecord["slots"] }[], at: Date): number {
    const version = this.id();
    for (const day of days) {
      this.data.scheduleDays.push({ ...day, slots: [...day.slots], version, publishedAt: at });
    }
    return version;
  }

  setOutageMode(mode: OutageMode, message: string | null, since: Date): void {
    this.data.modes.push({ mode, message, since });
  }

  addAddress(entry: { settlement: string; street: string; building: string; queue: string }): void {
    this.data.addresses.push(entry);
  }

  userByAddress(address: string): MemoryUser | undefined {
    return this.data.users.find((user) => user.address === address);
  }

  transaction<T>(fn: (tx: EngineTx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.unavailable) throw new StoreUnavailableError("memory store is unavailable");
      const snapshot = structuredClone(this.data);
      try {
        return await fn(this.createTx());
      } catch (error) {
        this.data = snapshot;
        throw error;
      }
    };
    // One transaction at a time: the conversation lock of the real store, simplified.
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private createTx(): EngineTx {
    const data = (): MemoryData => this.data;
    const counting = (reading: ReadingRecord): boolean => reading.status !== "superseded";
    const newestFirst = (a: ReadingRecord, b: ReadingRecord): number =>
      b.takenAt.getTime() - a.takenAt.getTime() || b.id - a.id;
    const copyAccount = (account: AccountRecord): AccountRecord => ({
      ...account,
      phones: [...account.phones],
    });
    // A subscription with its queue's name; none when the queue is gone (the table's cascade).
    const subscriptionRecord = (entry: MemoryData["subscriptions"][number]): ScheduleSubscriptionRecord[] => {
      const queue = data().queues.find((candidate) => candidate.code === entry.queue);
      if (!queue) return [];
      const { userId: _user, createdAt: _created, ...rest } = entry;
      return [{ ...rest, queueName: queue.name }];
    };
    return {
      open: async (update, input): Promise<ConversationRecord | null> => {
        const key = `${update.channel}:${update.updateId}`;
        if (data().processedUpdates.includes(key)) return null;
        data().processedUpdates.push(key);
        let user = data().users.find((candidate) => candidate.address === input.address);
        const created = !user;
        if (!user) {
          user = {
            id: this.id(),
            address: input.address,
            channel: input.channel,
            telegramChatId: input.telegramChatId ?? null,
            viberUserId: input.viberUserId ?? null,
            language: input.language,
            status: "active",
            remindersEnabled: true,
            phone: null,
            phoneProven: false,
            lastInboundAt: input.now,
            state: {},
            stateVersion: 0,
            stateUpdatedAt: input.now,
          };
          data().users.push(user);
        } else {
          user.lastInboundAt = input.now;
          user.telegramChatId = input.telegramChatId ?? user.telegramChatId;
          user.viberUserId = input.viberUserId ?? user.viberUserId;
        }
        return {
          userId: user.id,
          created,
          language: user.language,
          status: user.status,
          remindersEnabled: user.remindersEnabled,
          phone: user.phone,
          phoneProven: user.phoneProven,
          state: structuredClone(user.state),
          stateVersion: user.stateVersion,
          stateUpdatedAt: user.stateUpdatedAt,
        };
      },
      saveConversation: async (userId, update) => {
        const user = data().users.find((candidate) => candidate.id === userId);
        if (!user) throw new Error(`no user ${userId}`);
        Object.assign(user, structuredClone(update));
      },
      accounts: {
        findByNumber: async (number) => {
          const account = data().accounts.find((candidate) => candidate.number === number);
          return account ? copyAccount(account) : null;
        },
      },
      links: {
        listForUser: async (userId) =>
          data()
            .links.filter((link) => link.userId === userId)
            .sort((a, b) => a.id - b.id)
            .flatMap((link) => {
              const account = data().accounts.find((candidate) => candidate.id === link.accountId);
              return account ? [{ linkId: link.id, label: link.label, account: copyAccount(account) }] : [];
            }),
        link: async (input) => {
          const existing = data().links.find(
            (link) => link.userId === input.userId && link.accountId === input.accountId,
          );
          if (existing) return { linkId: existing.id, existed: true };
          const id = this.id();
          data().links.push({ id, ...input });
          return { linkId: id, existed: false };
        },
        rename: async (userId, accountId, label) => {
          for (const link of data().links)
            if (link.userId === userId && link.accountId === accountId) link.label = label;
        },
        unlink: async (userId, accountId) => {
          data().links = data().links.filter(
            (link) => !(link.userId === userId && link.accountId === accountId),
          );
        },
      },
      verificationAttempts: {
        failuresSince: async (userId, since) =>
          data()
            .attempts.filter(
              (attempt) => attempt.userId === userId && !attempt.success && attempt.createdAt >= since,
            )
            .map((attempt) => attempt.createdAt)
            .sort((a, b) => a.getTime() - b.getTime()),
        record: async (input) => {
          data().attempts.push({
            id: this.id(),
            userId: input.userId,
            method: input.method,
            success: input.success,
            accountNumber: input.accountNumber,
            createdAt: input.at,
          });
        },
      },
      readings: {
        latest: async (accountId, limit) =>
          data()
            .readings.filter((reading) => reading.accountId === accountId && counting(reading))
            .sort(newestFirst)
            .slice(0, limit)
            .map((reading) => ({ ...reading })),
        submit: async (input) => {
          let replaced = 0;
          for (const reading of data().readings) {
            if (
              reading.accountId === input.accountId &&
              reading.period === input.period &&
              counting(reading)
            ) {
              reading.status = "superseded";
              replaced += 1;
            }
          }
          const reading = {
            id: this.id(),
            ...input,
            status: input.flagReason ? ("flagged" as const) : ("accepted" as const),
          };
          data().readings.push(reading);
          return { reading: { ...reading }, replaced };
        },
      },
      outageReports: {
        findOpenForAccount: async (accountId) =>
          data().outageReports.find(
            (report) =>
              report.accountId === accountId &&
              (report.status === "received" || report.status === "crew_dispatched"),
          ) ?? null,
        create: async (input) => {
          const report = {
            id: this.id(),
            accountId: input.accountId,
            userId: input.userId,
            scope: input.scope,
            status: "received" as const,
            expectedRestoreAt: null,
            comment: null,
            createdAt: input.at,
          };
          data().outageReports.push(report);
          return { ...report };
        },
        listOpenForAccounts: async (accountIds) =>
          data().outageReports.filter(
            (report) =>
              accountIds.includes(report.accountId) &&
              (report.status === "received" || report.status === "crew_dispatched"),
          ),
      },
      knownOutages: {
        findActiveForArea: async (areaCode, now) =>
          data()
            .knownOutages.filter(
              (outage) =>
                outage.areaCodes.includes(areaCode) && outage.resolvedAt === null && outage.startsAt <= now,
            )
            .sort((a, b) => b.startsAt.getTime() - a.startsAt.getTime())[0] ?? null,
      },
      outageWatches: {
        watch: async (input) => {
          const exists = data().outageWatches.some(
            (watch) =>
              watch.outageId === input.outageId &&
              watch.userId === input.userId &&
              watch.accountId === input.accountId,
          );
          if (!exists) {
            data().outageWatches.push({
              id: this.id(),
              outageId: input.outageId,
              userId: input.userId,
              accountId: input.accountId,
              createdAt: input.at,
            });
          }
        },
      },
      serviceOrders: {
        create: async (input) => {
          const order = {
            id: this.id(),
            accountId: input.accountId,
            userId: input.userId,
            type: input.type,
            description: input.description,
            photoRef: input.photoRef,
            preferredDate: input.preferredDate,
            contactPhone: input.contactPhone,
            status: "received" as const,
            visitFrom: null,
            visitTo: null,
            comment: null,
            createdAt: input.at,
          };
          data().serviceOrders.push(order);
          return { ...order };
        },
        listOpenForAccounts: async (accountIds) =>
          data().serviceOrders.filter(
            (order) =>
              accountIds.includes(order.accountId) &&
              (order.status === "received" || order.status === "scheduled" || order.status === "in_progress"),
          ),
      },
      schedules: {
        queues: async () => data().queues.map((queue) => ({ ...queue })),
        days: async (queue, dates) =>
          dates.flatMap((date) => {
            const versions = data().scheduleDays.filter((day) => day.queue === queue && day.date === date);
            const newest = versions.sort((a, b) => b.version - a.version)[0];
            return newest ? [{ ...newest, slots: [...newest.slots] }] : [];
          }),
        mode: async () => {
          const newest = data().modes.at(-1);
          return newest ? { ...newest } : { mode: "schedules", message: null, since: null };
        },
        followed: async (userId) =>
          data()
            .follows.filter((follow) => follow.userId === userId)
            .map((follow) => ({ queue: follow.queue, label: follow.label })),
        follow: async (input) => {
          const existing = data().follows.find((f) => f.userId === input.userId && f.queue === input.queue);
          if (existing) existing.label = input.label;
          else
            data().follows.push({
              userId: input.userId,
              queue: input.queue,
              label: input.label,
              createdAt: input.at,
            });
        },
        unfollow: async (userId, queue) => {
          data().follows = data().follows.filter((f) => !(f.userId === userId && f.queue === queue));
        },
      },
      scheduleSubscriptions: {
        list: async (userId) =>
          data()
            .subscriptions.filter((entry) => entry.userId === userId)
            .flatMap((entry) => subscriptionRecord(entry)),
        get: async (userId, queue) => {
          const entry = data().subscriptions.find((s) => s.userId === userId && s.queue === queue);
          return entry ? (subscriptionRecord(entry)[0] ?? null) : null;
        },
        upsert: async (input) => {
          const options = subscriptionOptionsSchema.parse(input.options);
          if (!data().queues.some((queue) => queue.code === input.queue)) return null;
          let entry = data().subscriptions.find((s) => s.userId === input.userId && s.queue === input.queue);
          if (entry) Object.assign(entry, options, { label: input.label });
          else {
            entry = {
              userId: input.userId,
              queue: input.queue,
              label: input.label,
              ...options,
              createdAt: input.at,
            };
            data().subscriptions.push(entry);
          }
          return subscriptionRecord(entry)[0] ?? null;
        },
        update: async (input) => {
          const change = checkedOptionChange(input.options);
          const entry = data().subscriptions.find(
            (s) => s.userId === input.userId && s.queue === input.queue,
          );
          if (!entry) return null;
          Object.assign(entry, change);
          return subscriptionRecord(entry)[0] ?? null;
        },
        remove: async (userId, queue) => {
          const before = data().subscriptions.length;
          data().subscriptions = data().subscriptions.filter(
            (s) => !(s.userId === userId && s.queue === queue),
          );
          return data().subscriptions.length < before;
        },
      },
      addresses: {
        settlements: async () => [...new Set(data().addresses.map((a) => a.settlement))],
        streets: async (settlement) => [
          ...new Set(
            data()
              .addresses.filter((a) => addressKey(a.settlement) === addressKey(settlement))
              .map((a) => a.street),
          ),
        ],
        buildings: async (settlement, street) =>
          data()
            .addresses.filter(
              (a) =>
                addressKey(a.settlement) === addressKey(settlement) &&
                addressKey(a.street) === addressKey(street),
            )
            .map((a) => ({ building: a.building, queue: a.queue })),
      },
      handoff: {
        current: async (userId) => {
          const open = data().handoffs.find((h) => h.userId === userId && h.status !== "closed");
          return open
            ? { id: open.id, status: open.status as "waiting" | "active", createdAt: open.createdAt }
            : null;
        },
        open: async ({ userId, at }) => {
          let open = data().handoffs.find((h) => h.userId === userId && h.status !== "closed");
          if (!open) {
            open = {
              id: this.id(),
              userId,
              status: "waiting",
              createdAt: at,
              firstAnswerAt: null,
              closedAt: null,
              closedBy: null,
            };
            data().handoffs.push(open);
          }
          return { id: open.id, status: open.status as "waiting" | "active", createdAt: open.createdAt };
        },
        append: async (input) => {
          data().handoffMessages.push({
            id: this.id(),
            conversationId: input.conversationId,
            author: input.author,
            text: input.text,
            photoRef: input.photoRef,
            createdAt: input.at,
          });
        },
        close: async ({ conversationId, at }) => {
          const handoff = data().handoffs.find((h) => h.id === conversationId);
          if (handoff && handoff.status !== "closed") {
            handoff.status = "closed";
            handoff.closedAt = at;
            handoff.closedBy = "customer";
          }
        },
        queueStats: async ({ sample, since }) => {
          const waiting = data().handoffs.filter((h) => h.status === "waiting").length;
          const answered = data()
            .handoffs.filter((h) => h.firstAnswerAt !== null && h.firstAnswerAt >= since)
            .sort((a, b) => (b.firstAnswerAt?.getTime() ?? 0) - (a.firstAnswerAt?.getTime() ?? 0))
            .slice(0, sample)
            .map((h) => ((h.firstAnswerAt?.getTime() ?? 0) - h.createdAt.getTime()) / 1000)
            .sort((a, b) => a - b);
          const mid = Math.floor(answered.length / 2);
          const median =
            answered.length === 0
              ? null
              : answered.length % 2 === 1
                ? (answered[mid] ?? 0)
                : ((answered[mid - 1] ?? 0) + (answered[mid] ?? 0)) / 2;
          return { waiting, medianFirstAnswerSeconds: median, answered: answered.length };
        },
      },
    };
  }
}
