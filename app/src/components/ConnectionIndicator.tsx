// Shows whether this editor is connected to the graph's room (data-connection="connected|connecting").
import { Show } from "solid-js";
import { useEditor } from "../editorContext.ts";
import type { ConnectionState } from "../room.ts";

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
function dataConnection(state: ConnectionState): "connected" | "connecting" | "offline" | "closed" {
  if (state === "connected" || state === "offline") return state;
  return state === "deleted" || state === "expired" ? "closed" : "connecting";
}

export function ConnectionIndicator() {
  const editor = useEditor();
  const state = () => editor.connection();
  return (
    <span
      class={`connection connection-${state()}`}
      data-connection={dataConnection(state())}
      data-connection-detail={state()}
      data-unsynced={editor.unsynced()}
      role="status"
      aria-live="polite"
      title={
        state() === "offline"
          ? "No network: you can keep editing; your changes sync when the connection is back"
          : undefined
      }
    >
      <span class="connection-dot" aria-hidden="true" />
      {LABELS[state()]}
      <Show when={editor.unsynced() > 0}>
        <span class="connection-unsynced muted">
          · {editor.unsynced()} unsynced {editor.unsynced() === 1 ? "change" : "changes"}
        </span>
      </Show>
    </span>
  );
}
