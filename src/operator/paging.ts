// Keyset cursors for lists ordered by (created_at, id): "<ISO time>_<id>", opaque to clients.
export interface Cursor {
  createdAt: Date;
  id: number;
}

export function encodeCursor(cursor: Cursor | undefined): string | null {
  return cursor ? `${cursor.createdAt.toISOString()}_${cursor.id}` : null;
}

export function decodeCursor(value: string | undefined): Cursor | undefined {
  if (!value) return undefined;
  const [at, id] = value.split("_");
  const createdAt = new Date(at ?? "");
  const n = Number(id);
  return Number.isNaN(createdAt.getTime()) || !Number.isInteger(n) || n < 0
    ? undefined
    : { createdAt, id: n };
}
