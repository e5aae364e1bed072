// Shows whether this editor is connected to the graph's room (data-connection="connected|connecting").
import { useEditor } from "../editorContext.ts";
import type { ConnectionState } from "../room.ts";

const LABELS: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  deleted: "Graph deleted",
  reset: "Reloading…",
  expired: "Signed out",
};

/** The stable test hook: connected, connecting (first try, reconnecting or reloading), or closed for good. */
function dataConnection(state: ConnectionState): "connected" | "connecting" | "closed" {
  if (state === "connected") return "connected";
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
      role="status"
      aria-live="polite"
    >
      <span class="connection-dot" aria-hidden="true" />
      {LABELS[state()]}
    </span>
  );
}
