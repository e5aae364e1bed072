// The room's logic as plain TypeScript: it parses worker frames and hands each to the registry, the leader
// or the broker, and combines when they next need to wake. The Durable Object shell (edge/graphRoom.ts)
// injects storage, the clock, sockets and the graph document.
import { CATCH_TYPE } from "../../shared/builtins/hub.ts";
import type { GraphEdge } from "../../shared/graph.ts";
import { LIMITS, TIMING } from "../../shared/limits.ts";
import { isSecretRef } from "../../shared/nodeTypes.ts";
import { ERROR_PORT } from "../../shared/ports.ts";
import {
  CloseCode,
  type ErrorCode,
  parseWorkerFrame,
  type RoomFrame,
  type WorkerFrame,
} from "../../shared/protocol.ts";
import type { GraphStatus } from "../../shared/status.ts";
import { Broker } from "./broker.ts";
import type { GraphChange, RoomGraph } from "./graphView.ts";
import { Leader, type RoomConfig } from "./leader.ts";
import type { LeaderStore, WorkerRecord } from "./leaderStore.ts";
import type { SecretSource } from "./plan.ts";
import type { QueueStore } from "./queueStore.ts";
import { connOf, Registry } from "./registry.ts";
import { buildStatus } from "./status.ts";
import { type HookAnswer, type HookRequest, hookMessage, hookProblem } from "./webhook.ts";

export { CRASH_RESET_MS, DEFAULT_CONFIG, MAX_FENCES_PER_REPORT, type RoomConfig } from "./leader.ts";
export type { SecretSource } from "./plan.ts";

export interface RoomPorts {
  graphId: string;
  leaderStore: LeaderStore;
  queueStore: QueueStore;
  config: RoomConfig;
  now(): number;
  send(connId: string, frame: RoomFrame): void;
  /** Sends a frame already encoded as JSON text (the broker's deliver frames). */
  sendText(connId: string, text: string): void;
  close(connId: string, code: number, reason: string): void;
  isOpen(connId: string): boolean;
  /** The graph document as the leader and broker read it, kept current by the shell (GraphView). */
  graph: RoomGraph;
  /** Something shown in status changed. */
  statusChanged(): void;
  /** The graph's secrets (edge/room/secrets.ts): values go only into assignments. */
  secrets: SecretSource;
  log(event: string, fields: Record<string, unknown>): void;
  /** Bytes of the room's database, for status (ctx.storage.sql.databaseSize). */
  storageBytes?(): number;
  /** Group commit (Broker.commit): call core.broker.commit() soon; unset, each frame commits at once. */
  commitSoon?(): void;
}

export interface FrameOutcome {
  /** Set when the frame registered the connection as this worker. */
  registered?: string;
}

export class RoomCore {
  readonly registry: Registry;
  readonly leader: Leader;
  readonly broker: Broker;
  private readonly invalidFrames = new Map<string, number>();
  /** Webhook messages and refusals per http-in node since the room started (status). */
  private readonly hubCounts = new Map<string, { out: number; errors: number; lastError: string | null }>();
  private hookSeq = 0;

  constructor(private readonly ports: RoomPorts) {
    this.registry = new Registry({ ...ports, store: ports.leaderStore });
    // The broker is created second; the leader's events reach it once it exists (none fire while constructing).
    let broker: Broker | undefined;
    this.leader = new Leader({
      ...ports,
      store: ports.leaderStore,
      registry: this.registry,
      holderChanged: (nodeId) => broker?.holderChanged(nodeId),
    });
    broker = new Broker(
      {
        store: ports.queueStore,
        leader: this.leader,
        now: ports.now,
        send: ports.send,
        sendText: ports.sendText,
        edgesFrom: (nodeId, port) => ports.graph.edgesFrom(nodeId, port),
        errorEdges: (nodeId) => this.errorEdges(nodeId),
        log: ports.log,
        changed: ports.statusChanged,
        maxRate: ports.config.maxRate,
        ...(ports.commitSoon ? { commitSoon: ports.commitSoon } : {}),
      },
      ports.graph.liveEdges(),
    );
    this.broker = broker;
  }

  /** ERROR-1/-2: a node's own error wire, else the edges of the graph's running catch nodes. */
  private errorEdges(nodeId: string): { edges: readonly GraphEdge[]; viaCatch: boolean } {
    const own = this.ports.graph.edgesFrom(nodeId, ERROR_PORT);
    if (own.length > 0) return { edges: own, viaCatch: false };
    const edges: GraphEdge[] = [];
    for (const hubNode of this.leader.hubNodes()) {
      if (hubNode !== nodeId && this.ports.graph.node(hubNode)?.type === CATCH_TYPE) {
        edges.push(...this.ports.graph.edgesFrom(hubNode, "out"));
      }
    }
    return { edges, viaCatch: true };
  }

  /**
   * HOOK-1..3: a webhook request for an http-in node: checked (auth, type, state), then stored on every
   * edge leaving it before the answer (202 with the message id); 503 when an edge is full.
   */
  webhook(nodeId: string, request: HookRequest): HookAnswer {
    const node = this.ports.graph.node(nodeId);
    const token = node?.params.token;
    const plan = this.leader.statusInput();
    const problem = hookProblem(node, nodeId, request, {
      running: this.ports.graph.running,
      hub: plan.hub.has(nodeId),
      blocked: plan.blocked.get(nodeId),
      tokenValue: isSecretRef(token) ? this.ports.secrets.value(token.$secret) : undefined,
    });
    if (problem) return problem;
    const now = this.ports.now();
    this.hookSeq += 1;
    const id = `${nodeId}-${now.toString(36)}-${this.hookSeq.toString(36)}`;
    const counts = this.hubCounts.get(nodeId) ?? { out: 0, errors: 0, lastError: null };
    this.hubCounts.set(nodeId, counts);
    if (this.ports.graph.edgesFrom(nodeId, "out").length === 0) {
      return {
        status: 409,
        code: "no_edges",
        message: `node "${nodeId}" has no outgoing edge: the message would go nowhere`,
      };
    }
    const result = this.broker.inject(nodeId, "out", [hookMessage(id, request, now)]);
    if ("refused" in result) {
      counts.errors += 1;
      counts.lastError = `webhook refused: ${result.refused}`;
      if (result.kind === "too_large") return { status: 413, code: "body_too_large", message: result.refused };
      const code = result.kind === "full" ? "edges_full" : "storage_failed";
      return { status: 503, code, message: `${result.refused}; retry later` };
    }
    counts.out += 1;
    return { status: 202, id, edges: result.edges };
  }

  /** After a restart: workers are awaited back for one heartbeat timeout (HELLO-4). */
  awaitReturningWorkers(): void {
    this.registry.awaitReturning();
  }

  reconcile(): void {
    this.leader.reconcile();
  }

  /** The document changed: the broker follows the edges, the leader the nodes. */
  graphChanged(change?: GraphChange): void {
    if (!change || change.edges) this.broker.syncEdges(this.ports.graph.liveEdges());
    this.leader.graphChanged(change);
  }

  secretChanged(name: string): void {
    this.leader.secretChanged(name);
  }

  drainWorker(workerId: string): boolean {
    return this.leader.drainWorker(workerId);
  }

  // ---- worker connections -----------------------------------------------------------------------------

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
    if (frame.type === "hello") {
      if (workerId) {
        this.refuse(connId, "already_registered", `this connection is already registered as ${workerId}`);
        return {};
      }
      const worker = this.registry.hello(connId, frame);
      if (!worker) return {};
      this.leader.workerJoined(worker);
      return { registered: worker.id };
    }
    const worker = this.registry.onConnection(connId, workerId);
    if (!worker) {
      this.refuse(connId, "hello_required", `send hello before ${frame.type}`);
      this.ports.close(connId, CloseCode.HelloRequired, "first frame must be hello");
      return {};
    }
    // Every valid frame proves the worker alive, so liveness never waits for data to drain (SCHED-5).
    this.registry.seen(worker);
    this.handle(worker, frame, text);
    return {};
  }

  /** `text`: the frame as received (a publish's messages are stored as they came). */
  private handle(worker: WorkerRecord, frame: Exclude<WorkerFrame, { type: "hello" }>, text: string): void {
    switch (frame.type) {
      case "heartbeat":
        this.registry.heartbeat(worker, frame);
        this.leader.report(worker, frame.processes);
        break;
      case "state":
        this.leader.report(worker, [frame.process]);
        break;
      case "publish": {
        const holder = this.leader.holds(worker, frame.nodeId, frame.epoch, frame.seq);
        if (holder) this.broker.publish(holder, frame, text);
        break;
      }
      case "ack": {
        const holder = this.leader.holds(worker, frame.nodeId, frame.epoch);
        if (holder) this.broker.ack(holder, frame);
        break;
      }
      case "nack": {
        const holder = this.leader.holds(worker, frame.nodeId, frame.epoch);
        if (holder) this.broker.nack(holder, frame);
        break;
      }
      case "drain":
        this.leader.drainWorker(worker.id);
        break;
      default: {
        const never: never = frame;
        throw new Error(`unhandled frame ${JSON.stringify(never)}`);
      }
    }
  }

  onWorkerClosed(connId: string, workerId: string | undefined): void {
    this.invalidFrames.delete(connId);
    const worker = this.registry.onConnection(connId, workerId);
    if (!worker) return;
    this.leader.workerGone(worker, "connection closed");
    this.leader.reconcile();
  }

  // ---- time ---------------------------------------------------------------------------------------------

  /** Runs on every alarm; returns when the next alarm is due, or null when nothing needs watching. */
  onAlarm(unregistered: ReadonlyArray<{ connId: string; openedAt: number }>): number | null {
    const now = this.ports.now();
    for (const { worker, reason } of this.registry.expired()) this.leader.workerGone(worker, reason);
    for (const conn of unregistered) {
      if (now - conn.openedAt >= TIMING.helloTimeoutMs) {
        this.ports.close(conn.connId, CloseCode.HelloRequired, `no hello within ${TIMING.helloTimeoutMs} ms`);
      }
    }
    this.broker.expireLeases();
    this.broker.refill();
    this.leader.onAlarm();
    return this.nextAlarm(unregistered.length > 0);
  }

  private nextAlarm(unregistered: boolean): number | null {
    const now = this.ports.now();
    const due = this.leader.dueTimes();
    if (this.registry.size > 0 || unregistered) due.push(now + TIMING.heartbeatIntervalMs);
    const lease = this.broker.wakeAt();
    if (lease !== null) due.push(lease);
    return due.length > 0 ? Math.max(now + 50, Math.min(...due)) : null;
  }

  /** When the room should wake next (after changes outside an alarm). */
  wakeAt(): number | null {
    return this.nextAlarm(false);
  }

  // ---- status and reset ---------------------------------------------------------------------------------

  status(): GraphStatus {
    const graph = this.ports.graph;
    const status = buildStatus({
      running: graph.running,
      nodes: [...graph.nodes()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      now: this.ports.now(),
      ...this.leader.statusInput(),
      hubCounts: this.hubCounts,
      reports: new Map(this.ports.leaderStore.reports().map((r) => [r.nodeId, r])),
      workers: this.registry.all(),
      edges: this.broker.edgeStatus(),
    });
    const bytes = this.ports.storageBytes?.();
    return bytes === undefined ? status : { ...status, storageBytes: bytes };
  }

  /** The graph was deleted: stop everything, close every worker and forget all runtime state. */
  reset(): void {
    const conns = this.registry
      .all()
      .map(connOf)
      .filter((c) => c !== undefined);
    this.leader.reset();
    for (const connId of conns) this.ports.close(connId, CloseCode.GraphDeleted, "graph deleted");
    this.broker.reset();
  }

  private refuse(connId: string, code: ErrorCode, message: string): void {
    this.ports.send(connId, { type: "error", code, message });
  }

  /** Frames that fail validation count towards closing the connection (FRAME-3); refusals do not. */
  private countInvalid(connId: string, code: ErrorCode): void {
    const count = (this.invalidFrames.get(connId) ?? 0) + 1;
    this.invalidFrames.set(connId, count);
    if (count >= LIMITS.maxInvalidFrames) {
      this.ports.close(connId, CloseCode.ProtocolError, `${count} invalid frames; last: ${code}`);
    }
  }
}
