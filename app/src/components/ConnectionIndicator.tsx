// Shows whether this editor is connected to the graph's room (data-connection="connected|connecting").
import { useEditor } from "../editorContext.ts";

const LABELS = {
  connecting: "Connecting…",
  connected: "Connected",
  reconnecting: "Reconnecting…",
  deleted: "Graph deleted",
} as const;

/** The stable test hook: connected, connecting (first try or reconnecting), or closed for good. */
function dataConnection(state: keyof typeof LABELS): "connected" | "connecting" | "closed" {
  if (state === "connected") return "connected";
  return state === "deleted" ? "closed" : "connecting";
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
