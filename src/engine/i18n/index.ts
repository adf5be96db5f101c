// Message catalogues: flows ask for a message key with parameters and never build customer texts
// themselves. Ukrainian is the default language; English mirrors every key (a test checks it).
import type { Language } from "../replies.js";
import { en } from "./en.js";
import { uk, type MessageKey } from "./uk.js";

export type { MessageKey };
export type MessageParams = Record<string, string | number>;

export const catalogues: Record<Language, Record<MessageKey, string>> = { uk, en };

/** Renders a message; `{name}` placeholders take params (a missing param is a bug: it throws). */
export function t(language: Language, key: MessageKey, params: MessageParams = {}): string {
  const template = catalogues[language][key];
  return template.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`message ${key} needs parameter ${name}`);
    return String(value);
  });
}

/** The start language from the messenger's language code: English for en*, Ukrainian otherwise (uk, ru, unknown). */
export function languageFromCode(code: string | undefined): Language {
  return code !== undefined && /^en(?:[-_]|$)/i.test(code.trim()) ? "en" : "uk";
}
