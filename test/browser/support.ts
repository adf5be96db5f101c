// What the console's browser tests share: Chromium's path, polling for a condition, and signing in
// through the console's form (by label, as a person does).
import { existsSync } from "node:fs";
import type { Page } from "playwright-core";
import { pollUntil } from "../helpers/until.js";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/** Skipped only outside CI when Chromium is missing; in CI a missing browser fails the test. */
export const skipWithoutChromium = !existsSync(CHROMIUM) && !process.env.CI;

/** Polls `probe` every 50 ms until it returns a value. */
export function until<T>(probe: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  return pollUntil(probe, { what, timeoutMs });
}

/** Fills the console's Ukrainian sign-in form and submits it. */
export async function submitSignIn(
  page: Page,
  baseUrl: string,
  login: string,
  password: string,
): Promise<void> {
  await page.goto(`${baseUrl}/console`);
  await page.getByLabel("Логін").fill(login);
  await page.getByLabel("Пароль").fill(password);
  await page.getByRole("button", { name: "Увійти" }).click();
}
