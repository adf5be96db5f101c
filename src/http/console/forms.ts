// Form fields as the console's pages post them (application/x-www-form-urlencoded): strings, with
// "" for an empty input. Times are datetime-local values in Kyiv time.
import { z } from "zod";
import { kyivInstant } from "../../engine/reading-window.js";
import { InvalidChangeError } from "../../operator/errors.js";

/** "2026-11-30T14:30" (Kyiv wall clock) -> the instant; "" -> null; anything else is a 400. */
export function kyivTime(field: string, value: unknown): Date | null {
  if (value === undefined || value === "") return null;
  const match = typeof value === "string" ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value) : null;
  if (!match) throw new InvalidChangeError(field, "expected a date and time");
  const [, y, mo, d, h, mi] = match.map(Number) as [number, number, number, number, number, number];
  return kyivInstant(y, mo, d, h, mi);
}

export function text(body: Record<string, unknown>, field: string, max = 1000): string | undefined {
  const value = body[field];
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  if (trimmed.length > max) throw new InvalidChangeError(field, `at most ${max} characters`);
  return trimmed.length === 0 ? undefined : trimmed;
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidChangeError(field, `one of ${allowed.join(", ")}`);
}

export const idParam = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

export function parseId(params: unknown): number {
  const parsed = idParam.safeParse(params);
  if (!parsed.success) throw Object.assign(new Error("bad id"), { statusCode: 404 });
  return parsed.data.id;
}

export function body(request: { body: unknown }): Record<string, unknown> {
  return (request.body ?? {}) as Record<string, unknown>;
}
