// Proactive messages the company sends (not replies to an update). Producers (operator API,
// reminders) enqueue a Notification for a user; the outbound queue renders it in the user's current
// language with renderNotification() (in notify-render.ts, owned by the engine) and hands the Reply
// to the user's channel sender.

import type { OutageMode, SchedulePeriod } from "../schedules/types.js";

export type Notification =
  | {
      kind: "outage_report_status";
      accountLabel: string;
      reportId: number;
      status: "received" | "crew_dispatched" | "restored" | "cancelled";
      expectedRestoreAt?: string; // ISO time
      comment?: string;
    }
  | {
      kind: "service_order_status";
      accountLabel: string;
      orderId: number;
      status: "received" | "scheduled" | "in_progress" | "done" | "cancelled";
      visitFrom?: string; // ISO time
      visitTo?: string;
      comment?: string;
    }
  | {
      kind: "known_outage_update";
      accountLabel: string;
      outageId: number;
      /** resolved: power is back; expected_end_changed: new expected restoration time. */
      change: "resolved" | "expected_end_changed";
      expectedEndAt?: string;
    }
  | {
      /** An operator's decision on a reading that was flagged for review (far above the forecast). */
      kind: "reading_review";
      accountLabel: string;
      accountId: number;
      readingId: number;
      period: string; // YYYY-MM
      decision: "accepted" | "rejected";
      /** Why it was rejected, in the operator's words. */
      reason?: string;
    }
  | {
      kind: "reading_reminder";
      /** "window_open" when the window opens, "last_day" on its last day. */
      reminder: "window_open" | "last_day";
      period: string; // YYYY-MM
      accounts: { accountId: number; label: string }[];
    }
  | {
      /** A person's answer in a "Write to a person" conversation, exactly as they typed it. */
      kind: "handoff_reply";
      conversationId: number;
      text: string;
      /** A photo the operator attached: its stored id; channels show it as a picture (Reply.photo). */
      photoId?: string;
      /** Notifications queued before photos went as pictures carry a link instead; still rendered. */
      photoUrl?: string;
    }
  | {
      /** The person closed the conversation; the bot answers again. */
      kind: "handoff_closed";
      conversationId: number;
      resolution?: string;
    }
  // ---- Schedule notifications (subscriptions in schedule_subscription; planned in src/jobs)
  | {
      /**
       * A period without power (or a possible one) is about to start in the queue's schedule in force.
       * Sent `leadMinutes` before `from`, or at once when published later than that ("late, not never").
       */
      kind: "schedule_before_off";
      queue: string;
      /** The account label or address the person follows this queue for, when there is one. */
      label?: string;
      state: "off" | "maybe";
      /** ISO instants of the period (it may run past midnight into the next day's schedule). */
      from: string;
      to: string;
    }
  | {
      /**
       * A Kyiv day's schedule for the queue: published (the first the person hears of that day) or
       * changed since they were last told (debounced: one message with the final state).
       */
      kind: "schedule_day";
      queue: string;
      label?: string;
      /** YYYY-MM-DD, Kyiv. */
      date: string;
      change: "published" | "changed";
      /** The day's periods without power now, "HH:MM" Kyiv wall clock ("24:00" ends the day). */
      periods: SchedulePeriod[];
      /** What the person was told before (change "changed" only). */
      previous?: SchedulePeriod[];
    }
  | {
      /** The region-wide mode changed: emergency shutdowns announced, or schedules back / no outages. */
      kind: "schedule_mode";
      mode: OutageMode;
      /** The operator's message with the mode. */
      message?: string;
    }
  | {
      /** An off period of the queue's schedule ended: power should be back ("power back" chosen). */
      kind: "schedule_power_back";
      queue: string;
      label?: string;
      /** ISO instant the period ended. */
      at: string;
    };

/** Enqueues notifications for durable delivery (implemented by the outbound queue in src/jobs). */
export interface Notifier {
  notify(items: { userId: number; notification: Notification }[]): Promise<void>;
}
