// Names the browser databases that keep graphs on this device (one per hub origin, graph and user) and reads and
// writes the small index of them kept in localStorage: whose copy each is, whether it was ever synced with the
// room, and how many edits the hub has not seen yet. Pure: the browser side is offline.ts.

/** Every database name starts with this, so the editor's own databases can be told from anything else. */
export const DB_PREFIX = "weft-graph";
/** The localStorage key of the index (bump the version when its shape changes). */
export const INDEX_KEY = "weft.localCopies.v1";

export interface LocalCopyKey {
  /** The hub's origin (the editor is served by the hub, so location.origin). */
  origin: string;
  graphId: string;
  /** The signed-in user: a shared browser never shows one user's copy to another. */
  user: string;
}

const GRAPH_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** "weft-graph <origin> <graphId> <user>", origin and user URI-encoded so a space only ever separates. */
export function localDbName(key: LocalCopyKey): string {
  return [DB_PREFIX, encodeURIComponent(key.origin), key.graphId, encodeURIComponent(key.user)].join(" ");
}

/** The key a database name was made from, or undefined when it is not one of ours. */
export function parseLocalDbName(name: string): LocalCopyKey | undefined {
  const parts = name.split(" ");
  if (parts.length !== 4 || parts[0] !== DB_PREFIX) return undefined;
  const [, origin, graphId, user] = parts as [string, string, string, string];
  if (!GRAPH_ID.test(graphId)) return undefined;
  try {
    return { origin: decodeURIComponent(origin), graphId, user: decodeURIComponent(user) };
  } catch {
    return undefined;
  }
}

export interface LocalCopyEntry {
  /** Edits made on this device that the room has not acknowledged by a full sync. */
  unsynced: number;
  /** When the copy last completed a full sync with the room (ms since the epoch); null: never. */
  syncedAt: number | null;
}

/** Database name → entry. */
export type LocalIndex = Readonly<Record<string, LocalCopyEntry>>;

/** The stored index; entries that are not ours or not well formed are dropped, so a damaged index only forgets. */
export function parseIndex(text: string | null): LocalIndex {
  if (!text) return {};
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return {};
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) return {};
  const index: Record<string, LocalCopyEntry> = {};
  for (const [name, value] of Object.entries(data as Record<string, unknown>)) {
    if (!parseLocalDbName(name) || !value || typeof value !== "object") continue;
    const { unsynced, syncedAt } = value as Record<string, unknown>;
    const count = typeof unsynced === "number" && Number.isSafeInteger(unsynced) && unsynced >= 0 ? unsynced : 0;
    const at = typeof syncedAt === "number" && Number.isFinite(syncedAt) ? syncedAt : null;
    index[name] = { unsynced: count, syncedAt: at };
  }
  return index;
}

export function withEntry(index: LocalIndex, name: string, change: Partial<LocalCopyEntry>): LocalIndex {
  const before = index[name] ?? { unsynced: 0, syncedAt: null };
  return { ...index, [name]: { ...before, ...change } };
}

export function withoutEntries(index: LocalIndex, names: Iterable<string>): LocalIndex {
  const next = { ...index };
  for (const name of names) delete next[name];
  return next;
}

/** The databases of `origin` among `names` (for one graph when `graphId` is given, every user's). */
export function copiesOf(names: Iterable<string>, origin: string, graphId?: string): string[] {
  const found: string[] = [];
  for (const name of names) {
    const key = parseLocalDbName(name);
    if (key && key.origin === origin && (graphId === undefined || key.graphId === graphId)) found.push(name);
  }
  return found;
}

/** Edits on this device, over every graph of `origin`, that no hub has yet. */
export function unsyncedTotal(index: LocalIndex, origin: string): number {
  let total = 0;
  for (const name of copiesOf(Object.keys(index), origin)) total += index[name]?.unsynced ?? 0;
  return total;
}
