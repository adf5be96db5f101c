// ESLint (flat config) with typescript-eslint. The one architectural rule: src/engine stays neutral —
// no messenger SDK, HTTP framework, logger or storage library, and no imports from the outer layers.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  {
    ignores: [
      "node_modules/",
      "dist/",
      "src/generated/",
      ".data/",
      "coverage/",
      "bench-results/",
      "test-results/",
      "src/channels/web/public/",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The operator console's one browser script (served as is, no build step).
    files: ["src/http/console/assets/**/*.js"],
    languageOptions: {
      globals: Object.fromEntries(
        [
          "document",
          "window",
          "setTimeout",
          "HTMLInputElement",
          "HTMLTextAreaElement",
          "HTMLSelectElement",
          "fetch",
          "DOMParser",
          "EventSource",
        ].map((name) => [name, "readonly"]),
      ),
    },
  },
  {
    languageOptions: { ecmaVersion: 2023, sourceType: "module" },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": "off",
    },
  },
  {
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["grammy", "grammy/*", "@grammyjs/*"],
              message: "The engine knows no messenger: map platform payloads in src/channels.",
            },
            {
              group: ["viber-bot", "viber-bot/*"],
              message: "The engine knows no messenger: map platform payloads in src/channels.",
            },
            { group: ["fastify", "fastify/*", "@fastify/*"], message: "The engine knows no HTTP framework." },
            { group: ["pino", "pino-*"], message: "The engine logs through its EngineLog port." },
            {
              group: [
                "@prisma/*",
                "prisma",
                "pg",
                "**/generated/**",
                "**/db/**",
                "**/http/**",
                "**/channels/**",
                "**/jobs/**",
              ],
              message: "The engine talks to storage through its ports (src/engine/ports.ts).",
            },
          ],
        },
      ],
    },
  },
);
