// Journey 4 as conversations: type, description (+ optional photo), preferred date among the next
// working days or any, contact phone (verified one or another, validated), summary, confirm -> number.
import { describe, expect, test } from "vitest";
import { UNUSABLE_PHOTO } from "../../src/engine/events.js";
import { t } from "../../src/engine/i18n/index.js";
import { linkByPhone, seedAccount, setup } from "./harness.js";

// Friday 27.11.2026, 12:00 in Kyiv: the next working days are Mon 30.11 .. Fri 04.12.
const FRIDAY = "2026-11-27T10:00:00Z";

describe("order a service", () => {
  test.each(["uk", "en"] as const)(
    "happy path with a photo, a date and the verified phone (%s)",
    async (language) => {
      const s = setup(FRIDAY);
      const account = seedAccount(s.store);
      const c = s.conversation("telegram:1", { languageCode: language });
      await linkByPhone(c);
      const label = t(language, "label.flat");
      await c.choose("m:order");
      expect(c.text_).toBe(t(language, "order.askType", { label }));
      expect(c.choiceIds).toEqual([
        "type:meter_replacement",
        "type:meter_setup",
        "type:sealing",
        "type:unsealing",
        "type:meter_fault",
        "nav:back",
        "nav:menu",
      ]);
      await c.choose("type:meter_setup");
      expect(c.text_).toBe(t(language, "order.askDescription"));
      await c.text("ok");
      expect(c.text_).toBe(t(language, "order.descriptionHint"));
      await c.text("Перейти на двозонний облік");
      expect(c.text_).toBe(t(language, "order.askPhoto"));
      await c.send({ type: "unsupported", what: UNUSABLE_PHOTO });
      expect(c.text_).toBe(t(language, "photo.unusable"));
      await c.send({ type: "unsupported", what: "sticker" });
      expect(c.text_).toBe(t(language, "order.photoHint"));
      await c.photo("photo-7");
      expect(c.text_).toBe(t(language, "order.askDate"));
      const day = (weekday: number, date: string) =>
        t(language, "order.dateButton", { weekday: t(language, `weekday.${weekday}` as "weekday.1"), date });
      expect(c.reply.choices).toEqual([
        [
          { id: "date:2026-11-30", label: day(1, "30.11") },
          { id: "date:2026-12-01", label: day(2, "01.12") },
          { id: "date:2026-12-02", label: day(3, "02.12") },
        ],
        [
          { id: "date:2026-12-03", label: day(4, "03.12") },
          { id: "date:2026-12-04", label: day(5, "04.12") },
        ],
        [{ id: "date:any", label: t(language, "order.anyDate") }],
        [
          { id: "nav:back", label: t(language, "nav.back") },
          { id: "nav:menu", label: t(language, "nav.menu") },
        ],
      ]);
      await c.choose("date:2026-11-28");
      expect(c.text_).toBe(t(language, "order.dateHint"));
      await c.choose("date:2026-12-01");
      expect(c.text_).toBe(t(language, "order.askPhone"));
      expect(c.reply.choices?.[0]).toEqual([
        { id: "phone:mine", label: t(language, "order.useMyPhone", { phone: "+380 67 123 45 67" }) },
      ]);
      await c.choose("phone:mine");
      expect(c.text_).toBe(
        t(language, "order.summary", {
          label,
          type: t(language, "serviceType.meter_setup"),
          description: "Перейти на двозонний облік",
          photo: t(language, "order.photoYes"),
          date: day(2, "01.12"),
          phone: "+380 67 123 45 67",
        }),
      );
      await c.choose("ok");
      const order = s.store.data.serviceOrders[0];
      expect(order).toEqual({
        id: expect.any(Number),
        accountId: account.id,
        userId: c.user.id,
        type: "meter_setup",
        description: "Перейти на двозонний облік",
        photoRef: "photo-7",
        preferredDate: "2026-12-01",
        contactPhone: "380671234567",
        status: "received",
        visitFrom: null,
        visitTo: null,
        comment: null,
        createdAt: new Date(FRIDAY),
      });
      expect(
        c.text_.startsWith(
          t(language, "order.created", {
            id: order?.id ?? 0,
            label,
            type: t(language, "serviceType.meter_setup"),
          }),
        ),
      ).toBe(true);
    },
  );

  test("a photo with a caption is description and photo at once; another phone is validated", async () => {
    const s = setup(FRIDAY);
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:order");
    await c.choose("type:meter_fault");
    await c.photo("photo-1", "Лічильник не світиться");
    expect(c.text_).toBe(t("uk", "order.askDate"));
    await c.choose("date:any");
    await c.text("12345");
    expect(c.text_).toBe(t("uk", "order.phoneInvalid"));
    await c.text("050 111 22 33");
    expect(c.text_).toContain("+380 50 111 22 33");
    expect(c.text_).toContain(t("uk", "order.anyDate"));
    await c.choose("ok");
    expect(s.store.data.serviceOrders[0]).toMatchObject({
      type: "meter_fault",
      description: "Лічильник не світиться",
      photoRef: "photo-1",
      preferredDate: null,
      contactPhone: "380501112233",
    });
  });

  test("a photo without a caption still asks for the description; skipping the photo works", async () => {
    const s = setup(FRIDAY);
    seedAccount(s.store);
    const c = s.conversation();
    await linkByPhone(c);
    await c.choose("m:order");
    await c.choose("type:sealing");
    await c.photo("photo-2");
    expect(c.text_).toBe(t("uk", "order.askDescriptionAfterPhoto"));
    await c.text("Після заміни лічильника");
    expect(c.text_).toBe(t("uk", "order.askDate"));

    await c.choose("m:order");
    await c.choose("type:unsealing");
    await c.text("Для ремонту проводки");
    await c.choose("skip");
    expect(c.text_).toBe(t("uk", "order.askDate"));
  });

  test("a shared contact is taken as the phone; Fix starts again; Back goes a step back", async () => {
    const s = setup(FRIDAY);
    seedAccount(s.store);
    const c = s.conversation("viber:1", { channel: "viber" });
    await c.start();
    await c.choose("v:fallback");
    await c.text("1234567890");
    await c.text("AB123456");
    await c.text("Шевченко");
    await c.choose("lbl:flat");
    await c.choose("m:order");
    await c.choose("type:meter_replacement");
    await c.text("Старий лічильник");
    await c.choose("skip");
    await c.choose("date:any");
    expect(c.choiceIds).not.toContain("phone:mine");
    await c.contact("+380931234567", false);
    expect(c.text_).toContain("+380 93 123 45 67");
    expect(c.stepName).toBe("order_summary");
    await c.choose("nav:back");
    expect(c.stepName).toBe("order_phone");
    await c.choose("nav:back");
    expect(c.stepName).toBe("order_date");
    await c.choose("date:any");
    await c.text("0931234567");
    await c.choose("fix");
    expect(c.stepName).toBe("order_type");
    expect(s.store.data.serviceOrders).toHaveLength(0);
  });
});
