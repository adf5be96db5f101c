// docker-compose.yml cannot run here (no Docker engine), so its shape is checked: Postgres and the
// service with healthchecks, a volume, and only environment names the config schema knows.
import { readFile } from "node:fs/promises";
import { expect, it } from "vitest";
import { parse } from "yaml";
import { envSchema } from "../../src/config.js";

interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  healthcheck?: { test: unknown };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

it("docker-compose.yml runs Postgres and the bot with healthchecks, a volume and known env names", async () => {
  const compose = parse(await readFile(new URL("../../docker-compose.yml", import.meta.url), "utf8")) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };
  const { postgres, bot } = compose.services;
  expect(postgres?.image).toMatch(/^postgres:\d+/);
  expect(postgres?.healthcheck?.test).toBeDefined();
  expect(postgres?.volumes?.[0]).toMatch(/^pgdata:/);
  expect(Object.keys(compose.volumes)).toContain("pgdata");

  expect(bot?.build).toBeDefined();
  expect(bot?.healthcheck?.test).toBeDefined();
  expect(JSON.stringify(bot?.healthcheck?.test)).toContain("/readyz");
  expect(bot?.depends_on?.postgres?.condition).toBe("service_healthy");
  const known = new Set(Object.keys(envSchema.shape));
  const names = Object.keys(bot?.environment ?? {});
  expect(names).toContain("DATABASE_URL");
  expect(names.filter((n) => !known.has(n))).toEqual([]);
  expect(bot?.environment?.DATABASE_URL).toContain("@postgres:5432/");
});
