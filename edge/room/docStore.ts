// Persists the graph's Yjs document in Durable Object SQLite: every update appended at once, compacted past a bound.
import * as Y from "yjs";

const COMPACT_AFTER_ROWS = 500;

export class DocStore {
  private rows = 0;

  constructor(private readonly sql: SqlStorage) {
    sql.exec("CREATE TABLE IF NOT EXISTS ydoc (id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL)");
  }

  /** Applies every stored update to `doc`. */
  loadInto(doc: Y.Doc): void {
    const updates = this.sql.exec<{ data: ArrayBuffer }>("SELECT data FROM ydoc ORDER BY id").toArray();
    this.rows = updates.length;
    if (updates.length === 0) return;
    Y.applyUpdate(doc, Y.mergeUpdates(updates.map((row) => new Uint8Array(row.data))));
  }

  /** Stores one update before anyone relies on it; folds the log into one snapshot when it grows. */
  append(doc: Y.Doc, update: Uint8Array): void {
    this.sql.exec("INSERT INTO ydoc (data) VALUES (?)", update);
    this.rows += 1;
    if (this.rows >= COMPACT_AFTER_ROWS) this.compact(doc);
  }

  compact(doc: Y.Doc): void {
    const snapshot = Y.encodeStateAsUpdate(doc);
    this.sql.exec("DELETE FROM ydoc");
    this.sql.exec("INSERT INTO ydoc (data) VALUES (?)", snapshot);
    this.rows = 1;
  }
}
