// Both message catalogues are complete and agree on placeholders, and flow code builds no
// customer-facing text itself (every text and label comes from the catalogue).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { catalogues, languageFromCode, t } from "../../src/engine/i18n/index.js";

const placeholders = (text: string): string[] =>
  [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? "").sort();

describe("catalogues", () => {
  test("uk and en have the same keys, none empty", () => {
    const ukKeys = Object.keys(catalogues.uk).sort();
    const enKeys = Object.keys(catalogues.en).sort();
    expect(enKeys).toEqual(ukKeys);
    for (const language of ["uk", "en"] as const) {
      for (const [key, text] of Object.entries(catalogues[language])) {
        expect(text.trim(), `${language}:${key}`).not.toBe("");
      }
    }
  });

  test("every key has the same placeholders in both languages", () => {
    for (const [key, text] of Object.entries(catalogues.uk)) {
      expect(placeholders(catalogues.en[key as keyof typeof catalogues.en]), key).toEqual(placeholders(text));
    }
  });

  test("t fills placeholders and refuses a missing one", () => {
    expect(t("uk", "verify.linked", { number: "123" })).toBe("Рахунок № 123 підключено.");
    expect(t("en", "verify.linked", { number: "123" })).toBe("Account No. 123 is linked.");
    expect(() => t("uk", "verify.linked")).toThrow(/number/);
  });

  test("t renders every message of both catalogues as a plain placeholder replace would", () => {
    for (const language of ["uk", "en"] as const) {
      for (const [key, template] of Object.entries(catalogues[language])) {
        // Values that look like placeholders or replacement patterns stay as they are.
        const params = Object.fromEntries(
          placeholders(template).map((name) => [name, `{${name}}$&<${name}>`]),
        );
        const expected = template.replace(/\{(\w+)\}/g, (_match, name: string) => String(params[name]));
        expect(t(language, key as keyof typeof catalogues.uk, params), `${language}:${key}`).toBe(expected);
      }
    }
  });

  test("start language from the messenger code", () => {
    expect(languageFromCode("en")).toBe("en");
    expect(languageFromCode("en-GB")).toBe("en");
    expect(languageFromCode("uk")).toBe("uk");
    expect(languageFromCode("ru")).toBe("uk");
    expect(languageFromCode(undefined)).toBe("uk");
    expect(languageFromCode("eng")).toBe("uk");
  });
});

test("flow code has no customer-facing literals", () => {
  const engineDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "../../src/engine");
  const files = [
    ...readdirSync(path.join(engineDir, "flows")).map((name) => path.join(engineDir, "flows", name)),
    path.join(engineDir, "engine.ts"),
    path.join(engineDir, "flow-kit.ts"),
    path.join(engineDir, "notify-render.ts"),
    path.join(engineDir, "notify-render-schedule.ts"),
  ];
  for (const file of files) {
    const source = readFileSync(file, "utf8")
      .split("\n")
      .filter(
        (line) =>
          !line.trim().startsWith("//") && !line.trim().startsWith("*") && !line.trim().startsWith("/**"),
      )
      .join("\n");
    expect(source, file).not.toMatch(/[А-Яа-яІіЇїЄєҐґ]/);
    // text/label properties are never string literals (joining catalogue texts in a template is fine).
    expect(source, file).not.toMatch(/\b(text|label):\s*(["']|`(?!\$\{))/);
  }
});
