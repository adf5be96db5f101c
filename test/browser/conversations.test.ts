// "Write to a person" in a real browser against the whole service (startService: real Postgres,
// the outbound queue, the Telegram channel pointed at the fake Bot API). A Telegram customer writes
// to a person -> the conversation appears in the operator's open inbox without a reload -> the
// operator takes it and answers -> the fake Telegram chat receives the answer; a second operator
// cannot take it; the customer's "back to the bot" ends it (the console shows it, again without a
// reload) and the bot answers again. Also prints how long a customer's message took to appear.
// Screenshots go to test-results/console/; with UPDATE_DOCS_SCREENSHOT=1 docs/console-conversations.png.
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { CHROMIUM, skipWithoutChromium, submitSignIn, until } from "./support.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { t } from "../../src/engine/i18n/index.js";
import { renderNotification } from "../../src/engine/notify-render.js";
import { createOperatorUser } from "../../src/operator/operator-users.js";
import { importDemoAccounts } from "../channels/web/demo-accounts.js";
import { TelegramUser } from "../channels/telegram/telegram-user.js";
import type { FakeTelegramApi } from "../fakes/telegram-api.js";
import type { RunningService } from "../../src/service.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { startTelegramService } from "../helpers/telegram-service.js";

const skip = skipWithoutChromium;

const TOKEN = "8000000003:AAHk3Vq9fakeTokenForTests_handoff";
const SECRET = "handoff-test-secret-0123456789";
const PASSWORD = "operator-password-1";
const CHAT = 770101;
const resultsDir = path.resolve("test-results", "console");

let db: TestDatabase;
let telegram: FakeTelegramApi;
let service: RunningService;
let browser: Browser;
let first: Page;
let second: Page;
const pageProblems: string[] = [];

const textsTo = (chat: number) => telegram.sentMessages(chat).map((m) => String(m.text));

async function deliver(update: Record<string, unknown>): Promise<void> {
  const response = await telegram.deliverWebhook(update);
  expect(response.status).toBe(200);
}

async function signIn(page: Page, login: string): Promise<void> {
  await submitSignIn(page, service.url, login, PASSWORD);
  await page.getByRole("button", { name: "Вийти" }).waitFor();
}

describe.skipIf(skip)("write to a person, in Chromium", () => {
  beforeAll(async () => {
    await mkdir(resultsDir, { recursive: true });
    db = await createTestDatabase();
    ({ service, telegram } = await startTelegramService(db, {
      token: TOKEN,
      secret: SECRET,
      // Whenever this runs, the contact centre is open.
      env: { HANDOFF_HOURS: "00:00-24:00" },
    }));
    await importDemoAccounts(db.url);
    for (const login of ["olena", "ivan"]) {
      await createOperatorUser(db.prisma, { login, role: "dispatcher", password: PASSWORD });
    }
    const customer = await db.prisma.messengerUser.create({
      data: {
        address: `telegram:${CHAT}`,
        channel: "telegram",
        telegramChatId: BigInt(CHAT),
        phone: "380671110001",
        phoneProven: true,
      },
    });
    const account = await db.prisma.account.findUniqueOrThrow({ where: { number: "1000000001" } });
    await db.prisma.accountLink.create({
      data: { userId: customer.id, accountId: account.id, label: "Квартира", verifiedBy: "phone" },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-sync",
      ],
    });
    first = await (
      await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "uk-UA" })
    ).newPage();
    second = await (
      await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: "uk-UA" })
    ).newPage();
    for (const page of [first, second]) {
      page.on("pageerror", (error) => pageProblems.push(`pageerror: ${error.message}`));
      page.on("console", (message) => {
        if (message.type() === "error" && !message.text().includes("409"))
          pageProblems.push(`console: ${message.text()}`);
      });
    }
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.stop();
    await telegram?.close();
    await db?.drop();
  });

  it("customer writes -> appears live -> one operator takes and answers -> the customer gets it; back to the bot ends it", async () => {
    await signIn(first, "olena");
    await signIn(second, "ivan");
    await first.goto(`${service.url}/console/conversations`);
    await first.getByRole("heading", { name: "Розмови з клієнтами" }).waitFor();
    await first.getByText("Тут порожньо.").waitFor();

    // The customer, in Telegram: the menu, the button (a reply keyboard sends its label), the question.
    const customer = new TelegramUser(CHAT, telegram);
    await deliver(customer.text("/menu"));
    await deliver(customer.text(t("uk", "menu.person")));
    expect(textsTo(CHAT).at(-1)).toContain(t("uk", "handoff.intro"));
    const question = "Добрий день, третю годину немає світла в під'їзді";
    const sentAt = Date.now();
    await deliver(customer.text(question));
    expect(textsTo(CHAT).at(-1)).toBe(
      [t("uk", "handoff.queued"), t("uk", "handoff.noEstimate", { waiting: 0 })].join("\n"),
    );

    // It appears in the open inbox without a reload.
    await first.getByRole("link", { name: /Квартира \(1000000001\)/ }).waitFor({ timeout: 10_000 });
    console.log(`appeared in the open console ${Date.now() - sentAt} ms after the webhook was answered`);
    await expect.poll(() => first.getByRole("row").nth(1).textContent()).toContain(question);
    await first.getByRole("link", { name: /Квартира \(1000000001\)/ }).click();
    await first.getByRole("button", { name: "Взяти розмову" }).click();
    await first.getByRole("status").filter({ hasText: "Розмову взято." }).waitFor();

    // The second operator cannot take it: no button, and a take posted anyway is refused.
    await second.goto(`${service.url}/console/conversations?view=all`);
    await second.getByRole("link", { name: /Квартира \(1000000001\)/ }).click();
    await second.getByText("olena", { exact: false }).first().waitFor();
    expect(await second.getByRole("button", { name: "Взяти розмову" }).count()).toBe(0);
    const csrf = await second.locator('input[name="_csrf"]').first().inputValue();
    const id = /conversations\/(\d+)/.exec(second.url())?.[1];
    const refused = await second.request.post(`${service.url}/console/conversations/${id}/take`, {
      form: { _csrf: csrf },
    });
    expect(refused.status()).toBe(409);

    // Olena answers with a canned greeting, edited.
    await first.getByLabel("Шаблон відповіді").selectOption({ label: "Вітання" });
    await first
      .getByLabel("Відповідь клієнту")
      .fill("Добрий день! На вашій адресі аварія, бригада вже працює, орієнтовно до 18:00.");
    await first.getByRole("button", { name: "Надіслати" }).click();
    await first.getByRole("status").filter({ hasText: "Відповідь поставлено в чергу" }).waitFor();
    const answer = renderNotification("uk", {
      kind: "handoff_reply",
      conversationId: Number(id),
      text: "Добрий день! На вашій адресі аварія, бригада вже працює, орієнтовно до 18:00.",
    }).text;
    await until(() => (textsTo(CHAT).includes(answer) ? true : undefined), "the answer in Telegram");

    // The customer writes again: the bot stays silent, the operator sees it without a reload.
    const before = textsTo(CHAT).length;
    await deliver(customer.text("Дякую, чекаю"));
    await first.getByText("Дякую, чекаю").waitFor({ timeout: 10_000 });
    expect(textsTo(CHAT)).toHaveLength(before);
    await first.screenshot({ path: path.join(resultsDir, "conversations.png"), fullPage: true });
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1") {
      await copyFile(
        path.join(resultsDir, "conversations.png"),
        path.resolve("docs", "console-conversations.png"),
      );
    }

    // Back to the bot: the conversation ends (the console shows it live) and the bot answers again.
    await deliver(customer.text(t("uk", "handoff.back")));
    await until(
      () => (textsTo(CHAT).at(-1)?.startsWith(t("uk", "handoff.backDone")) ? true : undefined),
      "the bot's answer",
    );
    await first.getByText("Клієнт повернувся до бота").waitFor({ timeout: 10_000 });
    await deliver(customer.text(t("uk", "menu.help")));
    await until(() => (textsTo(CHAT).length > before + 1 ? true : undefined), "the bot answering help");
    expect(textsTo(CHAT).at(-1)).not.toBe(textsTo(CHAT).at(-2));
    expect(pageProblems).toEqual([]);
  }, 90_000);
});
