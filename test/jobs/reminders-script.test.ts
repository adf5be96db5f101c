// `npm run reminders`: dry-run prints who would get what and changes nothing; run enqueues once.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { seedUser } from "./support.js";

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

async function reminders(...args: string[]) {
  return run(process.execPath, ["--import", "tsx", path.join(root, "scripts", "reminders.ts"), ...args], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      MIGRATE_ON_START: "false",
      DEMO_DATA: "off",
      LOG_LEVEL: "warn",
    },
    timeout: 30_000,
  });
}

describe("reminders script", () => {
  it("dry-run lists recipients and counts per channel; run enqueues; a second run enqueues nothing", async () => {
    const flat = await seedUser(db.prisma, { accounts: ["Квартира", "Дача"] });
    await seedUser(db.prisma, { channel: "viber", lastInboundAt: null, accounts: ["Батьки"] });

    const dry = await reminders("dry-run", "--period", "2026-12", "--kind", "window_open", "--list");
    expect(dry.stdout).toContain('Dry run: reminder "window_open" for period 2026-12');
    expect(dry.stdout).toContain(`user ${flat.userId} (telegram, uk): Квартира, Дача`);
    expect(dry.stdout).toContain("Would remind 2 users: telegram 1, viber 1");
    expect(dry.stdout).toContain("Viber users outside the free 24 h window: 1 (each is a paid message)");
    expect(await db.prisma.outboundMessage.count()).toBe(0);

    const first = await reminders("run", "--period", "2026-12", "--kind", "last_day");
    expect(first.stdout).toContain("Enqueued 2 reminders: telegram 1, viber 1");
    const again = await reminders("run", "--period", "2026-12", "--kind", "last_day");
    expect(again.stdout).toContain("Enqueued 0 reminders: none");
    expect(await db.prisma.outboundMessage.count()).toBe(2);

    await expect(reminders("send")).rejects.toMatchObject({ code: 2 });
    await expect(reminders("run", "--period", "2026-13")).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});
