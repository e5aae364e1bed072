// When someone else deletes a node this browser is working on (selected, or edited in the last minute), or a node
// one of our new edges ends at, the change cannot stay: the repair rule in shared/docModel.ts (edgeIsLive) hides
// the dangling edge everywhere. This watcher tells the person whose work vanished what happened.
import type * as Y from "yjs";
import type { GraphEdge } from "../../shared/graph.ts";
import { edgesMap, nodesMap, readEdge } from "../../shared/ydoc.ts";
import { LOCAL_ORIGIN } from "./history.ts";

/** How long after our last edit of a node its deletion by someone else is worth telling. */
export const RECENT_MS = 60_000;

export interface CollisionWatch {
  destroy(): void;
}

/**
 * Calls `tell` with a sentence per collision. `nameOf` reads a node's name as it was (the store still has it when
 * the deletion is observed); `selected` says whether this browser has the node selected.
 */
export function watchCollisions(
  doc: Y.Doc,
  nameOf: (nodeId: string) => string | undefined,
  selected: (nodeId: string) => boolean,
  tell: (text: string) => void,
  now: () => number = Date.now,
): CollisionWatch {
  const nodes = nodesMap(doc);
  const edges = edgesMap(doc);
  const touched = new Map<string, number>();
  const ourEdges = new Set<string>();

  const onNodes = (events: Y.YEvent<Y.AbstractType<unknown>>[], transaction: Y.Transaction) => {
    if (transaction.origin === LOCAL_ORIGIN) {
      for (const event of events) {
        const id = event.target === nodes ? undefined : event.path[0];
        if (typeof id === "string") touched.set(id, now());
        if (event.target === nodes) for (const key of event.changes.keys.keys()) touched.set(key, now());
      }
      return;
    }
    if (transaction.local) return;
    for (const event of events) {
      if (event.target !== nodes) continue;
      for (const [id, change] of event.changes.keys) {
        if (change.action !== "delete") continue;
        reportDeleted(id);
        touched.delete(id);
      }
    }
  };

  const reportDeleted = (id: string) => {
    const name = nameOf(id) ?? id;
    const dropped = [...ourEdges].flatMap((edgeId) => {
      const edge = readEdge(edgeId, edges.get(edgeId));
      return edge && (edge.from === id || edge.to === id) ? [edge] : [];
    });
    for (const edge of dropped) ourEdges.delete(edge.id);
    const recent = now() - (touched.get(id) ?? Number.NEGATIVE_INFINITY) < RECENT_MS;
    if (dropped.length > 0) {
      const other = (e: { from: string; to: string }) => nameOf(e.from === id ? e.to : e.from) ?? "";
      const to = [...new Set(dropped.map(other))].map((n) => `"${n}"`).join(", ");
      tell(
        `Someone else deleted "${name}" while you connected it${to ? ` to ${to}` : ""}: ` +
          `${dropped.length === 1 ? "that edge was" : `those ${dropped.length} edges were`} dropped with it.`,
      );
    } else if (recent || selected(id)) {
      tell(`Someone else deleted "${name}" while you were working on it; your changes to it went with it.`);
    }
  };

  const onEdges = (event: Y.YMapEvent<GraphEdge>) => {
    if (event.transaction.origin !== LOCAL_ORIGIN) return;
    for (const [id, change] of event.changes.keys) {
      if (change.action === "delete") ourEdges.delete(id);
      else ourEdges.add(id);
    }
  };

  nodes.observeDeep(onNodes);
  edges.observe(onEdges);
  return {
    destroy() {
      nodes.unobserveDeep(onNodes);
      edges.unobserve(onEdges);
    },
  };
}
