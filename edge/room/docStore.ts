// Keeps the graph's Yjs document in a DocLog: updates stored before they are applied, the log folded into a
// snapshot now and then (crash-safe), a defensive load, and the retired generations of a replaced graph.
import * as Y from "yjs";
import type { DocLog } from "./docLog.ts";

/** Fold the log once it has this many updates and they outweigh half the snapshot, or at HARD_ROWS. */
const COMPACT_ROWS = 500;
const HARD_ROWS = 5000;

export type DocLogger = (event: string, fields: Record<string, unknown>) => void;

export class DocStore {
  private snapshotBytes = 0;
  private updateRows = 0;
  private updateBytes = 0;
  private itemCount = 0;
  /** After a failed compaction, wait for this many more rows before trying again. */
  private compactAfterRows = COMPACT_ROWS;
  private retiredVector = new Map<number, number>();

  constructor(
    private readonly log: DocLog,
    private readonly report: DocLogger,
  ) {}

  /** Bytes the stored document takes (snapshot plus updates since). */
  get bytes(): number {
    return this.snapshotBytes + this.updateBytes;
  }

  /** Yjs structs in the document: exact after load and compaction, an upper bound in between. */
  get items(): number {
    return this.itemCount;
  }

  /** Clients and clocks of retired document generations (their items are refused, see docGate). */
  get retired(): ReadonlyMap<number, number> {
    return this.retiredVector;
  }

  /**
   * Applies every stored entry to `doc`. An entry that cannot be applied is skipped and reported, never
   * thrown: a document always loads, with whatever could be read.
   */
  load(doc: Y.Doc): { entries: number; skipped: number } {
    const entries = this.log.entries();
    this.readStats();
    const retired = this.log.retired();
    this.retiredVector = retired ? Y.decodeStateVector(retired) : new Map();
    let skipped = 0;
    if (entries.length > 0) {
      try {
        Y.applyUpdate(doc, entries.length === 1 ? (entries[0] as Uint8Array) : Y.mergeUpdates(entries));
      } catch (error) {
        this.report("doc_load_merged_failed", { entries: entries.length, error: String(error) });
        skipped = this.applyOneByOne(doc, entries);
      }
    }
    this.itemCount = countItems(doc);
    return { entries: entries.length, skipped };
  }

  private applyOneByOne(doc: Y.Doc, entries: Uint8Array[]): number {
    let skipped = 0;
    for (const [index, entry] of entries.entries()) {
      try {
        Y.applyUpdate(doc, entry);
      } catch (error) {
        skipped++;
        this.report("doc_entry_skipped", { index, bytes: entry.length, error: String(error) });
      }
    }
    return skipped;
  }

  /** Stores an update before it is applied; throws when storage fails (the update must then be refused). */
  append(update: Uint8Array): number {
    const id = this.log.append(update);
    this.updateRows++;
    this.updateBytes += update.length;
    return id;
  }

  /** Forgets a stored update that could not be applied. */
  drop(id: number, bytes: number): void {
    this.log.remove(id);
    this.updateRows = Math.max(0, this.updateRows - 1);
    this.updateBytes = Math.max(0, this.updateBytes - bytes);
  }

  /** After an update was applied: counts its items and folds the log when it has grown. Never throws. */
  applied(doc: Y.Doc, items: number): void {
    this.itemCount += items;
    const due = this.updateRows >= HARD_ROWS || this.updateBytes * 2 >= this.snapshotBytes;
    if (this.updateRows >= this.compactAfterRows && due) this.compact(doc);
  }

  /**
   * Folds the log into one snapshot of `doc` (written before the old entries are deleted, in one
   * transaction). Returns false, leaving the log as it was, when the document cannot be encoded or stored.
   */
  compact(doc: Y.Doc): boolean {
    const started = Date.now();
    try {
      const snapshot = Y.encodeStateAsUpdate(doc);
      this.log.compact(snapshot);
      const rows = this.updateRows;
      this.snapshotBytes = snapshot.length;
      this.updateRows = 0;
      this.updateBytes = 0;
      this.compactAfterRows = COMPACT_ROWS;
      this.itemCount = countItems(doc);
      this.report("doc_compacted", { rows, bytes: snapshot.length, items: this.itemCount, ms: Date.now() - started });
      return true;
    } catch (error) {
      this.compactAfterRows = this.updateRows + HARD_ROWS;
      this.report("doc_compact_failed", { rows: this.updateRows, error: String(error).slice(0, 300) });
      return false;
    }
  }

  /**
   * Retires the document's generation before it is wiped: every client and clock it holds is remembered,
   * so a stale client cannot bring the old graph back by syncing its copy.
   */
  retire(doc: Y.Doc): void {
    for (const [client, clock] of Y.decodeStateVector(Y.encodeStateVector(doc))) {
      this.retiredVector.set(client, Math.max(clock, this.retiredVector.get(client) ?? 0));
    }
    this.log.setRetired(Y.encodeStateVector(this.retiredVector));
  }

  /** Deletes the stored document (after retire); the next snapshot starts a new generation. */
  wipe(): void {
    this.log.clear();
    this.snapshotBytes = 0;
    this.updateRows = 0;
    this.updateBytes = 0;
    this.itemCount = 0;
  }

  private readStats(): void {
    const stats = this.log.stats();
    this.snapshotBytes = stats.snapshotBytes;
    this.updateRows = stats.updateRows;
    this.updateBytes = stats.updateBytes;
  }
}

/** Structs in the document's store (each costs memory however small). */
export function countItems(doc: Y.Doc): number {
  let n = 0;
  for (const structs of doc.store.clients.values()) n += structs.length;
  return n;
}
