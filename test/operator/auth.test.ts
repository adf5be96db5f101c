// Bearer-token auth of /api/v1: none / wrong / revoked -> 401; the bootstrap token and tokens made
// by `npm run operator:token` -> through. Only hashes are stored.
import { createHash } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTokenCommand } from "../../src/operator/token-cli.js";
import { createTestDatabase, type TestDatabase } from "../helpers/database.js";
import { AUTH, BOOTSTRAP_TOKEN, buildOperatorApp } from "./support.js";

let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildOperatorApp(db);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runTokenCommand(db.prisma, args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const stats = (headers: Record<string, string> = {}) =>
  app.inject({ method: "GET", url: "/api/v1/stats", headers });

describe("operator API authentication", () => {
  it("answers 401 without a token, with a wrong one and with a malformed header", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer not-the-token" },
      { authorization: `Basic ${BOOTSTRAP_TOKEN}` },
      { authorization: `Bearer ${BOOTSTRAP_TOKEN}x` },
      { authorization: "Bearer" },
    ];
    for (const headers of attempts) {
      const response = await stats(headers);
      expect(response.statusCode, JSON.stringify(headers)).toBe(401);
      expect(response.json()).toEqual({ error: "unauthorized", message: "A valid bearer token is required" });
      expect(response.headers["www-authenticate"]).toBe('Bearer realm="operator-api"');
    }
  });

  it("answers 401 on unknown routes under /api/v1 before saying they do not exist", async () => {
    expect((await app.inject({ method: "GET", url: "/api/v1/nothing-here" })).statusCode).toBe(401);
    expect((await app.inject({ method: "GET", url: "/api/v1/nothing-here", headers: AUTH })).statusCode).toBe(
      404,
    );
  });

  it("accepts the bootstrap token", async () => {
    expect((await stats(AUTH)).statusCode).toBe(200);
  });

  it("accepts a created token until it is revoked, storing only its SHA-256 hash", async () => {
    const created = await cli(["create", "billing-export"]);
    expect(created.code).toBe(0);
    const token = created.out[0];
    expect(token).toMatch(/^op_[A-Za-z0-9_-]{43}$/);

    const row = await db.prisma.operatorToken.findUniqueOrThrow({ where: { name: "billing-export" } });
    expect(row.tokenHash).toBe(createHash("sha256").update(token!).digest("hex"));
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.lastUsedAt).toBeNull();

    expect((await stats({ authorization: `Bearer ${token}` })).statusCode).toBe(200);
    const used = await db.prisma.operatorToken.findUniqueOrThrow({ where: { name: "billing-export" } });
    expect(used.lastUsedAt).not.toBeNull();

    // A second live token with the same name is refused; the first keeps working.
    const duplicate = await cli(["create", "billing-export"]);
    expect(duplicate.code).toBe(1);
    expect(duplicate.out).toEqual([]);

    const listed = await cli(["list"]);
    expect(listed.out).toHaveLength(1);
    expect(listed.out[0]).toMatch(/^billing-export\tactive\tcreated .*\tlast used /);
    expect(listed.out[0]).not.toContain(token);

    expect((await cli(["revoke", "billing-export"])).code).toBe(0);
    expect((await stats({ authorization: `Bearer ${token}` })).statusCode).toBe(401);
    expect((await cli(["revoke", "billing-export"])).code).toBe(1);

    // Re-issuing a revoked name gives a new token; the old one stays dead.
    const reissued = await cli(["create", "billing-export"]);
    expect(reissued.code).toBe(0);
    expect(reissued.out[0]).not.toBe(token);
    expect((await stats({ authorization: `Bearer ${reissued.out[0]}` })).statusCode).toBe(200);
    expect((await stats({ authorization: `Bearer ${token}` })).statusCode).toBe(401);
  });

  it("refuses bad command lines with the usage", async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(["create"])).code).toBe(2);
    expect((await cli(["create", "has space"])).code).toBe(2);
    expect((await cli(["drop", "x"])).err[0]).toContain("usage: npm run operator:token");
  });
});
