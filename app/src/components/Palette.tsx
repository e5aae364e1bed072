// The node palette: the graph's node types by category, with a search; click adds at a free spot, drag drops
// where released. Types no worker can run now are dimmed but still addable (their nodes wait, pending).
import { createMemo, createSignal, For, Show } from "solid-js";
import type { NodeTypeInfo } from "../../../shared/status.ts";
import { useEditor } from "../editorContext.ts";
import { NODE_WIDTH, nodeHeight } from "../geometry.ts";
import { categoryClass, paletteGroups } from "../paletteModel.ts";

/** dataTransfer type carrying the node type from a palette button to the canvas. */
export const PALETTE_MIME = "application/x-weft-node-type";

export function Palette() {
  const editor = useEditor();
  const [query, setQuery] = createSignal("");
  const groups = createMemo(() => paletteGroups(editor.types.list(), query()));
  /** New nodes go right of the selected node (to build a flow left to right), else mid-view. */
  const anchor = () => {
    const s = editor.selection.single();
    const selected = s?.kind === "node" ? editor.graph.state.nodes[s.id] : undefined;
    if (selected) return { x: selected.x + NODE_WIDTH + 80, y: selected.y };
    const c = editor.viewport.center();
    return { x: c.x - NODE_WIDTH / 2, y: c.y - 40 };
  };
  const add = (def: NodeTypeInfo) => {
    const id = editor.actions.addNode(def.type, anchor());
    editor.selection.select({ kind: "node", id });
    const node = editor.graph.state.nodes[id];
    if (node) {
      editor.viewport.reveal({ x: node.x, y: node.y, width: NODE_WIDTH, height: nodeHeight(node, editor.portsOf) });
    }
  };
  return (
    <nav class="palette" aria-label="Node types">
      <input
        type="search"
        class="palette-search"
        placeholder="Search node types"
        aria-label="Search node types"
        aria-controls="palette-groups"
        data-palette-search
        value={query()}
        onInput={(e) => setQuery(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape" && query() !== "") {
            e.preventDefault();
            e.stopPropagation();
            setQuery("");
          }
        }}
      />
      <div id="palette-groups" class="palette-groups">
        <For each={groups()}>
          {(group) => (
            <section class="palette-group" data-palette-category={group.category} aria-label={group.title}>
              <h2 class="section-title">{group.title}</h2>
              <For each={group.types}>
                {(def) => <PaletteItem def={def} disabled={!editor.synced()} onAdd={() => add(def)} />}
              </For>
            </section>
          )}
        </For>
        <Show when={groups().length === 0}>
          <p class="muted small" data-palette-empty>
            {query() ? `No node type matches “${query()}”.` : "No node types."}
          </p>
        </Show>
      </div>
      <p class="palette-hint muted">
        Drag from an output port to an input port to connect. Delete removes the selection. Scroll or drag the
        background to pan; Ctrl+scroll zooms.
      </p>
    </nav>
  );
}

function PaletteItem(props: { def: NodeTypeInfo; disabled: boolean; onAdd: () => void }) {
  const unavailable = () => !props.def.available;
  const why = () => {
    const reason = props.def.reason || "No connected worker can run this type now.";
    return /[.!?]$/.test(reason) ? reason : `${reason}.`;
  };
  const note = () =>
    unavailable() ? `Unavailable: ${why()} Nodes of this type wait (pending) until a worker can run them.` : undefined;
  return (
    <button
      type="button"
      class={`palette-item category-${categoryClass(props.def.category)}`}
      classList={{ unavailable: unavailable(), plugin: props.def.source === "worker" }}
      data-palette-type={props.def.type}
      data-palette-available={props.def.available ? "true" : "false"}
      data-palette-source={props.def.source}
      aria-description={note()}
      title={note() ? `${props.def.description}\n\n${note()}` : props.def.description}
      draggable={true}
      disabled={props.disabled}
      onClick={() => props.onAdd()}
      onDragStart={(event) => {
        event.dataTransfer?.setData(PALETTE_MIME, props.def.type);
        if (event.dataTransfer) event.dataTransfer.effectAllowed = "copy";
      }}
    >
      <span class="palette-head">
        {/* The accessible name is the visible text, prefixed so it says what the button does. */}
        <span class="visually-hidden">Add </span>
        <span class="palette-title">{props.def.title}</span>
        <Show when={props.def.source === "worker"}>
          <span class="palette-badge badge-plugin" data-palette-badge="plugin" title="From a worker plugin">
            plugin
          </span>
        </Show>
        <Show when={unavailable()}>
          <span class="palette-badge badge-unavailable" data-palette-badge="unavailable" title={why()}>
            unavailable
          </span>
        </Show>
      </span>
      <span class="palette-desc">{props.def.description}</span>
    </button>
  );
}
