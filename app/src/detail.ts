// Which nodes get their body built (ports, worker, reason, counters): those in or near the view, and only when the
// view is near enough to read them. A thousand nodes out of sight cost a title bar each, so opening, zooming past
// the level of detail and panning cost what the screen shows, not what the graph holds.
import { type Accessor, createMemo, createSelector } from "solid-js";
import { NODE_WIDTH, type Point, type Rect } from "./geometry.ts";
import type { View, Viewport } from "./viewport.ts";

/** Nodes this far beyond each side of the view (a fraction of its size) are built ahead of a pan. */
export const AHEAD = 0.5;
/** The visibility test takes a node to be at most this tall, so a tall one reaching into view is built. */
const TALL_NODE = 640;
const NONE: ReadonlySet<string> = new Set();

/** The graph rectangle the canvas shows at `view`, grown by `ahead` of its size on each side. */
export function viewRect(view: View, size: { width: number; height: number }, ahead = 0): Rect {
  const width = size.width / view.zoom;
  const height = size.height / view.zoom;
  return {
    x: -view.x / view.zoom - width * ahead,
    y: -view.y / view.zoom - height * ahead,
    width: width * (1 + 2 * ahead),
    height: height * (1 + 2 * ahead),
  };
}

/** The ids of the nodes in `nodes` whose box may reach into `r`. */
export function nodesIn(nodes: Record<string, Point>, r: Rect): Set<string> {
  const ids = new Set<string>();
  for (const id in nodes) {
    const n = nodes[id];
    if (n && n.x < r.x + r.width && n.x + NODE_WIDTH > r.x && n.y < r.y + r.height && n.y + TALL_NODE > r.y)
      ids.add(id);
  }
  return ids;
}

export interface Detail {
  /** The nodes shown in detail now: none at far zoom (viewport.far), else those within the settled view and AHEAD of it. */
  near: Accessor<ReadonlySet<string>>;
  /** Whether node `id` is in `near`: each NodeView asks for its own id; a change notifies only the nodes whose answer changed. */
  detailed: (id: string) => boolean;
}

/** `nodes` is read untracked; `revision` changes whenever a node is added, moved or removed. */
export function createDetail(
  viewport: Pick<Viewport, "settled" | "size" | "far">,
  nodes: () => Record<string, Point>,
  revision: () => unknown = () => undefined,
): Detail {
  const near = createMemo(() => {
    if (viewport.far()) return NONE;
    revision();
    return nodesIn(nodes(), viewRect(viewport.settled(), viewport.size(), AHEAD));
  });
  return { near, detailed: createSelector<ReadonlySet<string>, string>(near, (id, set) => set.has(id)) };
}
