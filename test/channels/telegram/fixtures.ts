// Loads the recorded-style Telegram updates in test/fixtures/telegram by name.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../fixtures/telegram");

export function telegramFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(dir, `${name}.json`), "utf8")) as Record<string, unknown>;
}
