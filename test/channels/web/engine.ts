// The real engine on the test database, as main.ts builds it: Prisma engine store, real clock,
// default settings. Web chat tests go through it so they prove behaviour, not a stand-in's.
import type { Logger } from "pino";
import type { EngineHandle } from "../../../src/channels/channel.js";
import { createEngineStore } from "../../../src/db/engine-store.js";
import { createEngine } from "../../../src/engine/engine.js";
import { defaultEngineSettings } from "../../../src/engine/settings.js";
import type { PrismaClient } from "../../../src/generated/prisma/client.js";

export function createTestEngine(prisma: PrismaClient, logger: Logger): EngineHandle {
  return createEngine({
    store: createEngineStore(prisma),
    clock: { now: () => new Date() },
    settings: defaultEngineSettings,
    log: logger,
  });
}
