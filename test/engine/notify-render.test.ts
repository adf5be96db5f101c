// Proactive notifications rendered in each language: texts name the account by its label, times
// are shown in Kyiv time, and buttons carry global choice ids (attached: true).
import { describe, expect, test } from "vitest";
import { GLOBAL_CHOICES, parseGlobalChoice, submitReadingChoice } from "../../src/engine/global-choices.js";
import { t } from "../../src/engine/i18n/index.js";
import { renderNotification } from "../../src/engine/notify-render.js";

describe.each(["uk", "en"] as const)("renderNotification (%s)", (language) => {
  const myRequests = [{ id: GLOBAL_CHOICES.myRequests, label: t(language, "notify.myRequests") }];

  test("outage report status with the expected restoration time and a comment", () => {
    expect(
      renderNotification(language, {
        kind: "outage_report_status",
        accountLabel: "Дача",
        reportId: 42,
        status: "crew_dispatched",
        expectedRestoreAt: "2026-11-30T15:30:00Z",
        comment: "Пошкоджено лінію",
      }),
    ).toEqual({
      text: [
        t(language, "notify.outageStatus", {
          label: "Дача",
          id: 42,
          status: t(language, "outageStatus.crew_dispatched"),
        }),
        t(language, "notify.expectedRestore", { time: "30.11.2026 17:30" }),
        t(language, "requests.comment", { comment: "Пошкоджено лінію" }),
      ].join("\n"),
      choices: [myRequests],
      attached: true,
    });
  });

  test("restored report does not repeat an expected time", () => {
    const reply = renderNotification(language, {
      kind: "outage_report_status",
      accountLabel: "Дача",
      reportId: 42,
      status: "restored",
      expectedRestoreAt: "2026-11-30T15:30:00Z",
    });
    expect(reply.text).toBe(
      t(language, "notify.outageStatus", {
        label: "Дача",
        id: 42,
        status: t(language, "outageStatus.restored"),
      }),
    );
  });

  test("service order status with the visit window", () => {
    expect(
      renderNotification(language, {
        kind: "service_order_status",
        accountLabel: "Квартира",
        orderId: 7,
        status: "scheduled",
        visitFrom: "2026-12-01T07:00:00Z",
        visitTo: "2026-12-01T09:00:00Z",
      }),
    ).toEqual({
      text: [
        t(language, "notify.orderStatus", {
          label: "Квартира",
          id: 7,
          status: t(language, "orderStatus.scheduled"),
        }),
        t(language, "requests.visit", { from: "01.12.2026 09:00", to: "01.12.2026 11:00" }),
      ].join("\n"),
      choices: [myRequests],
      attached: true,
    });
  });

  test("known outage: power back, new time, time unknown", () => {
    expect(
      renderNotification(language, {
        kind: "known_outage_update",
        accountLabel: "Будинок",
        outageId: 3,
        change: "resolved",
      }),
    ).toEqual({ text: t(language, "notify.powerBack", { label: "Будинок" }), attached: true });
    expect(
      renderNotification(language, {
        kind: "known_outage_update",
        accountLabel: "Будинок",
        outageId: 3,
        change: "expected_end_changed",
        expectedEndAt: "2026-07-01T12:00:00Z",
      }).text,
    ).toBe(t(language, "notify.outageNewTime", { label: "Будинок", time: "01.07.2026 15:00" }));
    expect(
      renderNotification(language, {
        kind: "known_outage_update",
        accountLabel: "Будинок",
        outageId: 3,
        change: "expected_end_changed",
      }).text,
    ).toBe(t(language, "notify.outageTimeUnknown", { label: "Будинок" }));
  });

  test("reading reminder: one submit button per account and a stop button", () => {
    const reply = renderNotification(language, {
      kind: "reading_reminder",
      reminder: "window_open",
      period: "2026-12",
      accounts: [
        { accountId: 11, label: "Квартира" },
        { accountId: 12, label: "Дача" },
      ],
    });
    expect(reply).toEqual({
      text: [
        t(language, "notify.reminderWindowOpen", { period: "12.2026" }),
        t(language, "notify.reminderAccount", { label: "Квартира" }),
        t(language, "notify.reminderAccount", { label: "Дача" }),
      ].join("\n"),
      choices: [
        [{ id: "g:read:11", label: t(language, "notify.submitFor", { label: "Квартира" }) }],
        [{ id: "g:read:12", label: t(language, "notify.submitFor", { label: "Дача" }) }],
        [{ id: "g:stop-reminders", label: t(language, "notify.stopReminders") }],
      ],
      attached: true,
    });
    const lastDay = renderNotification(language, {
      kind: "reading_reminder",
      reminder: "last_day",
      period: "2026-12",
      accounts: [{ accountId: 11, label: "Квартира" }],
    });
    expect(lastDay.text.startsWith(t(language, "notify.reminderLastDay", { period: "12.2026" }))).toBe(true);
  });
});

test("global choice ids are short ASCII and parse back", () => {
  for (const id of [submitReadingChoice(2_147_483_647), ...Object.values(GLOBAL_CHOICES)]) {
    expect(id).toMatch(/^[\x21-\x7e]{1,64}$/);
  }
  expect(parseGlobalChoice(submitReadingChoice(5))).toEqual({ kind: "submit_reading", accountId: 5 });
  expect(parseGlobalChoice("g:stop-reminders")).toEqual({ kind: "stop_reminders" });
  expect(parseGlobalChoice("g:requests")).toEqual({ kind: "my_requests" });
  expect(parseGlobalChoice("g:menu")).toEqual({ kind: "menu" });
  expect(parseGlobalChoice("g:read:abc")).toBeNull();
  expect(parseGlobalChoice("m:read")).toBeNull();
});

describe.each(["uk", "en"] as const)("an operator's answer with a photo (%s)", (language) => {
  const photoId = "5b0f1a2c-3d4e-4f50-8a6b-7c8d9e0f1a2b";
  const photo = {
    id: photoId,
    alt: t(language, "notify.handoffPhotoAlt"),
    unshown: t(language, "notify.handoffPhotoUnshown"),
  };

  test("names the stored photo (not bytes, not a link) and keeps the operator's words", () => {
    const reply = renderNotification(language, {
      kind: "handoff_reply",
      conversationId: 7,
      text: "Ось схема підключення",
      photoId,
    });
    expect(reply).toEqual({
      text: t(language, "notify.handoffReply", { text: "Ось схема підключення" }),
      attached: true,
      photo,
    });
    expect(reply.text).not.toContain(photoId);
  });

  test("a photo without words still says who sent it", () => {
    expect(
      renderNotification(language, { kind: "handoff_reply", conversationId: 7, text: "", photoId }),
    ).toEqual({ text: t(language, "notify.handoffPhotoOnly"), attached: true, photo });
  });

  test("a notification queued with a link before photos went as pictures renders the link", () => {
    const url = `https://bot.example.org/console/shared-photos/${photoId}`;
    const reply = renderNotification(language, {
      kind: "handoff_reply",
      conversationId: 7,
      text: "Ось схема",
      photoUrl: url,
    });
    expect(reply).toEqual({
      text: [
        t(language, "notify.handoffReply", { text: "Ось схема" }),
        t(language, "notify.handoffPhoto", { url }),
      ].join("\n"),
      attached: true,
    });
    // Read back from the queue as stored JSON, it renders the same.
    expect(
      renderNotification(
        language,
        JSON.parse(JSON.stringify({ kind: "handoff_reply", conversationId: 7, text: "", photoUrl: url })),
      ).text,
    ).toBe(t(language, "notify.handoffPhoto", { url }));
  });
});
