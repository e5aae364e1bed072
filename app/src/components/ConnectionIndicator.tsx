// Shows whether this editor is connected to the graph's room (data-connection="connected|connecting|offline|closed")
// and where edits the hub has not had are kept (data-unsynced, data-local="device|tab"); offers the offline copy of
// a graph the hub replaced.
import { Show } from "solid-js";
import { connectionText, dataConnection } from "../connectionText.ts";
import { useEditor } from "../editorContext.ts";
import { isSavedOnDevice } from "../offline.ts";
import { session } from "../session.ts";
import { RescuedCopy } from "./RescuedCopy.tsx";

export function ConnectionIndicator() {
  const editor = useEditor();
  const state = () => editor.connection();
  const saved = () => isSavedOnDevice(editor.graphId);
  const text = () => connectionText(state(), editor.unsynced(), saved());
  const sessionOffline = () => {
    const s = session();
    return s.state === "signed-in" && s.offline;
  };
  return (
    <>
      <span
        class={`connection connection-${state()}`}
        data-connection={dataConnection(state())}
        data-connection-detail={state()}
        data-unsynced={editor.unsynced()}
        data-local={saved() ? "device" : "tab"}
        data-session={sessionOffline() ? "offline" : "online"}
        role="status"
        aria-live="polite"
        title={text().title}
      >
        <span class="connection-dot" aria-hidden="true" />
        {text().label}
        <Show when={text().detail}>
          <span class="connection-unsynced muted">{text().detail}</span>
        </Show>
      </span>
      <RescuedCopy graphId={editor.graphId} />
    </>
  );
}
