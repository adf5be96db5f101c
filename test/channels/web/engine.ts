// The real engine on the test database, as main.ts builds it: the pg engine store, real clock,
// default settings. Web chat tests go through it so they prove behaviour, not a stand-in's.
import type { Logger } from "pino";
import type { EngineHandle } from "../../../src/channels/channel.js";
import { createPgEngineStore } from "../../../src/db/engine-store-pg.js";
import { createEngine } from "../../../src/engine/engine.js";
import { defaultEngineSettings } from "../../../src/engine/settings.js";
import type pg from "pg";

export function createTestEngine(enginePool: pg.Pool, logger: Logger): EngineHandle {
  return createEngine({
    store: createPgEngineStore(enginePool),
    clock: { now: () => new Date() },
    settings: defaultEngineSettings,
    log: logger,
  });
}
