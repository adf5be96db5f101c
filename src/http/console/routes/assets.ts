// The console's stylesheet and script, read once at start and served with a content hash in the
// ETag (no build step: plain CSS and one ES module).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyPluginAsync } from "fastify";

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "assets");
const ASSETS: Record<string, string> = {
  "console.css": "text/css; charset=utf-8",
  "console.js": "text/javascript; charset=utf-8",
};

export function assetRoutes(): FastifyPluginAsync {
  const files = Object.fromEntries(
    Object.entries(ASSETS).map(([name, type]) => {
      const bytes = readFileSync(path.join(dir, name));
      return [
        name,
        { bytes, type, etag: `"${createHash("sha256").update(bytes).digest("hex").slice(0, 16)}"` },
      ];
    }),
  );
  return async (app) => {
    app.get("/assets/:name", async (request, reply) => {
      const file = files[(request.params as { name: string }).name];
      if (!file) return reply.code(404).type("text/plain").send("not found");
      if (request.headers["if-none-match"] === file.etag) return reply.code(304).send();
      return reply
        .type(file.type)
        .header("etag", file.etag)
        .header("cache-control", "public, max-age=300")
        .send(file.bytes);
    });
  };
}
