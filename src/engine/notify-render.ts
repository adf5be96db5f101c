// Renders a proactive Notification (status changes, outage news, reading reminders) as a Reply in
// the user's language. Called by the outbound queue at send time, so a language change made after
// enqueueing still applies. Buttons carry global choice ids: they work whatever the user is doing.
import { showInstant, showPeriod } from "./calendar.js";
import { GLOBAL_CHOICES, submitReadingChoice } from "./global-choices.js";
import { orderStatusKey, outageStatusKey } from "./flows/my-requests.js";
import { t } from "./i18n/index.js";
import type { Notification } from "./notifications.js";
import { isScheduleNotification, renderScheduleNotification } from "./notify-render-schedule.js";
import type { Choice, Language, Reply } from "./replies.js";

export function renderNotification(language: Language, notification: Notification, now = new Date()): Reply {
  if (isScheduleNotification(notification)) return renderScheduleNotification(language, notification, now);
  const time = (iso: string): string => showInstant(new Date(iso));
  const myRequests: Choice[] = [{ id: GLOBAL_CHOICES.myRequests, label: t(language, "notify.myRequests") }];
  switch (notification.kind) {
    case "outage_report_status": {
      const lines = [
        t(language, "notify.outageStatus", {
          label: notification.accountLabel,
          id: notification.reportId,
          status: t(language, outageStatusKey[notification.status]),
        }),
      ];
      if (
        notification.expectedRestoreAt &&
        notification.status !== "restored" &&
        notification.status !== "cancelled"
      ) {
        lines.push(t(language, "notify.expectedRestore", { time: time(notification.expectedRestoreAt) }));
      }
      if (notification.comment)
        lines.push(t(language, "requests.comment", { comment: notification.comment }));
      return { text: lines.join("\n"), choices: [myRequests], attached: true };
    }
    case "service_order_status": {
      const lines = [
        t(language, "notify.orderStatus", {
          label: notification.accountLabel,
          id: notification.orderId,
          status: t(language, orderStatusKey[notification.status]),
        }),
      ];
      if (notification.visitFrom && notification.visitTo) {
        lines.push(
          t(language, "requests.visit", {
            from: time(notification.visitFrom),
            to: time(notification.visitTo),
          }),
        );
      }
      if (notification.comment)
        lines.push(t(language, "requests.comment", { comment: notification.comment }));
      return { text: lines.join("\n"), choices: [myRequests], attached: true };
    }
    case "known_outage_update": {
      const label = notification.accountLabel;
      let text: string;
      if (notification.change === "resolved") text = t(language, "notify.powerBack", { label });
      else if (notification.expectedEndAt) {
        text = t(language, "notify.outageNewTime", { label, time: time(notification.expectedEndAt) });
      } else text = t(language, "notify.outageTimeUnknown", { label });
      return { text, attached: true };
    }
    case "reading_review": {
      const params = { label: notification.accountLabel, period: showPeriod(notification.period) };
      if (notification.decision === "accepted") {
        return { text: t(language, "notify.readingAccepted", params), attached: true };
      }
      const lines = [t(language, "notify.readingRejected", params)];
      if (notification.reason)
        lines.push(t(language, "notify.readingRejectedReason", { reason: notification.reason }));
      lines.push(t(language, "notify.readingAgain"));
      const choices: Choice[][] = [
        [
          {
            id: submitReadingChoice(notification.accountId),
            label: t(language, "notify.submitFor", { label: notification.accountLabel }),
          },
        ],
      ];
      return { text: lines.join("\n"), choices, attached: true };
    }
    case "reading_reminder": {
      const period = showPeriod(notification.period);
      const head = t(
        language,
        notification.reminder === "window_open" ? "notify.reminderWindowOpen" : "notify.reminderLastDay",
        {
          period,
        },
      );
      const lines = notification.accounts.map((account) =>
        t(language, "notify.reminderAccount", { label: account.label }),
      );
      const choices: Choice[][] = notification.accounts.map((account) => [
        {
          id: submitReadingChoice(account.accountId),
          label: t(language, "notify.submitFor", { label: account.label }),
        },
      ]);
      choices.push([{ id: GLOBAL_CHOICES.stopReminders, label: t(language, "notify.stopReminders") }]);
      return { text: [head, ...lines].join("\n"), choices, attached: true };
    }
    case "handoff_reply": {
      const lines = notification.text
        ? [t(language, "notify.handoffReply", { text: notification.text })]
        : [];
      if (notification.photoId) {
        return {
          text: (lines.length > 0 ? lines : [t(language, "notify.handoffPhotoOnly")]).join("\n"),
          attached: true,
          photo: {
            id: notification.photoId,
            alt: t(language, "notify.handoffPhotoAlt"),
            unshown: t(language, "notify.handoffPhotoUnshown"),
          },
        };
      }
      // Queued before photos went as pictures: the link it was enqueued with.
      if (notification.photoUrl)
        lines.push(t(language, "notify.handoffPhoto", { url: notification.photoUrl }));
      return { text: lines.join("\n"), attached: true };
    }
    case "handoff_closed": {
      const lines = [t(language, "notify.handoffClosed")];
      if (notification.resolution) {
        lines.push(t(language, "notify.handoffResolution", { resolution: notification.resolution }));
      }
      const menu: Choice[][] = [[{ id: GLOBAL_CHOICES.menu, label: t(language, "nav.menu") }]];
      return { text: lines.join("\n"), choices: menu, attached: true };
    }
  }
}
