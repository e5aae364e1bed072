// What the graph list shows of each graph besides its name: node count, running state and who is in it now.
// The room builds it (edge/graphRoom.ts), the catalogue stores it (edge/graphTable.ts), GET /api/graphs serves it.
import type { ProcessState } from "./status.ts";

/**
 * stopped: the graph is stopped and no process is left; stopping: stopped, some processes still finishing;
 * starting: running, some processes sent to workers and not yet confirmed; running: every wanted process
 * runs; degraded: running, but some process is pending (no worker can take it) or failed (crashed, blocked).
 */
export type GraphRunState = "stopped" | "stopping" | "starting" | "running" | "degraded";

/** Processes by what they are doing (disabled and stopped nodes count nowhere). */
export interface ProcessCounts {
  running: number;
  starting: number;
  pending: number;
  /** Crashed (waiting out a restart backoff) or blocked (invalid params, a model problem). */
  failed: number;
  stopping: number;
}

/** The room's report to the catalogue, beside the graph's name. */
export interface GraphActivity {
  nodes: number;
  state: GraphRunState;
  processes: ProcessCounts;
  /** Display names of the people with an editor (not read-only) connection open: distinct, sorted, at most MAX_LISTED_EDITORS. */
  editors: string[];
  /** How many distinct people have an editor connection open (can exceed editors.length). */
  editorCount: number;
  /** People connected read-only (and not also editing). */
  viewers: number;
}

/** A graph as GET /api/graphs lists it. Activity fields are null until the graph's room has reported. */
export interface GraphEntry {
  id: string;
  name: string;
  /** ISO time of the last change to the graph's document the catalogue heard of (create, import, rename, edits). */
  updatedAt: string;
  nodes: number | null;
  state: GraphRunState | null;
  processes: ProcessCounts | null;
  editors: string[];
  editorCount: number;
  viewers: number;
  /** ISO time the room last reported a change of activity; null: never. */
  activityAt: string | null;
}

export const MAX_LISTED_EDITORS = 20;
export const MAX_EDITOR_NAME_CHARS = 100;

export function emptyCounts(): ProcessCounts {
  return { running: 0, starting: 0, pending: 0, failed: 0, stopping: 0 };
}

/** Counts processes by state and names the graph's run state. */
export function runSummary(status: { running: boolean; processes: ReadonlyArray<{ state: ProcessState }> }): {
  state: GraphRunState;
  processes: ProcessCounts;
} {
  const counts = emptyCounts();
  for (const p of status.processes) {
    const state = p.state;
    switch (state) {
      case "running":
        counts.running++;
        break;
      case "assigned":
        counts.starting++;
        break;
      case "pending":
        counts.pending++;
        break;
      case "crashed":
      case "blocked":
        counts.failed++;
        break;
      case "stopping":
        counts.stopping++;
        break;
      case "stopped":
        break;
      default: {
        const never: never = state;
        throw new Error(`unknown process state ${String(never)}`);
      }
    }
  }
  return { state: runState(status.running, counts), processes: counts };
}

function runState(running: boolean, c: ProcessCounts): GraphRunState {
  if (!running) return c.running + c.starting + c.stopping > 0 ? "stopping" : "stopped";
  if (c.pending + c.failed > 0) return "degraded";
  if (c.starting + c.stopping > 0) return "starting";
  return "running";
}

export interface PresentConnection {
  user: string;
  /** Display name; the user id when unknown. */
  name: string;
  access: "viewer" | "editor" | "admin";
}

/** Who is in the graph now, from its open editor connections: editing people by name, viewers by count. */
export function presence(
  connections: Iterable<PresentConnection>,
): Pick<GraphActivity, "editors" | "editorCount" | "viewers"> {
  const editing = new Map<string, string>();
  const viewing = new Set<string>();
  for (const c of connections) {
    if (c.access === "viewer") viewing.add(c.user);
    else if (!editing.has(c.user)) editing.set(c.user, displayName(c.name, c.user));
  }
  for (const user of editing.keys()) viewing.delete(user);
  const names = [...editing.values()].sort((a, b) => a.localeCompare(b, "en"));
  return { editors: names.slice(0, MAX_LISTED_EDITORS), editorCount: editing.size, viewers: viewing.size };
}

function displayName(name: string, user: string): string {
  const trimmed = name.trim() || user;
  return trimmed.length > MAX_EDITOR_NAME_CHARS ? `${trimmed.slice(0, MAX_EDITOR_NAME_CHARS - 1)}…` : trimmed;
}
