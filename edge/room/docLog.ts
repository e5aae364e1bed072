// The storage port for the graph's Yjs document and its Durable Object SQLite implementation: an ordered log
// of entries (one snapshot, then updates), each stored in chunks under SQLite's 2 MB row limit.

/** What the log holds, in bytes and rows. */
export interface DocLogStats {
  snapshotBytes: number;
  updateRows: number;
  updateBytes: number;
}

export interface DocLog {
  /** Every entry in order: the snapshot first (if any), then the updates since. */
  entries(): Uint8Array[];
  stats(): DocLogStats;
  /** Stores one update atomically (all its chunks or none); returns its id. */
  append(update: Uint8Array): number;
  /** Forgets one appended update (it could not be applied). */
  remove(id: number): void;
  /** Replaces every entry with one snapshot in one transaction: written first, then the old entries deleted. */
  compact(snapshot: Uint8Array): void;
  /** Encoded state vector of retired document generations (see DocStore.retire), or undefined. */
  retired(): Uint8Array | undefined;
  setRetired(stateVector: Uint8Array): void;
  /** Deletes every entry (the document is gone); `retired` stays. */
  clear(): void;
}

/** Bytes per stored chunk: far under the 2 MB row limit, leaving room for the row's other columns. */
export const CHUNK_BYTES = 1024 * 1024;

const SNAPSHOT = 0;
const UPDATE = 1;

type Storage = Pick<DurableObjectStorage, "sql" | "transactionSync">;

export class SqlDocLog implements DocLog {
  private readonly sql: SqlStorage;

  constructor(private readonly storage: Storage) {
    this.sql = storage.sql;
    this.sql.exec(`
      CREATE TABLE IF NOT EXISTS ydoc_entries (id INTEGER PRIMARY KEY AUTOINCREMENT, kind INTEGER NOT NULL,
        bytes INTEGER NOT NULL, parts INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS ydoc_chunks (entry INTEGER NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL,
        PRIMARY KEY (entry, part)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS ydoc_kv (key TEXT PRIMARY KEY, value BLOB NOT NULL);
    `);
    this.migrateOldTable();
  }

  entries(): Uint8Array[] {
    const rows = this.sql
      .exec<{ id: number; parts: number; bytes: number; part: number; data: ArrayBuffer }>(
        `SELECT e.id, e.parts, e.bytes, c.part, c.data FROM ydoc_entries e JOIN ydoc_chunks c ON c.entry = e.id
         ORDER BY e.id, c.part`,
      )
      .toArray();
    const out: Uint8Array[] = [];
    let i = 0;
    while (i < rows.length) {
      const first = rows[i] as (typeof rows)[number];
      const chunks: ArrayBuffer[] = [];
      while (i < rows.length && (rows[i] as typeof first).id === first.id)
        chunks.push((rows[i++] as typeof first).data);
      // An entry is whole or absent (written in one transaction); a short one is skipped, never half-read.
      if (chunks.length === first.parts) out.push(concat(chunks, first.bytes));
    }
    return out;
  }

  stats(): DocLogStats {
    const rows = this.sql
      .exec<{ kind: number; n: number; bytes: number }>(
        "SELECT kind, COUNT(*) AS n, COALESCE(SUM(bytes), 0) AS bytes FROM ydoc_entries GROUP BY kind",
      )
      .toArray();
    const of = (kind: number) => rows.find((r) => r.kind === kind);
    return {
      snapshotBytes: Number(of(SNAPSHOT)?.bytes ?? 0),
      updateRows: Number(of(UPDATE)?.n ?? 0),
      updateBytes: Number(of(UPDATE)?.bytes ?? 0),
    };
  }

  append(update: Uint8Array): number {
    return this.storage.transactionSync(() => this.insert(UPDATE, update));
  }

  remove(id: number): void {
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM ydoc_chunks WHERE entry = ?", id);
      this.sql.exec("DELETE FROM ydoc_entries WHERE id = ?", id);
    });
  }

  compact(snapshot: Uint8Array): void {
    this.storage.transactionSync(() => {
      const id = this.insert(SNAPSHOT, snapshot);
      this.sql.exec("DELETE FROM ydoc_chunks WHERE entry < ?", id);
      this.sql.exec("DELETE FROM ydoc_entries WHERE id < ?", id);
    });
  }

  retired(): Uint8Array | undefined {
    const row = this.sql.exec<{ value: ArrayBuffer }>("SELECT value FROM ydoc_kv WHERE key = 'retired'").toArray()[0];
    return row ? new Uint8Array(row.value) : undefined;
  }

  setRetired(stateVector: Uint8Array): void {
    this.sql.exec("INSERT OR REPLACE INTO ydoc_kv (key, value) VALUES ('retired', ?)", stateVector);
  }

  clear(): void {
    this.storage.transactionSync(() => {
      this.sql.exec("DELETE FROM ydoc_chunks");
      this.sql.exec("DELETE FROM ydoc_entries");
    });
  }

  private insert(kind: number, data: Uint8Array): number {
    const parts = Math.max(1, Math.ceil(data.length / CHUNK_BYTES));
    const { id } = this.sql
      .exec<{ id: number }>(
        "INSERT INTO ydoc_entries (kind, bytes, parts) VALUES (?, ?, ?) RETURNING id",
        kind,
        data.length,
        parts,
      )
      .one();
    for (let part = 0; part < parts; part++) {
      const chunk = data.subarray(part * CHUNK_BYTES, Math.min(data.length, (part + 1) * CHUNK_BYTES));
      this.sql.exec("INSERT INTO ydoc_chunks (entry, part, data) VALUES (?, ?, ?)", id, part, chunk);
    }
    return id;
  }

  /** Rooms stored before chunking kept one row per update in `ydoc (id, data)`: move them over once. */
  private migrateOldTable(): void {
    const old = this.sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'ydoc'").toArray();
    if (old.length === 0) return;
    this.storage.transactionSync(() => {
      for (const row of this.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM ydoc ORDER BY id").toArray()) {
        this.insert(UPDATE, new Uint8Array(row.data));
      }
      this.sql.exec("DROP TABLE ydoc");
    });
  }
}

/** The in-memory DocLog for unit tests: the same contract (docLogContract.ts), no SQLite. */
export class MemoryDocLog implements DocLog {
  private log: Array<{ id: number; kind: number; data: Uint8Array }> = [];
  private nextId = 1;
  private retiredVector: Uint8Array | undefined;
  /** Set by tests to make the next write fail like a full disk, before anything is written. */
  failNextWrite: Error | undefined;

  /** `failLarge`: appends or compactions of more than one chunk fail (the contract's part-way failure). */
  constructor(private readonly failLarge?: "append" | "compact") {}

  entries(): Uint8Array[] {
    return this.log.map((e) => e.data.slice());
  }

  stats(): DocLogStats {
    const updates = this.log.filter((e) => e.kind === UPDATE);
    return {
      snapshotBytes: this.log.filter((e) => e.kind === SNAPSHOT).reduce((n, e) => n + e.data.length, 0),
      updateRows: updates.length,
      updateBytes: updates.reduce((n, e) => n + e.data.length, 0),
    };
  }

  append(update: Uint8Array): number {
    this.throwIfFailing(this.failLarge === "append" && update.length > CHUNK_BYTES);
    const id = this.nextId++;
    this.log.push({ id, kind: UPDATE, data: update.slice() });
    return id;
  }

  remove(id: number): void {
    this.log = this.log.filter((e) => e.id !== id);
  }

  compact(snapshot: Uint8Array): void {
    this.throwIfFailing(this.failLarge === "compact" && snapshot.length > CHUNK_BYTES);
    const id = this.nextId++;
    this.log = [{ id, kind: SNAPSHOT, data: snapshot.slice() }];
  }

  retired(): Uint8Array | undefined {
    return this.retiredVector?.slice();
  }

  setRetired(stateVector: Uint8Array): void {
    this.retiredVector = stateVector.slice();
  }

  clear(): void {
    this.log = [];
  }

  private throwIfFailing(large: boolean): void {
    const error = this.failNextWrite ?? (large ? new Error("SQLITE_TOOBIG: string or blob too big") : undefined);
    this.failNextWrite = undefined;
    if (error) throw error;
  }
}

function concat(chunks: ArrayBuffer[], bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(new Uint8Array(chunk), offset);
    offset += chunk.byteLength;
  }
  return out;
}
