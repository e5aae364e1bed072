// Which edges the canvas builds as elements of their own (a <g> with its curve, hit area, badges, label and
// data-edge-id) and which it only draws, as a bare <path> each. Built: the edges a person can work with at this
// level of detail (an end in or near the view at near zoom), the selected ones, and those with something to show
// on the curve (a queue, back-pressure, dead letters). Drawn: the rest, which far away or out of sight are only
// lines. 1,200 edges built one by one were a third of opening a 1,000-node graph (bench/editor). (One path of all
// the lines, or one per region, was cheaper still to build but made every raster tile stroke every curve in it:
// a zoom in then waited up to a second for its tiles.)
import type { GraphEdge } from "../../shared/graph.ts";
import type { EdgeStatus } from "../../shared/status.ts";

export interface EdgeSplit {
  /** Edges built as elements, in the order given. */
  built: string[];
  /** Edges only drawn. */
  drawn: string[];
}

export interface EdgeSplitInputs {
  edge: (id: string) => Pick<GraphEdge, "from" | "to"> | undefined;
  status: (id: string) => Pick<EdgeStatus, "depth" | "paused" | "deadLetters"> | undefined;
  /** The nodes shown in detail (detail.ts). */
  near: ReadonlySet<string>;
  selected: ReadonlySet<string>;
}

/** Whether edge `id` needs its own element; see the top of this file. */
export function builtAlone(id: string, inputs: EdgeSplitInputs): boolean {
  const edge = inputs.edge(id);
  if (!edge) return false;
  if (inputs.selected.has(id)) return true;
  const status = inputs.status(id);
  if (status && (status.depth > 0 || status.paused || status.deadLetters > 0)) return true;
  return inputs.near.has(edge.from) || inputs.near.has(edge.to);
}

export function splitEdges(ids: readonly string[], inputs: EdgeSplitInputs): EdgeSplit {
  const built: string[] = [];
  const drawn: string[] = [];
  for (const id of ids) (builtAlone(id, inputs) ? built : drawn).push(id);
  return { built, drawn };
}
