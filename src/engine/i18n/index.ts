// Message catalogues: flows ask for a message key with parameters and never build customer texts
// themselves. Ukrainian is the default language; English mirrors every key (a test checks it).
import type { Language } from "../replies.js";
import { en } from "./en.js";
import { uk, type MessageKey } from "./uk.js";

export type { MessageKey };
export type MessageParams = Record<string, string | number>;

export const catalogues: Record<Language, Record<MessageKey, string>> = { uk, en };

/**
 * Templates split once at their `{name}` placeholders: literal text at even indexes, parameter names
 * at odd ones (String.split with a capturing group), so rendering is a join, not a regex per call.
 */
const compiled = new Map<string, string[]>();

function partsOf(template: string): string[] {
  let parts = compiled.get(template);
  if (parts === undefined) {
    parts = template.split(/\{(\w+)\}/);
    compiled.set(template, parts);
  }
  return parts;
}

/** Renders a message; `{name}` placeholders take params (a missing param is a bug: it throws). */
export function t(language: Language, key: MessageKey, params: MessageParams = {}): string {
  const template = catalogues[language][key];
  const parts = partsOf(template);
  if (parts.length === 1) return template;
  let text = parts[0] as string;
  for (let index = 1; index < parts.length; index += 2) {
    const name = parts[index] as string;
    const value = params[name];
    if (value === undefined) throw new Error(`message ${key} needs parameter ${name}`);
    text += String(value) + (parts[index + 1] as string);
  }
  return text;
}

/** The start language from the messenger's language code: English for en*, Ukrainian otherwise (uk, ru, unknown). */
export function languageFromCode(code: string | undefined): Language {
  return code !== undefined && /^en(?:[-_]|$)/i.test(code.trim()) ? "en" : "uk";
}
