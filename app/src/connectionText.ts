// What the connection indicator says: the room connection, and where edits the hub has not seen yet are kept
// (saved on this device when the graph is kept in IndexedDB, else only in this tab). Pure.
import type { ConnectionState } from "./room.ts";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  syncing: "Syncing…",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  deleted: "Graph deleted",
  reset: "Reloading…",
  expired: "Signed out",
};

/** The stable test hook: connected, offline, connecting (first try, reconnecting, syncing or reloading), or closed. */
export function dataConnection(state: ConnectionState): "connected" | "connecting" | "offline" | "closed" {
  if (state === "connected" || state === "offline") return state;
  return state === "deleted" || state === "expired" ? "closed" : "connecting";
}

const changes = (n: number) => `${n} ${n === 1 ? "change" : "changes"}`;

export interface ConnectionText {
  label: string;
  /** After the label: what is pending and where it is kept; empty when nothing is worth saying. */
  detail: string;
  title: string | undefined;
}

/** `savedOnDevice`: this graph is kept in the browser's storage, so pending edits survive a reload. */
export function connectionText(state: ConnectionState, unsynced: number, savedOnDevice: boolean): ConnectionText {
  const label = LABELS[state];
  const waiting = state === "offline" || state === "connecting" || state === "reconnecting" || state === "syncing";
  let detail = "";
  if (unsynced > 0) {
    detail = savedOnDevice
      ? ` — ${changes(unsynced)} saved on this device`
      : ` · ${unsynced} unsynced ${unsynced === 1 ? "change" : "changes"}`;
  } else if (state === "offline" && savedOnDevice) detail = " — saved on this device";
  let title: string | undefined;
  if (waiting && savedOnDevice) {
    title =
      "The hub cannot be reached: keep editing. Your changes are saved in this browser and sync when the hub is back.";
  } else if (state === "offline") {
    title = "No network: you can keep editing; your changes sync when the connection is back (keep this tab open)";
  }
  return { label, detail, title };
}
