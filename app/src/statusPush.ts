// Checks a custom message from the room (EDITOR-1, UPDATE-3) before the editor acts on it.
import type { EdgeStatus, EditorPush, GraphStatus, ProcessStatus, WorkerStatus } from "../../shared/status.ts";

/**
 * Accepts only well-formed pushes: status (entries missing their key fields are dropped, with a warning)
 * and the room's refusal of an edit.
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
  if (data.type !== "status") {
    console.warn("[weft] room sent an unknown custom message type", data.type);
    return undefined;
  }
  const status = data.status;
  if (!isObject(status) || !Array.isArray(status.workers) || !Array.isArray(status.processes)) {
    console.warn("[weft] room sent a malformed status push");
    return undefined;
  }
  const processes = status.processes.filter(isProcess);
  const workers = status.workers
    .filter(isWorker)
    .map((w): WorkerStatus => ({ ...w, processes: w.processes ?? 0, draining: w.draining === true }));
  if (processes.length !== status.processes.length || workers.length !== status.workers.length) {
    console.warn("[weft] status push had malformed entries; they were dropped");
  }
  const edges = Array.isArray(status.edges) ? status.edges.filter(isEdge) : [];
  const clean: GraphStatus = { running: status.running === true, workers, processes, edges };
  return { type: "status", status: clean };
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
