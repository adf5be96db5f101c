// Prisma CLI configuration. Prisma's Rust engines cannot be downloaded on our build machines, so the
// CLI uses the wasm schema engine through the pg driver adapter (see README, "Prisma without binaries").
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// engineType "client" never loads the Rust query engine: stop the CLI from trying to fetch one.
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= "/dev/null";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    return new PrismaPg({ connectionString: url });
  },
});
