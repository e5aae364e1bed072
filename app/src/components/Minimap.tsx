// A map of the whole graph in the canvas's bottom-left corner: every node, the selection and the view frame,
// drawn on one <canvas> at most once per frame; a click or drag on it centres the view there.
import { createEffect, mapArray, onCleanup, onMount } from "solid-js";
import { startDrag } from "../drag.ts";
import { useEditor } from "../editorContext.ts";
import { NODE_WIDTH, nodeHeight, type Point, type Rect } from "../geometry.ts";
import {
  boundsOfRects,
  fromMinimap,
  type MinimapTransform,
  minimapTransform,
  rectToMinimap,
  unionRect,
  visibleRect,
} from "../minimap.ts";
import "./canvasTools.css";

const SIZE = { width: 200, height: 140 };

export function Minimap() {
  const editor = useEditor();
  const { graph, viewport } = editor;
  let root!: HTMLDivElement;
  let canvas!: HTMLCanvasElement;
  // Plain copies of what the drawing needs, kept by per-node effects: a move updates one entry, not a thousand.
  const boxes = new Map<string, Rect>();
  let selected: ReadonlySet<string> = new Set();
  let frame = 0;
  // While dragging, the map keeps the scale it had at the press, so the point under the pointer stays put.
  let frozen: MinimapTransform | undefined;
  let colors: { node: string; selected: string; frame: string } | undefined;

  const visible = () => visibleRect(viewport.view(), viewport.center());
  const transform = (seen: Rect) => frozen ?? minimapTransform(unionRect(boundsOfRects(boxes.values()), seen), SIZE);

  const draw = () => {
    frame = 0;
    const ctx = canvas.getContext("2d");
    if (!ctx) return;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(SIZE.width * dpr);
    const height = Math.round(SIZE.height * dpr);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    if (!colors) {
      const css = getComputedStyle(canvas);
      colors = {
        node: css.getPropertyValue("--minimap-node").trim() || "#5a6472",
        selected: css.getPropertyValue("--accent").trim() || "#5b8def",
        frame: css.getPropertyValue("--text-muted").trim() || "#8b95a3",
      };
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, SIZE.width, SIZE.height);
    const seen = visible();
    const t = transform(seen);
    const v = rectToMinimap(t, seen);
    // The view's tint goes under the nodes, so a selected node inside it keeps its exact colour.
    ctx.fillStyle = "rgba(139, 149, 163, 0.08)";
    ctx.fillRect(v.x, v.y, v.width, v.height);
    // One path per colour: a thousand rects fill in one call.
    for (const picked of [false, true]) {
      ctx.beginPath();
      for (const [id, box] of boxes) {
        if (selected.has(id) !== picked) continue;
        const r = rectToMinimap(t, box);
        ctx.rect(r.x, r.y, Math.max(1, r.width), Math.max(1, r.height));
      }
      ctx.fillStyle = picked ? colors.selected : colors.node;
      ctx.fill();
    }
    ctx.strokeStyle = colors.frame;
    ctx.lineWidth = 1;
    ctx.strokeRect(v.x + 0.5, v.y + 0.5, Math.max(0, v.width - 1), Math.max(0, v.height - 1));
  };
  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(draw);
  };
  onCleanup(() => cancelAnimationFrame(frame));
  onMount(() => {
    // The canvas's size is not a signal: a resize (a panel opening) changes the view frame without a pan.
    const host = root.parentElement;
    if (!host) return;
    const observer = new ResizeObserver(schedule);
    observer.observe(host);
    onCleanup(() => observer.disconnect());
  });

  createEffect(() => {
    viewport.view();
    schedule();
  });
  createEffect(() => {
    selected = new Set(editor.selection.nodes());
    schedule();
  });
  const tracked = mapArray(graph.nodeIds, (id) => {
    createEffect(() => {
      const node = graph.state.nodes[id];
      if (node) boxes.set(id, { x: node.x, y: node.y, width: NODE_WIDTH, height: nodeHeight(node, editor.portsOf) });
      schedule();
    });
    onCleanup(() => {
      boxes.delete(id);
      schedule();
    });
  });
  createEffect(tracked);

  const onPointerDown = (event: PointerEvent) => {
    // The canvas pans on a background press; this one belongs to the map.
    event.stopPropagation();
    if (event.button !== 0) return;
    event.preventDefault();
    const box = canvas.getBoundingClientRect();
    const t = transform(visible());
    frozen = t;
    const centreAt = (e: PointerEvent) => {
      const at: Point = fromMinimap(t, { x: e.clientX - box.left, y: e.clientY - box.top });
      viewport.centerOn(at, viewport.view().zoom);
    };
    centreAt(event);
    startDrag(event, {
      move: (_dx, _dy, e) => centreAt(e),
      end() {
        frozen = undefined;
        schedule();
      },
    });
  };

  return (
    <div
      ref={root}
      class="minimap"
      data-minimap
      role="img"
      aria-label="Minimap"
      title="Click or drag to move the view"
      onPointerDown={onPointerDown}
    >
      <canvas ref={canvas} style={{ width: `${SIZE.width}px`, height: `${SIZE.height}px` }} />
    </div>
  );
}
