// One graph's runtime behind a room connection: its processes, its publisher and the room-frame
// handlers. Sans-IO: the agent hands it a link to send on and the validated frames it receives.
import type { JsonValue } from "../shared/graph.ts";
import { LIMITS } from "../shared/limits.ts";
import { checkParams, findNodeType, type NodeTypeDef } from "../shared/nodeTypes.ts";
import type { RoomFrame, RoomFrameOf, WorkerFrameOf } from "../shared/protocol.ts";
import { heartbeatText } from "./heartbeat.ts";
import type { Logger } from "./log.ts";
import { findImpl as findBuiltinImpl } from "./nodes/index.ts";
import type { NodeImpl } from "./nodes/types.ts";
import { NodeRunner, type ProcessSpec } from "./process.ts";
import { Publisher, type PublisherOptions } from "./publisher.ts";

export interface RoomLink {
  send(text: string): void;
}

export interface RuntimeOptions {
  graphId: string;
  workerId: string;
  /** Logger carrying workerId and graphId. */
  log: Logger;
  findImpl?: (type: string) => NodeImpl | undefined;
  findDef?: (type: string) => NodeTypeDef | undefined;
  publisher?: Omit<PublisherOptions, "workerId" | "onAcked" | "onRefused">;
  /** The number of processes held changed (the worker's load). */
  onProcessesChanged?: () => void;
}

const MAX_ACK_IDS = LIMITS.maxBatchMessages * 10;

export class GraphRuntime {
  readonly publisher: Publisher;
  private readonly log: Logger;
  private readonly processes = new Map<string, NodeRunner>();
  /** Nodes whose current epoch the room assigned or confirmed on the current link. */
  private readonly claimed = new Set<string>();
  private link: RoomLink | undefined;
  private generation = 0;
  private graceTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RuntimeOptions) {
    this.log = options.log;
    this.publisher = new Publisher({
      ...options.publisher,
      workerId: options.workerId,
      onAcked: (nodeId, epoch, count) => {
        const runner = this.processes.get(nodeId);
        if (runner?.epoch === epoch) runner.out += count;
      },
      onRefused: (nodeId, epoch, count, reason) => {
        const runner = this.processes.get(nodeId);
        if (runner?.epoch === epoch) runner.countErrors(count, `room refused ${count} message(s): ${reason}`);
      },
    });
  }

  /**
   * A welcomed connection. Processes held from before it keep running but stay silent until the
   * room assigns them again: same epoch → kept and their un-acked batches re-sent (DELIVERY-2);
   * another epoch → restarted; not re-assigned within `claimGraceMs` → stopped.
   */
  attach(link: RoomLink, claimGraceMs: number): void {
    this.link = link;
    this.generation += 1;
    this.claimed.clear();
    this.publisher.attach(link);
    clearTimeout(this.graceTimer);
    if (this.processes.size > 0) this.graceTimer = setTimeout(() => this.stopUnclaimed(), claimGraceMs);
  }

  detach(): void {
    this.link = undefined;
    this.claimed.clear();
    this.publisher.detach();
    clearTimeout(this.graceTimer);
  }

  handle(frame: RoomFrame): void {
    switch (frame.type) {
      case "assign":
        this.assign(frame);
        return;
      case "unassign":
        this.unassign(frame);
        return;
      case "deliver":
        this.deliver(frame);
        return;
      case "published":
        if (!this.publisher.published(frame.seq)) this.log.debug({ seq: frame.seq }, "published for an unknown seq");
        return;
      case "error":
        this.roomError(frame);
        return;
      case "welcome":
        this.log.warn("ignored a second welcome on one connection");
        return;
      default: {
        const never: never = frame;
        this.log.warn({ frame: never }, "ignored an unhandled frame");
      }
    }
  }

  /** The heartbeat frame for the current link: the load and a report per process the room gave us. */
  heartbeat(load: number): string {
    const reports = [...this.processes.values()].filter((p) => this.claimed.has(p.nodeId)).map((p) => p.report());
    const { text, trimmed } = heartbeatText(load, reports);
    if (trimmed !== "none") this.log.warn({ trimmed }, "heartbeat exceeded the frame limit and was trimmed");
    return text;
  }

  /** Processes held (running, crashed or blocked); this graph's share of the worker's load. */
  processCount(): number {
    return this.processes.size;
  }

  /** Stops every process without reporting (shutdown: the socket close tells the room). */
  async stopAll(): Promise<void> {
    const runners = [...this.processes.values()];
    this.processes.clear();
    this.claimed.clear();
    clearTimeout(this.graceTimer);
    await Promise.all(runners.map((runner) => runner.stop(false)));
    this.options.onProcessesChanged?.();
  }

  close(): void {
    clearTimeout(this.graceTimer);
    this.publisher.close();
  }

  private assign(frame: RoomFrameOf<"assign">): void {
    const existing = this.processes.get(frame.nodeId);
    if (existing && existing.epoch === frame.epoch) {
      this.claimed.add(frame.nodeId);
      const resent = this.publisher.claim(frame.nodeId, frame.epoch);
      existing.log.info({ resent }, `resumed ${existing.nodeType} (node ${frame.nodeId}, epoch ${frame.epoch})`);
      if (existing.state !== "starting") this.sendState(existing);
      return;
    }
    if (existing && existing.epoch > frame.epoch) {
      this.log.warn({ nodeId: frame.nodeId, epoch: frame.epoch }, `ignored assign older than epoch ${existing.epoch}`);
      return;
    }
    let previousStop: Promise<unknown> = Promise.resolve();
    if (existing) {
      previousStop = existing.stop(false);
      existing.log.info(`replacing epoch ${existing.epoch} with ${frame.epoch}`);
    }
    this.publisher.release(frame.nodeId);
    const runner = this.create(frame, previousStop);
    this.processes.set(frame.nodeId, runner);
    this.claimed.add(frame.nodeId);
    this.publisher.claim(frame.nodeId, frame.epoch);
    if (runner.state === "blocked") {
      runner.log.warn(`blocked ${frame.nodeType} (node ${frame.nodeId}, epoch ${frame.epoch}): ${runner.lastError}`);
      this.sendState(runner);
    }
    if (!existing) this.options.onProcessesChanged?.();
  }

  private create(frame: RoomFrameOf<"assign">, after: Promise<unknown>): NodeRunner {
    const spec: ProcessSpec = {
      graphId: this.options.graphId,
      nodeId: frame.nodeId,
      epoch: frame.epoch,
      nodeType: frame.nodeType,
      log: this.log.child({ nodeId: frame.nodeId }),
    };
    const def = (this.options.findDef ?? findNodeType)(frame.nodeType);
    const impl = (this.options.findImpl ?? findBuiltinImpl)(frame.nodeType);
    if (!def) return NodeRunner.blocked(spec, `unknown node type "${frame.nodeType}"`, this.onState);
    if (!impl) {
      const reason = `worker ${this.options.workerId} has no implementation of node type "${frame.nodeType}"`;
      return NodeRunner.blocked(spec, reason, this.onState);
    }
    const checked = checkParams(def, frame.params);
    if (!checked.ok) return NodeRunner.blocked(spec, checked.error, this.onState);
    const ports = new Set([...def.outputs, ...frame.outputs]);
    const publish = (port: string, value: JsonValue): string | undefined => {
      if (!ports.has(port))
        return `unknown output port "${port}" (node type ${def.type} has ${[...ports].join(", ") || "none"})`;
      return this.publisher.emit(frame.nodeId, frame.epoch, port, value);
    };
    return NodeRunner.start(
      { ...spec, params: checked.params, create: () => impl.create(), publish },
      this.onState,
      after,
    );
  }

  private unassign(frame: RoomFrameOf<"unassign">): void {
    const runner = this.processes.get(frame.nodeId);
    if (!runner || frame.epoch < runner.epoch) {
      this.log.debug({ nodeId: frame.nodeId, epoch: frame.epoch }, "unassign for a process not held here");
      return;
    }
    void runner.stop(true);
    this.processes.delete(frame.nodeId);
    this.claimed.delete(frame.nodeId);
    const dropped = this.publisher.release(frame.nodeId);
    runner.log.info(
      { reason: frame.reason, dropped },
      `stopped ${runner.nodeType} (node ${runner.nodeId}, epoch ${runner.epoch}): ${frame.reason}`,
    );
    this.options.onProcessesChanged?.();
  }

  private deliver(frame: RoomFrameOf<"deliver">): void {
    const runner = this.processes.get(frame.nodeId);
    const live = runner && runner.epoch === frame.epoch && this.claimed.has(frame.nodeId);
    if (!runner || !live || (runner.state !== "running" && runner.state !== "starting")) {
      this.log.debug(
        { nodeId: frame.nodeId, epoch: frame.epoch },
        "not acking deliveries for a process not running here",
      );
      return;
    }
    if (frame.messages.length === 0) return;
    const generation = this.generation;
    const current = () => this.generation === generation && this.processes.get(frame.nodeId) === runner;
    void runner.enqueue(async () => {
      await this.publisher.waitForRoom(frame.nodeId);
      const done: number[] = [];
      for (const message of frame.messages) {
        if (!current()) break;
        if (await runner.deliver(message, frame.port)) done.push(message.d);
      }
      if (done.length === 0) return;
      // Ack only once what the node emitted meanwhile is stored (see Publisher.settled).
      void this.publisher.settled(frame.nodeId).then(() => {
        if (current()) this.sendAck(frame.nodeId, frame.epoch, done);
      });
    });
  }

  private sendAck(nodeId: string, epoch: number, deliveries: number[]): void {
    for (let i = 0; i < deliveries.length; i += MAX_ACK_IDS) {
      const frame: WorkerFrameOf<"ack"> = {
        type: "ack",
        nodeId,
        epoch,
        deliveries: deliveries.slice(i, i + MAX_ACK_IDS),
      };
      this.link?.send(JSON.stringify(frame));
    }
  }

  private roomError(frame: RoomFrameOf<"error">): void {
    this.log.warn({ code: frame.code, ref: frame.ref }, `room error ${frame.code}: ${frame.message}`);
    if (typeof frame.ref === "number") this.publisher.refused(frame.ref, frame.code, frame.message);
  }

  private readonly onState = (runner: NodeRunner): void => {
    if (runner.state === "running") {
      runner.log.info(`running ${runner.nodeType} (node ${runner.nodeId}, epoch ${runner.epoch})`);
    }
    this.sendState(runner);
  };

  /** Sends `state` for a process the room gave us on this link (stopped ones included, before removal). */
  private sendState(runner: NodeRunner): void {
    if (!this.link || !this.claimed.has(runner.nodeId) || this.processes.get(runner.nodeId) !== runner) return;
    const frame: WorkerFrameOf<"state"> = { type: "state", process: runner.report() };
    this.link.send(JSON.stringify(frame));
  }

  private stopUnclaimed(): void {
    for (const [nodeId, runner] of this.processes) {
      if (this.claimed.has(nodeId)) continue;
      this.processes.delete(nodeId);
      void runner.stop(false);
      const dropped = this.publisher.release(nodeId);
      runner.log.info(
        { dropped },
        `stopped ${runner.nodeType} (node ${nodeId}, epoch ${runner.epoch}): not re-assigned after reconnecting`,
      );
    }
    this.options.onProcessesChanged?.();
  }
}
