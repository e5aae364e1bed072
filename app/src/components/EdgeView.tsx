// One edge on the canvas: a curve from an output port to an input port; click selects it.
import { Show } from "solid-js";
import { useEditor } from "../editorContext.ts";
import { edgePath, portPoint } from "../geometry.ts";

export function EdgeView(props: { id: string }) {
  const editor = useEditor();
  const nodes = editor.graph.state.nodes;
  const edge = () => editor.graph.state.edges[props.id];
  const path = () => {
    const e = edge();
    const from = e && nodes[e.from];
    const to = e && nodes[e.to];
    if (!e || !from || !to) return undefined;
    return edgePath(portPoint(from, "out", e.fromPort), portPoint(to, "in", e.toPort));
  };
  const selected = () => {
    const s = editor.selection();
    return s?.kind === "edge" && s.id === props.id;
  };
  const active = () => {
    const e = edge();
    return e !== undefined && editor.runtime.state.processes[e.from]?.state === "running";
  };
  const label = () => {
    const e = edge();
    if (!e) return "";
    return `edge from ${nodes[e.from]?.name ?? e.from}.${e.fromPort} to ${nodes[e.to]?.name ?? e.to}.${e.toPort}`;
  };
  return (
    <Show when={path()}>
      {(d) => (
        // biome-ignore lint/a11y/useSemanticElements: inside SVG a <button> is not possible; the <g> carries the role
        <g
          class="edge"
          classList={{ selected: selected(), active: active() }}
          data-edge-id={props.id}
          role="button"
          aria-label={label()}
          aria-pressed={selected()}
          onPointerDown={(event) => {
            if (event.button !== 0) return;
            event.stopPropagation();
            editor.select({ kind: "edge", id: props.id });
          }}
        >
          <path class="edge-hit" d={d()} />
          <path class="edge-line" d={d()} />
        </g>
      )}
    </Show>
  );
}
