// The web chat in a real browser: Debian's Chromium driven by playwright-core against a listening
// test server with the real engine and database. A person verifies a demo account through the
// "share phone" stand-in and the fallback questions, submits a reading, reads the receipt, reloads
// mid-journey and continues, reports an outage, receives a pushed status message, and orders a
// service with a photo. Another person submits a three-zone reading (night is T3).
// Screenshots go to test-results/web-chat/; with UPDATE_DOCS_SCREENSHOT=1 the receipt also goes to
// docs/web-chat.png (the README's picture).
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { importDemoAccounts } from "../channels/web/demo-accounts.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { startWebChatServer, type WebChatServer } from "../channels/web/harness.js";
import { daySlots, publishDays } from "../helpers/schedules.js";
import { addDays, kyivIsoDate } from "../../src/schedules/kyiv-day.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const browserAvailable = existsSync(CHROMIUM);
// Locally a missing Chromium skips (with a message); in CI the test must run, so it fails instead.
const skip = !browserAvailable && !process.env.CI;
if (skip) {
  console.warn(
    `web-chat browser test SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium). In CI it runs.`,
  );
}

const resultsDir = path.resolve("test-results", "web-chat");
const docsScreenshot = path.resolve("docs", "web-chat.png");
const docsScheduleScreenshot = path.resolve("docs", "schedule-view.png");

let db: TestDatabase;
let server: WebChatServer;
let userDataDir: string;
let context: BrowserContext;
let page: Page;
const pageProblems: string[] = [];

async function shot(name: string): Promise<string> {
  const file = path.join(resultsDir, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/** Text of the last bot bubble (without its time stamp). */
async function lastBotText(): Promise<string> {
  const bubble = page.locator(".message.bot:not(.typing) .bubble").last();
  return (await bubble.evaluate((node) => node.firstChild?.textContent ?? "")).trim();
}

/** Waits until a bot bubble containing `text` is shown. */
async function expectBot(text: string | RegExp): Promise<void> {
  await page.locator(".message.bot .bubble", { hasText: text }).last().waitFor({ timeout: 10_000 });
}

async function press(label: string): Promise<void> {
  await page.locator("#keyboard button:not([disabled])", { hasText: label }).first().click();
}

async function type(text: string): Promise<void> {
  await page.locator("#text-input").fill(text);
  await page.locator("#send-button:not([disabled])").click();
}

describe.skipIf(skip)("web chat in Chromium", () => {
  beforeAll(async () => {
    await mkdir(resultsDir, { recursive: true });
    db = await createTestDatabase();
    const report = await importDemoAccounts(db.url);
    expect(report.rejectedTotal).toBe(0);
    server = await startWebChatServer(db, { pollIntervalMs: 200 });
    userDataDir = await mkdtemp(path.join(tmpdir(), "web-chat-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 390, height: 780 },
      deviceScaleFactor: 2,
      locale: "uk-UA",
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (error) => pageProblems.push(`pageerror: ${error.message}`));
    // CSP violations and failed loads show up as console errors.
    page.on("console", (message) => {
      if (message.type() === "error") pageProblems.push(`console: ${message.text()}`);
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
    await server?.close();
    await db?.drop();
  });

  it("verifies a demo account, submits a reading across a reload, reports an outage, orders a service with a photo", async () => {
    await page.goto(`${server.url}/`);
    await expectBot("Вітаємо!");
    expect(await page.locator("#text-input").getAttribute("placeholder")).toBe("Повідомлення…");
    const share = page.locator("#share-phone");
    await expect.poll(() => share.textContent()).toContain("замінник кнопки месенджера");
    await shot("01-welcome");

    // The "share phone" stand-in: a typed number is unproven, so the engine asks the other way.
    await share.click();
    await page.locator("#phone-input").fill("+380 67 111 00 01");
    await shot("02-share-phone");
    await page.locator("#phone-send").click();
    await expectBot("не підтверджує");
    await type("1000000001");
    await expectBot("заводський номер");
    await type("01234567");
    await expectBot("прізвище");
    await type("Шевченко");
    await expectBot("Рахунок № 1000000001 підключено.");
    await press("Квартира");
    await expectBot("Головне меню.");
    await shot("03-verified-menu");

    // Start a reading, then reload in the middle: the page and the conversation continue.
    await press("Передати показники");
    await expectBot("Введіть показник");
    await shot("04-reading-asked");
    await page.reload();
    await expectBot("Введіть показник");
    await type("12500");
    await expectBot("Перевірте показники");
    await press("Підтвердити");
    await expectBot("Показники прийнято");
    expect(await lastBotText()).toContain("✅ Показники прийнято: Квартира (№ 1000000001)");
    const receipt = await shot("05-receipt");
    // The README's picture is refreshed on request only, so test runs leave the tree clean.
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1") await copyFile(receipt, docsScreenshot);

    const reading = await db.prisma.meterReading.findFirstOrThrow({ where: { source: "web" } });
    expect(reading).toMatchObject({ t1: 12500, status: "accepted" });

    // Report an outage by buttons alone.
    await press("Немає світла");
    await expectBot("що саме без світла?");
    await press("Лише моя квартира / будинок");
    await expectBot("зареєстровано");
    const report = await db.prisma.outageReport.findFirstOrThrow();
    expect(report).toMatchObject({ scope: "home", status: "received" });
    expect(await lastBotText()).toContain(`Повідомлення № ${report.id} (Квартира) зареєстровано.`);
    await shot("06-outage-reported");

    // A status change pushed by the outbound queue arrives without any action in the page.
    const user = await db.prisma.messengerUser.findFirstOrThrow({ where: { channel: "web" } });
    expect(user.phoneProven).toBe(false);
    await server.channel.sender.send(user.address, [
      { text: `⚡ Квартира: повідомлення № ${report.id} — бригаду направлено.`, attached: true },
    ]);
    await expectBot("бригаду направлено");
    await expect.poll(() => page.locator(".message.pushed").count()).toBe(1);
    await shot("07-pushed-status");

    // Order a service with a photo: the page downscales the picture and uploads it; the engine
    // gets a web-photo reference; the phone is given through the share-phone stand-in.
    await press("Замовити послугу");
    await expectBot("яка послуга потрібна?");
    await press("Несправність лічильника");
    await expectBot("можна додати фото з підписом");
    const picture = await page.screenshot({ type: "png" });
    await page
      .locator("#photo-input")
      .setInputFiles({ name: "meter.png", mimeType: "image/png", buffer: picture });
    await expectBot("Фото отримано. Тепер коротко опишіть");
    await type("Лічильник не світиться після грози");
    await expectBot("Коли вам зручно");
    await press("Будь-який день");
    await expectBot("контактний телефон");
    await page.locator("#share-phone").click();
    await page.locator("#phone-input").fill("067 111 00 01");
    await page.locator("#phone-send").click();
    await expectBot("Перевірте заявку");
    await press("Підтвердити");
    await expectBot("Заявку №");
    const order = await db.prisma.serviceOrder.findFirstOrThrow();
    expect(order).toMatchObject({ type: "meter_fault", description: "Лічильник не світиться після грози" });
    expect(order.photoRef).toMatch(/^web-photo:[0-9a-f-]{36}$/);
    const photo = await db.prisma.customerPhoto.findUniqueOrThrow({
      where: { id: order.photoRef!.slice("web-photo:".length) },
    });
    expect(photo.mimeType).toBe("image/jpeg");
    expect(
      Buffer.from(photo.bytes)
        .subarray(0, 3)
        .equals(Buffer.from([0xff, 0xd8, 0xff])),
    ).toBe(true);
    expect(photo.bytes.length).toBeLessThanOrEqual(512 * 1024);
    await shot("08-service-order");

    // A deep link opens the page at a journey, once: the parameter leaves the address bar.
    await page.goto(`${server.url}/?start=order`);
    await expectBot("яка послуга потрібна?");
    expect(new URL(page.url()).searchParams.has("start")).toBe(false);

    // The language switch changes the page's own texts.
    await page.locator("#language-switch").click();
    expect(await page.locator("#text-input").getAttribute("placeholder")).toBe("Message…");
    await page.locator("#language-switch").click();
    expect(pageProblems).toEqual([]);
  }, 90_000);

  it("shows the outage schedule with its picture to someone without an account", async () => {
    const today = kyivIsoDate(new Date());
    await publishDays(db.enginePool, [
      {
        queue: "3.2",
        date: today,
        slots: daySlots(["08:00", "12:30", "off"], ["16:00", "18:00", "maybe"], ["20:00", "22:00", "off"]),
      },
      {
        queue: "3.2",
        date: addDays(today, 1),
        slots: daySlots(["04:00", "08:00", "off"], ["14:00", "15:30", "maybe"]),
      },
    ]);
    // A new conversation (a fresh page id): the schedule is for anyone.
    await page.evaluate("localStorage.clear()");
    await page.reload();
    await expectBot("Вітаємо!");
    await press("Меню");
    await expectBot("Головне меню.");
    await press("Графік відключень");
    await expectBot("Оберіть свою чергу");
    await press("черга 3.2");
    await expectBot("🔴 08:00–12:30 без світла · 🟡 16:00–18:00 можливе · 🔴 20:00–22:00 без світла");
    const image = page.locator(".message.bot .bubble img.picture").last();
    await image.waitFor({ timeout: 10_000 });
    expect(await image.getAttribute("alt")).toMatch(/^Черга 3\.2: графік на /);
    // The image really loaded: a broken one has naturalWidth 0.
    await expect
      .poll(
        () =>
          image.evaluate((node) => {
            const img = node as unknown as { complete: boolean; naturalWidth: number };
            return img.complete ? img.naturalWidth : 0;
          }),
        { timeout: 10_000 },
      )
      .toBe(960);
    await image.scrollIntoViewIfNeeded();
    const file = await shot("10-schedule");
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1") await copyFile(file, docsScheduleScreenshot);
    expect(pageProblems).toEqual([]);
  }, 60_000);

  it("submits a three-zone reading: night is T3 in the prompts, the summary and the receipt", async () => {
    const zones = await context.newPage();
    try {
      await zones.goto(`${server.url}/`);
      await zones.evaluate("localStorage.clear()");
      await zones.reload();
      const bubble = (text: string) => zones.locator(".message.bot .bubble", { hasText: text }).last();
      const bot = (text: string) => bubble(text).waitFor({ timeout: 10_000 });
      const send = async (text: string) => {
        await zones.locator("#text-input").fill(text);
        await zones.locator("#send-button:not([disabled])").click();
      };
      const tap = (label: string) =>
        zones.locator("#keyboard button:not([disabled])", { hasText: label }).first().click();
      await bot("Вітаємо!");
      await tap("Підтвердити інакше");
      await bot("номер особового рахунку");
      await send("1000000003");
      await bot("заводський номер");
      await send("55667788");
      await bot("прізвище");
      await send("Бондаренко");
      await bot("Рахунок № 1000000003 підключено.");
      await tap("Квартира");
      await bot("Головне меню.");
      // No forecast figure of ours: the account has one reading and no billing average.
      expect(await bubble("Головне меню.").textContent()).not.toContain("≈");

      await tap("Передати показники");
      await bot("Введіть показник «Пік (T1)»");
      await send("45700");
      await bot("Введіть показник «Напівпік (T2)»");
      await send("23500");
      await bot("Введіть показник «Ніч (T3)»");
      await send("34600");
      await bot("Перевірте показники");
      expect(await bubble("Перевірте показники").textContent()).toContain(
        "Ніч (T3): 34600 (спожито 33 кВт·год)",
      );
      await tap("Підтвердити");
      await bot("Показники прийнято");
      const text = (await bubble("Показники прийнято").textContent()) ?? "";
      expect(text).toContain("Пік (T1): 45700\nНапівпік (T2): 23500\nНіч (T3): 34600");
      expect(text).not.toContain("Ніч (T2)");
      await zones.screenshot({ path: path.join(resultsDir, "10-three-zones.png") });
      const account = await db.prisma.account.findUniqueOrThrow({ where: { number: "1000000003" } });
      const reading = await db.prisma.meterReading.findFirstOrThrow({
        where: { accountId: account.id, source: "web" },
      });
      expect(reading).toMatchObject({ t1: 45700, t2: 23500, t3: 34600 });
    } finally {
      await zones.close();
    }
  }, 60_000);

  it("speaks English to an English browser, and the switch changes the page's texts", async () => {
    const english = await context.newPage();
    try {
      // Scripts run in the page (as strings: this project's TypeScript has no DOM types).
      await english.addInitScript({
        content: 'Object.defineProperty(navigator, "languages", { get: () => ["en-US", "en"] });',
      });
      await english.goto(`${server.url}/`);
      await english.evaluate("localStorage.clear()");
      await english.reload();
      await english.locator(".message.bot .bubble", { hasText: "Welcome!" }).waitFor({ timeout: 10_000 });
      expect(await english.locator("#text-input").getAttribute("placeholder")).toBe("Message…");
      expect(await english.locator("html").getAttribute("lang")).toBe("en");
      await expect
        .poll(() => english.locator("#share-phone").textContent())
        .toBe("📱 Share my number(stand-in for the messenger's “Share phone” button)");
      await english.screenshot({ path: path.join(resultsDir, "09-english.png") });
      await english.locator("#language-switch").click();
      expect(await english.locator("#text-input").getAttribute("placeholder")).toBe("Повідомлення…");
      await expect
        .poll(() => english.locator("#notice").textContent())
        .toContain("⚙️ Налаштування → 🌐 Мова / Language");
    } finally {
      await english.close();
    }
  });
});
