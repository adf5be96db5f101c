// customer_photo, where the service keeps customers' photos: the migration that renamed web_photo
// keeps every row (web-photo: references go on working); the store keeps one copy per id however
// often it is asked and reports a database it cannot reach as StoreUnavailableError; the retention
// sweep deletes old copies nothing refers to and never one a reading, an order or a half-finished
// journey refers to.
import { randomBytes, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { derivedPhotoId } from "../../src/channels/customer-photos.js";
import { createPrisma } from "../../src/db/client.js";
import { createCustomerPhotoStore } from "../../src/db/customer-photo-store.js";
import { projectRoot } from "../../src/db/migrate.js";
import { pruneUnreferencedPhotos, UNREFERENCED_PHOTO_RETENTION_DAYS } from "../../src/db/retention.js";
import { StoreUnavailableError } from "../../src/engine/errors.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { seedAccount, seedUser } from "../operator/support.js";

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

const jpeg = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(2000)]);

describe("the migration from web_photo", () => {
  it("renames the table in place: a web chat photo stored before it is still there, byte for byte", async () => {
    const dir = path.join(projectRoot, "prisma", "migrations");
    const migrations = (await readdir(dir, { withFileTypes: true }))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
    const renaming = migrations.findIndex((name) => name.endsWith("_customer_photo"));
    expect(renaming).toBeGreaterThan(0);

    // The migrations into a scratch schema of their own (their SQL names no schema).
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("CREATE SCHEMA before_rename");
      await client.query("SET search_path TO before_rename");
      const apply = async (name: string) =>
        client.query(await readFile(path.join(dir, name, "migration.sql"), "utf8"));
      for (const name of migrations.slice(0, renaming)) await apply(name);
      const id = randomUUID();
      const bytes = jpeg();
      await client.query(
        "INSERT INTO web_photo (id, address, mime_type, bytes) VALUES ($1, 'web:old-client-0001', 'image/jpeg', $2)",
        [id, bytes],
      );
      for (const name of migrations.slice(renaming)) await apply(name);

      const rows = await client.query<{ address: string; mime_type: string; bytes: Buffer }>(
        "SELECT address, mime_type, bytes FROM customer_photo WHERE id = $1",
        [id],
      );
      expect(rows.rows).toHaveLength(1);
      expect(rows.rows[0]).toMatchObject({ address: "web:old-client-0001", mime_type: "image/jpeg" });
      expect(rows.rows[0]!.bytes.equals(bytes)).toBe(true);
      const old = await client.query("SELECT to_regclass('before_rename.web_photo') AS table");
      expect(old.rows[0].table).toBeNull();
    } finally {
      await client.query("DROP SCHEMA before_rename CASCADE");
      await client.end();
    }
  });
});

describe("CustomerPhotoStore", () => {
  it("keeps one copy per id: a second keep, even with other bytes, changes nothing and does not fail", async () => {
    const store = createCustomerPhotoStore(db.prisma);
    const id = derivedPhotoId("viber-picture", "5741311803571799001");
    const first = jpeg();
    expect(await store.has(id)).toBe(false);
    await store.keep({ id, address: "viber:store-test", contentType: "image/jpeg", bytes: first });
    expect(await store.has(id)).toBe(true);
    await Promise.all([
      store.keep({ id, address: "viber:store-test", contentType: "image/jpeg", bytes: jpeg() }),
      store.keep({ id, address: "viber:store-test", contentType: "image/jpeg", bytes: jpeg() }),
    ]);
    const rows = await db.prisma.customerPhoto.findMany({ where: { address: "viber:store-test" } });
    expect(rows).toHaveLength(1);
    expect(Buffer.from(rows[0]!.bytes).equals(first)).toBe(true);
  });

  it("reports a database it cannot reach as StoreUnavailableError", async () => {
    const unreachable = createPrisma("postgresql://root@127.0.0.1:1/unreachable", { poolSize: 1 });
    try {
      const store = createCustomerPhotoStore(unreachable);
      await expect(store.has(randomUUID())).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(
        store.keep({ id: randomUUID(), address: "viber:x", contentType: "image/jpeg", bytes: jpeg() }),
      ).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      await unreachable.$disconnect();
    }
  });
});

describe("pruneUnreferencedPhotos", () => {
  it("deletes old copies nothing refers to, and keeps referenced and recent ones", async () => {
    // Real time: the rows other tests made a moment ago are recent too.
    const now = new Date();
    const old = new Date(now.getTime() - (UNREFERENCED_PHOTO_RETENTION_DAYS * 24 + 1) * 3_600_000);
    const recent = new Date(now.getTime() - (UNREFERENCED_PHOTO_RETENTION_DAYS * 24 - 1) * 3_600_000);
    const photo = async (createdAt: Date, address = "viber:retention-test") => {
      const id = randomUUID();
      await db.prisma.customerPhoto.create({
        data: { id, address, mimeType: "image/jpeg", bytes: new Uint8Array(jpeg()), createdAt },
      });
      return id;
    };
    const account = await seedAccount(db.prisma);
    const byReading = await photo(old, "web:retention-client-01");
    const byOrder = await photo(old);
    const byState = await photo(old);
    const byHandoff = await photo(old);
    const orphan = await photo(old);
    const webOrphan = await photo(old, "web:retention-client-02");
    const young = await photo(recent);

    await db.prisma.meterReading.create({
      data: {
        accountId: account.id,
        period: "2026-11",
        t1: 1000,
        takenAt: old,
        source: "web",
        photoRef: `web-photo:${byReading.toUpperCase()}`,
      },
    });
    // References of other shapes sit next to them and are not read as kept photos.
    for (const photoRef of [
      `viber-photo:${byOrder}`,
      "AgACAgIAAxkBAAIFaultPhoto-1280",
      "viber-media:https://x/y",
    ]) {
      await db.prisma.serviceOrder.create({
        data: {
          accountId: account.id,
          type: "meter_fault",
          description: "Не світиться екран",
          contactPhone: "380671234567",
          photoRef,
        },
      });
    }
    // A journey still under way holds its photo in the state.
    const user = await seedUser(db.prisma, { channel: "viber" });
    await db.prisma.messengerUser.update({
      where: { id: user.id },
      data: {
        state: {
          step: {
            name: "order_date",
            accountId: account.id,
            type: "meter_fault",
            description: "Не світиться екран",
            photoRef: `viber-photo:${byState}`,
          },
          offered: [],
        },
        stateVersion: 2,
      },
    });

    // A photo sent to a person ("Write to a person") stays with the conversation.
    const conversation = await db.prisma.handoffConversation.create({
      data: { userId: user.id, lastMessageAt: old },
    });
    await db.prisma.handoffMessage.create({
      data: { conversationId: conversation.id, author: "customer", photoRef: `viber-photo:${byHandoff}` },
    });

    expect(await pruneUnreferencedPhotos(db.prisma, now)).toBe(2);
    const left = (await db.prisma.customerPhoto.findMany({ select: { id: true } })).map((row) => row.id);
    expect(left).toEqual(expect.arrayContaining([byReading, byOrder, byState, byHandoff, young]));
    expect(left).not.toContain(orphan);
    expect(left).not.toContain(webOrphan);
    // Idempotent: a second sweep (another instance) finds nothing.
    expect(await pruneUnreferencedPhotos(db.prisma, now)).toBe(0);
  });
});
