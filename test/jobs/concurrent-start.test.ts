// Several instances starting at the same moment on a fresh database (a deployment rolling out
// N replicas): pg-boss's queue creation can deadlock between them; every instance must still start.
import { afterEach, expect, it } from "vitest";
import { createOutbound, type Outbound } from "../../src/jobs/outbound.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { silentLogger, testMetrics, testSettings } from "./support.js";

const started: Outbound[] = [];
const databases: TestDatabase[] = [];

afterEach(async () => {
  await Promise.all(started.splice(0).map((o) => o.stop()));
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

it("three instances started at once on a fresh database all start, three times over", async () => {
  for (let round = 0; round < 3; round++) {
    const db = await createTestDatabase();
    databases.push(db);
    const instances = Array.from({ length: 3 }, () =>
      createOutbound({
        prisma: db.prisma,
        databaseUrl: db.url,
        senders: {},
        logger: silentLogger,
        metrics: testMetrics(),
        settings: testSettings(),
      }),
    );
    started.push(...instances);
    const results = await Promise.allSettled(instances.map((o) => o.start({ schedule: false })));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
  }
}, 120_000);
