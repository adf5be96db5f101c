// The storage and time ports the engine talks to. src/db/engine-store-pg.ts implements them on
// Postgres (node-postgres) and test/fakes/memory-store.ts in memory; the engine sees neither.
// Everything an update touches happens inside one EngineStore.transaction so a failure changes nothing.
import type { ChannelName } from "./events.js";
import type { Language } from "./replies.js";
import type { DaySlots, OutageMode, QueueInfo } from "../schedules/types.js";

export interface Clock {
  now(): Date;
}

export type UserStatus = "active" | "blocked" | "unsubscribed";
export type VerificationMethod = "phone" | "serial_surname" | "operator";
export type ReadingSource = "billing" | "telegram" | "viber" | "web" | "operator";
export type ReadingStatus = "accepted" | "flagged" | "superseded";
export type OutageScope = "home" | "building" | "street";
export type OutageReportStatus = "received" | "crew_dispatched" | "restored" | "cancelled";
export type OutageKind = "planned" | "emergency";
export type ServiceType = "meter_replacement" | "meter_setup" | "sealing" | "unsealing" | "meter_fault";
export type ServiceOrderStatus = "received" | "scheduled" | "in_progress" | "done" | "cancelled";

/** The conversation row (messenger_user), locked for the rest of the transaction. */
export interface ConversationRecord {
  userId: number;
  /** True when this update created the row. */
  created: boolean;
  language: Language;
  status: UserStatus;
  remindersEnabled: boolean;
  phone: string | null;
  phoneProven: boolean;
  state: unknown;
  stateVersion: number;
  stateUpdatedAt: Date;
  /** Updates from this address in the current flood window, this one included (absent: not counted). */
  recentUpdates?: number;
}

/** The platform's id of an inbound update: the key that makes handling it exactly-once. */
export interface UpdateClaim {
  channel: ChannelName;
  updateId: string;
  now: Date;
}

export interface OpenConversationInput {
  address: string;
  channel: ChannelName;
  /** Language for a new row only; an existing row keeps its own. */
  language: Language;
  telegramChatId?: bigint;
  viberUserId?: string;
  now: Date;
  /** Length of the flood window: the counter restarts when the window started longer ago. */
  floodWindowSeconds?: number;
  /**
   * The update opens the outage-schedule view: a store may read what the view needs (the mode, the
   * saved queues, these Kyiv dates of the queues of the person's accounts and saved queues) together
   * with the conversation, instead of in a round trip of their own. A hint only: the answers are
   * the same without it.
   */
  scheduleView?: { dates: string[] };
}

/** Everything the engine writes back to the conversation row after a step. */
export interface ConversationUpdate {
  language: Language;
  status: UserStatus;
  remindersEnabled: boolean;
  phone: string | null;
  phoneProven: boolean;
  state: unknown;
  stateVersion: number;
  stateUpdatedAt: Date;
}

export interface AccountRecord {
  id: number;
  number: string;
  holderName: string;
  phones: string[];
  settlement: string;
  street: string;
  building: string;
  apartment: string | null;
  areaCode: string;
  meterSerial: string;
  meterDigits: number;
  zones: number;
  /** Outage-schedule queue code ("3.2") from billing, or null when unknown. */
  outageQueue: string | null;
  /** Billing's average daily consumption in kWh (what a forecast bill uses), or null when unknown. */
  avgDailyKwh: number | null;
}

export interface LinkedAccount {
  linkId: number;
  label: string;
  account: AccountRecord;
}

export interface ReadingRecord {
  id: number;
  accountId: number;
  period: string;
  t1: number;
  t2: number | null;
  t3: number | null;
  takenAt: Date;
  source: ReadingSource;
  status: ReadingStatus;
  flagReason: string | null;
  photoRef: string | null;
  inWindow: boolean;
}

export interface NewReading {
  accountId: number;
  userId: number;
  period: string;
  t1: number;
  t2: number | null;
  t3: number | null;
  takenAt: Date;
  source: ReadingSource;
  flagReason: string | null;
  photoRef: string | null;
  inWindow: boolean;
}

export interface OutageReportRecord {
  id: number;
  accountId: number;
  scope: OutageScope;
  status: OutageReportStatus;
  expectedRestoreAt: Date | null;
  comment: string | null;
  createdAt: Date;
}

export interface KnownOutageRecord {
  id: number;
  kind: OutageKind;
  startsAt: Date;
  expectedEndAt: Date | null;
  note: string | null;
}

export interface ServiceOrderRecord {
  id: number;
  accountId: number;
  type: ServiceType;
  description: string;
  photoRef: string | null;
  /** YYYY-MM-DD or null for "any day". */
  preferredDate: string | null;
  contactPhone: string;
  status: ServiceOrderStatus;
  visitFrom: Date | null;
  visitTo: Date | null;
  comment: string | null;
  createdAt: Date;
}

export interface NewServiceOrder {
  accountId: number;
  userId: number;
  type: ServiceType;
  description: string;
  photoRef: string | null;
  preferredDate: string | null;
  contactPhone: string;
}

/** One queue's Kyiv day as currently in force (the newest publication that changed it). */
export interface QueueDayRecord {
  queue: string;
  /** Kyiv calendar date "YYYY-MM-DD". */
  date: string;
  slots: DaySlots;
  /** The publication (version) that last changed this queue's day. */
  version: number;
  publishedAt: Date;
}

export interface OutageModeRecord {
  mode: OutageMode;
  /** The operator's message to customers, or null. */
  message: string | null;
  /** When the mode was set; null when it was never set (schedules apply). */
  since: Date | null;
}

/** A queue a person follows in the schedule view. */
export interface FollowedQueue {
  queue: string;
  /** The address they found it by, or null when picked by button. */
  label: string | null;
}

export type LeadMinutes = 0 | 15 | 30 | 60;

/** What a schedule subscription sends (see src/engine/schedule-subscriptions.ts for the rule). */
export interface SubscriptionOptions {
  /** Minutes before an off period; 0 = no warnings. */
  leadMinutes: LeadMinutes;
  /** Warn about possible ("maybe") periods too. */
  includeMaybe: boolean;
  /** Send during quiet hours too. */
  night: boolean;
  /** Say when power should be back. */
  powerBack: boolean;
}

/** A person's schedule notifications for one queue. */
export interface ScheduleSubscriptionRecord extends SubscriptionOptions {
  queue: string;
  /** The queue's configured name ("Черга 3.2"). */
  queueName: string;
  /** What notices call it (an account's label, an address), or null. */
  label: string | null;
}

export interface AddressBuilding {
  building: string;
  queue: string;
}

/** The repositories available inside one transaction. */
export interface EngineTx {
  /**
   * The update's first step: records the platform's update id and, unless it was seen before,
   * creates the conversation row if needed and locks it until the transaction ends. Null for an
   * update seen before: then nothing else may happen and nothing of this update is stored.
   * (One call so a store can send the claim, the lock and its read-ahead in one round trip.)
   */
  open(update: UpdateClaim, conversation: OpenConversationInput): Promise<ConversationRecord | null>;
  saveConversation(userId: number, update: ConversationUpdate): Promise<void>;

  accounts: {
    findByNumber(number: string): Promise<AccountRecord | null>;
  };
  links: {
    /** The user's accounts in the order they were linked. */
    listForUser(userId: number): Promise<LinkedAccount[]>;
    /** Links an account (idempotent: an existing link keeps its label); returns the link id and whether it existed. */
    link(input: {
      userId: number;
      accountId: number;
      label: string;
      verifiedBy: VerificationMethod;
    }): Promise<{ linkId: number; existed: boolean }>;
    rename(userId: number, accountId: number, label: string): Promise<void>;
    unlink(userId: number, accountId: number): Promise<void>;
  };
  verificationAttempts: {
    /** Times of failed attempts at or after `since`, oldest first. */
    failuresSince(userId: number, since: Date): Promise<Date[]>;
    record(input: {
      userId: number;
      method: VerificationMethod;
      success: boolean;
      accountNumber: string | null;
      at: Date;
    }): Promise<void>;
  };
  readings: {
    /** Readings that count (not superseded), newest first. */
    latest(accountId: number, limit: number): Promise<ReadingRecord[]>;
    /** Supersedes the counting readings of (account, period) and inserts this one. */
    submit(reading: NewReading): Promise<{ reading: ReadingRecord; replaced: number }>;
  };
  outageReports: {
    findOpenForAccount(accountId: number): Promise<OutageReportRecord | null>;
    create(input: {
      accountId: number;
      userId: number;
      scope: OutageScope;
      at: Date;
    }): Promise<OutageReportRecord>;
    listOpenForAccounts(accountIds: number[]): Promise<OutageReportRecord[]>;
  };
  knownOutages: {
    /** Unresolved outages covering the area that have started by `now`. */
    findActiveForArea(areaCode: string, now: Date): Promise<KnownOutageRecord | null>;
  };
  outageWatches: {
    /** Idempotent. */
    watch(input: { outageId: number; userId: number; accountId: number; at: Date }): Promise<void>;
  };
  serviceOrders: {
    create(input: NewServiceOrder & { at: Date }): Promise<ServiceOrderRecord>;
    listOpenForAccounts(accountIds: number[]): Promise<ServiceOrderRecord[]>;
  };
  schedules: {
    /** The configured queues, in display order. */
    queues(): Promise<QueueInfo[]>;
    /** The schedule in force for a queue on each date that has one (a date nothing was published for is absent). */
    days(queue: string, dates: string[]): Promise<QueueDayRecord[]>;
    /** The region-wide mode in force. */
    mode(): Promise<OutageModeRecord>;
    /** The queues the person follows, oldest first. */
    followed(userId: number): Promise<FollowedQueue[]>;
    /** Idempotent; a new label replaces the old one. */
    follow(input: { userId: number; queue: string; label: string | null; at: Date }): Promise<void>;
    unfollow(userId: number, queue: string): Promise<void>;
  };
  /**
   * Schedule notification subscriptions, one per (person, queue). Options outside the rule
   * (schedule-subscriptions.ts) are refused with an error, as the database refuses them.
   */
  scheduleSubscriptions: {
    /** The person's subscriptions, oldest first, with each queue's name. */
    list(userId: number): Promise<ScheduleSubscriptionRecord[]>;
    get(userId: number, queue: string): Promise<ScheduleSubscriptionRecord | null>;
    /**
     * Subscribes, or replaces the label and options of an existing subscription. Null when the
     * queue is not configured (any more): nothing is stored then.
     */
    upsert(input: {
      userId: number;
      queue: string;
      label: string | null;
      options: SubscriptionOptions;
      at: Date;
    }): Promise<ScheduleSubscriptionRecord | null>;
    /** Changes the given options; null when there is no such subscription. */
    update(input: {
      userId: number;
      queue: string;
      options: Partial<SubscriptionOptions>;
      at: Date;
    }): Promise<ScheduleSubscriptionRecord | null>;
    /** Unsubscribes; false when there was nothing to remove. */
    remove(userId: number, queue: string): Promise<boolean>;
  };
  /** The address directory (settlement, street, building -> queue), for finding a queue by address. */
  addresses: {
    /** Distinct settlement names as published. */
    settlements(): Promise<string[]>;
    /** Distinct street names of a settlement (matched by its key, see src/schedules/address-key.ts). */
    streets(settlement: string): Promise<string[]>;
    /** The buildings of a street with their queues. */
    buildings(settlement: string, street: string): Promise<AddressBuilding[]>;
  };
  /** Conversations handed to a person in the console. */
  handoff: HandoffPort;
}

export interface EngineStore {
  /**
   * Runs fn in one transaction: commits when it resolves, rolls back when it throws (and rethrows).
   * Connectivity failures surface as StoreUnavailableError.
   */
  transaction<T>(fn: (tx: EngineTx) => Promise<T>): Promise<T>;
}

/** A tiny logging interface so the engine depends on no logging library (pino fits it). */
export interface EngineLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

// ---- "Write to a person" (flows/write-to-person.ts; src/db/handoff-store-pg.ts on Postgres)

/** A customer's conversation with a person that is not closed yet. */
export interface HandoffRecord {
  id: number;
  /** waiting: nobody has taken it yet; active: an operator has. */
  status: "waiting" | "active";
  createdAt: Date;
}

/** The live queue the wait estimate is made from. */
export interface HandoffQueueStats {
  /** Conversations nobody has taken yet. */
  waiting: number;
  /** Median time to the first answer of the last `sample` answered conversations (null: none yet). */
  medianFirstAnswerSeconds: number | null;
  /** How many answered conversations the median is of. */
  answered: number;
}

export interface HandoffPort {
  /** The user's conversation with a person that is not closed, or null. */
  current(userId: number): Promise<HandoffRecord | null>;
  /** The user's open conversation, or a new waiting one (the caller holds the user's row lock). */
  open(input: { userId: number; at: Date }): Promise<HandoffRecord>;
  /** Stores a customer's (or the bot's system) message; the console sees it when the transaction commits. */
  append(input: {
    conversationId: number;
    author: "customer" | "system";
    text: string | null;
    photoRef: string | null;
    at: Date;
  }): Promise<void>;
  /** Closes it from the customer's side. */
  close(input: { conversationId: number; at: Date }): Promise<void>;
  /** The live queue: waiting count and the median first answer of the last `sample` answered since `since`. */
  queueStats(input: { sample: number; since: Date }): Promise<HandoffQueueStats>;
}
