// Checks a custom message from the room (EDITOR-1 status and status deltas, UPDATE-3, TYPES-1) before the editor
// acts on it.
import { DEF_FIELDS, nodeTypeProblem } from "../../shared/nodeTypeDef.ts";
import type { NodeTypeDef } from "../../shared/nodeTypes.ts";
import type {
  EdgeStatus,
  EditorPush,
  GraphStatus,
  NodeTypeInfo,
  ProcessStatus,
  StatusDelta,
  WorkerStatus,
} from "../../shared/status.ts";

/** A worker's problems shown at most: this many, each cut to PROBLEM_CHARS. */
const MAX_PROBLEMS = 50;
const PROBLEM_CHARS = 500;

/**
 * Accepts only well-formed pushes: status (entries missing their key fields are dropped, with a warning),
 * the graph's node types (malformed definitions dropped, with a warning) and the room's refusal of an edit.
 */
export function parsePush(message: string): EditorPush | undefined {
  let data: unknown;
  try {
    data = JSON.parse(message);
  } catch {
    console.warn("[weft] room sent a custom message that is not JSON", message.slice(0, 200));
    return undefined;
  }
  if (!isObject(data)) return undefined;
  if (data.type === "refused") {
    if (typeof data.code !== "string" || typeof data.reason !== "string") return undefined;
    return { type: "refused", code: data.code, reason: data.reason.slice(0, 500) };
  }
  if (data.type === "nodeTypes") {
    const types = parseNodeTypes(data.types);
    return types ? { type: "nodeTypes", types } : undefined;
  }
  if (data.type === "statusDelta") {
    const delta = data.delta;
    const ids = (value: unknown) => Array.isArray(value) && value.every((id) => typeof id === "string");
    if (!isObject(delta) || !ids(delta.removedProcesses) || !ids(delta.removedEdges)) {
      console.warn("[weft] room sent a malformed status delta");
      return undefined;
    }
    const entries = statusEntries(delta);
    if (!entries) return undefined;
    const clean: StatusDelta = {
      ...entries,
      removedProcesses: delta.removedProcesses as string[],
      removedEdges: delta.removedEdges as string[],
    };
    if (typeof delta.storageBytes === "number") clean.storageBytes = delta.storageBytes;
    return { type: "statusDelta", delta: clean };
  }
  if (data.type !== "status") {
    console.warn("[weft] room sent an unknown custom message type", data.type);
    return undefined;
  }
  const entries = isObject(data.status) ? statusEntries(data.status) : undefined;
  return entries ? { type: "status", status: entries } : undefined;
}

/** The checked running flag, workers, processes and edges of a status or a delta; undefined when malformed. */
function statusEntries(status: Record<string, unknown>): GraphStatus | undefined {
  if (!Array.isArray(status.workers) || !Array.isArray(status.processes)) {
    console.warn("[weft] room sent a malformed status push");
    return undefined;
  }
  const processes = status.processes.filter(isProcess);
  const workers = status.workers
    .filter(isWorker)
    .map((w): WorkerStatus => withProblems({ ...w, processes: w.processes ?? 0, draining: w.draining === true }));
  if (processes.length !== status.processes.length || workers.length !== status.workers.length) {
    console.warn("[weft] status push had malformed entries; they were dropped");
  }
  const edges = Array.isArray(status.edges) ? status.edges.filter(isEdge) : [];
  return { running: status.running === true, workers, processes, edges };
}

/**
 * The node types of a push (or of GET /api/graphs/<id>/node-types): each entry must be a definition the room
 * itself would accept (nodeTypeProblem) plus its registry fields; others are dropped with a warning, and a
 * type listed twice is kept once (the first). Undefined when `value` is not a list at all.
 */
export function parseNodeTypes(value: unknown): NodeTypeInfo[] | undefined {
  if (!Array.isArray(value)) {
    console.warn("[weft] room sent a malformed node-type list");
    return undefined;
  }
  const types: NodeTypeInfo[] = [];
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const entry of value) {
    const checked = nodeTypeInfo(entry);
    if (typeof checked === "string") problems.push(checked);
    else if (seen.has(checked.type)) problems.push(`node type "${checked.type}" is listed twice`);
    else {
      seen.add(checked.type);
      types.push(checked);
    }
  }
  if (problems.length > 0) {
    console.warn(`[weft] node-type list had ${problems.length} malformed entries; they were dropped`, problems);
  }
  return types;
}

/** The entry as a NodeTypeInfo, or why it is not one. */
function nodeTypeInfo(entry: unknown): NodeTypeInfo | string {
  if (!isObject(entry)) return "an entry is not an object";
  const def: Record<string, unknown> = {};
  for (const field of DEF_FIELDS) if (entry[field] !== undefined) def[field] = entry[field];
  const problem = nodeTypeProblem(def);
  if (problem) return problem;
  const { source, available, workers, reason } = entry;
  const name = `node type "${String(def.type)}"`;
  if (source !== "builtin" && source !== "worker") return `${name}: source must be "builtin" or "worker"`;
  if (typeof available !== "boolean") return `${name}: available must be a boolean`;
  if (!Array.isArray(workers) || !workers.every((w) => typeof w === "string")) {
    return `${name}: workers must be a list of worker ids`;
  }
  if (reason !== undefined && typeof reason !== "string") return `${name}: reason must be a string`;
  const info: NodeTypeInfo = { ...(def as unknown as NodeTypeDef), source, available, workers: [...workers] };
  if (typeof reason === "string" && reason !== "") info.reason = reason.slice(0, PROBLEM_CHARS);
  return info;
}

/** A worker with its `problems` kept only as a list of strings (left out when it has none). */
function withProblems(worker: WorkerStatus): WorkerStatus {
  const { problems, ...rest } = worker;
  if (!Array.isArray(problems)) return rest;
  const kept = problems
    .filter((p): p is string => typeof p === "string" && p !== "")
    .slice(0, MAX_PROBLEMS)
    .map((p) => (p.length > PROBLEM_CHARS ? `${p.slice(0, PROBLEM_CHARS)}…` : p));
  return kept.length > 0 ? { ...rest, problems: kept } : rest;
}

function isEdge(value: unknown): value is EdgeStatus {
  return (
    isObject(value) &&
    typeof value.id === "string" &&
    typeof value.depth === "number" &&
    typeof value.inflight === "number" &&
    typeof value.deadLetters === "number" &&
    typeof value.paused === "boolean"
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isProcess(value: unknown): value is ProcessStatus {
  return (
    isObject(value) &&
    typeof value.nodeId === "string" &&
    typeof value.state === "string" &&
    typeof value.in === "number" &&
    typeof value.out === "number" &&
    typeof value.errors === "number"
  );
}

function isWorker(value: unknown): value is WorkerStatus {
  return (
    isObject(value) &&
    typeof value.id === "string" &&
    Array.isArray(value.labels) &&
    typeof value.capacity === "number" &&
    typeof value.load === "number"
  );
}
