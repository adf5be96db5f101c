import { defineConfig } from "vitest/config";

// With a Postgres server (TEST_DATABASE_URL or DATABASE_URL) every test file gets its own database
// cloned from a migrated template, so files run in parallel. Without one, the suite shares one
// embedded Postgres (PGlite) and runs files one after another.
const hasServer = Boolean(process.env.TEST_DATABASE_URL || process.env.DATABASE_URL);

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/helpers/global-setup.ts"],
    fileParallelism: hasServer,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    reporters: ["default"],
  },
});
