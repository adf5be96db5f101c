// The signature check over raw bytes: Viber's hex HMAC-SHA256 keyed by the auth token.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  isValidViberSignature,
  pickViberSignature,
  signViberBody,
} from "../../../src/channels/viber/signature.js";
import { viberFixture } from "./fixtures.js";

const TOKEN = "4453b6ac12345678-e02c5f12174805f9-daec9cbb5448c51f";

describe("Viber signature", () => {
  const body = Buffer.from(viberFixture("message-text"), "utf8");
  const good = createHmac("sha256", TOKEN).update(body).digest("hex");

  it("signs like Viber: hex HMAC-SHA256 of the raw body keyed by the auth token", () => {
    expect(signViberBody(body, TOKEN)).toBe(good);
    expect(good).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts the right signature, in either letter case", () => {
    expect(isValidViberSignature(body, good, TOKEN)).toBe(true);
    expect(isValidViberSignature(body, good.toUpperCase(), TOKEN)).toBe(true);
  });

  it("refuses a body changed by one byte", () => {
    const changed = Buffer.from(body);
    changed[changed.length - 2] = changed[changed.length - 2]! ^ 1;
    expect(isValidViberSignature(changed, good, TOKEN)).toBe(false);
  });

  it("refuses another token's signature, a missing one and malformed ones", () => {
    expect(isValidViberSignature(body, signViberBody(body, "another-token"), TOKEN)).toBe(false);
    expect(isValidViberSignature(body, undefined, TOKEN)).toBe(false);
    expect(isValidViberSignature(body, "", TOKEN)).toBe(false);
    expect(isValidViberSignature(body, good.slice(0, 63), TOKEN)).toBe(false);
    expect(isValidViberSignature(body, `${good}00`, TOKEN)).toBe(false);
    expect(isValidViberSignature(body, "z".repeat(64), TOKEN)).toBe(false);
  });

  it("takes the header first and the sig query parameter as a fallback", () => {
    expect(pickViberSignature({ "x-viber-content-signature": "aa" }, { sig: "bb" })).toBe("aa");
    expect(pickViberSignature({}, { sig: "bb" })).toBe("bb");
    expect(pickViberSignature({ "x-viber-content-signature": "" }, {})).toBeUndefined();
    expect(pickViberSignature({}, { sig: ["a", "b"] })).toBeUndefined();
    expect(pickViberSignature({}, undefined)).toBeUndefined();
  });
});
