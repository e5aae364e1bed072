// The worker registry: hello and welcome (HELLO-*), heartbeats and liveness (SCHED-5), draining flags.
// It knows workers and their connections; what they run is the leader's business.
import { TIMING } from "../../shared/limits.ts";
import {
  CloseCode,
  type ErrorCode,
  PROTOCOL_VERSION,
  type RoomFrame,
  type WorkerFrameOf,
} from "../../shared/protocol.ts";
import type { PlacementWorker } from "../../shared/scheduler.ts";
import type { LeaderStore, WorkerRecord } from "./leaderStore.ts";
import { checkAnnouncement, NodeTypeRegistry } from "./nodeTypes.ts";

export interface RegistryPorts {
  graphId: string;
  store: LeaderStore;
  now(): number;
  send(connId: string, frame: RoomFrame): void;
  close(connId: string, code: number, reason: string): void;
  isOpen(connId: string): boolean;
  log(event: string, fields: Record<string, unknown>): void;
}

/** The connection a worker is on, or undefined while it is awaited back. */
export function connOf(worker: WorkerRecord): string | undefined {
  return worker.link.kind === "connected" ? worker.link.connId : undefined;
}

export class Registry {
  private readonly workers: Map<string, WorkerRecord>;
  /** The node types the workers announced, with the built-ins (TYPES-*). */
  readonly types: NodeTypeRegistry;

  constructor(private readonly ports: RegistryPorts) {
    this.workers = new Map(ports.store.workers().map((w) => [w.id, w]));
    this.types = new NodeTypeRegistry(ports.store, () => this.workers.values());
  }

  get(id: string): WorkerRecord | undefined {
    return this.workers.get(id);
  }

  all(): WorkerRecord[] {
    return [...this.workers.values()];
  }

  get size(): number {
    return this.workers.size;
  }

  /**
   * After a restart of the room every socket is gone: keep the workers (and what they hold) for one
   * heartbeat timeout, so a worker that says hello again resumes with the same epochs (HELLO-4).
   */
  awaitReturning(): void {
    const now = this.ports.now();
    for (const worker of this.workers.values()) {
      const connId = connOf(worker);
      if (connId !== undefined && this.ports.isOpen(connId)) continue;
      worker.link = { kind: "awaited", since: now };
      worker.lastSeen = now;
      this.ports.store.putWorker(worker);
    }
    this.types.invalidate();
  }

  /** Checks a hello (HELLO-2, -4, -5) and registers the worker, or refuses and closes; returns the record. */
  hello(connId: string, hello: WorkerFrameOf<"hello">): WorkerRecord | undefined {
    if (hello.protocol !== PROTOCOL_VERSION) {
      const reason = `protocol ${hello.protocol} not supported; this hub speaks ${PROTOCOL_VERSION}`;
      this.ports.close(connId, CloseCode.ProtocolVersion, reason);
      return undefined;
    }
    const previous = this.workers.get(hello.workerId);
    const previousConn = previous && connOf(previous);
    if (previousConn !== undefined && previousConn !== connId && this.ports.isOpen(previousConn)) {
      const reason = `worker id ${hello.workerId} is already connected; give each worker its own --id`;
      this.refuse(connId, "duplicate_worker", reason);
      this.ports.close(connId, CloseCode.DuplicateWorker, reason.slice(0, 120));
      return undefined;
    }
    const others = [...this.workers.values()].filter((w) => w.id !== hello.workerId);
    const announced = checkAnnouncement(hello.workerId, hello.nodeTypes, others);
    const problems = [...(hello.problems ?? []), ...announced.problems];
    const worker: WorkerRecord = {
      id: hello.workerId,
      link: { kind: "connected", connId },
      name: hello.name,
      version: hello.version,
      labels: hello.labels,
      capacity: hello.capacity,
      load: hello.load,
      ownLoad: 0,
      nodeTypes: announced.nodeTypes,
      versions: announced.versions,
      lastSeen: this.ports.now(),
    };
    if (announced.defs.length > 0) worker.defs = announced.defs;
    if (problems.length > 0) worker.problems = problems;
    this.ports.store.transaction(() => {
      this.ports.store.putWorker(worker);
      this.types.remember(announced.defs);
    });
    this.workers.set(worker.id, worker);
    this.types.invalidate();
    this.ports.log("worker_registered", { workerId: worker.id, name: worker.name, capacity: worker.capacity });
    this.ports.send(connId, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      graphId: this.ports.graphId,
      workerId: worker.id,
      heartbeatMs: TIMING.heartbeatIntervalMs,
      heartbeatTimeoutMs: TIMING.heartbeatTimeoutMs,
    });
    // Refused types are told once, after the welcome; the worker logs them and runs the rest (TYPES-2).
    for (const problem of announced.problems) this.refuse(connId, "type_refused", problem);
    if (announced.problems.length > 0) {
      this.ports.log("types_refused", { workerId: worker.id, problems: announced.problems.slice(0, 5) });
    }
    return worker;
  }

  /** Any frame proves the worker alive (liveness never waits behind data, SCHED-5); a heartbeat also brings load. */
  seen(worker: WorkerRecord): void {
    worker.lastSeen = this.ports.now();
  }

  heartbeat(worker: WorkerRecord, frame: WorkerFrameOf<"heartbeat">): void {
    worker.lastSeen = this.ports.now();
    worker.load = frame.load;
    worker.ownLoad = frame.processes.length;
    this.ports.store.touchWorker(worker.id, worker.lastSeen, worker.load, worker.ownLoad);
  }

  /** The worker registered on `connId`, if that is its current connection. */
  onConnection(connId: string, workerId: string | undefined): WorkerRecord | undefined {
    const worker = workerId === undefined ? undefined : this.workers.get(workerId);
    return worker && connOf(worker) === connId ? worker : undefined;
  }

  /** Workers silent past the heartbeat timeout: closed with 4008 (or, awaited back, given up on). */
  expired(): Array<{ worker: WorkerRecord; reason: string }> {
    const now = this.ports.now();
    const out: Array<{ worker: WorkerRecord; reason: string }> = [];
    for (const worker of this.workers.values()) {
      if (now - worker.lastSeen <= TIMING.heartbeatTimeoutMs) continue;
      const connId = connOf(worker);
      if (connId !== undefined) {
        this.ports.close(connId, CloseCode.HeartbeatTimeout, `no heartbeat for ${now - worker.lastSeen} ms`);
      }
      out.push({
        worker,
        reason: connId === undefined ? "did not return after the room restarted" : "heartbeat timeout",
      });
    }
    return out;
  }

  remove(worker: WorkerRecord): void {
    this.workers.delete(worker.id);
    this.ports.store.removeWorker(worker.id);
    this.types.invalidate();
  }

  setDraining(worker: WorkerRecord): void {
    if (worker.draining) return;
    worker.draining = true;
    this.ports.store.putWorker(worker);
    this.types.invalidate();
    this.ports.log("worker_draining", { workerId: worker.id });
  }

  /** Connected workers left out of placement because they drain (for pending reasons). */
  drainingCount(): number {
    let n = 0;
    for (const w of this.workers.values()) if (w.draining && w.link.kind === "connected") n++;
    return n;
  }

  /**
   * Non-draining workers as the scheduler sees them. A worker awaited back after a room restart keeps
   * what it holds but takes nothing new (capacity 0) until it says hello again.
   */
  placementWorkers(): PlacementWorker[] {
    return [...this.workers.values()]
      .filter((w) => !w.draining)
      .map((w) => ({
        id: w.id,
        labels: w.labels,
        capacity: w.link.kind === "awaited" ? 0 : w.capacity,
        otherLoad: Math.max(0, w.load - w.ownLoad),
        nodeTypes: this.types.runnable(w),
      }));
  }

  private refuse(connId: string, code: ErrorCode, message: string): void {
    this.ports.send(connId, { type: "error", code, message });
  }
}
