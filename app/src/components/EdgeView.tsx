// One edge on the canvas: a curve from an output port to an input port, with its queue depth at the middle,
// highlighted while back-pressured and marked when it has dead letters; click selects it. EdgeLines draws the
// edges that need no element of their own (edgeSplit.ts).
import { createMemo, Index, Show } from "solid-js";
import { useEditor } from "../editorContext.ts";
import { compactCount } from "../format.ts";
import { edgeEnds, edgeMidpoint, edgePath, type Point, type Ports, type PortsOf } from "../geometry.ts";

/** Height of a badge on the curve, and the width of one character of its label (11 px monospace). */
const BADGE_HEIGHT = 16;
const BADGE_CHAR = 6.8;

export function EdgeView(props: { id: string }) {
  const editor = useEditor();
  const nodes = editor.graph.state.nodes;
  const edge = () => editor.graph.state.edges[props.id];
  // A memo: the curve and its middle both need the ends, and each end works out its node's ports.
  const ends = createMemo(() => {
    const e = edge();
    return e && edgeEnds(e, nodes, editor.portsOf);
  });
  const path = () => {
    const p = ends();
    return p && edgePath(p.from, p.to);
  };
  const middle = () => {
    const p = ends();
    return p ? edgeMidpoint(p.from, p.to) : { x: 0, y: 0 };
  };
  const status = () => editor.runtime.state.edges[props.id];
  const depth = () => status()?.depth ?? 0;
  const paused = () => status()?.paused === true;
  const dead = () => status()?.deadLetters ?? 0;
  const selected = () => editor.selection.has({ kind: "edge", id: props.id });
  const active = () => {
    const e = edge();
    return e !== undefined && editor.runtime.state.processes[e.from]?.state === "running";
  };
  const label = () => {
    const e = edge();
    if (!e) return "";
    const parts = [
      `edge from ${nodes[e.from]?.name ?? e.from}.${e.fromPort} to ${nodes[e.to]?.name ?? e.to}.${e.toPort}`,
    ];
    if (depth() > 0) parts.push(`${depth()} queued`);
    if (paused()) parts.push("back-pressured: the producer is paused until the queue drains");
    if (dead() > 0) parts.push(`${dead()} dead ${dead() === 1 ? "letter" : "letters"}`);
    return parts.join(", ");
  };
  return (
    <Show when={path()}>
      {(d) => (
        // biome-ignore lint/a11y/useSemanticElements: inside SVG a <button> is not possible; the <g> carries the role
        <g
          class="edge"
          classList={{
            selected: selected(),
            active: active(),
            queued: depth() > 0,
            "back-pressured": paused(),
            "dead-lettered": dead() > 0,
          }}
          data-edge-id={props.id}
          data-edge-depth={depth()}
          data-edge-paused={paused() ? "true" : "false"}
          data-edge-dead-letters={dead()}
          role="button"
          aria-label={label()}
          aria-pressed={selected()}
          onPointerDown={(event) => {
            if (event.button !== 0) return;
            event.stopPropagation();
            editor.selection.select({ kind: "edge", id: props.id }, event.shiftKey || event.ctrlKey || event.metaKey);
          }}
        >
          <path class="edge-hit" d={d()} />
          <path class="edge-line" d={d()} />
          <Show when={depth() > 0}>
            <EdgeBadge
              at={middle()}
              text={compactCount(depth())}
              class="edge-depth"
              title={`${depth()} queued${status()?.maxDepth ? ` of ${status()?.maxDepth}` : ""}${paused() ? ", back-pressured" : ""}`}
            />
          </Show>
          <Show when={dead() > 0}>
            <EdgeBadge
              at={{ x: middle().x, y: middle().y + (depth() > 0 ? BADGE_HEIGHT + 3 : 0) }}
              text={`✕ ${compactCount(dead())}`}
              class="edge-dead"
              title={`${dead()} dead ${dead() === 1 ? "letter" : "letters"}`}
            />
          </Show>
        </g>
      )}
    </Show>
  );
}

function EdgeBadge(props: { at: Point; text: string; class: string; title: string }) {
  const width = () => props.text.length * BADGE_CHAR + 10;
  return (
    <g class={`edge-badge ${props.class}`} transform={`translate(${props.at.x} ${props.at.y})`}>
      <title>{props.title}</title>
      <rect x={-width() / 2} y={-BADGE_HEIGHT / 2} width={width()} height={BADGE_HEIGHT} rx={BADGE_HEIGHT / 2} />
      <text text-anchor="middle" dominant-baseline="central">
        {props.text}
      </text>
    </g>
  );
}

/**
 * The edges that have no element of their own (edgeSplit.ts): a bare path each, in the running colour when their
 * producer runs. Only lines: nothing to press, hover or read out (the built edges are all that).
 */
export function EdgeLines(props: { ids: readonly string[] }) {
  const editor = useEditor();
  const lines = createMemo(() => {
    editor.graph.revision();
    editor.runtime.revision();
    const { nodes, edges } = editor.graph.raw;
    const processes = editor.runtime.raw.processes;
    const portsOf = cachedPorts(editor.portsOf);
    const out: { d: string; active: boolean }[] = [];
    for (const id of props.ids) {
      const e = edges[id];
      const ends = e && edgeEnds(e, nodes, portsOf);
      if (e && ends) out.push({ d: edgePath(ends.from, ends.to), active: processes[e.from]?.state === "running" });
    }
    return out;
  });
  // <Index>: a recomputed list reuses each path, and only a curve that changed is set again.
  return (
    <g class="edge-lines" data-edge-lines={props.ids.length}>
      <Index each={lines()}>
        {(line) => <path class="edge-line" classList={{ active: line().active }} d={line().d} />}
      </Index>
    </g>
  );
}

/** `portsOf`, worked out once per node for one pass over the graph. */
function cachedPorts(portsOf: PortsOf): PortsOf {
  const known = new Map<string, Ports>();
  return (node) => {
    let ports = known.get(node.id);
    if (!ports) {
      ports = portsOf(node);
      known.set(node.id, ports);
    }
    return ports;
  };
}
