// Loads recorded Viber callbacks as raw text: they hold 64-bit tokens that JSON.parse would round,
// so they are never imported as JSON modules.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const directory = fileURLToPath(new URL("../../fixtures/viber/", import.meta.url));

export function viberFixture(name: string): string {
  return readFileSync(`${directory}${name}.json`, "utf8").trim();
}
