// Journey 4: order a meter service. Account, type, description (text, optional photo), preferred
// visit date (next working days or "any"), contact phone (the verified one or another, validated),
// summary, confirm -> order number.
import { z } from "zod";
import {
  isoDate,
  isoWeekday,
  nextWorkingDays,
  parseIsoDate,
  showDayMonth,
  type LocalDate,
} from "../calendar.js";
import {
  pickAccountStep,
  findLinked,
  navRow,
  withAccount,
  type FlowContext,
  type StepHandlers,
  type Transition,
} from "../flow-kit.js";
import type { MessageKey } from "../i18n/index.js";
import type { ServiceType } from "../ports.js";
import { normalizeUaPhone, showPhone } from "../phone.js";
import type { StepOf } from "../state.js";
import { serviceTypeKey } from "./my-requests.js";

const types: ServiceType[] = ["meter_replacement", "meter_setup", "sealing", "unsealing", "meter_fault"];
const SKIP = "skip";
const ANY_DATE = "date:any";
const MY_PHONE = "phone:mine";
const CONFIRM = "ok";
const FIX = "fix";

const description = z.string().trim().min(3).max(1000);

const weekdayKeys: MessageKey[] = [
  "weekday.1",
  "weekday.2",
  "weekday.3",
  "weekday.4",
  "weekday.5",
  "weekday.6",
  "weekday.7",
];

function dateLabel(ctx: FlowContext, date: LocalDate): string {
  return ctx.t("order.dateButton", {
    weekday: ctx.t(weekdayKeys[isoWeekday(date) - 1] ?? "weekday.1"),
    date: showDayMonth(date),
  });
}

function showIsoDate(ctx: FlowContext, value: string | null): string {
  const date = value ? parseIsoDate(value) : null;
  return date ? dateLabel(ctx, date) : ctx.t("order.anyDate");
}

export function startOrder(ctx: FlowContext): Promise<Transition> {
  return withAccount(ctx, { name: "order_account" }, (link) =>
    ctx.enter({ name: "order_type", accountId: link.account.id }),
  );
}

type Draft = Omit<StepOf<"order_date">, "name">;

function draftOf(step: Draft): Draft {
  return {
    accountId: step.accountId,
    type: step.type,
    description: step.description,
    photoRef: step.photoRef,
  };
}

export const orderHandlers: Pick<
  StepHandlers,
  | "order_account"
  | "order_type"
  | "order_description"
  | "order_photo"
  | "order_date"
  | "order_phone"
  | "order_summary"
> = {
  order_account: pickAccountStep("order.pickAccount", (ctx, link) =>
    ctx.enter({ name: "order_type", accountId: link.account.id }),
  ),

  order_type: {
    async prompt(ctx, step) {
      const link = await findLinked(ctx, step.accountId);
      return {
        text: ctx.t("order.askType", { label: link?.label ?? "" }),
        choices: [
          ...types.map((type) => [{ id: `type:${type}`, label: ctx.t(serviceTypeKey[type]) }]),
          navRow(ctx),
        ],
      };
    },
    async handle(ctx, step, input) {
      const type =
        input.kind === "choice" ? types.find((candidate) => `type:${candidate}` === input.id) : undefined;
      if (!type) return ctx.stay(step, ctx.t("hint.useButtons"));
      return ctx.enter({ name: "order_description", accountId: step.accountId, type, photoRef: null });
    },
    async back(ctx) {
      return startOrder(ctx);
    },
  },

  order_description: {
    async prompt(ctx, step) {
      return {
        text: ctx.t(step.photoRef ? "order.askDescriptionAfterPhoto" : "order.askDescription"),
        choices: [navRow(ctx)],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "photo") {
        const caption = description.safeParse(input.caption ?? "");
        if (caption.success) {
          return ctx.enter({
            name: "order_date",
            accountId: step.accountId,
            type: step.type,
            description: caption.data,
            photoRef: input.ref,
          });
        }
        return ctx.enter({ ...step, photoRef: input.ref });
      }
      if (input.kind !== "text") return ctx.stay(step, ctx.t("order.descriptionHint"));
      const parsed = description.safeParse(input.text);
      if (!parsed.success) return ctx.stay(step, ctx.t("order.descriptionHint"));
      const draft = {
        accountId: step.accountId,
        type: step.type,
        description: parsed.data,
        photoRef: step.photoRef,
      };
      if (step.photoRef) return ctx.enter({ name: "order_date", ...draft });
      return ctx.enter({ name: "order_photo", ...draft });
    },
    async back(ctx, step) {
      return ctx.enter({ name: "order_type", accountId: step.accountId });
    },
  },

  order_photo: {
    async prompt(ctx) {
      return {
        text: ctx.t("order.askPhoto"),
        choices: [[{ id: SKIP, label: ctx.t("common.skip") }], navRow(ctx)],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "photo")
        return ctx.enter({ ...draftOf(step), name: "order_date", photoRef: input.ref });
      if (input.kind === "photo_unusable") return ctx.stay(step, ctx.t("photo.unusable"));
      if (input.kind === "choice" && input.id === SKIP)
        return ctx.enter({ ...draftOf(step), name: "order_date" });
      return ctx.stay(step, ctx.t("order.photoHint"));
    },
    async back(ctx, step) {
      return ctx.enter({
        name: "order_description",
        accountId: step.accountId,
        type: step.type,
        photoRef: null,
      });
    },
  },

  order_date: {
    async prompt(ctx) {
      const days = nextWorkingDays(ctx.now, ctx.settings.serviceDateOptions);
      const buttons = days.map((date) => ({ id: `date:${isoDate(date)}`, label: dateLabel(ctx, date) }));
      const rows = [];
      for (let index = 0; index < buttons.length; index += 3) rows.push(buttons.slice(index, index + 3));
      return {
        text: ctx.t("order.askDate"),
        choices: [...rows, [{ id: ANY_DATE, label: ctx.t("order.anyDate") }], navRow(ctx)],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind !== "choice") return ctx.stay(step, ctx.t("order.dateHint"));
      let preferredDate: string | null = null;
      if (input.id !== ANY_DATE) {
        const offered = nextWorkingDays(ctx.now, ctx.settings.serviceDateOptions).map(isoDate);
        const chosen = input.id.replace(/^date:/, "");
        if (!input.id.startsWith("date:") || !offered.includes(chosen))
          return ctx.stay(step, ctx.t("order.dateHint"));
        preferredDate = chosen;
      }
      return ctx.enter({ ...draftOf(step), name: "order_phone", preferredDate });
    },
    async back(ctx, step) {
      return ctx.enter({ ...draftOf(step), name: "order_photo" });
    },
  },

  order_phone: {
    async prompt(ctx) {
      const choices = [];
      if (ctx.user.phone && normalizeUaPhone(ctx.user.phone)) {
        choices.push([
          { id: MY_PHONE, label: ctx.t("order.useMyPhone", { phone: showPhone(ctx.user.phone) }) },
        ]);
      }
      choices.push(navRow(ctx));
      return {
        text: ctx.t("order.askPhone"),
        requestPhone: { label: ctx.t("verify.sharePhoneButton") },
        choices,
      };
    },
    async handle(ctx, step, input) {
      let phone: string | null = null;
      if (input.kind === "choice" && input.id === MY_PHONE && ctx.user.phone)
        phone = normalizeUaPhone(ctx.user.phone);
      else if (input.kind === "text") phone = normalizeUaPhone(input.text);
      else if (input.kind === "contact") phone = normalizeUaPhone(input.phone);
      if (!phone) return ctx.stay(step, ctx.t("order.phoneInvalid"));
      return ctx.enter({
        ...draftOf(step),
        name: "order_summary",
        preferredDate: step.preferredDate,
        contactPhone: phone,
      });
    },
    async back(ctx, step) {
      return ctx.enter({ ...draftOf(step), name: "order_date" });
    },
  },

  order_summary: {
    async prompt(ctx, step) {
      const link = await findLinked(ctx, step.accountId);
      return {
        text: ctx.t("order.summary", {
          label: link?.label ?? "",
          type: ctx.t(serviceTypeKey[step.type]),
          description: step.description,
          photo: ctx.t(step.photoRef ? "order.photoYes" : "order.photoNo"),
          date: showIsoDate(ctx, step.preferredDate),
          phone: showPhone(step.contactPhone),
        }),
        choices: [
          [
            { id: CONFIRM, label: ctx.t("common.confirm") },
            { id: FIX, label: ctx.t("common.fix") },
          ],
          navRow(ctx),
        ],
      };
    },
    async handle(ctx, step, input) {
      if (input.kind === "choice" && input.id === FIX)
        return ctx.enter({ name: "order_type", accountId: step.accountId });
      if (input.kind !== "choice" || input.id !== CONFIRM) return ctx.stay(step, ctx.t("hint.useButtons"));
      const link = await findLinked(ctx, step.accountId);
      if (!link) return ctx.menu();
      const order = await ctx.tx.serviceOrders.create({
        accountId: step.accountId,
        userId: ctx.user.userId,
        type: step.type,
        description: step.description,
        photoRef: step.photoRef,
        preferredDate: step.preferredDate,
        contactPhone: step.contactPhone,
        at: ctx.now,
      });
      return ctx.menu(
        ctx.t("order.created", { id: order.id, label: link.label, type: ctx.t(serviceTypeKey[step.type]) }),
      );
    },
    async back(ctx, step) {
      return ctx.enter({ ...draftOf(step), name: "order_phone", preferredDate: step.preferredDate });
    },
  },
};
