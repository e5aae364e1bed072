// The broker's storage port and its SQLite implementation: published batches (one row per publish frame,
// group commit), attempt counts of failed messages, and dead letters.
import { bumpCounter } from "./sqlCounter.ts";

/** One stored publish frame: the edges it was stored for and its messages as JSON texts, in order. */
export interface StoredBatch {
  b: number;
  edges: string[];
  messages: string[];
}

/** A message that failed at least once: its attempts so far and the last error (kept across restarts). */
export interface AttemptRow {
  edge: string;
  b: number;
  i: number;
  attempts: number;
  error: string;
}

export interface DeadLetterRow {
  id: number;
  edge: string;
  /** JSON text of the Message. */
  msg: string;
  attempts: number;
  error: string;
  at: number;
}

export type NewDeadLetter = Omit<DeadLetterRow, "id">;

export interface QueueStore {
  /** Counts room starts; delivery ids of this start are numbered above every earlier start's. */
  nextStart(): number;
  batches(): StoredBatch[];
  /** One statement per publish frame, whatever its size (DELIVERY-2). */
  insertBatch(batch: StoredBatch): void;
  /** One batch's messages, for messages the room does not keep in memory. */
  batchMessages(b: number): string[] | undefined;
  /** Deletes batches every edge is done with, and their attempt rows when `attempts` says some exist. */
  deleteBatches(bs: readonly number[], attempts: boolean): void;
  attempts(): AttemptRow[];
  putAttempt(row: AttemptRow): void;
  addDeadLetters(rows: readonly NewDeadLetter[]): void;
  deadLetterCounts(): Map<string, number>;
  /** Dead letters of `edge` (every edge when undefined) with id > `after`, oldest first. */
  deadLetters(edge: string | undefined, after: number, limit: number): DeadLetterRow[];
  /** Removes and returns dead letters of `edge`: the listed ids, or the oldest `limit` when `ids` is "all". */
  takeDeadLetters(edge: string, ids: readonly number[] | "all", limit: number): DeadLetterRow[];
  /** Forgets every batch, attempt and dead letter (the graph was deleted). */
  clear(): void;
  /** Runs `fn` so that its writes land together or not at all. */
  transaction<T>(fn: () => T): T;
}

/** Message texts are joined with newlines: JSON.stringify never writes a raw newline. */
const SEPARATOR = "\n";

export class SqlQueueStore implements QueueStore {
  private readonly sql: SqlStorage;

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS broker_kv (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS batches (b INTEGER PRIMARY KEY, edges TEXT NOT NULL, messages TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS attempts (edge TEXT NOT NULL, b INTEGER NOT NULL, i INTEGER NOT NULL,
        attempts INTEGER NOT NULL, error TEXT NOT NULL, PRIMARY KEY (b, edge, i));
      CREATE TABLE IF NOT EXISTS dead_letters (id INTEGER PRIMARY KEY AUTOINCREMENT, edge TEXT NOT NULL,
        msg TEXT NOT NULL, attempts INTEGER NOT NULL, error TEXT NOT NULL, at INTEGER NOT NULL);
      CREATE INDEX IF NOT EXISTS dead_letters_edge ON dead_letters (edge, id);
    `);
    storage.transactionSync(() => migrateFirstCut(this.sql));
  }

  nextStart(): number {
    return bumpCounter(this.sql, "broker_kv", "starts");
  }

  batches(): StoredBatch[] {
    return this.sql
      .exec<{ b: number; edges: string; messages: string }>("SELECT b, edges, messages FROM batches ORDER BY b")
      .toArray()
      .map((row) => ({ b: row.b, edges: JSON.parse(row.edges) as string[], messages: row.messages.split(SEPARATOR) }));
  }

  insertBatch(batch: StoredBatch): void {
    this.sql.exec(
      "INSERT INTO batches (b, edges, messages) VALUES (?, ?, ?)",
      batch.b,
      JSON.stringify(batch.edges),
      batch.messages.join(SEPARATOR),
    );
  }

  batchMessages(b: number): string[] | undefined {
    const row = this.sql.exec<{ messages: string }>("SELECT messages FROM batches WHERE b = ?", b).toArray()[0];
    return row?.messages.split(SEPARATOR);
  }

  deleteBatches(bs: readonly number[], attempts: boolean): void {
    if (bs.length === 0) return;
    if (bs.length === 1) {
      this.sql.exec("DELETE FROM batches WHERE b = ?", bs[0]);
      if (attempts) this.sql.exec("DELETE FROM attempts WHERE b = ?", bs[0]);
      return;
    }
    const list = JSON.stringify(bs);
    this.sql.exec("DELETE FROM batches WHERE b IN (SELECT value FROM json_each(?))", list);
    if (attempts) this.sql.exec("DELETE FROM attempts WHERE b IN (SELECT value FROM json_each(?))", list);
  }

  attempts(): AttemptRow[] {
    return this.sql
      .exec<Record<string, SqlStorageValue>>("SELECT edge, b, i, attempts, error FROM attempts")
      .toArray()
      .map((row) => ({
        edge: String(row.edge),
        b: Number(row.b),
        i: Number(row.i),
        attempts: Number(row.attempts),
        error: String(row.error),
      }));
  }

  putAttempt(row: AttemptRow): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO attempts (edge, b, i, attempts, error) VALUES (?, ?, ?, ?, ?)",
      row.edge,
      row.b,
      row.i,
      row.attempts,
      row.error,
    );
  }

  addDeadLetters(rows: readonly NewDeadLetter[]): void {
    if (rows.length === 0) return;
    this.sql.exec(
      `INSERT INTO dead_letters (edge, msg, attempts, error, at)
       SELECT json_extract(value, '$.edge'), json_extract(value, '$.msg'), json_extract(value, '$.attempts'),
              json_extract(value, '$.error'), json_extract(value, '$.at')
       FROM json_each(?) ORDER BY key`,
      JSON.stringify(rows),
    );
  }

  deadLetterCounts(): Map<string, number> {
    const rows = this.sql
      .exec<{ edge: string; n: number }>("SELECT edge, COUNT(*) AS n FROM dead_letters GROUP BY edge")
      .toArray();
    return new Map(rows.map((row) => [row.edge, Number(row.n)]));
  }

  deadLetters(edge: string | undefined, after: number, limit: number): DeadLetterRow[] {
    const rows =
      edge === undefined
        ? this.sql.exec<Record<string, SqlStorageValue>>(
            "SELECT id, edge, msg, attempts, error, at FROM dead_letters WHERE id > ? ORDER BY id LIMIT ?",
            after,
            limit,
          )
        : this.sql.exec<Record<string, SqlStorageValue>>(
            "SELECT id, edge, msg, attempts, error, at FROM dead_letters WHERE edge = ? AND id > ? ORDER BY id LIMIT ?",
            edge,
            after,
            limit,
          );
    return rows.toArray().map(deadLetterRow);
  }

  takeDeadLetters(edge: string, ids: readonly number[] | "all", limit: number): DeadLetterRow[] {
    const rows =
      ids === "all"
        ? this.sql.exec<Record<string, SqlStorageValue>>(
            `DELETE FROM dead_letters WHERE id IN (SELECT id FROM dead_letters WHERE edge = ? ORDER BY id LIMIT ?)
             RETURNING id, edge, msg, attempts, error, at`,
            edge,
            limit,
          )
        : this.sql.exec<Record<string, SqlStorageValue>>(
            `DELETE FROM dead_letters WHERE edge = ? AND id IN (SELECT value FROM json_each(?))
             RETURNING id, edge, msg, attempts, error, at`,
            edge,
            JSON.stringify(ids.slice(0, limit)),
          );
    return rows
      .toArray()
      .map(deadLetterRow)
      .sort((a, b) => a.id - b.id);
  }

  clear(): void {
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM batches");
      this.sql.exec("DELETE FROM attempts");
      this.sql.exec("DELETE FROM dead_letters");
    });
  }

  transaction<T>(fn: () => T): T {
    return this.storage.transactionSync(fn);
  }
}

/**
 * The first-cut broker queued messages per consumer port, which names no edge: they become dead letters of
 * edge "" (listable and purgeable; the reason names the port), never silently away.
 */
function migrateFirstCut(sql: SqlStorage): void {
  if (sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'queue'").toArray().length === 0) return;
  sql.exec(`INSERT INTO dead_letters (edge, msg, attempts, error, at)
    SELECT '', msg, attempts, 'queued for ' || node_id || '.' || port || ' before channels were per edge', 0
    FROM queue ORDER BY d`);
  sql.exec("DROP TABLE queue");
}

function deadLetterRow(row: Record<string, SqlStorageValue>): DeadLetterRow {
  return {
    id: Number(row.id),
    edge: String(row.edge),
    msg: String(row.msg),
    attempts: Number(row.attempts),
    error: String(row.error),
    at: Number(row.at),
  };
}

/** The in-memory QueueStore for unit tests, observably the same as SqlQueueStore (queueStoreContract.ts). */
export class MemoryQueueStore implements QueueStore {
  private state = emptyState();
  /** Throws from the next write whose name is listed (tests of all-or-nothing writes). */
  failOn = new Set<"insertBatch" | "deleteBatches" | "addDeadLetters">();

  nextStart(): number {
    this.state.starts += 1;
    return this.state.starts;
  }

  batches(): StoredBatch[] {
    return [...this.state.batches.values()].sort((a, b) => a.b - b.b).map(copyBatch);
  }

  insertBatch(batch: StoredBatch): void {
    this.fail("insertBatch");
    if (this.state.batches.has(batch.b)) throw new Error(`UNIQUE constraint failed: batches.b (${batch.b})`);
    this.state.batches.set(batch.b, copyBatch(batch));
  }

  batchMessages(b: number): string[] | undefined {
    const batch = this.state.batches.get(b);
    return batch ? [...batch.messages] : undefined;
  }

  deleteBatches(bs: readonly number[], attempts: boolean): void {
    this.fail("deleteBatches");
    for (const b of bs) {
      this.state.batches.delete(b);
      if (attempts)
        for (const key of [...this.state.attempts.keys()])
          if (key.startsWith(`${b}\u0000`)) this.state.attempts.delete(key);
    }
  }

  attempts(): AttemptRow[] {
    return [...this.state.attempts.values()].map((row) => ({ ...row }));
  }

  putAttempt(row: AttemptRow): void {
    this.state.attempts.set(`${row.b}\u0000${row.edge}\u0000${row.i}`, { ...row });
  }

  addDeadLetters(rows: readonly NewDeadLetter[]): void {
    this.fail("addDeadLetters");
    for (const row of rows) {
      this.state.lastDead += 1;
      this.state.dead.set(this.state.lastDead, { ...row, id: this.state.lastDead });
    }
  }

  deadLetterCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const row of this.state.dead.values()) counts.set(row.edge, (counts.get(row.edge) ?? 0) + 1);
    return counts;
  }

  deadLetters(edge: string | undefined, after: number, limit: number): DeadLetterRow[] {
    return [...this.state.dead.values()]
      .filter((row) => (edge === undefined || row.edge === edge) && row.id > after)
      .slice(0, limit)
      .map((row) => ({ ...row }));
  }

  takeDeadLetters(edge: string, ids: readonly number[] | "all", limit: number): DeadLetterRow[] {
    const wanted = ids === "all" ? undefined : new Set(ids.slice(0, limit));
    const taken = [...this.state.dead.values()]
      .filter((row) => row.edge === edge && (wanted === undefined || wanted.has(row.id)))
      .slice(0, limit);
    for (const row of taken) this.state.dead.delete(row.id);
    return taken.map((row) => ({ ...row }));
  }

  clear(): void {
    this.state = { ...emptyState(), starts: this.state.starts, lastDead: this.state.lastDead };
  }

  transaction<T>(fn: () => T): T {
    const saved = cloneState(this.state);
    try {
      return fn();
    } catch (error) {
      this.state = saved;
      throw error;
    }
  }

  private fail(name: "insertBatch" | "deleteBatches" | "addDeadLetters"): void {
    if (this.failOn.delete(name)) throw new Error(`injected failure in ${name}`);
  }
}

interface MemoryState {
  starts: number;
  batches: Map<number, StoredBatch>;
  attempts: Map<string, AttemptRow>;
  dead: Map<number, DeadLetterRow>;
  lastDead: number;
}

function emptyState(): MemoryState {
  return { starts: 0, batches: new Map(), attempts: new Map(), dead: new Map(), lastDead: 0 };
}

function cloneState(s: MemoryState): MemoryState {
  return {
    starts: s.starts,
    batches: new Map([...s.batches].map(([b, batch]) => [b, copyBatch(batch)])),
    attempts: new Map([...s.attempts].map(([k, row]) => [k, { ...row }])),
    dead: new Map([...s.dead].map(([id, row]) => [id, { ...row }])),
    lastDead: s.lastDead,
  };
}

function copyBatch(batch: StoredBatch): StoredBatch {
  return { b: batch.b, edges: [...batch.edges], messages: [...batch.messages] };
}
