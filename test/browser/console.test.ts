// The operator console in a real browser: Debian's Chromium driven by playwright-core against the
// whole service (startService: real Postgres, the outbound queue, the Telegram channel pointed at
// the fake Bot API). A dispatcher signs in, works a customer's report from "received" to "restored"
// and the customer's Telegram chat receives both messages; a change posted without the CSRF token
// is refused; billing accepts a flagged reading (with its photo) and the customer is told; a
// dispatcher cannot open the users page. Pages are driven by role and label, not CSS paths.
// Screenshots go to test-results/console/; with UPDATE_DOCS_SCREENSHOT=1 also to docs/console-*.png.
import { copyFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { Writable } from "node:stream";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { CHROMIUM, skipWithoutChromium, submitSignIn, until } from "./support.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import type { Notification } from "../../src/engine/notifications.js";
import { renderNotification } from "../../src/engine/notify-render.js";
import { billingPeriodAt, previousPeriod, readingWindow } from "../../src/engine/reading-window.js";
import { createLogger } from "../../src/logger.js";
import { createOperatorUser } from "../../src/operator/operator-users.js";
import { getDay, listDayVersions, publishDay } from "../../src/operator/schedules.js";
import { kyivIsoDate } from "../../src/schedules/kyiv-day.js";
import { startService, type RunningService } from "../../src/service.js";
import { importDemoAccounts } from "../channels/web/demo-accounts.js";
import { startFakeTelegramApi, type FakeTelegramApi } from "../fakes/telegram-api.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";

const skip = skipWithoutChromium;
if (skip)
  console.warn(
    `console browser test SKIPPED: ${CHROMIUM} not found (apt-get install -y chromium). In CI it runs.`,
  );

const TOKEN = "8000000002:AAHk3Vq9fakeTokenForTests_console";
const SECRET = "console-test-secret-0123456789";
const PASSWORD = "dispatcher-password-1";
const CHAT = 770001;
const resultsDir = path.resolve("test-results", "console");

let db: TestDatabase;
let telegram: FakeTelegramApi;
let service: RunningService;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const pageProblems: string[] = [];
let reportId: number;
let readingId: number;

/** The README's pictures: docs/console-<name>.png when UPDATE_DOCS_SCREENSHOT=1. */
const DOCS_SHOTS = new Set(["inbox", "record", "dashboard", "reading", "schedules"]);

async function shot(name: string): Promise<void> {
  const file = path.join(resultsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  if (process.env.UPDATE_DOCS_SCREENSHOT === "1" && DOCS_SHOTS.has(name)) {
    await copyFile(file, path.resolve("docs", `console-${name}.png`));
  }
}

const textsTo = (chat: number) => telegram.sentMessages(chat).map((m) => String(m.text));
const uk = (n: Notification) => renderNotification("uk", n).text;

async function signIn(login: string): Promise<void> {
  await submitSignIn(page, service.url, login, PASSWORD);
}

async function signOut(): Promise<void> {
  await page.getByRole("button", { name: "Вийти" }).click();
  await page.getByRole("button", { name: "Увійти" }).waitFor();
}

/** A meter's face drawn by the browser itself: the photo a customer attached. */
async function meterPhoto(): Promise<Buffer> {
  const scratch = await context.newPage();
  await scratch.setViewportSize({ width: 480, height: 320 });
  await scratch.setContent(
    `<body style="margin:0;background:#3d4a52;display:flex;align-items:center;justify-content:center;height:320px">
     <div style="background:#dfe6df;border-radius:18px;padding:28px 36px;font:bold 64px monospace;letter-spacing:8px;color:#111">
     05&nbsp;200<div style="font:16px sans-serif;letter-spacing:0">kWh · NIK 2303</div></div></body>`,
  );
  const bytes = await scratch.screenshot({ type: "png" });
  await scratch.close();
  return bytes;
}

async function seed(): Promise<void> {
  const prisma = db.prisma;
  const report = await importDemoAccounts(db.url);
  expect(report.rejectedTotal).toBe(0);
  for (const [login, role] of [
    ["dispatcher1", "dispatcher"],
    ["billing1", "billing"],
  ] as const) {
    await createOperatorUser(prisma, { login, role, password: PASSWORD });
  }
  const accounts = await prisma.account.findMany({ orderBy: { number: "asc" } });
  const [shevchenko, kovalenko, bondarenko, tkachenko, melnyk] = accounts;
  const customer = await prisma.messengerUser.create({
    data: {
      address: `telegram:${CHAT}`,
      channel: "telegram",
      telegramChatId: BigInt(CHAT),
      phone: "380671110001",
      phoneProven: true,
    },
  });
  await prisma.accountLink.create({
    data: { userId: customer.id, accountId: shevchenko!.id, label: "Квартира", verifiedBy: "phone" },
  });
  const now = Date.now();
  const ago = (minutes: number) => new Date(now - minutes * 60_000);
  // The inbox a dispatcher meets in the morning: reports of several ages and areas.
  reportId = (
    await prisma.outageReport.create({
      data: { accountId: shevchenko!.id, userId: customer.id, scope: "building", createdAt: ago(95) },
    })
  ).id;
  for (const [account, scope, minutes, status] of [
    [kovalenko, "street", 340, "crew_dispatched"],
    [bondarenko, "home", 52, "received"],
    [tkachenko, "building", 26 * 60, "received"],
    [melnyk, "home", 12, "received"],
    [kovalenko, "home", 7, "received"],
  ] as const) {
    await prisma.outageReport.create({
      data: { accountId: account!.id, scope, status, createdAt: ago(minutes) },
    });
  }
  await prisma.serviceOrder.create({
    data: {
      accountId: bondarenko!.id,
      type: "meter_fault",
      description: "Лічильник не світиться",
      contactPhone: "380931110003",
      createdAt: ago(600),
    },
  });

  // A reading far above the forecast, with the customer's photo kept by the service.
  const photo = await prisma.customerPhoto.create({
    data: { address: `telegram:${CHAT}`, mimeType: "image/png", bytes: new Uint8Array(await meterPhoto()) },
  });
  const period = billingPeriodAt(new Date()).period;
  readingId = (
    await prisma.meterReading.create({
      data: {
        accountId: shevchenko!.id,
        userId: customer.id,
        period,
        t1: 5200,
        takenAt: ago(30),
        source: "telegram",
        status: "flagged",
        flagReason: "far above the forecast (+1830 kWh)",
        photoRef: `web-photo:${photo.id}`,
      },
    })
  ).id;

  // A year of history for the dashboard: 400 more accounts, last period's submissions day by day
  // (62 %: the 38 % that missed the window), this period's so far.
  await prisma.account.createMany({
    data: Array.from({ length: 400 }, (_, i) => ({
      number: String(3_000_000_000 + i),
      holderName: "Тест",
      phones: [],
      settlement: "Дніпро",
      street: "вул. Робоча",
      building: String(1 + (i % 90)),
      areaCode: ["DNP-01", "DNP-02", "KAM-01", "PAV-01"][i % 4]!,
      meterSerial: `BULK${i}`,
      meterDigits: 6,
      zones: 1,
    })),
  });
  const bulk = await prisma.account.findMany({ where: { holderName: "Тест" }, select: { id: true } });
  const previous = readingWindow(previousPeriod(period)).opensAt.getTime();
  const current = readingWindow(period).opensAt.getTime();
  const lastShare = [0.12, 0.2, 0.12, 0.08, 0.06, 0.04]; // of accounts, per window day
  const rows: { accountId: number; period: string; t1: number; takenAt: Date; source: "telegram" }[] = [];
  let next = 0;
  lastShare.forEach((share, day) => {
    for (let k = 0; k < Math.round(share * bulk.length); k++) {
      rows.push({
        accountId: bulk[next++]!.id,
        period: previousPeriod(period),
        t1: 1000,
        takenAt: new Date(previous + day * 86_400_000 + 3_600_000 * (8 + (k % 10))),
        source: "telegram",
      });
    }
  });
  for (
    let k = 0;
    k < Math.min(bulk.length, Math.round(((now - current) / 86_400_000 + 1) * 0.16 * bulk.length));
    k++
  ) {
    const takenAt = new Date(Math.min(now - 60_000, current + (k / (0.16 * bulk.length)) * 86_400_000));
    rows.push({ accountId: bulk[k]!.id, period, t1: 1100, takenAt, source: "telegram" });
  }
  await prisma.meterReading.createMany({ data: rows });
  for (let i = 0; i < 40; i++) {
    await prisma.messengerUser.create({
      data: {
        address: `viber:bulk${i}`,
        channel: i % 4 === 0 ? "web" : "viber",
        ...(i % 4 === 0 ? {} : { viberUserId: `bulk${i}` }),
        status: i % 9 === 0 ? "blocked" : "active",
      },
    });
  }
}

describe.skipIf(skip)("operator console in Chromium", () => {
  beforeAll(async () => {
    await mkdir(resultsDir, { recursive: true });
    db = await createTestDatabase();
    telegram = await startFakeTelegramApi({ token: TOKEN });
    const config = loadConfig({
      DATABASE_URL: db.url,
      PORT: "0",
      MIGRATE_ON_START: "false",
      LOG_LEVEL: "warn",
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      QUIET_HOURS: "00:00-00:00",
      REMINDERS_ENABLED: "false",
    });
    const quiet = new Writable({ write: (_chunk, _enc, done) => done() });
    service = await startService(config, createLogger({ level: "warn", pretty: "off" }, quiet));
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
    context = await browser.newContext({ viewport: { width: 1280, height: 820 }, locale: "uk-UA" });
    page = await context.newPage();
    page.on("pageerror", (error) => pageProblems.push(`pageerror: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") pageProblems.push(`console: ${message.text()}`);
    });
    await seed();
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await service?.stop();
    await telegram?.close();
    await db?.drop();
  });

  it("a dispatcher works a report from received to restored; the customer's Telegram gets both messages", async () => {
    await signIn("dispatcher1");
    await page.getByRole("heading", { name: "Вхідні" }).waitFor();
    const rows = page.getByRole("row");
    expect(await rows.count()).toBe(7); // header + 6 reports, oldest first
    await expect.poll(() => rows.nth(1).textContent()).toContain("1000000004");
    await shot("inbox");

    // Keyboard: j moves down the list, Enter opens (the report is third: 26 h, 5 h, 95 min old).
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("j");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: `Повідомлення № ${reportId}` }).waitFor();
    expect(await page.getByText("«Квартира»").count()).toBe(1);
    expect(await page.content()).toContain("380*******01");
    await shot("record-before");

    await page.getByLabel("бригаду направлено").check();
    await page.getByLabel("Очікуване відновлення").fill("2026-12-24T18:30");
    await page.getByLabel("Коментар для клієнта").fill("Пошкодження на лінії, бригада виїхала.");
    await page.getByRole("button", { name: "Зберегти" }).click();
    await page.getByRole("status").filter({ hasText: "Збережено" }).waitFor();
    const first = await until(() => textsTo(CHAT)[0], "the first Telegram message");
    expect(first).toBe(
      uk({
        kind: "outage_report_status",
        accountLabel: "Квартира",
        reportId,
        status: "crew_dispatched",
        expectedRestoreAt: "2026-12-24T16:30:00.000Z",
        comment: "Пошкодження на лінії, бригада виїхала.",
      }),
    );
    await shot("record");

    await page.getByLabel("відновлено").check();
    await page.getByRole("button", { name: "Зберегти" }).click();
    await page.getByRole("status").filter({ hasText: "Збережено" }).waitFor();
    const second = await until(() => textsTo(CHAT)[1], "the second Telegram message");
    expect(second).toBe(
      uk({
        kind: "outage_report_status",
        accountLabel: "Квартира",
        reportId,
        status: "restored",
        expectedRestoreAt: "2026-12-24T16:30:00.000Z",
        comment: "Пошкодження на лінії, бригада виїхала.",
      }),
    );
    expect(second).toContain("відновлено");
    expect(textsTo(CHAT)).toHaveLength(2);
  });

  it("refuses a change posted without the CSRF token, though the session cookie goes with it", async () => {
    const response = await page.request.post(`${service.url}/console/outage-reports/${reportId}`, {
      form: { status: "cancelled" },
    });
    expect(response.status()).toBe(403);
    expect(await response.text()).toContain("Зміну відхилено");
    const report = await db.prisma.outageReport.findUniqueOrThrow({ where: { id: reportId } });
    expect(report.status).toBe("restored");
    expect(textsTo(CHAT)).toHaveLength(2);
  });

  it("a dispatcher cannot open the users page", async () => {
    expect(await page.getByRole("navigation").getByRole("link", { name: "Користувачі" }).count()).toBe(0);
    const response = await page.goto(`${service.url}/console/users`);
    expect(response?.status()).toBe(403);
    await page.getByRole("alert").filter({ hasText: "недоступний для вашої ролі" }).waitFor();
    // Chromium logs the refused page as a failed load: expected here, so it is not a page problem.
    const refused = pageProblems.findIndex((p) => p.includes("status of 403"));
    if (refused >= 0) pageProblems.splice(refused, 1);
    await page.getByRole("navigation").getByRole("link", { name: "Огляд" }).click();
    await page.getByRole("heading", { name: "Огляд" }).waitFor();
    expect(await page.locator("svg.chart").count()).toBe(3);
    await shot("dashboard");
    await signOut();
  });

  it("a dispatcher edits today's schedule of a queue in the grid, publishes it and sees the version and the change", async () => {
    // Today as the API published it this morning: several queues with outages.
    const today = kyivIsoDate(new Date());
    const off = (from: string, to: string) => ({ from, to, state: "off" as const });
    const maybe = (from: string, to: string) => ({ from, to, state: "maybe" as const });
    const morning = await publishDay(
      db.prisma,
      today,
      {
        "1.1": [off("00:00", "03:30"), off("10:00", "14:00"), maybe("20:00", "22:00")],
        "1.2": [off("03:30", "07:00"), off("14:00", "17:30")],
        "2.1": [maybe("07:00", "10:00"), off("17:30", "21:00")],
        "2.2": [off("07:00", "10:30"), off("21:00", "24:00")],
        "3.1": [off("10:30", "14:00")],
        "3.2": [off("08:00", "12:00")],
        "4.1": [],
        "4.2": [off("14:00", "17:30"), maybe("17:30", "19:00")],
      },
      { source: "api", actor: "dispatch" },
    );

    await signIn("dispatcher1");
    await page.getByRole("navigation").getByRole("link", { name: "Графіки" }).click();
    await page.getByRole("heading", { name: `Графік на ${today}` }).waitFor();
    // The customers' picture of queue 3.2 beside the grid.
    await page.getByRole("combobox", { name: "Черга" }).selectOption("3.2");
    await page.getByRole("button", { name: "Показати" }).last().click();
    const picture = page.getByRole("img", { name: /Черга 3\.2: графік на/ });
    await picture.waitFor();
    const periods32 = page.getByLabel("Періоди черги 3.2");
    expect(await periods32.inputValue()).toBe("08:00-12:00");

    // Drag across 18:00-19:30 of queue 3.2: the cells turn "off" and the periods follow.
    const row = page.getByRole("row", { name: /Черга 3\.2/ });
    const box = async (title: string) => (await row.getByTitle(title, { exact: true }).boundingBox())!;
    await row.scrollIntoViewIfNeeded();
    const [first, last] = [await box("18:00"), await box("19:30")];
    await page.mouse.move(first.x + first.width / 2, first.y + first.height / 2);
    await page.mouse.down();
    await page.mouse.move(last.x + last.width / 2, last.y + last.height / 2, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => periods32.inputValue()).toBe("08:00-12:00, 18:00-20:00");
    // The picture is drawn again as edited.
    await expect
      .poll(() => picture.getAttribute("src"))
      .toContain(`?periods=${encodeURIComponent("08:00-12:00, 18:00-20:00")}`);
    // And a period typed for queue 5.1 paints its cells.
    await page.getByLabel("Періоди черги 5.1").fill("14:00-16:00?");
    expect(
      await page
        .getByRole("row", { name: /Черга 5\.1/ })
        .locator("td.s-maybe")
        .count(),
    ).toBe(4);

    await page.getByRole("button", { name: "Опублікувати графік" }).click();
    await page.getByRole("status").filter({ hasText: "Графік опубліковано." }).waitFor();
    const outcome = page.getByRole("region", { name: "Результат публікації" });
    await outcome.getByText("Змінено черги: 3.2, 5.1.").waitFor();
    const [latest] = await listDayVersions(db.prisma, today);
    expect(latest!.version).toBeGreaterThan(morning.version!);
    expect(await outcome.textContent()).toContain(`Версія № ${latest!.version}.`);
    const version = page.getByRole("listitem", { name: `Версія № ${latest!.version}` });
    expect(await version.textContent()).toContain("консоль · dispatcher1");
    expect(await version.textContent()).toContain("18:00–20:00 є → немає");
    const day = await getDay(db.prisma, today);
    expect(day.queues.find((q) => q.queue === "3.2")).toMatchObject({
      source: "console",
      actor: "dispatcher1",
      periods: [
        { from: "08:00", to: "12:00", state: "off" },
        { from: "18:00", to: "20:00", state: "off" },
      ],
    });
    // The customers' picture of a queue (sched-view's renderer) loaded beside the grid.
    await expect
      .poll(() => picture.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(100);
    await shot("schedules");
    await signOut();
  });

  it("billing accepts a flagged reading after looking at its photo; the customer is told", async () => {
    await signIn("billing1");
    await page.getByRole("heading", { name: "Показники на перевірці" }).waitFor();
    await page.getByRole("link", { name: `№ ${readingId}` }).click();
    const photo = page.getByRole("img", { name: "Фото лічильника від клієнта" });
    await photo.waitFor();
    await expect
      .poll(() => photo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBeGreaterThan(100);
    await shot("reading");
    await page.getByRole("button", { name: "Прийняти" }).click();
    await page.getByRole("status").filter({ hasText: "Показники прийнято" }).waitFor();
    expect(await page.getByText("Немає показників на перевірці.").count()).toBe(1);
    const told = await until(() => textsTo(CHAT)[2], "the review message");
    expect(told).toContain("Квартира: показники за");
    expect(told).toContain("перевірено й прийнято");
    const reading = await db.prisma.meterReading.findUniqueOrThrow({ where: { id: readingId } });
    expect(reading).toMatchObject({ status: "accepted", reviewDecision: "accepted" });
    expect(pageProblems, pageProblems.join("\n")).toEqual([]);
  });
});
