// The console's own catalogues (operators' texts, not customers'): Ukrainian first, English with the
// same keys and placeholders (test/console/catalogue.test.ts). Customer texts stay in src/engine/i18n.
import { en } from "./i18n/en.js";
import { uk } from "./i18n/uk.js";

export type ConsoleKey = keyof typeof uk;
export type ConsoleLanguage = "uk" | "en";

export const consoleCatalogues: Record<ConsoleLanguage, Record<ConsoleKey, string>> = { uk, en };

export function ct(
  language: ConsoleLanguage,
  key: ConsoleKey,
  params: Record<string, string | number> = {},
): string {
  const template = consoleCatalogues[language][key];
  return template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`console text ${key} needs parameter ${name}`);
    return String(value);
  });
}

/** A key built from data (a status, a role) that must exist in the catalogue. */
export function isConsoleKey(key: string): key is ConsoleKey {
  return Object.prototype.hasOwnProperty.call(uk, key);
}

export function languageFromHeader(header: string | undefined): ConsoleLanguage {
  return header !== undefined && /^\s*en\b/i.test(header) ? "en" : "uk";
}
