// The room's logic as plain TypeScript: worker registration, scheduling (leader) and message brokering.
// The Durable Object shell (edge/graphRoom.ts) injects storage, the clock, sockets and the graph document.
import { utf8Bytes } from "../../shared/docModel.ts";
import { type JsonValue, nodeProblem } from "../../shared/graph.ts";
import { HEARTBEAT, LIMITS } from "../../shared/limits.ts";
import { checkParams, findNodeType, isSecretRef, secretRefs } from "../../shared/nodeTypes.ts";
import {
  CloseCode,
  type ErrorCode,
  PROTOCOL_VERSION,
  type ProcessReport,
  parseWorkerFrame,
  type RoomFrame,
  type WorkerFrame,
  type WorkerFrameOf,
} from "../../shared/protocol.ts";
import { type PlacementProcess, type PlacementWorker, place, rebalance } from "../../shared/scheduler.ts";
import type { GraphStatus } from "../../shared/status.ts";
import type { GraphChange, RoomGraph, ViewNode } from "./graphView.ts";
import { buildStatus, crashBackoffMs } from "./status.ts";
import type { Assignment, Channel, Crash, RoomStore, Stopping, WorkerRecord } from "./store.ts";

export const HELLO_TIMEOUT_MS = 10_000;
/** How long a process may take to flush and report stopped before the room places it again anyway. */
export const STOP_TIMEOUT_MS = 10_000;
/** Unassigns sent for processes a worker reports but does not hold, per report (SCHED-3). */
export const MAX_FENCES_PER_REPORT = 50;
/** A restarted process that runs this long has its crash count reset (SCHED-7). */
export const CRASH_RESET_MS = 30_000;
/** Bytes of message JSON in one deliver frame, leaving room for the envelope under LIMITS.maxFrameBytes. */
const DELIVER_FRAME_BUDGET = LIMITS.maxFrameBytes - 64 * 1024;

export interface RoomConfig {
  /** Processes moved per rebalance period; 0 turns rebalancing off (SCHED-8). */
  rebalanceMoves: number;
  rebalanceIntervalMs: number;
}

export const DEFAULT_CONFIG: RoomConfig = { rebalanceMoves: 1, rebalanceIntervalMs: 30_000 };

export interface RoomPorts {
  graphId: string;
  store: RoomStore;
  config: RoomConfig;
  now(): number;
  send(connId: string, frame: RoomFrame): void;
  close(connId: string, code: number, reason: string): void;
  isOpen(connId: string): boolean;
  /** The graph document as the leader and broker read it, kept current by the shell (GraphView). */
  graph: RoomGraph;
  /** Something shown in status changed. */
  statusChanged(): void;
  /** The graph's secrets (edge/room/secrets.ts): values go only into assignments. */
  secrets: SecretSource;
  log(event: string, fields: Record<string, unknown>): void;
}

export interface SecretSource {
  value(name: string): string | undefined;
  /** Changes with the value, so a process using it restarts. */
  version(name: string): number | undefined;
  /** Why a secret has no value: not set, no key configured, or stored under another key. */
  missing(name: string): "unset" | "no_key" | "undecryptable";
}

export interface FrameOutcome {
  /** Set when the frame registered the connection as this worker. */
  registered?: string;
}

interface Desired extends PlacementProcess {
  paramsJson: string;
}

interface Plan {
  desired: Map<string, Desired>;
  blocked: Map<string, string>;
  /** Secret names each node's params refer to (to restart it when one changes). */
  secrets: Map<string, string[]>;
}

export class RoomCore {
  private readonly store: RoomStore;
  private readonly workers: Map<string, WorkerRecord>;
  private readonly assignments: Map<string, Assignment>;
  private readonly stopping: Map<string, Stopping>;
  private readonly crashes: Map<string, Crash>;
  private plan: Plan;
  private pending = new Map<string, string>();
  private readonly invalidFrames = new Map<string, number>();
  /** Connections already told `drained`, so it is said once per connection. */
  private readonly drainedSent = new Set<string>();
  private nextRebalanceAt: number;

  constructor(private readonly ports: RoomPorts) {
    this.store = ports.store;
    this.workers = new Map(this.store.workers().map((w) => [w.id, w]));
    this.assignments = new Map(this.store.assignments().map((a) => [a.nodeId, a]));
    this.stopping = new Map(this.store.stopping().map((s) => [s.nodeId, s]));
    this.crashes = new Map(this.store.crashes().map((c) => [c.nodeId, c]));
    this.nextRebalanceAt = ports.now() + ports.config.rebalanceIntervalMs;
    this.plan = this.fullPlan();
  }

  /**
   * After a restart of the room every socket is gone: keep the workers' assignments for one heartbeat
   * timeout so a worker that says hello again resumes with the same epochs (HELLO-4).
   */
  awaitReturningWorkers(): void {
    const now = this.ports.now();
    for (const worker of this.workers.values()) {
      if (worker.connId !== "" && this.ports.isOpen(worker.connId)) continue;
      worker.connId = "";
      worker.lastSeen = now;
      this.store.putWorker(worker);
    }
  }

  // ---- the graph document -------------------------------------------------------------------

  /**
   * The document changed. A change that touches no scheduling (a move, a rename) costs nothing; otherwise
   * only the changed nodes are planned again. Without `change`, everything is planned again.
   */
  graphChanged(change?: GraphChange): void {
    if (change && !change.running && !change.edges && change.nodes.size === 0) return;
    if (!change || change.running) this.plan = this.fullPlan();
    else for (const nodeId of change.nodes) this.planNode(this.plan, nodeId);
    if (!change || change.edges) this.store.purgeChannelsExcept(this.allChannels());
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
    for (const nodeId of users) this.planNode(this.plan, nodeId);
    this.reconcile();
  }

  private fullPlan(): Plan {
    const plan: Plan = { desired: new Map(), blocked: new Map(), secrets: new Map() };
    for (const node of this.ports.graph.nodes()) this.planNode(plan, node.id);
    return plan;
  }

  /** Decides whether one node should run, and with which params, or why it is blocked (SCHED-1, SCHED-4). */
  private planNode(plan: Plan, nodeId: string): void {
    plan.desired.delete(nodeId);
    plan.blocked.delete(nodeId);
    plan.secrets.delete(nodeId);
    const node = this.ports.graph.node(nodeId);
    if (!node || !this.ports.graph.running || node.disabled) return;
    const problem = blockedReason(node);
    const def = findNodeType(node.type);
    const params = def && checkParams(def, node.params);
    if (problem || !def || !params?.ok) {
      plan.blocked.set(nodeId, problem ?? `node "${nodeId}" cannot run`);
      return;
    }
    const names = secretRefs(def, params.params);
    if (names.length > 0) plan.secrets.set(nodeId, names);
    const unusable = names.find((name) => this.ports.secrets.value(name) === undefined);
    if (unusable !== undefined) {
      plan.blocked.set(nodeId, secretReason(nodeId, unusable, this.ports.secrets.missing(unusable)));
      return;
    }
    // The plan keeps references (with the value's version, so a new value restarts the process), never values.
    const versioned = Object.fromEntries(
      Object.entries(params.params).map(([k, v]) =>
        isSecretRef(v) ? [k, { $secret: v.$secret, v: this.ports.secrets.version(v.$secret) }] : [k, v],
      ),
    );
    const labels = [...new Set([...def.labels, ...node.labels])];
    plan.desired.set(nodeId, { nodeId, type: node.type, labels, paramsJson: JSON.stringify(versioned) });
  }

  // ---- scheduling (SCHED-*) -----------------------------------------------------------------

  reconcile(): void {
    const plan = this.plan;
    const now = this.ports.now();
    for (const a of [...this.assignments.values()]) {
      const stale = this.staleReason(a);
      if (stale) this.unassign(a, stale);
    }
    // Stopping and crash-waiting nodes are not placed until they stopped or their backoff ended.
    const placeable = [...plan.desired.values()].filter(
      (d) => !this.stopping.has(d.nodeId) && (this.crashes.get(d.nodeId)?.nextAt ?? 0) <= now,
    );
    const current = new Map([...this.assignments.values()].map((a) => [a.nodeId, a.workerId]));
    const result = place(placeable, this.placementWorkers(), current, { draining: this.drainingCount() });
    for (const [nodeId, workerId] of result.placed) {
      const held = this.assignments.get(nodeId);
      if (held?.workerId === workerId) continue;
      // Its holder no longer qualifies (labels, types): stop it there first; it is placed again once stopped.
      if (held) this.unassign(held, `moving to worker ${workerId}`);
      else {
        const want = plan.desired.get(nodeId);
        if (want) this.assign(want, workerId);
      }
    }
    this.pending = result.pending;
    this.sendDrained();
    this.ports.statusChanged();
  }

  /**
   * reconcile() for a few nodes whose plan changed (a param edit): only they are checked and placed, against
   * the loads every other assignment puts on the workers, so an edit costs what it touched.
   */
  private reconcileNodes(nodeIds: Iterable<string>): void {
    const plan = this.plan;
    const now = this.ports.now();
    const ids = new Set(nodeIds);
    for (const nodeId of ids) {
      const a = this.assignments.get(nodeId);
      if (!a) continue;
      // Here nothing re-places the held node, so a holder that no longer qualifies is stopped outright.
      const want = plan.desired.get(nodeId);
      const worker = this.workers.get(a.workerId);
      const stale =
        this.staleReason(a) ??
        (want && worker && !qualifies(worker, want)
          ? `worker ${worker.id} no longer has what the node needs`
          : undefined);
      if (stale) this.unassign(a, stale);
    }
    const placeable: Desired[] = [];
    for (const nodeId of ids) {
      const want = plan.desired.get(nodeId);
      this.pending.delete(nodeId);
      if (!want || this.assignments.has(nodeId) || this.stopping.has(nodeId)) continue;
      if ((this.crashes.get(nodeId)?.nextAt ?? 0) <= now) placeable.push(want);
    }
    if (placeable.length > 0) {
      const held = new Map<string, number>();
      for (const a of this.assignments.values()) held.set(a.workerId, (held.get(a.workerId) ?? 0) + 1);
      const workers = this.placementWorkers().map((w) => ({ ...w, otherLoad: w.otherLoad + (held.get(w.id) ?? 0) }));
      const result = place(placeable, workers, new Map(), { draining: this.drainingCount() });
      for (const [nodeId, workerId] of result.placed) {
        const want = plan.desired.get(nodeId);
        if (want) this.assign(want, workerId);
      }
      for (const [nodeId, reason] of result.pending) this.pending.set(nodeId, reason);
    }
    this.sendDrained();
    this.ports.statusChanged();
  }

  /** Why an assignment must stop as the plan stands (not wanted, params changed, worker draining), or undefined. */
  private staleReason(a: Assignment): string | undefined {
    const want = this.plan.desired.get(a.nodeId);
    if (!want) return "node is no longer wanted (graph stopped, node removed or disabled)";
    if (want.type !== a.type || want.paramsJson !== a.paramsJson) return "params changed; restarting";
    const worker = this.workers.get(a.workerId);
    return worker?.draining ? `worker ${worker.id} is draining` : undefined;
  }

  /** Connected workers left out of placement because they drain (for pending reasons). */
  private drainingCount(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.draining && w.connId !== "") n++;
    return n;
  }

  /**
   * Non-draining workers as the scheduler sees them. A worker awaited back after a room restart keeps
   * what it holds but takes nothing new (capacity 0) until it says hello again.
   */
  private placementWorkers(): PlacementWorker[] {
    return [...this.workers.values()]
      .filter((w) => !w.draining)
      .map((w) => ({
        id: w.id,
        labels: w.labels,
        capacity: w.connId === "" ? 0 : w.capacity,
        otherLoad: Math.max(0, w.load - w.ownLoad),
        nodeTypes: w.nodeTypes,
      }));
  }

  private assign(want: Desired, workerId: string): void {
    const worker = this.workers.get(workerId);
    if (!worker || !findNodeType(want.type)) return;
    const assignment: Assignment = {
      nodeId: want.nodeId,
      workerId,
      epoch: this.store.nextEpoch(),
      type: want.type,
      paramsJson: want.paramsJson,
    };
    this.store.putAssignment(assignment);
    this.assignments.set(want.nodeId, assignment);
    const crash = this.crashes.get(want.nodeId);
    if (crash) this.putCrash({ ...crash, restartedAt: this.ports.now() });
    this.ports.log("assign", { nodeId: want.nodeId, workerId, epoch: assignment.epoch, type: want.type });
    this.sendAssign(worker, assignment);
  }

  private sendAssign(worker: WorkerRecord, a: Assignment): void {
    const def = findNodeType(a.type);
    if (!def) return;
    this.ports.send(worker.connId, {
      type: "assign",
      nodeId: a.nodeId,
      epoch: a.epoch,
      nodeType: a.type,
      params: this.resolveSecrets(JSON.parse(a.paramsJson) as Record<string, JsonValue>),
      inputs: def.inputs,
      outputs: def.outputs,
    });
    for (const channel of this.store.readyChannels(a.nodeId)) this.pump(channel);
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
  private unassign(a: Assignment, reason: string): void {
    this.removeAssignment(a);
    const worker = this.workers.get(a.workerId);
    this.ports.log("unassign", { nodeId: a.nodeId, workerId: a.workerId, epoch: a.epoch, reason });
    if (!worker) {
      this.store.requeue(a.nodeId);
      return;
    }
    // A worker awaited back after a room restart may still run it: it is told on hello, or the stop
    // ends when the worker is dropped.
    const stopping: Stopping = { nodeId: a.nodeId, workerId: a.workerId, epoch: a.epoch, since: this.ports.now() };
    this.stopping.set(a.nodeId, stopping);
    this.store.putStopping(stopping);
    if (worker.connId !== "") {
      this.ports.send(worker.connId, { type: "unassign", nodeId: a.nodeId, epoch: a.epoch, reason });
    }
  }

  private removeAssignment(a: Assignment): void {
    this.store.removeAssignment(a.nodeId);
    this.assignments.delete(a.nodeId);
  }

  /** The stop finished (reported, timed out or the worker is gone): the node may run again. */
  private stopped(nodeId: string): void {
    this.stopping.delete(nodeId);
    this.store.removeStopping(nodeId);
    if (!this.assignments.has(nodeId)) {
      this.store.removeReport(nodeId);
      this.store.requeue(nodeId);
    }
  }

  /** Sends `drained` to draining workers that hold nothing here any more (DRAIN-2). */
  private sendDrained(): void {
    for (const worker of this.workers.values()) {
      if (!worker.draining || worker.connId === "") continue;
      const holds = (m: Map<string, { workerId: string }>) => [...m.values()].some((x) => x.workerId === worker.id);
      if (holds(this.assignments) || holds(this.stopping) || this.drainedSent.has(worker.connId)) continue;
      this.drainedSent.add(worker.connId);
      this.ports.send(worker.connId, { type: "drained" });
      this.ports.log("worker_drained", { workerId: worker.id });
    }
  }

  /** Marks a worker draining (DRAIN-1); returns false when it is not connected to this graph. */
  drainWorker(workerId: string): boolean {
    const worker = this.workers.get(workerId);
    if (!worker || worker.connId === "") return false;
    if (!worker.draining) {
      worker.draining = true;
      this.store.putWorker(worker);
      this.ports.log("worker_draining", { workerId });
    }
    this.reconcile();
    return true;
  }

  // ---- worker connections ---------------------------------------------------------------------

  onWorkerFrame(connId: string, workerId: string | undefined, text: string): FrameOutcome {
    const parsed = parseWorkerFrame(text);
    if (!parsed.ok) {
      this.refuse(connId, parsed.code, parsed.message);
      this.countInvalid(connId, parsed.code);
      if (parsed.code === "frame_too_large") this.ports.close(connId, CloseCode.FrameTooLarge, parsed.message);
      else if (!workerId) this.ports.close(connId, CloseCode.HelloRequired, "first frame must be a valid hello");
      return {};
    }
    const frame = parsed.frame;
    const worker = workerId === undefined ? undefined : this.workers.get(workerId);
    if (frame.type === "hello") {
      if (workerId) {
        this.refuse(connId, "already_registered", `this connection is already registered as ${workerId}`);
        return {};
      }
      return this.hello(connId, frame);
    }
    if (!worker || worker.connId !== connId) {
      this.refuse(connId, "hello_required", `send hello before ${frame.type}`);
      this.ports.close(connId, CloseCode.HelloRequired, "first frame must be hello");
      return {};
    }
    this.handle(worker, frame);
    return {};
  }

  private handle(worker: WorkerRecord, frame: Exclude<WorkerFrame, { type: "hello" }>): void {
    switch (frame.type) {
      case "heartbeat":
        this.heartbeat(worker, frame);
        break;
      case "state":
        this.report(worker, [frame.process]);
        break;
      case "publish":
        this.publish(worker, frame);
        break;
      case "ack":
        this.ack(worker, frame);
        break;
      case "drain":
        this.drainWorker(worker.id);
        break;
      default: {
        const never: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(never)}`);
      }
    }
  }

  private hello(connId: string, hello: WorkerFrameOf<"hello">): FrameOutcome {
    if (hello.protocol !== PROTOCOL_VERSION) {
      const reason = `protocol ${hello.protocol} not supported; this hub speaks ${PROTOCOL_VERSION}`;
      this.ports.close(connId, CloseCode.ProtocolVersion, reason);
      return {};
    }
    const unknown = hello.nodeTypes.map((t) => t.type).filter((type) => !findNodeType(type));
    if (unknown.length > 0) {
      const reason = `unknown node type${unknown.length === 1 ? "" : "s"} ${unknown.join(", ")}`.slice(0, 120);
      this.refuse(connId, "unknown_node_type", `hello: ${reason}; this hub knows only its built-in types`);
      this.ports.close(connId, CloseCode.HelloRefused, reason);
      return {};
    }
    const previous = this.workers.get(hello.workerId);
    if (previous && previous.connId !== "" && previous.connId !== connId && this.ports.isOpen(previous.connId)) {
      const reason = `worker id ${hello.workerId} is already connected; give each worker its own --id`;
      this.refuse(connId, "duplicate_worker", reason);
      this.ports.close(connId, CloseCode.DuplicateWorker, reason.slice(0, 120));
      return {};
    }
    const worker: WorkerRecord = {
      id: hello.workerId,
      connId,
      name: hello.name,
      version: hello.version,
      labels: hello.labels,
      capacity: hello.capacity,
      load: hello.load,
      ownLoad: 0,
      nodeTypes: hello.nodeTypes.map((t) => t.type),
      lastSeen: this.ports.now(),
    };
    this.store.putWorker(worker);
    this.workers.set(worker.id, worker);
    this.ports.log("worker_registered", { workerId: worker.id, name: worker.name, capacity: worker.capacity });
    this.ports.send(connId, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      graphId: this.ports.graphId,
      workerId: worker.id,
      heartbeatMs: HEARTBEAT.intervalMs,
      heartbeatTimeoutMs: HEARTBEAT.timeoutMs,
    });
    // A returning worker resumes what it held, with the same epochs; in-flight deliveries are sent again.
    for (const a of this.assignments.values()) {
      if (a.workerId !== worker.id) continue;
      this.store.requeue(a.nodeId);
      this.sendAssign(worker, a);
    }
    for (const s of [...this.stopping.values()]) {
      if (s.workerId === worker.id)
        this.ports.send(connId, { type: "unassign", nodeId: s.nodeId, epoch: s.epoch, reason: "stopping" });
    }
    this.reconcile();
    return { registered: worker.id };
  }

  private heartbeat(worker: WorkerRecord, frame: WorkerFrameOf<"heartbeat">): void {
    worker.lastSeen = this.ports.now();
    worker.load = frame.load;
    worker.ownLoad = frame.processes.length;
    this.store.touchWorker(worker.id, worker.lastSeen, worker.load, worker.ownLoad);
    this.report(worker, frame.processes);
  }

  /** Keeps reports of processes this worker holds; fences the rest (SCHED-3); handles stops and crashes. */
  private report(worker: WorkerRecord, reports: ProcessReport[]): void {
    const accepted: ProcessReport[] = [];
    const strays: ProcessReport[] = [];
    let changed = false;
    for (const report of reports) {
      const a = this.assignments.get(report.nodeId);
      const s = this.stopping.get(report.nodeId);
      if (a && a.workerId === worker.id && a.epoch === report.epoch) {
        accepted.push(report);
        if (report.state === "crashed") changed = this.crashed(a, report) || changed;
        else if (report.state === "running") this.maybeResetCrash(report.nodeId);
      } else if (s && s.workerId === worker.id && s.epoch === report.epoch) {
        accepted.push(report);
        if (report.state !== "running") {
          this.stopped(report.nodeId);
          changed = true;
        }
      } else if (report.state !== "stopped") {
        strays.push(report);
      }
    }
    this.fenceStrays(worker, strays);
    this.store.putReports(accepted.filter((r) => this.assignments.has(r.nodeId) || this.stopping.has(r.nodeId)));
    if (changed) this.reconcile();
    else this.ports.statusChanged();
  }

  /**
   * Answers processes a worker reports but does not hold (SCHED-3): one `not_assigned` error naming them
   * and an unassign for each, at most MAX_FENCES_PER_REPORT per report (the rest on its next heartbeat),
   * so a report of 10,000 strays costs a bounded answer.
   */
  private fenceStrays(worker: WorkerRecord, strays: ProcessReport[]): void {
    if (strays.length === 0) return;
    const named = strays.slice(0, 3).map((r) => `${r.nodeId} epoch ${r.epoch}`);
    const more = strays.length > named.length ? ` and ${strays.length - named.length} more` : "";
    const message = `${strays.length === 1 ? "node" : "nodes"} ${named.join(", ")}${more} ${strays.length === 1 ? "is" : "are"} not assigned to you`;
    this.refuse(worker.connId, "not_assigned", message);
    for (const report of strays.slice(0, MAX_FENCES_PER_REPORT)) this.fence(worker, report.nodeId, report.epoch);
  }

  /** A process crashed: stop holding it and restart it after a backoff (SCHED-7). */
  private crashed(a: Assignment, report: ProcessReport): boolean {
    const now = this.ports.now();
    const count = (this.crashes.get(a.nodeId)?.count ?? 0) + 1;
    const lastError = report.lastError ?? "crashed";
    this.putCrash({
      nodeId: a.nodeId,
      count,
      nextAt: now + crashBackoffMs(count),
      lastError,
      paramsJson: a.paramsJson,
      restartedAt: 0,
    });
    this.removeAssignment(a);
    this.store.requeue(a.nodeId);
    const worker = this.workers.get(a.workerId);
    if (worker)
      this.ports.send(worker.connId, { type: "unassign", nodeId: a.nodeId, epoch: a.epoch, reason: "crashed" });
    this.ports.log("process_crashed", {
      nodeId: a.nodeId,
      workerId: a.workerId,
      epoch: a.epoch,
      count,
      error: lastError,
    });
    return true;
  }

  private maybeResetCrash(nodeId: string): void {
    const crash = this.crashes.get(nodeId);
    if (crash && crash.restartedAt > 0 && this.ports.now() - crash.restartedAt >= CRASH_RESET_MS)
      this.clearCrash(nodeId);
  }

  private putCrash(crash: Crash): void {
    this.crashes.set(crash.nodeId, crash);
    this.store.putCrash(crash);
  }

  private clearCrash(nodeId: string): void {
    this.crashes.delete(nodeId);
    this.store.removeCrash(nodeId);
  }

  private fence(worker: WorkerRecord, nodeId: string, epoch: number): void {
    this.ports.send(worker.connId, {
      type: "unassign",
      nodeId,
      epoch,
      reason: "stale epoch: this process is not assigned to this worker",
    });
  }

  /** The assignment (active or stopping) that lets this worker publish and ack for a node, or undefined. */
  private holds(
    worker: WorkerRecord,
    nodeId: string,
    epoch: number,
    ref?: number,
  ): { epoch: number; type: string } | undefined {
    const a = this.assignments.get(nodeId);
    if (a && a.workerId === worker.id && a.epoch === epoch) return a;
    const s = this.stopping.get(nodeId);
    const type = this.ports.graph.node(nodeId)?.type;
    if (s && s.workerId === worker.id && s.epoch === epoch && type) return { epoch, type };
    this.refuse(worker.connId, "stale_epoch", `node ${nodeId} epoch ${epoch} is not assigned to this worker`, ref);
    this.fence(worker, nodeId, epoch);
    return undefined;
  }

  // ---- brokering (DELIVERY-*) -----------------------------------------------------------------

  private publish(worker: WorkerRecord, frame: WorkerFrameOf<"publish">): void {
    const held = this.holds(worker, frame.nodeId, frame.epoch, frame.seq);
    if (!held) return;
    const def = findNodeType(held.type);
    if (!def?.outputs.includes(frame.port)) {
      this.refuse(worker.connId, "unknown_port", `node ${frame.nodeId} has no output port "${frame.port}"`, frame.seq);
      return;
    }
    for (const message of frame.messages) {
      const size = utf8Bytes(JSON.stringify(message));
      if (size > LIMITS.maxMessageBytes) {
        const text = `message ${message.id} is ${size} bytes; the limit is ${LIMITS.maxMessageBytes}`;
        this.refuse(worker.connId, "message_too_large", text, frame.seq);
        return;
      }
    }
    const channels = this.channelsOf(frame.nodeId, frame.port);
    for (const channel of channels) {
      if (this.store.depth(channel) + frame.messages.length > LIMITS.maxChannelDepth) {
        const text = `channel ${channel.nodeId}.${channel.port} holds ${LIMITS.maxChannelDepth} messages; retry later`;
        this.refuse(worker.connId, "channel_full", text, frame.seq);
        return;
      }
    }
    this.store.enqueue(channels, frame.messages);
    this.ports.send(worker.connId, { type: "published", seq: frame.seq });
    for (const channel of channels) this.pump(channel);
  }

  private ack(worker: WorkerRecord, frame: WorkerFrameOf<"ack">): void {
    const held = this.holds(worker, frame.nodeId, frame.epoch);
    if (!held) return;
    this.store.ack(frame.nodeId, frame.deliveries);
    for (const port of findNodeType(held.type)?.inputs ?? []) this.pump({ nodeId: frame.nodeId, port });
  }

  /** Sends a channel's ready messages to the worker holding its node, within the window. */
  private pump(channel: Channel): void {
    const a = this.assignments.get(channel.nodeId);
    const worker = a && this.workers.get(a.workerId);
    if (!a || !worker || worker.connId === "") return;
    const room = Math.min(LIMITS.deliveryWindow - this.store.inflight(channel), LIMITS.maxBatchMessages);
    const messages = this.store.takeForDelivery(channel, room, DELIVER_FRAME_BUDGET);
    if (messages.length === 0) return;
    this.ports.send(worker.connId, { type: "deliver", nodeId: a.nodeId, epoch: a.epoch, port: channel.port, messages });
  }

  private channelsOf(nodeId: string, port: string): Channel[] {
    const seen = new Set<string>();
    const channels: Channel[] = [];
    for (const edge of this.ports.graph.edgesFrom(nodeId, port)) {
      const key = `${edge.to}.${edge.toPort}`;
      if (seen.has(key)) continue;
      seen.add(key);
      channels.push({ nodeId: edge.to, port: edge.toPort });
    }
    return channels;
  }

  private allChannels(): Channel[] {
    return [...this.ports.graph.liveEdges()].map((e) => ({ nodeId: e.to, port: e.toPort }));
  }

  // ---- liveness (SCHED-5) ---------------------------------------------------------------------

  onWorkerClosed(connId: string, workerId: string | undefined): void {
    const worker = workerId === undefined ? undefined : this.workers.get(workerId);
    this.invalidFrames.delete(connId);
    this.drainedSent.delete(connId);
    if (!worker || worker.connId !== connId) return;
    this.dropWorker(worker, "connection closed");
    this.reconcile();
  }

  private dropWorker(worker: WorkerRecord, reason: string): void {
    this.workers.delete(worker.id);
    this.store.removeWorker(worker.id);
    for (const a of [...this.assignments.values()]) {
      if (a.workerId !== worker.id) continue;
      this.removeAssignment(a);
      this.store.removeReport(a.nodeId);
      this.store.requeue(a.nodeId);
    }
    for (const s of [...this.stopping.values()]) if (s.workerId === worker.id) this.stopped(s.nodeId);
    this.ports.log("worker_dropped", { workerId: worker.id, reason });
  }

  /** Runs on every alarm; returns when the next alarm is due, or null when nothing needs watching. */
  onAlarm(unregistered: ReadonlyArray<{ connId: string; openedAt: number }>): number | null {
    const now = this.ports.now();
    for (const worker of [...this.workers.values()]) {
      if (now - worker.lastSeen <= HEARTBEAT.timeoutMs) continue;
      if (worker.connId !== "") {
        this.ports.close(worker.connId, CloseCode.HeartbeatTimeout, `no heartbeat for ${now - worker.lastSeen} ms`);
      }
      this.dropWorker(worker, worker.connId === "" ? "did not return after the room restarted" : "heartbeat timeout");
    }
    for (const conn of unregistered) {
      if (now - conn.openedAt >= HELLO_TIMEOUT_MS) {
        this.ports.close(conn.connId, CloseCode.HelloRequired, `no hello within ${HELLO_TIMEOUT_MS} ms`);
      }
    }
    for (const s of [...this.stopping.values()]) {
      if (now - s.since < STOP_TIMEOUT_MS) continue;
      const worker = this.workers.get(s.workerId);
      if (worker) this.fence(worker, s.nodeId, s.epoch);
      this.stopped(s.nodeId);
      this.ports.log("stop_timeout", { nodeId: s.nodeId, workerId: s.workerId, epoch: s.epoch });
    }
    if (now >= this.nextRebalanceAt) {
      this.nextRebalanceAt = now + this.ports.config.rebalanceIntervalMs;
      this.rebalance();
    }
    this.reconcile();
    return this.nextAlarm(unregistered.length > 0);
  }

  /** Moves a bounded number of processes from the most to the least loaded workers (SCHED-8). */
  private rebalance(): void {
    const moves = this.ports.config.rebalanceMoves;
    if (moves <= 0 || this.stopping.size > 0) return;
    const placed = new Map([...this.assignments.values()].map((a) => [a.nodeId, a.workerId]));
    for (const move of rebalance([...this.plan.desired.values()], this.placementWorkers(), placed, moves)) {
      const a = this.assignments.get(move.nodeId);
      if (a) this.unassign(a, `rebalancing from ${move.from} to ${move.to}`);
    }
  }

  private nextAlarm(unregistered: boolean): number | null {
    const now = this.ports.now();
    const due: number[] = [];
    if (this.workers.size > 0 || unregistered) due.push(now + HEARTBEAT.intervalMs);
    for (const s of this.stopping.values()) due.push(s.since + STOP_TIMEOUT_MS);
    for (const c of this.crashes.values()) if (this.plan.desired.has(c.nodeId) && c.nextAt > now) due.push(c.nextAt);
    return due.length > 0 ? Math.max(now + 50, Math.min(...due)) : null;
  }

  /** When the room should wake next (after changes outside an alarm). */
  wakeAt(): number | null {
    return this.nextAlarm(false);
  }

  private refuse(connId: string, code: ErrorCode, message: string, ref?: number): void {
    this.ports.send(
      connId,
      ref === undefined ? { type: "error", code, message } : { type: "error", code, message, ref },
    );
  }

  /** Frames that fail validation count towards closing the connection (FRAME-3); refusals such as channel_full do not. */
  private countInvalid(connId: string, code: ErrorCode): void {
    const count = (this.invalidFrames.get(connId) ?? 0) + 1;
    this.invalidFrames.set(connId, count);
    if (count >= LIMITS.maxInvalidFrames) {
      this.ports.close(connId, CloseCode.ProtocolError, `${count} invalid frames; last: ${code}`);
    }
  }

  // ---- status ---------------------------------------------------------------------------------

  status(): GraphStatus {
    const plan = this.plan;
    return buildStatus({
      running: this.ports.graph.running,
      nodes: [...this.ports.graph.nodes()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      now: this.ports.now(),
      desired: new Set(plan.desired.keys()),
      blocked: plan.blocked,
      pending: this.pending,
      assignments: this.assignments,
      stopping: this.stopping,
      crashes: this.crashes,
      reports: new Map(this.store.reports().map((r) => [r.nodeId, r])),
      workers: [...this.workers.values()],
    });
  }

  /** The graph was deleted: stop everything and forget all runtime state. */
  reset(): void {
    for (const worker of [...this.workers.values()]) {
      for (const a of this.assignments.values()) {
        if (a.workerId === worker.id && worker.connId !== "") {
          this.ports.send(worker.connId, {
            type: "unassign",
            nodeId: a.nodeId,
            epoch: a.epoch,
            reason: "graph deleted",
          });
        }
      }
      if (worker.connId !== "") this.ports.close(worker.connId, CloseCode.GraphDeleted, "graph deleted");
      this.dropWorker(worker, "graph deleted");
    }
    for (const c of [...this.crashes.keys()]) this.clearCrash(c);
    this.store.purgeChannelsExcept([]);
    this.plan = { desired: new Map(), blocked: new Map(), secrets: new Map() };
  }
}

/** Whether a worker can run a node: it announced the type and carries every label the node needs. */
function qualifies(worker: WorkerRecord, want: Desired): boolean {
  return worker.nodeTypes.includes(want.type) && want.labels.every((l) => worker.labels.includes(l));
}

function secretReason(nodeId: string, name: string, why: "unset" | "no_key" | "undecryptable"): string {
  if (why === "no_key")
    return `node "${nodeId}" uses secret ${name}, but this hub has no WEFT_SECRETS_KEY (or WEFT_AUTH_SECRET)`;
  if (why === "undecryptable") return `node "${nodeId}": secret ${name} was stored under another key; set it again`;
  return `node "${nodeId}" uses secret ${name}, which is not set; set it in the graph's secrets`;
}

/** Why a node's process is blocked: it breaks the document model, has an unknown type or invalid params. */
function blockedReason(node: ViewNode): string | undefined {
  if (node.problems.length > 0) return `node "${node.id}" is invalid: ${node.problems.slice(0, 3).join("; ")}`;
  return nodeProblem(node)?.message;
}
