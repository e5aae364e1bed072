// The last node-type registry the room sent for each graph, kept on this device (localStorage, which is per hub
// origin) so the editor opened offline, or before the room's first push, knows the plugin types workers announced:
// its palette offers them and nodes of those types show their ports, not "unknown type". The room's next push
// replaces it. Read back through the push's own check (statusPush.ts), so a stale or tampered entry cannot add
// what the room would not have sent.
import type { NodeTypeInfo } from "../../shared/status.ts";
import { parseNodeTypes } from "./statusPush.ts";

export const TYPES_PREFIX = "weft:types:";

/** The slice of Storage used here (localStorage in the app, a Map in tests). */
export type KeyValue = Pick<Storage, "getItem" | "setItem" | "removeItem" | "key" | "length">;

const store = (): KeyValue | undefined => {
  try {
    return typeof localStorage === "undefined" ? undefined : localStorage;
  } catch {
    return undefined; // storage blocked by the browser
  }
};

/** The registry last stored for `graphId`, or undefined when there is none or it does not read as one. */
export function cachedTypes(graphId: string, storage = store()): NodeTypeInfo[] | undefined {
  try {
    const text = storage?.getItem(TYPES_PREFIX + graphId);
    if (!text) return undefined;
    const types = parseNodeTypes(JSON.parse(text));
    return types && types.length > 0 ? types : undefined;
  } catch (error) {
    console.warn(`[weft] the node types kept for graph ${graphId} could not be read`, error);
    return undefined;
  }
}

export function cacheTypes(graphId: string, types: readonly NodeTypeInfo[], storage = store()): void {
  try {
    storage?.setItem(TYPES_PREFIX + graphId, JSON.stringify(types));
  } catch (error) {
    // Full or blocked: the editor works without it (built-ins until the room's push).
    console.warn(`[weft] the node types of graph ${graphId} could not be kept on this device`, error);
  }
}

/** Forgets the registry kept for `graphId`, or for every graph. */
export function forgetTypes(graphId?: string, storage = store()): void {
  if (!storage) return;
  try {
    if (graphId !== undefined) {
      storage.removeItem(TYPES_PREFIX + graphId);
      return;
    }
    const keys: string[] = [];
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key?.startsWith(TYPES_PREFIX)) keys.push(key);
    }
    for (const key of keys) storage.removeItem(key);
  } catch (error) {
    console.warn("[weft] the node types kept on this device could not be forgotten", error);
  }
}
