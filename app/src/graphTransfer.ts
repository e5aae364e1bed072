// Import, export and duplicate of whole graphs through the hub's API: a file is checked with the same rules the
// hub applies before anything is created, and a failed import leaves no empty graph behind.
import { validateGraph } from "../../shared/graph.ts";
import { createGraph, deleteGraph, getGraphExport, putGraph } from "./api.ts";

export interface Imported {
  id: string;
  warnings: string[];
}

/** Creates a graph from export text (Weft's or gofi's); `fallbackName` names it when the file does not. */
export async function importGraphText(text: string, fallbackName: string): Promise<Imported> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new Error("the file is not JSON");
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) throw new Error("the file is not a graph export");
  const { id: _ignored, ...graph } = data as Record<string, unknown>;
  // gofi graphs keep their id field (it is how they are told apart) but it is not used; Weft's is replaced.
  const body = "connections" in graph ? data : { ...graph, name: graph.name || fallbackName };
  const checked = validateGraph(body, "import");
  if (!checked.ok) throw new Error(checked.problem.message);
  const { id } = await createGraph(checked.graph.name || fallbackName);
  try {
    const result = await putGraph(id, body);
    return { id, warnings: result.warnings.map((w) => w.message) };
  } catch (error) {
    await deleteGraph(id).catch(() => undefined);
    throw error;
  }
}

/** A stopped copy of graph `id` named "<name> (copy)"; answers the new id. */
export async function duplicateGraph(id: string, name: string): Promise<string> {
  const { id: _old, ...graph } = await getGraphExport(id);
  const copyName = `${name} (copy)`.slice(0, 200);
  const created = await createGraph(copyName);
  try {
    await putGraph(created.id, { ...graph, name: copyName, running: false });
  } catch (error) {
    await deleteGraph(created.id).catch(() => undefined);
    throw error;
  }
  return created.id;
}

/** Downloads graph `id` as `<name>.weft.json`. */
export async function downloadGraph(id: string): Promise<void> {
  const graph = await getGraphExport(id);
  const blob = new Blob([`${JSON.stringify(graph, null, 2)}\n`], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = `${String(graph.name || id).replace(/[^\w.-]+/g, "_")}.weft.json`;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
