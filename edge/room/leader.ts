// The leader (SCHED-*): keeps every desired process assigned to one live worker, stops gracefully, restarts
// crashed processes with backoff, rebalances, drains, and fences stale epochs. One lifecycle record per node
// (NodeRun); the broker hears of every change through `holderChanged`.
import type { JsonValue } from "../../shared/graph.ts";
import { BROKER, TIMING } from "../../shared/limits.ts";
import type { ErrorCode, ProcessReport, RoomFrame } from "../../shared/protocol.ts";
import { place, rebalance } from "../../shared/scheduler.ts";
import type { BrokerLeader, Holder } from "./broker.ts";
import type { GraphChange, RoomGraph } from "./graphView.ts";
import type { Crash, LeaderStore, NodeRun, ProcessStart, WorkerRecord } from "./leaderStore.ts";
import { type Desired, emptyPlan, type Plan, planGraph, planNode, type SecretSource } from "./plan.ts";
import { connOf, type Registry } from "./registry.ts";
import { crashBackoffMs } from "./status.ts";

/** Unassigns sent for processes a worker reports but does not hold, per report (SCHED-3). */
export const MAX_FENCES_PER_REPORT = 50;
/** A restarted process that runs this long has its crash count reset (SCHED-7). */
export const CRASH_RESET_MS = 30_000;

export interface RoomConfig {
  /** Processes moved per rebalance period; 0 turns rebalancing off (SCHED-8). */
  rebalanceMoves: number;
  rebalanceIntervalMs: number;
  /** Messages per second the room takes in across its edges (credit is paced to it); 0: unlimited. */
  maxRate: number;
}

export const DEFAULT_CONFIG: RoomConfig = {
  rebalanceMoves: 1,
  rebalanceIntervalMs: 30_000,
  maxRate: BROKER.maxRoomRate,
};

export interface LeaderPorts {
  store: LeaderStore;
  registry: Registry;
  graph: RoomGraph;
  secrets: SecretSource;
  config: RoomConfig;
  now(): number;
  send(connId: string, frame: RoomFrame): void;
  log(event: string, fields: Record<string, unknown>): void;
  statusChanged(): void;
  /** Who holds `nodeId` changed (the broker's one event). */
  holderChanged(nodeId: string): void;
}

export class Leader implements BrokerLeader {
  private readonly store: LeaderStore;
  private readonly registry: Registry;
  private readonly runs: Map<string, NodeRun>;
  private readonly crashes: Map<string, Crash>;
  private plan: Plan;
  private pending = new Map<string, string>();
  /** Connections already told `drained`, so it is said once per connection. */
  private readonly drainedSent = new Set<string>();
  private nextRebalanceAt: number;

  constructor(private readonly ports: LeaderPorts) {
    this.store = ports.store;
    this.registry = ports.registry;
    this.runs = new Map(this.store.runs().map((r) => [r.nodeId, r]));
    this.crashes = new Map(this.store.crashes().map((c) => [c.nodeId, c]));
    this.nextRebalanceAt = ports.now() + ports.config.rebalanceIntervalMs;
    this.plan = this.planAll();
  }

  // ---- what the broker asks ---------------------------------------------------------------------------

  consumer(nodeId: string): Holder | undefined {
    const run = this.runs.get(nodeId);
    return run?.kind === "assigned" ? this.holderOf(run) : undefined;
  }

  holder(nodeId: string, epoch: number, workerId: string): Holder | undefined {
    const run = this.runs.get(nodeId);
    return run && run.epoch === epoch && run.workerId === workerId ? this.holderOf(run) : undefined;
  }

  private holderOf(run: NodeRun): Holder | undefined {
    const worker = this.registry.get(run.workerId);
    const connId = worker && connOf(worker);
    if (connId === undefined) return undefined;
    return { workerId: run.workerId, connId, epoch: run.epoch, inputs: run.inputs, outputs: run.outputs };
  }

  /**
   * The process (assigned or stopping) that lets this worker publish and ack for a node, judged by what it
   * was started with; otherwise `stale_epoch` and a fence (SCHED-3).
   */
  holds(worker: WorkerRecord, nodeId: string, epoch: number, ref?: number): Holder | undefined {
    const held = this.holder(nodeId, epoch, worker.id);
    if (held) return held;
    this.refuse(worker, "stale_epoch", `node ${nodeId} epoch ${epoch} is not assigned to this worker`, ref);
    this.fence(worker, nodeId, epoch);
    return undefined;
  }

  /** The whole graph planned again, with the node types the registry knows now. */
  private planAll(): Plan {
    return planGraph(this.ports.graph, this.ports.secrets, this.registry.types.lookup);
  }

  /** Nodes of hub types (http-in, catch) that run now: the room itself produces their messages. */
  hubNodes(): ReadonlySet<string> {
    return this.plan.hub;
  }

  // ---- the graph document -----------------------------------------------------------------------------

  /**
   * The document changed. A change that touches no scheduling (a move, a rename) costs nothing; otherwise
   * only the changed nodes are planned again. Without `change`, everything is planned again.
   */
  graphChanged(change?: GraphChange): void {
    if (change && !change.running && !change.edges && change.nodes.size === 0) return;
    const { graph, secrets } = this.ports;
    const types = this.registry.types.lookup;
    if (!change || change.running) this.plan = planGraph(graph, secrets, types);
    else for (const nodeId of change.nodes) planNode(this.plan, graph, secrets, types, nodeId);
    const changed = change && !change.running ? [...change.nodes] : [...this.crashes.keys()];
    for (const nodeId of changed) {
      const crash = this.crashes.get(nodeId);
      if (crash && this.plan.desired.get(nodeId)?.paramsJson !== crash.paramsJson) this.clearCrash(nodeId);
    }
    if (change && !change.running) this.reconcileNodes(change.nodes);
    else this.reconcile();
  }

  /** A secret was set or removed: nodes using it are planned again (a new value restarts them). */
  secretChanged(name: string): void {
    const users = [...this.plan.secrets].filter(([, names]) => names.includes(name)).map(([nodeId]) => nodeId);
    if (users.length === 0) return;
    for (const nodeId of users) {
      planNode(this.plan, this.ports.graph, this.ports.secrets, this.registry.types.lookup, nodeId);
    }
    this.reconcile();
  }

  // ---- placement (SCHED-2) ------------------------------------------------------------------------------

  reconcile(): void {
    const now = this.ports.now();
    for (const run of [...this.runs.values()]) {
      if (run.kind !== "assigned") continue;
      const stale = this.staleReason(run);
      if (stale) this.unassign(run, stale);
    }
    // Stopping and crash-waiting nodes are not placed until they stopped or their backoff ended.
    const placeable = [...this.plan.desired.values()].filter(
      (d) => this.runs.get(d.nodeId)?.kind !== "stopping" && (this.crashes.get(d.nodeId)?.nextAt ?? 0) <= now,
    );
    const current = new Map<string, string>();
    for (const run of this.runs.values()) if (run.kind === "assigned") current.set(run.nodeId, run.workerId);
    const result = place(placeable, this.registry.placementWorkers(), current, {
      draining: this.registry.drainingCount(),
    });
    for (const [nodeId, workerId] of result.placed) {
      const held = this.runs.get(nodeId);
      if (held?.kind === "assigned" && held.workerId === workerId) continue;
      // Its holder no longer qualifies (labels, types): stop it there first; it is placed again once stopped.
      if (held?.kind === "assigned") this.unassign(held, `moving to worker ${workerId}`);
      else if (!held) {
        const want = this.plan.desired.get(nodeId);
        if (want) this.assign(want, workerId);
      }
    }
    this.pending = this.explainPending(result.pending);
    this.sendDrained();
    this.ports.statusChanged();
  }

  /**
   * reconcile() for a few nodes whose plan changed (a param edit): only they are checked and placed, against
   * the loads every other assignment puts on the workers, so an edit costs what it touched.
   */
  private reconcileNodes(nodeIds: Iterable<string>): void {
    const now = this.ports.now();
    const ids = new Set(nodeIds);
    for (const nodeId of ids) {
      const run = this.runs.get(nodeId);
      if (run?.kind !== "assigned") continue;
      // Here nothing re-places the held node, so a holder that no longer qualifies is stopped outright.
      const want = this.plan.desired.get(nodeId);
      const worker = this.registry.get(run.workerId);
      const stale =
        this.staleReason(run) ??
        (want && worker && !this.qualifies(worker, want)
          ? `worker ${worker.id} no longer has what the node needs`
          : undefined);
      if (stale) this.unassign(run, stale);
    }
    const placeable: Desired[] = [];
    for (const nodeId of ids) {
      const want = this.plan.desired.get(nodeId);
      this.pending.delete(nodeId);
      if (!want || this.runs.has(nodeId)) continue;
      if ((this.crashes.get(nodeId)?.nextAt ?? 0) <= now) placeable.push(want);
    }
    if (placeable.length > 0) {
      const held = new Map<string, number>();
      for (const run of this.runs.values()) {
        if (run.kind === "assigned") held.set(run.workerId, (held.get(run.workerId) ?? 0) + 1);
      }
      const workers = this.registry
        .placementWorkers()
        .map((w) => ({ ...w, otherLoad: w.otherLoad + (held.get(w.id) ?? 0) }));
      const result = place(placeable, workers, new Map(), { draining: this.registry.drainingCount() });
      for (const [nodeId, workerId] of result.placed) {
        const want = this.plan.desired.get(nodeId);
        if (want) this.assign(want, workerId);
      }
      for (const [nodeId, reason] of result.pending) this.pending.set(nodeId, reason);
    }
    this.sendDrained();
    this.ports.statusChanged();
  }

  /** Why an assigned process must stop as the plan stands (not wanted, params changed, worker draining). */
  private staleReason(run: NodeRun): string | undefined {
    const want = this.plan.desired.get(run.nodeId);
    if (!want) return "node is no longer wanted (graph stopped, node removed or disabled)";
    if (want.type !== run.type || want.paramsJson !== run.paramsJson) return "params changed; restarting";
    const worker = this.registry.get(run.workerId);
    return worker?.draining ? `worker ${worker.id} is draining` : undefined;
  }

  private assign(want: Desired, workerId: string): void {
    const worker = this.registry.get(workerId);
    const def = this.registry.types.lookup(want.type);
    if (!worker || !def) return;
    const run = this.store.transaction(() => {
      const started: NodeRun = {
        kind: "assigned",
        nodeId: want.nodeId,
        workerId,
        epoch: this.store.nextEpoch(),
        type: want.type,
        paramsJson: want.paramsJson,
        inputs: [...def.inputs],
        outputs: [...def.outputs],
      };
      this.store.putRun(started);
      const crash = this.crashes.get(want.nodeId);
      if (crash) this.store.putCrash({ ...crash, restartedAt: this.ports.now() });
      return started;
    });
    this.runs.set(run.nodeId, run);
    const crash = this.crashes.get(want.nodeId);
    if (crash) this.crashes.set(want.nodeId, { ...crash, restartedAt: this.ports.now() });
    this.ports.log("assign", { nodeId: run.nodeId, workerId, epoch: run.epoch, type: run.type });
    this.sendAssign(worker, run);
    this.ports.holderChanged(run.nodeId);
  }

  private sendAssign(worker: WorkerRecord, run: ProcessStart): void {
    this.sendTo(worker, {
      type: "assign",
      nodeId: run.nodeId,
      epoch: run.epoch,
      nodeType: run.type,
      params: this.resolveSecrets(JSON.parse(run.paramsJson) as Record<string, JsonValue>),
      inputs: run.inputs,
      outputs: run.outputs,
    });
  }

  /** The params a process gets: secret references replaced by their values (SECRET-2), only here. */
  private resolveSecrets(params: Record<string, JsonValue>): Record<string, JsonValue> {
    const out: Record<string, JsonValue> = {};
    for (const [key, value] of Object.entries(params)) {
      const name = typeof value === "object" && value !== null && !Array.isArray(value) ? value.$secret : undefined;
      out[key] = typeof name === "string" ? (this.ports.secrets.value(name) ?? "") : value;
    }
    return out;
  }

  /** Asks the holder to stop; the node waits in `stopping` until it reports stopped (SCHED-6). */
  private unassign(run: NodeRun, reason: string): void {
    const worker = this.registry.get(run.workerId);
    this.ports.log("unassign", { nodeId: run.nodeId, workerId: run.workerId, epoch: run.epoch, reason });
    if (!worker) {
      this.forgetRun(run.nodeId);
      return;
    }
    // A worker awaited back after a room restart is told on hello; or the stop ends when it is dropped.
    const { kind: _kind, ...start } = run;
    const stopping: NodeRun = { ...start, kind: "stopping", since: this.ports.now() };
    this.store.putRun(stopping);
    this.runs.set(run.nodeId, stopping);
    this.sendTo(worker, { type: "unassign", nodeId: run.nodeId, epoch: run.epoch, reason });
    this.ports.holderChanged(run.nodeId);
  }

  /** The process is gone (stopped, crashed, timed out, its worker gone): the node may run again. */
  private forgetRun(nodeId: string): void {
    this.store.transaction(() => {
      this.store.removeRun(nodeId);
      this.store.removeReport(nodeId);
    });
    this.runs.delete(nodeId);
    this.ports.holderChanged(nodeId);
  }

  /** Sends `drained` to draining workers that hold nothing here any more (DRAIN-2). */
  private sendDrained(): void {
    for (const worker of this.registry.all()) {
      const connId = connOf(worker);
      if (!worker.draining || connId === undefined || this.drainedSent.has(connId)) continue;
      if ([...this.runs.values()].some((r) => r.workerId === worker.id)) continue;
      this.drainedSent.add(connId);
      this.ports.send(connId, { type: "drained" });
      this.ports.log("worker_drained", { workerId: worker.id });
    }
  }

  /** Marks a worker draining (DRAIN-1); returns false when it is not connected to this graph. */
  drainWorker(workerId: string): boolean {
    const worker = this.registry.get(workerId);
    if (!worker || connOf(worker) === undefined) return false;
    this.registry.setDraining(worker);
    this.reconcile();
    return true;
  }

  // ---- workers coming and going (HELLO-4, SCHED-5) ---------------------------------------------------------

  /** A worker said hello: what it held resumes with the same epochs; its stops are asked for again. */
  workerJoined(worker: WorkerRecord): void {
    // Types it brought (plugins) may make nodes runnable, or check their params for the first time (TYPES-3).
    if (worker.defs?.length) this.plan = this.planAll();
    for (const run of [...this.runs.values()]) {
      if (run.workerId !== worker.id) continue;
      if (run.kind === "assigned") this.sendAssign(worker, run);
      else this.sendTo(worker, { type: "unassign", nodeId: run.nodeId, epoch: run.epoch, reason: "stopping" });
      this.ports.holderChanged(run.nodeId);
    }
    this.reconcile();
  }

  /** A worker is gone (closed, silent or never back): everything it held may run elsewhere. */
  workerGone(worker: WorkerRecord, reason: string): void {
    if (worker.link.kind === "connected") this.drainedSent.delete(worker.link.connId);
    const held = [...this.runs.values()].filter((r) => r.workerId === worker.id);
    this.store.transaction(() => {
      this.registry.remove(worker);
      for (const run of held) {
        this.store.removeRun(run.nodeId);
        this.store.removeReport(run.nodeId);
      }
    });
    for (const run of held) {
      this.runs.delete(run.nodeId);
      this.ports.holderChanged(run.nodeId);
    }
    // The definitions it brought may have been the ones in use (the highest version): check params again.
    if (worker.defs?.length) this.plan = this.planAll();
    this.ports.log("worker_dropped", { workerId: worker.id, reason });
  }

  // ---- reports (SCHED-3, -6, -7) ----------------------------------------------------------------------

  /** Keeps reports of processes this worker holds; fences the rest (SCHED-3); handles stops and crashes. */
  report(worker: WorkerRecord, reports: ProcessReport[]): void {
    const accepted: ProcessReport[] = [];
    const strays: ProcessReport[] = [];
    let changed = false;
    for (const report of reports) {
      const run = this.runs.get(report.nodeId);
      if (!run || run.workerId !== worker.id || run.epoch !== report.epoch) {
        if (report.state !== "stopped") strays.push(report);
        continue;
      }
      accepted.push(report);
      if (run.kind === "assigned") {
        if (report.state === "crashed") {
          this.crashed(run, report);
          changed = true;
        } else if (report.state === "running") this.maybeResetCrash(report.nodeId);
      } else if (report.state !== "running") {
        // A stopping process reported stopped (or crashed, or blocked): its stop is over.
        this.forgetRun(report.nodeId);
        changed = true;
      }
    }
    this.fenceStrays(worker, strays);
    this.store.putReports(accepted.filter((r) => this.runs.has(r.nodeId)));
    if (changed) this.reconcile();
    else this.ports.statusChanged();
  }

  /**
   * Answers processes a worker reports but does not hold (SCHED-3): one `not_assigned` error naming them
   * and an unassign for each, at most MAX_FENCES_PER_REPORT per report (the rest on its next heartbeat).
   */
  private fenceStrays(worker: WorkerRecord, strays: ProcessReport[]): void {
    if (strays.length === 0) return;
    const named = strays.slice(0, 3).map((r) => `${r.nodeId} epoch ${r.epoch}`);
    const more = strays.length > named.length ? ` and ${strays.length - named.length} more` : "";
    const one = strays.length === 1;
    this.refuse(
      worker,
      "not_assigned",
      `${one ? "node" : "nodes"} ${named.join(", ")}${more} ${one ? "is" : "are"} not assigned to you`,
    );
    for (const report of strays.slice(0, MAX_FENCES_PER_REPORT)) this.fence(worker, report.nodeId, report.epoch);
  }

  /** A process crashed: stop holding it and restart it after a backoff (SCHED-7). */
  private crashed(run: NodeRun, report: ProcessReport): void {
    const now = this.ports.now();
    const count = (this.crashes.get(run.nodeId)?.count ?? 0) + 1;
    const lastError = report.lastError ?? "crashed";
    const crash: Crash = {
      nodeId: run.nodeId,
      count,
      nextAt: now + crashBackoffMs(count),
      lastError,
      paramsJson: run.paramsJson,
      restartedAt: 0,
    };
    this.store.transaction(() => {
      this.store.putCrash(crash);
      this.store.removeRun(run.nodeId);
    });
    this.crashes.set(run.nodeId, crash);
    this.runs.delete(run.nodeId);
    const worker = this.registry.get(run.workerId);
    if (worker) this.sendTo(worker, { type: "unassign", nodeId: run.nodeId, epoch: run.epoch, reason: "crashed" });
    this.ports.holderChanged(run.nodeId);
    this.ports.log("process_crashed", {
      nodeId: run.nodeId,
      workerId: run.workerId,
      epoch: run.epoch,
      count,
      error: lastError,
    });
  }

  private maybeResetCrash(nodeId: string): void {
    const crash = this.crashes.get(nodeId);
    if (crash && crash.restartedAt > 0 && this.ports.now() - crash.restartedAt >= CRASH_RESET_MS)
      this.clearCrash(nodeId);
  }

  private clearCrash(nodeId: string): void {
    this.crashes.delete(nodeId);
    this.store.removeCrash(nodeId);
  }

  private fence(worker: WorkerRecord, nodeId: string, epoch: number): void {
    this.sendTo(worker, {
      type: "unassign",
      nodeId,
      epoch,
      reason: "stale epoch: this process is not assigned to this worker",
    });
  }

  // ---- time ---------------------------------------------------------------------------------------------

  /** Stops past their timeout end (fenced once more); every rebalance period a few processes move. */
  onAlarm(): void {
    const now = this.ports.now();
    for (const run of [...this.runs.values()]) {
      if (run.kind !== "stopping" || now - run.since < TIMING.stopTimeoutMs) continue;
      const worker = this.registry.get(run.workerId);
      if (worker) this.fence(worker, run.nodeId, run.epoch);
      this.forgetRun(run.nodeId);
      this.ports.log("stop_timeout", { nodeId: run.nodeId, workerId: run.workerId, epoch: run.epoch });
    }
    if (now >= this.nextRebalanceAt) {
      this.nextRebalanceAt = now + this.ports.config.rebalanceIntervalMs;
      this.rebalance();
    }
    this.reconcile();
  }

  /** Moves a bounded number of processes from the most to the least loaded workers (SCHED-8). */
  private rebalance(): void {
    const moves = this.ports.config.rebalanceMoves;
    if (moves <= 0 || [...this.runs.values()].some((r) => r.kind === "stopping")) return;
    const placed = new Map<string, string>();
    for (const run of this.runs.values()) placed.set(run.nodeId, run.workerId);
    for (const move of rebalance([...this.plan.desired.values()], this.registry.placementWorkers(), placed, moves)) {
      const run = this.runs.get(move.nodeId);
      if (run?.kind === "assigned") this.unassign(run, `rebalancing from ${move.from} to ${move.to}`);
    }
  }

  /** Times the leader must wake at: stop timeouts and crash restarts. */
  dueTimes(): number[] {
    const now = this.ports.now();
    const due: number[] = [];
    for (const run of this.runs.values()) if (run.kind === "stopping") due.push(run.since + TIMING.stopTimeoutMs);
    for (const c of this.crashes.values()) if (this.plan.desired.has(c.nodeId) && c.nextAt > now) due.push(c.nextAt);
    return due;
  }

  // ---- status and reset ---------------------------------------------------------------------------------

  statusInput() {
    return {
      desired: new Set(this.plan.desired.keys()),
      hub: this.plan.hub,
      blocked: this.plan.blocked,
      pending: this.pending,
      runs: this.runs,
      crashes: this.crashes,
    };
  }

  /** The graph was deleted: stop everything and forget all runtime state. */
  reset(): void {
    for (const worker of this.registry.all()) {
      for (const run of this.runs.values()) {
        if (run.workerId === worker.id && run.kind === "assigned") {
          this.sendTo(worker, { type: "unassign", nodeId: run.nodeId, epoch: run.epoch, reason: "graph deleted" });
        }
      }
      this.workerGone(worker, "graph deleted");
    }
    for (const nodeId of [...this.crashes.keys()]) this.clearCrash(nodeId);
    this.plan = emptyPlan();
  }

  /** A type only workers granting a capability offer (exec, files) says so, and how to start such a worker. */
  private explainPending(pending: Map<string, string>): Map<string, string> {
    for (const [nodeId, reason] of pending) {
      if (!reason.startsWith("no live worker can run node type")) continue;
      const type = this.plan.desired.get(nodeId)?.type;
      if (type && this.registry.types.lookup(type)?.capability) {
        pending.set(nodeId, this.registry.types.unavailableReason(type));
      }
    }
    return pending;
  }

  /** Whether a worker can run a node: it runs the type at the room's version and has every label it needs. */
  private qualifies(worker: WorkerRecord, want: Desired): boolean {
    return this.registry.types.canRun(worker, want.type) && want.labels.every((l) => worker.labels.includes(l));
  }

  /** Sends to a worker's connection; a worker awaited back after a restart has none, so nothing is sent. */
  private sendTo(worker: WorkerRecord, frame: RoomFrame): void {
    const connId = connOf(worker);
    if (connId !== undefined) this.ports.send(connId, frame);
  }

  private refuse(worker: WorkerRecord, code: ErrorCode, message: string, ref?: number): void {
    this.sendTo(worker, ref === undefined ? { type: "error", code, message } : { type: "error", code, message, ref });
  }
}
