// The graph canvas: pans and zooms, hosts edges and nodes, and turns port drags into new edges.
import { createEffect, createMemo, createSelector, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { startDrag } from "../drag.ts";
import { splitEdges } from "../edgeSplit.ts";
import { useEditor } from "../editorContext.ts";
import { boundsOf, edgePath, NODE_WIDTH, nodeHeight, type Point, type Rect } from "../geometry.ts";
import { sameIds } from "../graphStore.ts";
import { type LinkVerdict, linkVerdict, type PortRef, portKey, successors } from "../linking.ts";
import { notify } from "../notices.ts";
import { ZOOM_REST_MS } from "../viewport.ts";
import { EdgeLines, EdgeView } from "./EdgeView.tsx";
import { FindNode } from "./FindNode.tsx";
import { Minimap } from "./Minimap.tsx";
import { NodeView, type PortGrab } from "./NodeView.tsx";
import { PALETTE_MIME } from "./Palette.tsx";
import { PeerCursors } from "./PeerCursors.tsx";
import { ZoomControls } from "./ZoomControls.tsx";

/** How long a keyboard connection's outcome stays on the canvas. */
const HINT_MS = 5000;
/** A wheel pan or zoom is over when no wheel event has come for this long. */
const MOVE_REST_MS = 150;

interface Link {
  grab: PortGrab;
  from: Point;
  to: Point;
}

/** The port under the pointer while drawing an edge, what joining it would do, and where to say so. */
interface LinkTarget {
  key: string;
  verdict: LinkVerdict;
  /** Canvas coordinates of the pointer. */
  at: Point;
}

export function Canvas() {
  const editor = useEditor();
  const { viewport, graph } = editor;
  const [link, setLink] = createSignal<Link | null>(null);
  const [target, setTarget] = createSignal<LinkTarget | null>(null);
  const isTarget = createSelector(() => target()?.key);
  /** The port a keyboard connection starts from (Enter on a port), until Enter on another port or Escape. */
  const [picked, setPicked] = createSignal<PortRef | null>(null);
  const isPicked = createSelector(() => {
    const p = picked();
    return p ? portKey(p) : undefined;
  });
  /** What joining port `key` to the edge being drawn would do; only the port under the pointer has an answer. */
  const linkVerdictAt = (key: string) =>
    isPicked(key) ? "picked" : isTarget(key) ? target()?.verdict.kind : undefined;
  const [keyHint, setKeyHint] = createSignal<{ kind: LinkVerdict["kind"] | "picked"; text: string } | null>(null);
  const name = (p: PortRef) => `${graph.state.nodes[p.nodeId]?.name || p.nodeId}.${p.port}`;
  const onPortPick = (port: PortRef) => {
    const from = picked();
    if (!from || portKey(from) === portKey(port)) {
      const other = port.dir === "out" ? "an input" : "an output";
      setPicked(from ? null : port);
      setKeyHint(
        from
          ? null
          : {
              kind: "picked",
              text: `Connecting from ${name(port)}: go to ${other} (Alt+arrows move between nodes, Enter enters a node's ports) and press Enter. Escape cancels.`,
            },
      );
      return;
    }
    const verdict = linkVerdict(graph.state, editor.portsOf, successors(graph.state), from, port);
    if (verdict.kind === "bad") {
      setKeyHint({ kind: "bad", text: `${verdict.text}. Pick another port, or Escape to cancel.` });
      return;
    }
    const result = editor.actions.connect(verdict.connection);
    setPicked(null);
    if (!result.ok) {
      setKeyHint({ kind: "bad", text: `Not connected: ${result.reason}` });
      return;
    }
    setKeyHint({
      kind: verdict.kind,
      text: verdict.kind === "ok" ? `Connected ${name(from)} and ${name(port)}` : verdict.text,
    });
  };
  // An outcome (connected, refused, cancelled) is read out, then goes; "picked" stays until the connection ends.
  createEffect(() => {
    const hint = keyHint();
    if (!hint || hint.kind === "picked") return;
    const timer = setTimeout(() => setKeyHint((now) => (now === hint ? null : now)), HINT_MS);
    onCleanup(() => clearTimeout(timer));
  });
  // Escape ends a keyboard connection before anything else sees it (it would also clear the selection).
  const onEscape = (event: KeyboardEvent) => {
    if (event.key !== "Escape" || !picked()) return;
    event.preventDefault();
    event.stopPropagation();
    setPicked(null);
    setKeyHint({ kind: "bad", text: "Connection cancelled" });
  };
  window.addEventListener("keydown", onEscape, { capture: true });
  onCleanup(() => window.removeEventListener("keydown", onEscape, { capture: true }));
  const [panning, setPanning] = createSignal(false);
  /** The rubber band of a box selection, in graph coordinates. */
  const [band, setBand] = createSignal<Rect | null>(null);
  let element!: HTMLDivElement;

  // While the wheel pans or zooms, the world takes no pointer: the graph sliding under a still pointer would
  // otherwise hit-test and re-style whatever it crosses (hover), and repaint the world every frame. Only the
  // wheel: a view moved by code (fit, follow, reveal) must never swallow the next click.
  const [moving, setMoving] = createSignal(false);
  let rest: ReturnType<typeof setTimeout> | undefined;
  const wheeled = () => {
    if (!moving()) setMoving(true);
    clearTimeout(rest);
    rest = setTimeout(() => setMoving(false), MOVE_REST_MS);
  };
  onCleanup(() => clearTimeout(rest));
  // While the zoom changes (a wheel or pinch gesture, the zoom buttons or keys, a fit) and until it has rested for
  // ZOOM_REST_MS, the world is not its own layer and the dot grid is hidden and keeps its size. A layer keeps
  // the scale it was rastered at: zoomed out from 110 % to 10 %, Chromium had to raster tiles for the whole graph
  // at 110 % and dropped frames for up to a second; drawn at each step's scale instead, like a static page, every
  // zoom frame made its 60 Hz (bench/editor). The grid, resized at every step, was re-rastered every frame. When
  // the zoom rests the world is a layer again (drawn sharp at the new scale), so panning stays a compositor move.
  const [zooming, setZooming] = createSignal(false);
  let zoomRest: ReturnType<typeof setTimeout> | undefined;
  // A memo: a pan changes the view but not the zoom, and must not count.
  const zoom = createMemo(() => viewport.view().zoom);
  createEffect(
    on(
      zoom,
      () => {
        if (!zooming()) setZooming(true);
        clearTimeout(zoomRest);
        zoomRest = setTimeout(() => setZooming(false), ZOOM_REST_MS);
      },
      { defer: true },
    ),
  );
  onCleanup(() => clearTimeout(zoomRest));

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
        wheeled();
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
    // Where the edges lead is taken once per drag: each port the pointer crosses is judged against it.
    const next = successors(graph.state);
    const box = element.getBoundingClientRect();
    const judge = (e: PointerEvent) => {
      const over = portAt(e.clientX, e.clientY);
      if (!over || (over.nodeId === grab.nodeId && over.port === grab.port && over.dir === grab.dir)) {
        setTarget(null);
        return;
      }
      const key = portKey(over);
      const at = { x: e.clientX - box.left, y: e.clientY - box.top };
      const verdict = target()?.key === key ? target()?.verdict : undefined;
      setTarget({ key, at, verdict: verdict ?? linkVerdict(graph.state, editor.portsOf, next, grab, over) });
    };
    startDrag(event, {
      move(_dx, _dy, e) {
        setLink((l) => (l ? { ...l, to: viewport.toWorld(e.clientX, e.clientY) } : l));
        judge(e);
      },
      end(e) {
        judge(e);
        const verdict = target()?.verdict;
        setLink(null);
        setTarget(null);
        if (!verdict) return;
        if (verdict.kind === "bad") {
          notify("info", verdict.text, 4000);
          return;
        }
        const result = editor.actions.connect(verdict.connection);
        if (result.ok) editor.selection.select({ kind: "edge", id: result.edgeId });
        else notify("info", `Not connected: ${result.reason}`, 4000);
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
  // Which edges get elements of their own and which are only drawn (edgeSplit.ts); each list changes only when
  // an edge moves between them, so the <For> of built edges is not diffed for nothing.
  const split = createMemo(() => {
    const ids = shown(graph.edgeIds());
    graph.revision();
    editor.runtime.revision();
    const selected = new Set(editor.selection.edges());
    const near = editor.detail.near();
    const { edges } = graph.raw;
    const status = editor.runtime.raw.edges;
    return splitEdges(ids, { edge: (id) => edges[id], status: (id) => status[id], near, selected });
  });
  const builtEdges = createMemo(() => split().built, undefined, { equals: sameIds });
  const drawnEdges = createMemo(() => split().drawn, undefined, { equals: sameIds });
  const transform = () => {
    const v = viewport.view();
    return `translate(${v.x}px, ${v.y}px) scale(${v.zoom})`;
  };
  /** The dot spacing on screen: it coarsens by 4x steps when zoomed out, so it never turns into a grey wash. */
  const gridSize = () => {
    let size = 24 * viewport.view().zoom;
    while (size < 12) size *= 4;
    return size;
  };
  // The grid is its own layer, one cell bigger than the canvas each way, moved by less than a cell: panning
  // changes only its transform, which the compositor applies without repainting a dot.
  const grid = createMemo<Record<string, string>>((before) => {
    if (zooming() && before) return before;
    const v = viewport.view();
    const size = gridSize();
    const offset = (at: number) => (((at % size) + size) % size) - size;
    return {
      "background-size": `${size}px ${size}px`,
      width: `calc(100% + ${2 * size}px)`,
      height: `calc(100% + ${2 * size}px)`,
      transform: `translate(${offset(v.x)}px, ${offset(v.y)}px)`,
    };
  });
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
        moving: moving(),
        zooming: zooming(),
        "linking-from-out": link()?.grab.dir === "out",
        "linking-from-in": link()?.grab.dir === "in",
        // Zoomed out past readability: nodes show their name only (CSS; their bodies are not built, detail.ts).
        far: viewport.far(),
        // Further out still: no names at all (text a few pixels tall costs a thousand lines of layout and paint).
        tiny: viewport.tiny(),
      }}
      role="application"
      aria-label="Graph canvas"
      aria-roledescription="graph editor"
      onPointerDown={onBackgroundDown}
      onDragOver={onDragOver}
      onDrop={onDrop}
    >
      <div class="canvas-grid" style={grid()} aria-hidden="true" />
      <div class="world" style={{ transform: transform() }}>
        {/* biome-ignore lint/a11y/useSemanticElements: an SVG root cannot be a <fieldset>; the role names the group */}
        <svg class="edges" aria-label="Edges" role="group">
          <EdgeLines ids={drawnEdges()} />
          <For each={builtEdges()}>{(id) => <EdgeView id={id} />}</For>
          <Show when={link()}>
            <path class="edge-draft" data-verdict={target()?.verdict.kind} d={linkPath()} />
          </Show>
        </svg>
        <ul class="nodes" aria-label="Nodes">
          <For each={shown(graph.nodeIds())}>
            {(id) => <NodeView id={id} onPortDown={onPortDown} linkVerdictAt={linkVerdictAt} onPortPick={onPortPick} />}
          </For>
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
      <Show when={link() && target()}>
        {(t) => (
          <div
            class="link-hint"
            data-link-hint={t().verdict.kind}
            role="status"
            style={{ transform: `translate(${t().at.x + 14}px, ${t().at.y + 18}px)` }}
          >
            {t().verdict.text}
          </div>
        )}
      </Show>
      {/* The keyboard connection's progress, read out as it changes (a status region is always there). */}
      <div class="link-status" role="status" data-link-status={keyHint()?.kind}>
        {keyHint()?.text}
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
