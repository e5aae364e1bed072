// The node palette: one button per built-in node type; click adds at a free spot, drag drops where released.
import { For } from "solid-js";
import { BUILTIN_NODE_TYPES, type NodeTypeDef } from "../../../shared/nodeTypes.ts";
import { useEditor } from "../editorContext.ts";
import { NODE_WIDTH, nodeHeight } from "../geometry.ts";

/** dataTransfer type carrying the node type from a palette button to the canvas. */
export const PALETTE_MIME = "application/x-weft-node-type";

const CATEGORIES: { id: NodeTypeDef["category"]; title: string }[] = [
  { id: "source", title: "Sources" },
  { id: "transform", title: "Transforms" },
  { id: "sink", title: "Sinks" },
];

export function Palette() {
  const editor = useEditor();
  /** New nodes go right of the selected node (to build a flow left to right), else mid-view. */
  const anchor = () => {
    const s = editor.selection();
    const selected = s?.kind === "node" ? editor.graph.state.nodes[s.id] : undefined;
    if (selected) return { x: selected.x + NODE_WIDTH + 80, y: selected.y };
    const c = editor.viewport.center();
    return { x: c.x - NODE_WIDTH / 2, y: c.y - 40 };
  };
  const add = (def: NodeTypeDef) => {
    const id = editor.actions.addNode(def.type, anchor());
    editor.select({ kind: "node", id });
    const node = editor.graph.state.nodes[id];
    if (node) editor.viewport.reveal({ x: node.x, y: node.y, width: NODE_WIDTH, height: nodeHeight(node.type) });
  };
  return (
    <nav class="palette" aria-label="Node types">
      <For each={CATEGORIES}>
        {(category) => (
          <section class="palette-group">
            <h2 class="section-title">{category.title}</h2>
            <For each={BUILTIN_NODE_TYPES.filter((def) => def.category === category.id)}>
              {(def) => (
                <button
                  type="button"
                  class={`palette-item category-${def.category}`}
                  data-palette-type={def.type}
                  aria-label={`Add a ${def.title} node`}
                  title={def.description}
                  draggable={true}
                  disabled={!editor.synced()}
                  onClick={() => add(def)}
                  onDragStart={(event) => {
                    event.dataTransfer?.setData(PALETTE_MIME, def.type);
                    if (event.dataTransfer) event.dataTransfer.effectAllowed = "copy";
                  }}
                >
                  <span class="palette-title">{def.title}</span>
                  <span class="palette-desc">{def.description}</span>
                </button>
              )}
            </For>
          </section>
        )}
      </For>
      <p class="palette-hint muted">
        Drag from an output port to an input port to connect. Delete removes the selection. Scroll or drag the
        background to pan; Ctrl+scroll zooms.
      </p>
    </nav>
  );
}
