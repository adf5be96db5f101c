// Console passwords: scrypt (memory-hard, in Node's crypto: no native add-on to build) with a
// random salt per password. The stored string names its parameters, so they can be raised later
// without invalidating existing hashes: scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from "node:crypto";

const KEY_LENGTH = 32;
/** N = 2^15, r = 8: 32 MiB of memory per hash, about 0.1 s on the 2-core development machine. */
const DEFAULT_COST = { log2N: 15, r: 8, p: 1 };

export const MIN_PASSWORD_LENGTH = 10;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password.normalize("NFC"), salt, KEY_LENGTH, options, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function optionsFor(log2N: number, r: number, p: number): ScryptOptions {
  const N = 2 ** log2N;
  return { N, r, p, maxmem: 256 * N * r };
}

export async function hashPassword(password: string): Promise<string> {
  const { log2N, r, p } = DEFAULT_COST;
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, optionsFor(log2N, r, p));
  return ["scrypt", log2N, r, p, salt.toString("base64"), key.toString("base64")].join("$");
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![log2N, r, p].every((n) => Number.isInteger(n) && n > 0) || log2N > 20) return false;
  const expected = Buffer.from(parts[5]!, "base64");
  const key = await scrypt(password, Buffer.from(parts[4]!, "base64"), optionsFor(log2N, r, p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash nobody's password matches: verified against when a login does not exist, so that answer takes as long. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString("hex"));
  return decoy;
}
