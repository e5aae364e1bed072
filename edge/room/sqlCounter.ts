// A persistent counter in a key/value table of Durable Object SQLite: one statement, returns the new value.

/** Adds 1 to `key` in `table` (starting at 1) and returns the new value. */
export function bumpCounter(sql: SqlStorage, table: "room_kv" | "broker_kv", key: string): number {
  return sql
    .exec<{ value: number }>(
      `INSERT INTO ${table} (key, value) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET value = value + 1 RETURNING value`,
      key,
    )
    .one().value;
}
