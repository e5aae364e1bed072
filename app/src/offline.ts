// The graphs kept on this device: each graph's Yjs document in IndexedDB (y-indexeddb; one database per hub origin,
// graph and user, named by offlineIndex.ts), the index of them in localStorage, forgetting them (a graph deleted
// or replaced on the hub, sign-out), and the copy rescued from a graph the hub retired, offered as a download.
import { createSignal } from "solid-js";
import { IndexeddbPersistence } from "y-indexeddb";
import type * as Y from "yjs";
import type { GraphExport } from "../../shared/graph.ts";
import { readGraph } from "../../shared/ydoc.ts";
import {
  copiesOf,
  DB_PREFIX,
  INDEX_KEY,
  type LocalIndex,
  localDbName,
  parseIndex,
  unsyncedTotal,
  withEntry,
  withoutEntries,
} from "./offlineIndex.ts";
import { forgetTypes } from "./typesCache.ts";

/** Past this the stored copy is given up on for this visit (a blocked or broken IndexedDB) and the room is used. */
const LOAD_TIMEOUT_MS = 2000;

export interface LoadedCopy {
  /** The database held a copy that was synced with the room before: it can be shown at once. */
  hadCopy: boolean;
  /** Edits in it that the room has not had yet. */
  unsynced: number;
}

export interface LocalCopy {
  /** The origin y-indexeddb applies stored updates with: they are not new edits. */
  readonly origin: unknown;
  /** Resolves when the stored document is in the doc (or was given up on); never rejects. */
  readonly loaded: Promise<LoadedCopy>;
  /** This device's index lists a copy synced before: worth waiting for `loaded` before connecting. */
  readonly stored: boolean;
  /** The room has everything this copy has. */
  markSynced(): void;
  setUnsynced(count: number): void;
  /** Stops saving and deletes this copy's database (the delete is issued before this returns). */
  discard(): Promise<void>;
  /** Stops saving; the database stays. */
  close(): void;
}

interface OpenCopy {
  name: string;
  graphId: string;
  close(): void;
}

/** Copies open in this page, so forgetting a graph can stop them before their database is deleted. */
const open = new Set<OpenCopy>();
const [saved, setSaved] = createSignal<ReadonlySet<string>>(new Set());

/** Whether graph `graphId` is open here with a copy kept on this device (edits survive a reload). */
export function isSavedOnDevice(graphId: string): boolean {
  return saved().has(graphId);
}

function refreshSaved(): void {
  setSaved(new Set([...open].map((copy) => copy.graphId)));
}

function readIndex(): LocalIndex {
  try {
    return parseIndex(localStorage.getItem(INDEX_KEY));
  } catch (error) {
    console.warn("[weft] cannot read the index of graphs kept on this device", error);
    return {};
  }
}

function writeIndex(change: (index: LocalIndex) => LocalIndex): void {
  try {
    localStorage.setItem(INDEX_KEY, JSON.stringify(change(readIndex())));
  } catch (error) {
    console.warn("[weft] cannot update the index of graphs kept on this device", error);
  }
}

/** Edits saved on this device, over all graphs of this hub, that the hub has not had yet. */
export function unsyncedOnDevice(): number {
  return unsyncedTotal(readIndex(), location.origin);
}

/**
 * Keeps `doc` in this browser's IndexedDB and loads what was kept before into it. Undefined when this browser
 * has no IndexedDB (the editor then works as before: edits are kept only while the tab is open).
 */
export function openLocalCopy(graphId: string, user: string, doc: Y.Doc): LocalCopy | undefined {
  if (typeof indexedDB === "undefined") return undefined;
  const name = localDbName({ origin: location.origin, graphId, user });
  let persistence: IndexeddbPersistence;
  try {
    persistence = new IndexeddbPersistence(name, doc);
  } catch (error) {
    console.warn(`[weft] graph ${graphId} cannot be kept on this device`, error);
    return undefined;
  }
  let closed = false;
  const entry: OpenCopy = {
    name,
    graphId,
    close() {
      if (closed) return;
      closed = true;
      open.delete(entry);
      refreshSaved();
      void persistence.destroy().catch(() => undefined);
    },
  };
  open.add(entry);
  refreshSaved();
  // Deleted from another tab (or by sign-out there): stop writing to the closed database instead of throwing.
  persistence._db.then(
    (db) => {
      db.onversionchange = () => {
        db.close();
        persistence.db = null;
        entry.close();
      };
    },
    (error: unknown) => {
      console.warn(`[weft] graph ${graphId} cannot be kept on this device`, error);
      entry.close();
    },
  );
  const stored = readIndex()[name];
  const loaded = new Promise<LoadedCopy>((resolve) => {
    const timer = setTimeout(() => {
      console.warn(`[weft] the copy of graph ${graphId} on this device did not load within ${LOAD_TIMEOUT_MS} ms`);
      resolve({ hadCopy: false, unsynced: 0 });
    }, LOAD_TIMEOUT_MS);
    persistence.whenSynced.then(() => {
      clearTimeout(timer);
      resolve({
        hadCopy: !closed && typeof stored?.syncedAt === "number",
        unsynced: closed ? 0 : (stored?.unsynced ?? 0),
      });
    });
  });
  return {
    origin: persistence,
    loaded,
    stored: typeof stored?.syncedAt === "number",
    markSynced() {
      if (!closed) writeIndex((index) => withEntry(index, name, { unsynced: 0, syncedAt: Date.now() }));
    },
    setUnsynced(count) {
      if (!closed) writeIndex((index) => withEntry(index, name, { unsynced: count }));
    },
    discard() {
      entry.close();
      writeIndex((index) => withoutEntries(index, [name]));
      return deleteDatabase(name);
    },
    close: entry.close,
  };
}

/**
 * Forgets graph `graphId` on this device, for every user (it was deleted or replaced on the hub, so every copy is
 * stale). The deletes of the databases this page knows of are issued before this returns, so a copy opened right
 * after (IndexedDB queues it behind the delete) starts empty.
 */
export function forgetGraph(graphId: string): Promise<void> {
  forgetTypes(graphId);
  return forget((names) => copiesOf(names, location.origin, graphId));
}

/** Forgets every graph of this hub kept on this device (sign-out). */
export function forgetAllGraphs(): Promise<void> {
  forgetTypes();
  return forget((names) => copiesOf(names, location.origin));
}

function forget(select: (names: Iterable<string>) => string[]): Promise<void> {
  const known = new Set(select(Object.keys(readIndex())));
  for (const copy of [...open]) {
    if (select([copy.name]).length > 0) {
      known.add(copy.name);
      copy.close();
    }
  }
  writeIndex((index) => withoutEntries(index, known));
  const deletes = [...known].map(deleteDatabase);
  // Databases the index lost track of (another tab's, a cleared localStorage): found by listing, where the browser can.
  const listed = listDatabases().then((names) =>
    Promise.all(select(names.filter((name) => !known.has(name))).map(deleteDatabase)),
  );
  return Promise.all([...deletes, listed]).then(() => undefined);
}

async function listDatabases(): Promise<string[]> {
  if (typeof indexedDB === "undefined" || typeof indexedDB.databases !== "function") return [];
  const infos = await indexedDB.databases();
  return infos.flatMap((info) => (info.name?.startsWith(DB_PREFIX) ? [info.name] : []));
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onerror = () => reject(request.error ?? new Error(`could not delete the local copy ${name}`));
    // "blocked": another tab still has it open; the delete goes ahead once that tab closes it (on versionchange).
  });
}

// ---- copies rescued from a retired graph ---------------------------------------------------------------------

export interface RescuedCopy {
  graph: GraphExport;
  why: "deleted" | "retired";
}

const [rescued, setRescued] = createSignal<ReadonlyMap<string, RescuedCopy>>(new Map());

/** Keeps the document as an export (in memory, for this visit) before its stored copy is deleted. */
export function rescueCopy(graphId: string, doc: Y.Doc, why: RescuedCopy["why"]): void {
  let graph: GraphExport;
  try {
    graph = readGraph(doc, graphId);
  } catch (error) {
    console.error(`[weft] the offline copy of graph ${graphId} could not be read for export`, error);
    return;
  }
  setRescued((map) => new Map(map).set(graphId, { graph, why }));
}

export function rescuedCopy(graphId: string): RescuedCopy | undefined {
  return rescued().get(graphId);
}

export function dismissRescued(graphId: string): void {
  setRescued((map) => {
    const next = new Map(map);
    next.delete(graphId);
    return next;
  });
}

/** Downloads the rescued copy as `<name>.offline.weft.json`, a file the graph list imports. */
export function downloadRescued(graphId: string): void {
  const copy = rescuedCopy(graphId);
  if (!copy) return;
  const blob = new Blob([`${JSON.stringify(copy.graph, null, 2)}\n`], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${String(copy.graph.name || graphId).replace(/[^\w.-]+/g, "_")}.offline.weft.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
