// Owns one graph's Y.Doc and its y-partyserver socket: connection state, `watch` on every (re)connect, status pushes.
import { type Accessor, createSignal } from "solid-js";
import YProvider from "y-partyserver/provider";
import * as Y from "yjs";
import type { EditorRequest, GraphStatus } from "../../shared/status.ts";
import { parsePush } from "./statusPush.ts";

/** connecting: first attempt; reconnecting: lost and retrying; deleted: the room closed with 4005 (CLOSE-5). */
export type ConnectionState = "connecting" | "connected" | "reconnecting" | "deleted";

export interface Room {
  readonly graphId: string;
  readonly doc: Y.Doc;
  readonly connection: Accessor<ConnectionState>;
  /** True once the first full sync with the room has completed. */
  readonly synced: Accessor<boolean>;
  destroy(): void;
}

const CLOSE_GRAPH_DELETED = 4005;

export function openRoom(graphId: string, onStatus: (status: GraphStatus) => void): Room {
  const doc = new Y.Doc();
  const [connection, setConnection] = createSignal<ConnectionState>("connecting");
  const [synced, setSynced] = createSignal(false);
  let everConnected = false;

  const provider = new YProvider(location.host, graphId, doc, {
    party: "graph",
    protocol: location.protocol === "https:" ? "wss" : "ws",
    // Every edit goes through the room, even between tabs of one browser.
    disableBc: true,
  });

  provider.on("status", ({ status }: { status: string }) => {
    if (connection() === "deleted") return;
    if (status === "connected") {
      everConnected = true;
      setConnection("connected");
      const watch: EditorRequest = { type: "watch" };
      provider.sendMessage(JSON.stringify(watch));
    } else {
      setConnection(everConnected ? "reconnecting" : "connecting");
    }
  });

  provider.on("sync", (isSynced: boolean) => {
    if (isSynced) setSynced(true);
  });

  provider.on("connection-close", (event: CloseEvent | null) => {
    if (event?.code === CLOSE_GRAPH_DELETED) {
      setConnection("deleted");
      provider.disconnect();
    }
  });

  provider.on("custom-message", (message: string) => {
    const push = parsePush(message);
    if (push) onStatus(push.status);
  });

  return {
    graphId,
    doc,
    connection,
    synced,
    destroy() {
      provider.destroy();
      doc.destroy();
    },
  };
}
