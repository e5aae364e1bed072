// Owns one graph's Y.Doc and its y-partyserver socket: connection state, `watch` on every (re)connect, status and
// node-type pushes.
import { type Accessor, createSignal } from "solid-js";
import YProvider from "y-partyserver/provider";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import type { EditorRequest, GraphStatus, NodeTypeInfo } from "../../shared/status.ts";
import { notify } from "./notices.ts";
import { parsePush } from "./statusPush.ts";

/**
 * connecting: first attempt; reconnecting: lost and retrying; offline: the browser says it has no network (edits
 * are kept and sync on reconnect); syncing: connected again, exchanging what changed meanwhile; deleted: the room closed with 4005 (CLOSE-5);
 * reset: this copy of the document must be dropped and synced afresh (an edit refused, CLOSE-11, or the
 * graph replaced, CLOSE-16); expired: the session ended (CLOSE-15).
 */
export type ConnectionState =
  | "connecting"
  | "connected"
  | "syncing"
  | "reconnecting"
  | "offline"
  | "deleted"
  | "reset"
  | "expired";

export interface Room {
  readonly graphId: string;
  readonly doc: Y.Doc;
  /** Presence: relayed by the room to every editor of this graph (presence.ts reads and writes it). */
  readonly awareness: Awareness;
  readonly connection: Accessor<ConnectionState>;
  /** True once the first full sync with the room has completed. */
  readonly synced: Accessor<boolean>;
  /** Edits made here since the room last had everything (while offline, reconnecting or syncing). */
  readonly unsynced: Accessor<number>;
  destroy(): void;
}

const CLOSE_GRAPH_DELETED = 4005;
const CLOSE_RATE_LIMITED = 4010;
const CLOSE_UPDATE_REFUSED = 4011;
const CLOSE_SESSION_EXPIRED = 4015;
const CLOSE_GRAPH_REPLACED = 4016;

/** What the room pushes to a watching editor, already checked (statusPush.ts). */
export interface RoomPushes {
  onStatus(status: GraphStatus): void;
  /** The graph's node-type registry: after every `watch`, and whenever it changes. */
  onTypes(types: NodeTypeInfo[]): void;
}

export function openRoom(graphId: string, pushes: RoomPushes): Room {
  const doc = new Y.Doc();
  const [connection, setConnection] = createSignal<ConnectionState>("connecting");
  const [synced, setSynced] = createSignal(false);
  const [unsynced, setUnsynced] = createSignal(0);
  let everConnected = false;
  let everSynced = false;

  const provider = new YProvider(location.host, graphId, doc, {
    party: "graph",
    protocol: location.protocol === "https:" ? "wss" : "ws",
    // Every edit goes through the room, even between tabs of one browser.
    disableBc: true,
  });

  const final = () => ["deleted", "reset", "expired"].includes(connection());
  provider.on("status", ({ status }: { status: string }) => {
    if (final()) return;
    if (status === "connected") {
      everConnected = true;
      setConnection(everSynced ? "syncing" : "connecting");
      const watch: EditorRequest = { type: "watch" };
      provider.sendMessage(JSON.stringify(watch));
    } else if (connection() !== "offline") {
      setConnection(everConnected ? "reconnecting" : "connecting");
    }
  });

  provider.on("sync", (isSynced: boolean) => {
    if (!isSynced || final()) return;
    everSynced = true;
    setSynced(true);
    setUnsynced(0);
    if (connection() === "syncing" || connection() === "connecting") setConnection("connected");
  });

  // Sent at once while connected; otherwise counted until the next sync carries them.
  const onUpdate = (_update: Uint8Array, origin: unknown) => {
    if (origin !== provider && connection() !== "connected") setUnsynced((n) => n + 1);
  };
  doc.on("update", onUpdate);

  // The socket may linger after the network is gone; the browser's word is enough to stop and start it.
  const onOffline = () => {
    if (final()) return;
    setConnection("offline");
    provider.disconnect();
  };
  const onOnline = () => {
    if (final() || connection() !== "offline") return;
    setConnection("reconnecting");
    provider.connect();
  };
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);

  provider.on("connection-close", (event: CloseEvent | null) => {
    const stop = (state: ConnectionState) => {
      setConnection(state);
      provider.disconnect();
    };
    switch (event?.code) {
      case CLOSE_GRAPH_DELETED:
        return stop("deleted");
      case CLOSE_UPDATE_REFUSED:
      case CLOSE_GRAPH_REPLACED:
        if (event.code === CLOSE_GRAPH_REPLACED) notify("info", "The graph was replaced (imported); it was reloaded.");
        return stop("reset");
      case CLOSE_SESSION_EXPIRED:
        return stop("expired");
      case CLOSE_RATE_LIMITED:
        notify("error", `The hub closed the connection: ${event.reason || "too many messages"}; reconnecting.`);
        return;
      default:
        return;
    }
  });

  provider.on("custom-message", (message: string) => {
    const push = parsePush(message);
    if (push?.type === "status") pushes.onStatus(push.status);
    else if (push?.type === "nodeTypes") pushes.onTypes(push.types);
    else if (push?.type === "refused") {
      notify(
        "error",
        push.code === "read_only"
          ? "You can only view this graph; your edit was not saved."
          : `The hub refused your last edit: ${push.reason}`,
        12_000,
      );
    }
  });

  return {
    graphId,
    doc,
    awareness: provider.awareness,
    connection,
    synced,
    unsynced,
    destroy() {
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      doc.off("update", onUpdate);
      provider.destroy();
      doc.destroy();
    },
  };
}
