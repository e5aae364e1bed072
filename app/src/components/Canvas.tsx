// The graph canvas: pans and zooms, hosts edges and nodes, and turns port drags into new edges.
import { createSignal, For, onCleanup, onMount, Show } from "solid-js";
import { startDrag } from "../drag.ts";
import { useEditor } from "../editorContext.ts";
import { boundsOf, edgePath, NODE_WIDTH, nodeHeight, type Point, type Rect } from "../geometry.ts";
import { notify } from "../notices.ts";
import { EdgeView } from "./EdgeView.tsx";
import { FindNode } from "./FindNode.tsx";
import { Minimap } from "./Minimap.tsx";
import { NodeView, type PortGrab } from "./NodeView.tsx";
import { PALETTE_MIME } from "./Palette.tsx";
import { PeerCursors } from "./PeerCursors.tsx";
import { ZoomControls } from "./ZoomControls.tsx";

const FAR_ZOOM = 0.45;

interface Link {
  grab: PortGrab;
  from: Point;
  to: Point;
}

export function Canvas() {
  const editor = useEditor();
  const { viewport, graph } = editor;
  const [link, setLink] = createSignal<Link | null>(null);
  const [panning, setPanning] = createSignal(false);
  /** The rubber band of a box selection, in graph coordinates. */
  const [band, setBand] = createSignal<Rect | null>(null);
  let element!: HTMLDivElement;

  onMount(() => {
    onCleanup(viewport.attach(element));
    // Others see this cursor; moving the view yourself stops following someone.
    element.addEventListener(
      "pointermove",
      (event) => editor.presence.setCursor(viewport.toWorld(event.clientX, event.clientY)),
      {
        passive: true,
      },
    );
    element.addEventListener("pointerleave", () => editor.presence.setCursor(null));
    element.addEventListener("pointerdown", () => editor.presence.follow(undefined), { capture: true });
    // Non-passive so ctrl+wheel (and trackpad pinch) zooms the canvas, not the page.
    element.addEventListener(
      "wheel",
      (event) => {
        event.preventDefault();
        editor.presence.follow(undefined);
        if (event.ctrlKey || event.metaKey)
          viewport.zoomAt(Math.exp(-event.deltaY * 0.01), event.clientX, event.clientY);
        else viewport.panBy(-event.deltaX, -event.deltaY);
      },
      { passive: false },
    );
  });

  const onBackgroundDown = (event: PointerEvent) => {
    if (event.button !== 0 || event.target !== event.currentTarget) return;
    if (event.shiftKey || event.ctrlKey || event.metaKey) {
      boxSelect(event);
      return;
    }
    const start = viewport.view();
    setPanning(true);
    startDrag(event, {
      move(dx, dy) {
        viewport.panBy(start.x + dx - viewport.view().x, start.y + dy - viewport.view().y);
      },
      end(_event, moved) {
        setPanning(false);
        if (!moved) editor.selection.select(null);
      },
    });
  };

  /** Shift-drag on the background: a rubber band that adds every node it touches to the selection. */
  const boxSelect = (event: PointerEvent) => {
    const from = viewport.toWorld(event.clientX, event.clientY);
    startDrag(event, {
      move(_dx, _dy, e) {
        const to = viewport.toWorld(e.clientX, e.clientY);
        setBand({
          x: Math.min(from.x, to.x),
          y: Math.min(from.y, to.y),
          width: Math.abs(to.x - from.x),
          height: Math.abs(to.y - from.y),
        });
      },
      end() {
        const r = band();
        setBand(null);
        if (!r) return;
        const inside = Object.values(graph.state.nodes).filter(
          (n) =>
            n.x < r.x + r.width &&
            n.x + NODE_WIDTH > r.x &&
            n.y < r.y + r.height &&
            n.y + nodeHeight(n, editor.portsOf) > r.y,
        );
        editor.selection.selectMany(
          inside.map((n) => n.id),
          [],
          true,
        );
      },
    });
  };

  const onPortDown = (grab: PortGrab, event: PointerEvent) => {
    const node = graph.state.nodes[grab.nodeId];
    if (!node) return;
    const at = viewport.toWorld(event.clientX, event.clientY);
    setLink({ grab, from: grab.point, to: at });
    startDrag(event, {
      move(_dx, _dy, e) {
        setLink((l) => (l ? { ...l, to: viewport.toWorld(e.clientX, e.clientY) } : l));
      },
      end(e) {
        setLink(null);
        const target = portAt(e.clientX, e.clientY);
        if (!target || target.dir === grab.dir) return;
        const [out, inp] = grab.dir === "out" ? [grab, target] : [target, grab];
        const result = editor.actions.connect({
          from: out.nodeId,
          fromPort: out.port,
          to: inp.nodeId,
          toPort: inp.port,
        });
        if (result.ok) editor.selection.select({ kind: "edge", id: result.edgeId });
        else notify("info", `Not connected: ${result.reason}`, 3000);
      },
    });
  };

  const onDragOver = (event: DragEvent) => {
    if (event.dataTransfer?.types.includes(PALETTE_MIME)) {
      event.preventDefault();
      event.dataTransfer.dropEffect = "copy";
    }
  };
  const onDrop = (event: DragEvent) => {
    const type = event.dataTransfer?.getData(PALETTE_MIME);
    if (!type) return;
    event.preventDefault();
    const at = viewport.toWorld(event.clientX, event.clientY);
    const id = editor.actions.addNode(type, { x: at.x - NODE_WIDTH / 2, y: at.y - 20 }, true);
    editor.selection.select({ kind: "node", id });
  };

  /** Nothing is drawn before the first sync has framed the graph: a big one is then built once, at its zoom. */
  const shown = (ids: string[]) => (editor.synced() ? ids : []);
  /** Zoomed out past readability: nodes drop their details (CSS), which also keeps layout cheap. */
  const far = () => viewport.view().zoom < FAR_ZOOM;
  const transform = () => {
    const v = viewport.view();
    return `translate(${v.x}px, ${v.y}px) scale(${v.zoom})`;
  };
  const grid = () => {
    const v = viewport.view();
    // The dot grid coarsens by 4x steps when zoomed out, so it never turns into a grey wash.
    let size = 24 * v.zoom;
    while (size < 12) size *= 4;
    return { "background-size": `${size}px ${size}px`, "background-position": `${v.x}px ${v.y}px` };
  };
  const linkPath = () => {
    const l = link();
    if (!l) return "";
    return l.grab.dir === "out" ? edgePath(l.from, l.to) : edgePath(l.to, l.from);
  };

  return (
    <div
      ref={element}
      class="canvas"
      classList={{
        panning: panning(),
        "linking-from-out": link()?.grab.dir === "out",
        "linking-from-in": link()?.grab.dir === "in",
        far: far(),
      }}
      style={grid()}
      role="application"
      aria-label="Graph canvas"
      aria-roledescription="graph editor"
      onPointerDown={onBackgroundDown}
      onDragOver={onDragOver}
      onDrop={onDrop}
    >
      <div class="world" style={{ transform: transform() }}>
        {/* biome-ignore lint/a11y/useSemanticElements: an SVG root cannot be a <fieldset>; the role names the group */}
        <svg class="edges" aria-label="Edges" role="group">
          <For each={shown(graph.edgeIds())}>{(id) => <EdgeView id={id} />}</For>
          <Show when={link()}>
            <path class="edge-draft" d={linkPath()} />
          </Show>
        </svg>
        <ul class="nodes" aria-label="Nodes">
          <For each={shown(graph.nodeIds())}>{(id) => <NodeView id={id} onPortDown={onPortDown} />}</For>
        </ul>
        <PeerCursors />
        <Show when={band()}>
          {(r) => (
            <div
              class="select-band"
              data-select-band
              style={{
                transform: `translate(${r().x}px, ${r().y}px)`,
                width: `${r().width}px`,
                height: `${r().height}px`,
              }}
            />
          )}
        </Show>
      </div>
      <Show when={editor.synced() && graph.nodeIds().length === 0}>
        <div class="canvas-empty muted">Empty graph. Click or drag a node type from the palette to begin.</div>
      </Show>
      <Show when={!editor.synced()}>
        <div class="canvas-empty muted">Loading the graph…</div>
      </Show>
      <Minimap />
      <FindNode />
      <ZoomControls onFit={() => viewport.fit(boundsOf(Object.values(graph.state.nodes), editor.portsOf))} />
    </div>
  );
}

/** The port under a screen point, if any. */
function portAt(clientX: number, clientY: number): { nodeId: string; port: string; dir: "in" | "out" } | undefined {
  const hit = document.elementFromPoint(clientX, clientY);
  const portEl = hit?.closest<HTMLElement>("[data-port]");
  const nodeEl = portEl?.closest<HTMLElement>("[data-node-id]");
  const port = portEl?.dataset.port;
  const dir = portEl?.dataset.portDir;
  const nodeId = nodeEl?.dataset.nodeId;
  if (!port || !nodeId || (dir !== "in" && dir !== "out")) return undefined;
  return { nodeId, port, dir };
}
