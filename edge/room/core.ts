// The room's logic as plain TypeScript: worker registration, scheduling (leader) and message brokering.
// The Durable Object shell (edge/graphRoom.ts) injects storage, the clock, sockets and the graph document.
import { edgeProblem, type GraphExport, nodeProblem } from "../../shared/graph.ts";
import { HEARTBEAT, LIMITS } from "../../shared/limits.ts";
import { checkParams, findNodeType } from "../../shared/nodeTypes.ts";
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
import { type PlacementProcess, place } from "../../shared/scheduler.ts";
import type { GraphStatus, ProcessStatus } from "../../shared/status.ts";
import type { Assignment, Channel, RoomStore, WorkerRecord } from "./store.ts";

export const HELLO_TIMEOUT_MS = 10_000;
/** Bytes of message JSON in one deliver frame, leaving room for the envelope under LIMITS.maxFrameBytes. */
const DELIVER_FRAME_BUDGET = LIMITS.maxFrameBytes - 64 * 1024;

export interface RoomPorts {
  graphId: string;
  store: RoomStore;
  now(): number;
  send(connId: string, frame: RoomFrame): void;
  close(connId: string, code: number, reason: string): void;
  /** The graph document as plain JSON. */
  graph(): GraphExport;
  /** Something shown in status changed. */
  statusChanged(): void;
  log(event: string, fields: Record<string, unknown>): void;
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
  fingerprint: string;
}

export class RoomCore {
  private readonly store: RoomStore;
  private workers: Map<string, WorkerRecord>;
  private assignments: Map<string, Assignment>;
  private plan: Plan | undefined;
  private graphCache: GraphExport | undefined;
  private pending = new Map<string, string>();
  private readonly invalidFrames = new Map<string, number>();

  constructor(private readonly ports: RoomPorts) {
    this.store = ports.store;
    this.workers = new Map(this.store.workers().map((w) => [w.id, w]));
    this.assignments = new Map(this.store.assignments().map((a) => [a.nodeId, a]));
  }

  /** Forgets workers whose connections did not survive a restart of the room. */
  pruneWorkers(isOpen: (connId: string) => boolean): void {
    for (const worker of [...this.workers.values()]) {
      if (!isOpen(worker.connId)) this.dropWorker(worker, "connection gone after room restart");
    }
  }

  get hasWorkers(): boolean {
    return this.workers.size > 0;
  }

  // ---- the graph document -------------------------------------------------------------------

  /** The document changed: reschedule if anything scheduling depends on changed. */
  graphChanged(): void {
    this.graphCache = undefined;
    const before = this.plan?.fingerprint;
    const plan = this.currentPlan();
    if (plan.fingerprint !== before) {
      this.store.purgeChannelsExcept(this.allChannels());
      this.reconcile();
    }
  }

  private graph(): GraphExport {
    this.graphCache ??= this.ports.graph();
    return this.graphCache;
  }

  private currentPlan(): Plan {
    const graph = this.graph();
    const desired = new Map<string, Desired>();
    const blocked = new Map<string, string>();
    for (const node of graph.running ? graph.nodes : []) {
      if (node.disabled) continue;
      const problem = nodeProblem(node);
      const def = findNodeType(node.type);
      const params = def && checkParams(def, node.params);
      if (problem || !def || !params?.ok) {
        blocked.set(node.id, problem?.message ?? `node "${node.id}" cannot run`);
        continue;
      }
      const labels = [...new Set([...def.labels, ...(node.labels ?? [])])];
      desired.set(node.id, { nodeId: node.id, type: node.type, labels, paramsJson: JSON.stringify(params.params) });
    }
    const edges = graph.edges.map((e) => `${e.from}.${e.fromPort}>${e.to}.${e.toPort}`).sort();
    const fingerprint = JSON.stringify([[...desired.values()], [...blocked], edges]);
    this.plan = { desired, blocked, fingerprint };
    return this.plan;
  }

  // ---- scheduling (SCHED-*) -----------------------------------------------------------------

  reconcile(): void {
    const plan = this.plan ?? this.currentPlan();
    for (const assignment of [...this.assignments.values()]) {
      const want = plan.desired.get(assignment.nodeId);
      if (!want) this.unassign(assignment, "node is no longer wanted (graph stopped, node removed or disabled)");
      else if (want.type !== assignment.type || want.paramsJson !== assignment.paramsJson) {
        this.unassign(assignment, "params changed; restarting");
      }
    }
    const current = new Map([...this.assignments.values()].map((a) => [a.nodeId, a.workerId]));
    const result = place(
      [...plan.desired.values()],
      [...this.workers.values()].map((w) => ({
        id: w.id,
        labels: w.labels,
        capacity: w.capacity,
        otherLoad: Math.max(0, w.load - w.ownLoad),
        nodeTypes: w.nodeTypes,
      })),
      current,
    );
    for (const [nodeId, workerId] of result.placed) {
      const existing = this.assignments.get(nodeId);
      if (existing?.workerId === workerId) continue;
      if (existing) this.unassign(existing, `moved to worker ${workerId}`);
      const want = plan.desired.get(nodeId);
      if (want) this.assign(want, workerId);
    }
    this.pending = result.pending;
    this.ports.statusChanged();
  }

  private assign(want: Desired, workerId: string): void {
    const worker = this.workers.get(workerId);
    const def = findNodeType(want.type);
    if (!worker || !def) return;
    const assignment: Assignment = {
      nodeId: want.nodeId,
      workerId,
      epoch: this.store.nextEpoch(),
      type: want.type,
      paramsJson: want.paramsJson,
    };
    this.store.putAssignment(assignment);
    this.assignments.set(want.nodeId, assignment);
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
      params: JSON.parse(a.paramsJson),
      inputs: def.inputs,
      outputs: def.outputs,
    });
    for (const channel of this.store.readyChannels(a.nodeId)) this.pump(channel);
  }

  private unassign(a: Assignment, reason: string): void {
    const worker = this.workers.get(a.workerId);
    if (worker) this.ports.send(worker.connId, { type: "unassign", nodeId: a.nodeId, epoch: a.epoch, reason });
    this.store.removeAssignment(a.nodeId);
    this.store.removeReport(a.nodeId);
    this.store.requeue(a.nodeId);
    this.assignments.delete(a.nodeId);
    this.ports.log("unassign", { nodeId: a.nodeId, workerId: a.workerId, epoch: a.epoch, reason });
  }

  // ---- worker connections ---------------------------------------------------------------------

  onWorkerFrame(connId: string, workerId: string | undefined, text: string): FrameOutcome {
    const parsed = parseWorkerFrame(text);
    if (!parsed.ok) {
      this.refuse(connId, parsed.code, parsed.message);
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
    const previous = this.workers.get(hello.workerId);
    if (previous && previous.connId !== connId) {
      this.ports.close(previous.connId, CloseCode.Replaced, "replaced by a newer connection with the same worker id");
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
    for (const a of this.assignments.values()) {
      if (a.workerId !== worker.id) continue;
      this.store.requeue(a.nodeId);
      this.sendAssign(worker, a);
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

  /** Keeps reports of processes this worker holds; fences the rest (SCHED-3). */
  private report(worker: WorkerRecord, reports: ProcessReport[]): void {
    const accepted: ProcessReport[] = [];
    for (const report of reports) {
      const a = this.assignments.get(report.nodeId);
      if (a && a.workerId === worker.id && a.epoch === report.epoch) accepted.push(report);
      else if (report.state !== "stopped") this.fence(worker, report.nodeId, report.epoch);
    }
    this.store.putReports(accepted);
    this.ports.statusChanged();
  }

  private fence(worker: WorkerRecord, nodeId: string, epoch: number): void {
    this.ports.send(worker.connId, {
      type: "unassign",
      nodeId,
      epoch,
      reason: "stale epoch: this process is not assigned to this worker",
    });
  }

  private holds(worker: WorkerRecord, nodeId: string, epoch: number, ref?: number): Assignment | undefined {
    const a = this.assignments.get(nodeId);
    if (a && a.workerId === worker.id && a.epoch === epoch) return a;
    this.refuse(worker.connId, "stale_epoch", `node ${nodeId} epoch ${epoch} is not assigned to this worker`, ref);
    this.fence(worker, nodeId, epoch);
    return undefined;
  }

  // ---- brokering (DELIVERY-*) -----------------------------------------------------------------

  private publish(worker: WorkerRecord, frame: WorkerFrameOf<"publish">): void {
    const a = this.holds(worker, frame.nodeId, frame.epoch, frame.seq);
    if (!a) return;
    const def = findNodeType(a.type);
    if (!def?.outputs.includes(frame.port)) {
      this.refuse(worker.connId, "unknown_port", `node ${frame.nodeId} has no output port "${frame.port}"`, frame.seq);
      return;
    }
    for (const message of frame.messages) {
      const size = JSON.stringify(message.value).length;
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
    const a = this.holds(worker, frame.nodeId, frame.epoch);
    if (!a) return;
    this.store.ack(frame.nodeId, frame.deliveries);
    for (const port of findNodeType(a.type)?.inputs ?? []) this.pump({ nodeId: frame.nodeId, port });
  }

  /** Sends a channel's ready messages to the worker holding its node, within the window. */
  private pump(channel: Channel): void {
    const a = this.assignments.get(channel.nodeId);
    const worker = a && this.workers.get(a.workerId);
    if (!a || !worker) return;
    const room = Math.min(LIMITS.deliveryWindow - this.store.inflight(channel), LIMITS.maxBatchMessages);
    const messages = this.store.takeForDelivery(channel, room, DELIVER_FRAME_BUDGET);
    if (messages.length === 0) return;
    this.ports.send(worker.connId, { type: "deliver", nodeId: a.nodeId, epoch: a.epoch, port: channel.port, messages });
  }

  private channelsOf(nodeId: string, port: string): Channel[] {
    const seen = new Set<string>();
    const channels: Channel[] = [];
    for (const edge of this.graph().edges) {
      if (edge.from !== nodeId || edge.fromPort !== port) continue;
      const key = `${edge.to}.${edge.toPort}`;
      if (seen.has(key)) continue;
      seen.add(key);
      channels.push({ nodeId: edge.to, port: edge.toPort });
    }
    return channels;
  }

  private allChannels(): Channel[] {
    const graph = this.graph();
    const nodes = new Map(graph.nodes.map((n) => [n.id, n]));
    return graph.edges.filter((e) => !edgeProblem(e, nodes)).map((e) => ({ nodeId: e.to, port: e.toPort }));
  }

  // ---- liveness (SCHED-5) ---------------------------------------------------------------------

  onWorkerClosed(connId: string, workerId: string | undefined): void {
    const worker = workerId === undefined ? undefined : this.workers.get(workerId);
    this.invalidFrames.delete(connId);
    if (!worker || worker.connId !== connId) return;
    this.dropWorker(worker, "connection closed");
    this.reconcile();
  }

  private dropWorker(worker: WorkerRecord, reason: string): void {
    this.workers.delete(worker.id);
    this.store.removeWorker(worker.id);
    for (const a of [...this.assignments.values()]) {
      if (a.workerId !== worker.id) continue;
      this.store.removeAssignment(a.nodeId);
      this.store.removeReport(a.nodeId);
      this.store.requeue(a.nodeId);
      this.assignments.delete(a.nodeId);
    }
    this.ports.log("worker_dropped", { workerId: worker.id, reason });
  }

  /** Runs on every alarm; returns when the next alarm is due, or null when nothing needs watching. */
  onAlarm(unregistered: ReadonlyArray<{ connId: string; openedAt: number }>): number | null {
    const now = this.ports.now();
    let changed = false;
    for (const worker of [...this.workers.values()]) {
      if (now - worker.lastSeen <= HEARTBEAT.timeoutMs) continue;
      this.ports.close(worker.connId, CloseCode.HeartbeatTimeout, `no heartbeat for ${now - worker.lastSeen} ms`);
      this.dropWorker(worker, "heartbeat timeout");
      changed = true;
    }
    for (const conn of unregistered) {
      if (now - conn.openedAt > HELLO_TIMEOUT_MS) {
        this.ports.close(conn.connId, CloseCode.HelloRequired, `no hello within ${HELLO_TIMEOUT_MS} ms`);
      }
    }
    if (changed) this.reconcile();
    return this.workers.size > 0 || unregistered.length > 0 ? now + HEARTBEAT.intervalMs : null;
  }

  private refuse(connId: string, code: ErrorCode, message: string, ref?: number): void {
    this.ports.send(
      connId,
      ref === undefined ? { type: "error", code, message } : { type: "error", code, message, ref },
    );
    const count = (this.invalidFrames.get(connId) ?? 0) + 1;
    this.invalidFrames.set(connId, count);
    if (count >= LIMITS.maxInvalidFrames) {
      this.ports.close(connId, CloseCode.ProtocolError, `${count} invalid frames; last: ${code}`);
    }
  }

  // ---- status ---------------------------------------------------------------------------------

  status(): GraphStatus {
    const graph = this.graph();
    const plan = this.plan ?? this.currentPlan();
    const reports = new Map(this.store.reports().map((r) => [r.nodeId, r]));
    const processes = graph.nodes.map((node): ProcessStatus => {
      const a = this.assignments.get(node.id);
      const report = reports.get(node.id);
      const live = a && report && report.epoch === a.epoch ? report : undefined;
      const base: ProcessStatus = {
        nodeId: node.id,
        type: node.type,
        state: "stopped",
        workerId: a?.workerId ?? null,
        in: live?.in ?? 0,
        out: live?.out ?? 0,
        errors: live?.errors ?? 0,
        lastError: live?.lastError ?? null,
      };
      if (live?.recent) base.recent = live.recent;
      const blocked = plan.blocked.get(node.id);
      if (blocked) return { ...base, state: "blocked", reason: blocked, lastError: blocked };
      if (a) return { ...base, state: live ? live.state : "assigned" };
      const pending = this.pending.get(node.id);
      if (pending && plan.desired.has(node.id)) return { ...base, state: "pending", reason: pending };
      if (node.disabled) return { ...base, reason: "node is disabled" };
      return base;
    });
    const own = new Map<string, number>();
    for (const a of this.assignments.values()) own.set(a.workerId, (own.get(a.workerId) ?? 0) + 1);
    const workers = [...this.workers.values()].map((w) => ({
      id: w.id,
      name: w.name,
      labels: w.labels,
      capacity: w.capacity,
      load: Math.max(0, w.load - w.ownLoad) + (own.get(w.id) ?? 0),
      version: w.version,
      lastHeartbeat: w.lastSeen,
    }));
    return { running: graph.running, workers, processes };
  }

  /** The graph was deleted: stop everything and forget all runtime state. */
  reset(): void {
    for (const a of [...this.assignments.values()]) this.unassign(a, "graph deleted");
    for (const worker of [...this.workers.values()]) {
      this.ports.close(worker.connId, CloseCode.GraphDeleted, "graph deleted");
      this.dropWorker(worker, "graph deleted");
    }
    this.store.purgeChannelsExcept([]);
    this.graphCache = undefined;
    this.plan = undefined;
  }
}
