// What is selected on the canvas: any number of nodes and edges. The inspector shows the one item when exactly
// one is selected; deleting, copying and dragging act on all of them.
import { type Accessor, createMemo, createSignal } from "solid-js";

export type Item = { kind: "node"; id: string } | { kind: "edge"; id: string };
/** The single selected item, or null when none or several are selected. */
export type Selection = Item | null;

export interface SelectionModel {
  /** Selected node ids that still exist, in selection order. */
  nodes: Accessor<string[]>;
  /** Selected edge ids that still exist. */
  edges: Accessor<string[]>;
  single: Accessor<Selection>;
  has(item: Item): boolean;
  /** Replaces the selection with `item` (null clears it); with `add`, toggles `item` in the selection. */
  select(item: Selection, add?: boolean): void;
  /** Replaces the selection with these nodes (and edges); with `add`, adds them. */
  selectMany(nodes: Iterable<string>, edges?: Iterable<string>, add?: boolean): void;
}

interface Picked {
  nodes: ReadonlySet<string>;
  edges: ReadonlySet<string>;
}

/** `exists` filters out what was deleted (here or by a peer), so a stale id never reads as selected. */
export function createSelection(exists: (item: Item) => boolean): SelectionModel {
  const [picked, setPicked] = createSignal<Picked>({ nodes: new Set(), edges: new Set() });
  const nodes = createMemo(() => [...picked().nodes].filter((id) => exists({ kind: "node", id })));
  const edges = createMemo(() => [...picked().edges].filter((id) => exists({ kind: "edge", id })));
  const single = createMemo<Selection>(() => {
    const n = nodes();
    const e = edges();
    if (n.length + e.length !== 1) return null;
    return n.length === 1 ? { kind: "node", id: n[0] as string } : { kind: "edge", id: e[0] as string };
  });
  const setOf = (p: Picked, kind: Item["kind"]) => (kind === "node" ? p.nodes : p.edges);
  return {
    nodes,
    edges,
    single,
    has: (item) => setOf(picked(), item.kind).has(item.id) && exists(item),
    select(item, add = false) {
      if (!item) {
        if (!add) setPicked({ nodes: new Set(), edges: new Set() });
        return;
      }
      if (!add) {
        setPicked(
          item.kind === "node"
            ? { nodes: new Set([item.id]), edges: new Set() }
            : { nodes: new Set(), edges: new Set([item.id]) },
        );
        return;
      }
      const current = picked();
      const next = { nodes: new Set(current.nodes), edges: new Set(current.edges) };
      const set = setOf(next, item.kind) as Set<string>;
      if (set.has(item.id)) set.delete(item.id);
      else set.add(item.id);
      setPicked(next);
    },
    selectMany(nodeIds, edgeIds = [], add = false) {
      const current = picked();
      setPicked({
        nodes: new Set([...(add ? current.nodes : []), ...nodeIds]),
        edges: new Set([...(add ? current.edges : []), ...edgeIds]),
      });
    },
  };
}
