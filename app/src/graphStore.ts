// The one adapter from the Yjs graph document to Solid stores: components read these, never Y types.
import { type Accessor, batch, createMemo, createSignal } from "solid-js";
import { createStore, produce, reconcile, unwrap } from "solid-js/store";
import * as Y from "yjs";
import type { GraphEdge, GraphNode } from "../../shared/graph.ts";
import { edgesMap, type GraphMeta, metaMap, nodesMap, readEdge, readMeta, readNode } from "../../shared/ydoc.ts";

/** Above this many changed keys in one transaction, the whole map is re-read and diffed at once. */
const BULK_CHANGE = 200;

export interface GraphState {
  meta: GraphMeta;
  nodes: Record<string, GraphNode>;
  edges: Record<string, GraphEdge>;
}

export interface GraphStore {
  readonly state: GraphState;
  readonly nodeIds: Accessor<string[]>;
  readonly edgeIds: Accessor<string[]>;
  /**
   * Changes with every change to a node or an edge. What reads the whole graph at once (every curve, every box)
   * tracks this and reads `raw`, instead of a signal per field of every node through the store.
   */
  readonly revision: Accessor<number>;
  /** The store's plain objects: read only, and only beside `revision`. */
  readonly raw: Readonly<GraphState>;
  dispose(): void;
}

/**
 * Mirrors `doc` into a store. Y observers only mark what changed; the `update`
 * event (fired after observers, once per transaction) applies those changes in
 * one batch, so a moved node touches one node's x/y and nothing else.
 */
export function createGraphStore(doc: Y.Doc): GraphStore {
  const nodes = nodesMap(doc);
  const edges = edgesMap(doc);
  const meta = metaMap(doc);

  const [state, setState] = createStore<GraphState>({
    meta: readMeta(doc),
    nodes: readAllNodes(nodes),
    edges: readAllEdges(edges),
  });

  const dirtyNodes = new Set<string>();
  const dirtyEdges = new Set<string>();
  let metaDirty = false;

  const onNodes = (events: Y.YEvent<Y.AbstractType<unknown>>[]) => {
    for (const event of events) {
      if (event.target === nodes) {
        for (const key of event.changes.keys.keys()) dirtyNodes.add(key);
      } else {
        const nodeId = event.path[0];
        if (typeof nodeId === "string") dirtyNodes.add(nodeId);
      }
    }
  };
  const onEdges = (event: Y.YMapEvent<GraphEdge>) => {
    for (const key of event.keysChanged) dirtyEdges.add(key);
  };
  const onMeta = () => {
    metaDirty = true;
  };

  const [revision, setRevision] = createSignal(0);
  const flush = () => {
    if (!dirtyNodes.size && !dirtyEdges.size && !metaDirty) return;
    batch(() => {
      if (dirtyNodes.size || dirtyEdges.size) setRevision((n) => n + 1);
      if (dirtyNodes.size > BULK_CHANGE) {
        // A first sync or an import: one diff of the whole map beats a thousand path writes, and into an empty
        // store no diff at all (reconcile would walk a thousand fresh nodes for nothing).
        const all = readAllNodes(nodes);
        setState("nodes", Object.keys(state.nodes).length === 0 ? fresh(all) : reconcile(all));
        dirtyNodes.clear();
      }
      for (const id of dirtyNodes) {
        const ynode = nodes.get(id);
        if (ynode instanceof Y.Map) {
          if (state.nodes[id]) setState("nodes", id, reconcile(readNode(id, ynode)));
          else setState("nodes", id, readNode(id, ynode));
        } else if (state.nodes[id]) {
          setState(
            "nodes",
            produce((all) => void delete all[id]),
          );
        }
      }
      if (dirtyEdges.size > BULK_CHANGE) {
        const all = readAllEdges(edges);
        setState("edges", Object.keys(state.edges).length === 0 ? fresh(all) : reconcile(all));
        dirtyEdges.clear();
      }
      for (const id of dirtyEdges) {
        const edge = readEdge(id, edges.get(id));
        if (edge) setState("edges", id, reconcile(edge));
        else if (state.edges[id])
          setState(
            "edges",
            produce((all) => void delete all[id]),
          );
      }
      if (metaDirty) setState("meta", reconcile(readMeta(doc)));
    });
    dirtyNodes.clear();
    dirtyEdges.clear();
    metaDirty = false;
  };

  nodes.observeDeep(onNodes);
  edges.observe(onEdges);
  meta.observe(onMeta);
  doc.on("update", flush);

  // Object.keys on a store tracks only additions and removals, not field changes.
  const nodeIds = createMemo(() => Object.keys(state.nodes), undefined, { equals: sameIds });
  // The repair rule (docModel.ts edgeIsLive): an edge whose node is gone (deleted while someone drew it) is never
  // shown, counted or selected; it stays in the document, dead, until removed.
  // Read from the plain objects beside the revision: through the store, this pass made a signal per edge end.
  const raw = unwrap(state);
  const edgeIds = createMemo(
    () => {
      revision();
      return Object.keys(raw.edges).filter((id) => {
        const edge = raw.edges[id];
        return edge !== undefined && raw.nodes[edge.from] !== undefined && raw.nodes[edge.to] !== undefined;
      });
    },
    undefined,
    { equals: sameIds },
  );

  return {
    state,
    nodeIds,
    edgeIds,
    revision,
    raw,
    dispose() {
      nodes.unobserveDeep(onNodes);
      edges.unobserve(onEdges);
      meta.unobserve(onMeta);
      doc.off("update", flush);
    },
  };
}

/**
 * `value`, just read from the document, to be set into the store as it is. Setting a plain object walks all of it
 * for proxies to strip (a thousand nodes: ~20 ms); a store's proxy is taken for its plain object at once.
 */
function fresh<T extends object>(value: T): T {
  return createStore(value)[0];
}

function readAllNodes(nodes: Y.Map<Y.Map<unknown>>): Record<string, GraphNode> {
  const out: Record<string, GraphNode> = {};
  nodes.forEach((ynode, id) => {
    if (ynode instanceof Y.Map) out[id] = readNode(id, ynode);
  });
  return out;
}

function readAllEdges(edges: Y.Map<GraphEdge>): Record<string, GraphEdge> {
  const out: Record<string, GraphEdge> = {};
  edges.forEach((value, id) => {
    const edge = readEdge(id, value);
    if (edge) out[id] = edge;
  });
  return out;
}

export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
