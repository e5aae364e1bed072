// The other people's pointers on the canvas, in graph coordinates, each with its owner's name and colour.
import { For, Show } from "solid-js";
import { useEditor } from "../editorContext.ts";

export function PeerCursors() {
  const editor = useEditor();
  // Cursors keep their size on screen at any zoom.
  const scale = () => 1 / editor.viewport.view().zoom;
  return (
    <For each={editor.presence.peers()}>
      {(peer) => (
        <Show when={peer.cursor}>
          {(at) => (
            <div
              class="peer-cursor"
              data-presence-cursor={peer.name}
              aria-hidden="true"
              style={{
                transform: `translate(${at().x}px, ${at().y}px) scale(${scale()})`,
                "--peer-color": peer.color,
              }}
            >
              <svg width="16" height="20" viewBox="0 0 16 20" aria-hidden="true">
                <path
                  d="M1 1 L1 16 L5 12 L8 19 L11 18 L8 11 L14 11 Z"
                  fill={peer.color}
                  stroke="#111"
                  stroke-width="1"
                />
              </svg>
              <span class="peer-cursor-name">{peer.name}</span>
            </div>
          )}
        </Show>
      )}
    </For>
  );
}
