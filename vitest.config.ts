import { defineConfig } from "vitest/config";

// Every test file gets its own migrated database: a clone of a template on the Postgres server named
// by TEST_DATABASE_URL or DATABASE_URL, or an embedded Postgres (PGlite) of its own without one.

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
