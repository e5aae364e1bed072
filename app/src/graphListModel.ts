// How the graph list words each graph's activity (run state, node count, who is editing), checks a new name,
// and when it refreshes: on regaining focus or visibility, and every 10 s while visible, never overlapping.
import type { GraphRunState, ProcessCounts } from "../../shared/graphActivity.ts";
import { LIMITS } from "../../shared/limits.ts";
import type { GraphSummary } from "./api.ts";

export const REFRESH_MS = 10_000;
/** A focus and a visibility change arrive together when a tab comes back: one refresh for both. */
export const MIN_REFRESH_GAP_MS = 1000;

export interface RunText {
  /** data-graph-state: the run state, or "unknown" before the room has reported. */
  state: GraphRunState | "unknown";
  /** What the row says (text, not colour only). */
  label: string;
  /** The longer form, for a tooltip. */
  title: string;
}

const LABELS: Record<GraphRunState, string> = {
  stopped: "Stopped",
  stopping: "Stopping",
  starting: "Starting",
  running: "Running",
  degraded: "Running",
};

export function runText(graph: GraphSummary): RunText {
  const state = graph.state ?? undefined;
  if (!state) {
    return { state: "unknown", label: "State unknown", title: "the graph's room has not reported its state yet" };
  }
  const p = graph.processes ?? undefined;
  const parts = [LABELS[state]];
  if (p && state !== "stopped") {
    if (p.pending > 0) parts.push(`${p.pending} pending`);
    if (p.failed > 0) parts.push(`${p.failed} failed`);
    if (state === "starting" && p.starting > 0) parts.push(`${p.starting} starting`);
  }
  return { state, label: parts.join(" · "), title: processTitle(state, p) };
}

function processTitle(state: GraphRunState, p: ProcessCounts | undefined): string {
  const desired = state === "stopped" || state === "stopping" ? "stopped" : "running";
  if (!p) return `graph ${desired}`;
  const counts = [
    [p.running, "running"],
    [p.starting, "starting"],
    [p.pending, "pending (no worker can take them)"],
    [p.failed, "failed (crashed or blocked)"],
    [p.stopping, "stopping"],
  ] as const;
  const said = counts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`);
  return `graph ${desired}; processes: ${said.length > 0 ? said.join(", ") : "none"}`;
}

export function nodesText(nodes: number | null | undefined): string {
  if (nodes === null || nodes === undefined) return "";
  return `${nodes} node${nodes === 1 ? "" : "s"}`;
}

/** "Ada and Bob editing", "Ada, Bob, Cy and 2 others editing"; viewers by count. Empty when nobody is in. */
export function presenceText(graph: GraphSummary): string {
  const names = graph.editors ?? [];
  const count = Math.max(graph.editorCount ?? names.length, names.length);
  const shown = names.slice(0, 3);
  const others = count - shown.length;
  const parts: string[] = [];
  if (count > 0) {
    const list = others > 0 ? [...shown, `${others} other${others === 1 ? "" : "s"}`] : shown;
    parts.push(`${joinNames(list)} editing`);
  }
  const viewers = graph.viewers ?? 0;
  if (viewers > 0) parts.push(`${viewers} viewing`);
  return parts.join(" · ");
}

function joinNames(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** The name to save, or what is wrong with the draft. Unchanged: nothing to save. */
export function checkName(
  draft: string,
  current: string,
): { ok: true; name: string } | { ok: false; error: string } | { ok: "unchanged" } {
  const name = draft.trim();
  if (!name) return { ok: false, error: "Give the graph a name (it cannot be empty)." };
  if (name.length > LIMITS.maxNameLength) {
    return {
      ok: false,
      error: `A name may be at most ${LIMITS.maxNameLength} characters (this one has ${name.length}).`,
    };
  }
  if (name === current) return { ok: "unchanged" };
  return { ok: true, name };
}

export interface RefreshPorts {
  refresh(): Promise<unknown>;
  visible(): boolean;
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

/**
 * Refreshes while the page is visible: every REFRESH_MS after the last refresh ended, and at once when it
 * becomes visible or focused again (a second wake under MIN_REFRESH_GAP_MS after one costs nothing). One
 * request at a time.
 */
export class ListRefresher {
  private timer: unknown;
  private running = false;
  private lastWake = Number.NEGATIVE_INFINITY;
  private stopped = false;

  constructor(private readonly ports: RefreshPorts) {}

  /** Starts the 10 s cycle (the first load is the caller's). */
  start(): void {
    this.schedule();
  }

  /** The page became visible or got focus. */
  wake(): void {
    const now = this.ports.now();
    if (!this.ports.visible() || now - this.lastWake < MIN_REFRESH_GAP_MS) return;
    this.lastWake = now;
    void this.run();
  }

  /** The page was hidden: no timer runs until it is visible again. */
  sleep(): void {
    this.cancel();
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private async run(): Promise<void> {
    if (this.running || this.stopped) return;
    this.cancel();
    this.running = true;
    try {
      await this.ports.refresh();
    } catch {
      // The caller shows refresh failures; the cycle goes on.
    } finally {
      this.running = false;
      this.schedule();
    }
  }

  private schedule(): void {
    this.cancel();
    if (this.stopped || !this.ports.visible()) return;
    this.timer = this.ports.setTimer(() => {
      this.timer = undefined;
      void this.run();
    }, REFRESH_MS);
  }

  private cancel(): void {
    if (this.timer !== undefined) this.ports.clearTimer(this.timer);
    this.timer = undefined;
  }
}
