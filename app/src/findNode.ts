// What the find-node box lists: nodes whose name, type or type title contains the query, prefix matches first.
import type { GraphNode } from "../../shared/graph.ts";

export const FIND_LIMIT = 8;

type FindField = "name" | "type" | "title";
type Findable = Pick<GraphNode, "id" | "name" | "type">;

/**
 * The nodes matching `query` (trimmed, case-insensitive): first those with a field that starts with it, then
 * those with a field that contains it; within each, a name match before a type or title match, then by name
 * and id so the order is stable. An empty query matches nothing. At most `limit` node ids.
 */
export function findNodes(
  nodes: Iterable<Findable>,
  titleOf: (type: string) => string | undefined,
  query: string,
  limit = FIND_LIMIT,
): string[] {
  const q = query.trim().toLowerCase();
  if (q === "") return [];
  const ranked: { id: string; name: string; rank: number }[] = [];
  for (const node of nodes) {
    const fields: [FindField, string][] = [
      ["name", node.name],
      ["type", node.type],
      ["title", titleOf(node.type) ?? ""],
    ];
    let best: number | undefined;
    for (const [field, text] of fields) {
      const at = text.toLowerCase().indexOf(q);
      if (at < 0) continue;
      // Rank: prefix (0, 1) before substring (2, 3); the name before the type and its title.
      const rank = (at === 0 ? 0 : 2) + (field === "name" ? 0 : 1);
      if (best === undefined || rank < best) best = rank;
    }
    if (best !== undefined) ranked.push({ id: node.id, name: node.name.toLowerCase(), rank: best });
  }
  ranked.sort((a, b) => a.rank - b.rank || compare(a.name, b.name) || compare(a.id, b.id));
  return ranked.slice(0, limit).map((r) => r.id);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
