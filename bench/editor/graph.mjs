// The editor benchmark's graph: a seeded grid of built-in nodes with valid out → in edges, mostly to nearby
// columns on the right (as people lay graphs out), and the static HTML page of the same boxes and curves that
// serves as the baseline: what Chromium alone needs to lay out and paint that many elements.

/** Built-in types whose ports exist (shared/builtins/core.ts): a source, a pass-through, a sink. */
const TYPES = [
  { type: "random", share: 0.2, inputs: [], outputs: ["out"], params: { intervalMs: 1000 }, title: "Random" },
  { type: "factorize", share: 0.6, inputs: ["in"], outputs: ["out"], params: {}, title: "Factorize" },
  { type: "log", share: 0.2, inputs: ["in"], outputs: [], params: { prefix: "" }, title: "Log" },
];
export const COLUMNS = 40;
const STEP_X = 280;
const STEP_Y = 170;
/** app/src/geometry.ts: the box width, its header and one port row (every type here has one row). */
const NODE_WIDTH = 200;
const NODE_HEADER = 48;
const PORT_ROW = 24;
const NODE_HEIGHT = NODE_HEADER + PORT_ROW + 28;
/** Share of edges to any node of the graph rather than a nearby one. */
const LONG_EDGES = 0.1;

/** mulberry32: a small seeded generator, so every run draws the same graph. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The type whose share of [0, 1) holds `u`. */
function pickType(u) {
  let below = 0;
  for (const t of TYPES) {
    below += t.share;
    if (u < below) return t;
  }
  return TYPES[TYPES.length - 1];
}

/** A graph export (shared/graph.ts) of `nodeCount` nodes on a grid and `edgeCount` distinct edges. */
export function benchGraph({ seed, nodeCount, edgeCount }) {
  const random = prng(seed);
  const rows = Math.ceil(nodeCount / COLUMNS);
  const nodes = [];
  const kinds = [];
  for (let i = 0; i < nodeCount; i++) {
    const kind = pickType(random());
    kinds.push(kind);
    const col = i % COLUMNS;
    const row = Math.floor(i / COLUMNS);
    nodes.push({
      id: `n${i}`,
      type: kind.type,
      name: `${kind.title} ${i}`,
      x: col * STEP_X,
      y: row * STEP_Y,
      params: { ...kind.params },
    });
  }
  const at = (col, row) => (col >= 0 && col < COLUMNS && row >= 0 && row < rows ? col + row * COLUMNS : -1);
  const seen = new Set();
  const edges = [];
  const maxAttempts = edgeCount * 200;
  for (let attempt = 0; attempt < maxAttempts && edges.length < edgeCount; attempt++) {
    const from = Math.floor(random() * nodeCount);
    if (kinds[from].outputs.length === 0) continue;
    let to;
    if (random() < LONG_EDGES) to = Math.floor(random() * nodeCount);
    else {
      const col = (from % COLUMNS) + 1 + Math.floor(random() * 3);
      const row = Math.floor(from / COLUMNS) + Math.floor(random() * 7) - 3;
      to = at(col, row);
    }
    if (to < 0 || to >= nodeCount || to === from || kinds[to].inputs.length === 0) continue;
    const key = `${from}>${to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    edges.push({ id: `e${edges.length}`, from: `n${from}`, fromPort: "out", to: `n${to}`, toPort: "in" });
  }
  if (edges.length < edgeCount) throw new Error(`drew only ${edges.length} of ${edgeCount} edges (seed ${seed})`);
  return { name: `Editor bench (${nodeCount} nodes, seed ${seed})`, description: "", running: false, nodes, edges };
}

/** app/src/geometry.ts edgePath between the out port of `from` and the in port of `to`. */
function curve(from, to) {
  const a = { x: from.x + NODE_WIDTH, y: from.y + NODE_HEADER + PORT_ROW / 2 };
  const b = { x: to.x, y: to.y + NODE_HEADER + PORT_ROW / 2 };
  const dx = Math.max(40, Math.abs(b.x - a.x) / 2);
  return `M ${a.x} ${a.y} C ${a.x + dx} ${a.y}, ${b.x - dx} ${b.y}, ${b.x} ${b.y}`;
}

const escapeHtml = (text) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/**
 * The baseline page: the graph's boxes (name and type, as the editor shows them zoomed out) and curves as
 * static HTML in a canvas of the editor's size, framed as the editor framed it (`view`), with the editor's own
 * wheel handling (Canvas.tsx, viewport.ts) writing the world's transform directly.
 */
export function baselineHtml(graph, { canvas, view }) {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const paths = graph.edges.map((e) => `<path d="${curve(byId.get(e.from), byId.get(e.to))}"/>`).join("");
  const boxes = graph.nodes
    .map(
      (n) =>
        `<div class="node" data-node-id="${n.id}" style="transform: translate(${n.x}px, ${n.y}px)">` +
        `<span class="name">${escapeHtml(n.name)}</span><span class="type">${n.type}</span></div>`,
    )
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>baseline</title><style>
body { margin: 0; font: 13px system-ui, sans-serif; background: #f6f7f9; }
.canvas { position: absolute; left: ${canvas.x}px; top: ${canvas.y}px; width: ${canvas.width}px;
  height: ${canvas.height}px; overflow: hidden; background: #fbfbfc; }
.world { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
svg { position: absolute; left: 0; top: 0; width: 1px; height: 1px; overflow: visible; }
path { fill: none; stroke: #8a94a6; stroke-width: 2; }
.node { position: absolute; left: 0; top: 0; width: ${NODE_WIDTH}px; height: ${NODE_HEIGHT}px; box-sizing: border-box;
  display: flex; flex-direction: column; gap: 4px; padding: 8px 10px; background: #fff; border: 1px solid #c9ced8;
  border-radius: 8px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.name { font-weight: 600; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.type { font-family: ui-monospace, monospace; color: #667; }
</style></head><body><div class="canvas"><div class="world"><svg>${paths}</svg>${boxes}</div></div><script>
const canvas = document.querySelector(".canvas");
const world = document.querySelector(".world");
let view = ${JSON.stringify(view)};
const show = () => { world.style.transform = "translate(" + view.x + "px, " + view.y + "px) scale(" + view.zoom + ")"; };
show();
canvas.addEventListener("wheel", (event) => {
  event.preventDefault();
  const r = canvas.getBoundingClientRect();
  if (event.ctrlKey || event.metaKey) {
    const cx = event.clientX - r.left, cy = event.clientY - r.top;
    const zoom = Math.min(2.5, Math.max(0.05, view.zoom * Math.exp(-event.deltaY * 0.01)));
    const k = zoom / view.zoom;
    view = { zoom, x: cx - (cx - view.x) * k, y: cy - (cy - view.y) * k };
  } else view = { ...view, x: view.x - event.deltaX, y: view.y - event.deltaY };
  show();
}, { passive: false });
</script></body></html>`;
}
