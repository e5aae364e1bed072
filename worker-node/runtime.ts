// One graph's runtime behind a room connection: its processes, its publisher and the room-frame
// handlers. Sans-IO: the agent hands it a link to send on and the validated frames it receives.
import type { JsonValue } from "../shared/graph.ts";
import { LIMITS, TIMING } from "../shared/limits.ts";
import { checkParams, ERROR_PORT } from "../shared/nodeTypes.ts";
import type { RoomFrame, RoomFrameOf, WorkerFrame } from "../shared/protocol.ts";
import type { EmitOptions, NodeImpl } from "../shared/sdk.ts";
import { heartbeatText } from "./heartbeat.ts";
import type { Logger } from "./log.ts";
import { findImpl as findBuiltinImpl } from "./nodes/index.ts";
import { NodeRunner, type ProcessSpec } from "./process.ts";
import { Publisher, type PublisherOptions } from "./publisher.ts";
import { Stops } from "./stops.ts";

/** A node busy with one deliver frame acks what it finished at least this often (DELIVERY-4). */
const PROGRESS_ACK_MS = 250;

export interface RoomLink {
  send(text: string): void;
}

export interface RuntimeOptions {
  graphId: string;
  workerId: string;
  /** Logger carrying workerId and graphId. */
  log: Logger;
  /** The implementations this worker runs (built-ins and plugins); default: the built-ins. */
  findImpl?: (type: string) => NodeImpl | undefined;
  publisher?: Omit<PublisherOptions, "workerId" | "onAcked" | "onRefused">;
  /** The number of processes held changed (the worker's load). */
  onProcessesChanged?: () => void;
  /** Longest a stopping process may take to get what it emitted acknowledged; default TIMING.stopFlushMs. */
  stopFlushMs?: number;
}

export class GraphRuntime {
  readonly publisher: Publisher;
  private readonly log: Logger;
  /** The current process of each node: starting, running, crashed or blocked. */
  private readonly processes = new Map<string, NodeRunner>();
  /** Processes stopping gracefully (SCHED-6); a node may have one there and a newer one in `processes`. */
  private readonly stops: Stops;
  /** Acks of a process waiting for what it emitted to be acknowledged (DELIVERY-3a). */
  private readonly acks = new Map<NodeRunner, Set<Promise<void>>>();
  /** Output ports of each node's current process (a transform takes input only while they have credit). */
  private readonly outputs = new Map<string, string[]>();
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
        const runner = this.find(nodeId, epoch);
        if (runner) runner.out += count;
      },
      onRefused: (nodeId, epoch, count, reason) => {
        this.find(nodeId, epoch)?.countErrors(count, `room refused ${count} message(s): ${reason}`);
      },
    });
    this.stops = new Stops({
      publisher: this.publisher,
      flushMs: options.stopFlushMs ?? TIMING.stopFlushMs,
      acked: (runner) => Promise.all(this.acks.get(runner) ?? []),
      report: (runner) => {
        // Only on the connection that asked: after a reconnect the stop was abandoned anyway.
        this.send({ type: "state", process: { ...runner.report(), state: "stopped" } });
      },
      ended: (runner) => {
        this.acks.delete(runner);
        this.options.onProcessesChanged?.();
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

  /**
   * The connection closed. Stopping processes end at once: the room forgets a closed connection's
   * stopping epochs (SCHED-5), so what they still had un-acknowledged is dropped.
   */
  detach(): void {
    this.link = undefined;
    this.claimed.clear();
    this.publisher.detach();
    clearTimeout(this.graceTimer);
    void this.stops.abandonAll("the connection closed");
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
        if (!this.publisher.published(frame)) this.log.debug({ seq: frame.seq }, "published for an unknown seq");
        return;
      case "credit":
        this.publisher.credit(frame);
        return;
      case "error":
        this.roomError(frame);
        return;
      case "welcome":
        this.log.warn("ignored a second welcome on one connection");
        return;
      case "drained":
        // The agent's business (DRAIN-2); nothing here changes.
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

  /** Processes held (running, crashed, blocked or stopping); this graph's share of the worker's load. */
  processCount(): number {
    return this.processes.size + this.stops.size;
  }

  /**
   * Stops every process at once without reporting (shutdown: the socket close tells the room).
   * Stopping processes end without waiting for their acks; what the running ones emitted stays in
   * the publisher, so the caller may still wait for it briefly.
   */
  async stopAll(): Promise<void> {
    const runners = [...this.processes.values()];
    this.processes.clear();
    this.claimed.clear();
    clearTimeout(this.graceTimer);
    for (const runner of runners) this.acks.delete(runner);
    const stopping = this.stops.abandonAll("the worker is stopping");
    await Promise.all([...runners.map((runner) => runner.stop()), stopping]);
    this.options.onProcessesChanged?.();
  }

  close(): void {
    clearTimeout(this.graceTimer);
    this.publisher.close();
  }

  /**
   * While an older epoch of the node is still stopping (unassigned, flushing), the new one waits for
   * it: it starts, and its output is claimed in the publisher (which sends one epoch per node), only
   * once that stop is over, so the old batches' acks are not lost. A current process of an older
   * epoch that was never unassigned is superseded at once: assigning a newer epoch fences the old one
   * (SCHED-3), so the room would refuse what it still has to send.
   */
  private assign(frame: RoomFrameOf<"assign">): void {
    const existing = this.processes.get(frame.nodeId);
    if (existing && existing.epoch === frame.epoch) {
      this.claimed.add(frame.nodeId);
      // With an older epoch still flushing, the claim waits for it (see claimWhenCurrent).
      const resent = this.stops.lastOf(frame.nodeId) ? 0 : this.publisher.claim(frame.nodeId, frame.epoch);
      existing.log.info({ resent }, `resumed ${existing.nodeType} (node ${frame.nodeId}, epoch ${frame.epoch})`);
      if (existing.state !== "starting") this.sendState(existing);
      return;
    }
    if (existing && existing.epoch > frame.epoch) {
      this.log.warn({ nodeId: frame.nodeId, epoch: frame.epoch }, `ignored assign older than epoch ${existing.epoch}`);
      return;
    }
    let after: Promise<unknown> = Promise.resolve();
    if (existing) after = this.supersede(existing, `replaced by epoch ${frame.epoch}`);
    const prior = this.stops.lastOf(frame.nodeId);
    if (prior) {
      const claimed = prior.then(() => this.claimWhenCurrent(frame.nodeId, frame.epoch));
      after = Promise.all([after, claimed]);
    }
    const runner = this.create(frame, after);
    this.processes.set(frame.nodeId, runner);
    this.claimed.add(frame.nodeId);
    if (!prior) this.publisher.claim(frame.nodeId, frame.epoch);
    else runner.log.info(`epoch ${frame.epoch} waits for the older epoch of node ${frame.nodeId} to finish stopping`);
    if (runner.state === "blocked") {
      runner.log.warn(`blocked ${frame.nodeType} (node ${frame.nodeId}, epoch ${frame.epoch}): ${runner.lastError}`);
      this.sendState(runner);
    }
    this.options.onProcessesChanged?.();
  }

  /** An older epoch of the node finished stopping: the waiting one's output may go out now. */
  private claimWhenCurrent(nodeId: string, epoch: number): void {
    const runner = this.processes.get(nodeId);
    if (runner?.epoch === epoch && this.claimed.has(nodeId) && !this.stops.lastOf(nodeId)) {
      this.publisher.claim(nodeId, epoch);
    }
  }

  private create(frame: RoomFrameOf<"assign">, after: Promise<unknown>): NodeRunner {
    const spec: ProcessSpec = {
      graphId: this.options.graphId,
      nodeId: frame.nodeId,
      epoch: frame.epoch,
      nodeType: frame.nodeType,
      log: this.log.child({ nodeId: frame.nodeId }),
    };
    const impl = (this.options.findImpl ?? findBuiltinImpl)(frame.nodeType);
    if (!impl) {
      const reason = `worker ${this.options.workerId} has no implementation of node type "${frame.nodeType}"`;
      return NodeRunner.blocked(spec, reason, this.onState);
    }
    const def = impl.def;
    // The room resolved secret references into values (SECRET-2): check them as a running process sees them.
    const checked = checkParams(def, frame.params, "runtime");
    if (!checked.ok) return NodeRunner.blocked(spec, checked.error, this.onState);
    const ports = new Set([...def.outputs, ...frame.outputs]);
    // Input waits for credit on the outputs it feeds; `error` is fed by the room from failed messages (ERROR-1).
    this.outputs.set(
      frame.nodeId,
      frame.outputs.filter((p) => p !== ERROR_PORT),
    );
    let runner: NodeRunner | undefined;
    const publish = (port: string, value: JsonValue, options?: EmitOptions): string | undefined => {
      // A message in hand may still emit while its process stops, not once the stop is over.
      if (runner && !this.holds(runner)) return "the process was stopped; message dropped";
      if (!ports.has(port))
        return `unknown output port "${port}" (node type ${def.type} has ${[...ports].join(", ") || "none"})`;
      return this.publisher.emit(frame.nodeId, frame.epoch, port, value, options);
    };
    const secrets = Object.entries(def.params)
      .filter(([key, param]) => param.type === "secret" && typeof checked.params[key] === "string")
      .map(([key]) => checked.params[key] as string);
    const credit = (port: string) => this.publisher.hasCredit(frame.nodeId, port);
    const waitForCredit = (port: string) => this.publisher.waitForCredit(frame.nodeId, [port]);
    runner = NodeRunner.start(
      { ...spec, params: checked.params, secrets, create: () => impl.create(), publish, credit, waitForCredit },
      this.onState,
      after,
    );
    return runner;
  }

  private unassign(frame: RoomFrameOf<"unassign">): void {
    const runner = this.processes.get(frame.nodeId);
    if (runner && frame.epoch === runner.epoch) {
      // Held from before a reconnect and not re-assigned: its batches may go out again so it can flush.
      if (!this.claimed.has(frame.nodeId) && !this.stops.lastOf(frame.nodeId)) {
        this.publisher.claim(frame.nodeId, runner.epoch);
      }
      runner.log.info(
        { reason: frame.reason },
        `stopping ${runner.nodeType} (node ${runner.nodeId}, epoch ${runner.epoch}): ${frame.reason}`,
      );
      this.processes.delete(frame.nodeId);
      this.claimed.delete(frame.nodeId);
      this.stops.begin(runner);
      return;
    }
    if (this.stops.find(frame.nodeId, frame.epoch)) {
      this.log.debug({ nodeId: frame.nodeId, epoch: frame.epoch }, "unassign for a process already stopping");
      return;
    }
    // A newer epoch than ours: the room fenced ours (SCHED-3), so it stops at once, without flushing.
    if (runner && frame.epoch > runner.epoch) void this.supersede(runner, `the room unassigned epoch ${frame.epoch}`);
    // Not held (forgotten, or never received): it is stopped, so the room need not wait for it.
    else this.log.debug({ nodeId: frame.nodeId, epoch: frame.epoch }, "unassign for a process not held here");
    this.send({
      type: "state",
      process: {
        nodeId: frame.nodeId,
        epoch: frame.epoch,
        state: "stopped",
        in: 0,
        out: 0,
        errors: 0,
        lastError: null,
      },
    });
  }

  /** Stops a process at once and drops what it has un-acknowledged: the room has moved past its epoch. */
  private supersede(runner: NodeRunner, why: string): Promise<void> {
    if (this.processes.get(runner.nodeId) === runner) {
      this.processes.delete(runner.nodeId);
      this.claimed.delete(runner.nodeId);
      this.options.onProcessesChanged?.();
    }
    this.acks.delete(runner);
    const stopped = runner.stop();
    const dropped = this.publisher.discard(runner.nodeId, runner.epoch);
    runner.log.info({ dropped }, `stopped ${runner.nodeType} (node ${runner.nodeId}, epoch ${runner.epoch}): ${why}`);
    return stopped;
  }

  /** The current or stopping process of (nodeId, epoch). */
  private find(nodeId: string, epoch: number): NodeRunner | undefined {
    const current = this.processes.get(nodeId);
    if (current?.epoch === epoch) return current;
    return this.stops.find(nodeId, epoch);
  }

  /** True while the room may still hear from `runner`: it is current, or stopping. */
  private holds(runner: NodeRunner): boolean {
    return this.processes.get(runner.nodeId) === runner || this.stops.has(runner);
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
    const current = () => this.generation === generation && this.holds(runner);
    void runner.enqueue(async () => {
      // No input while the output may not emit (credit) or the publish buffer is full: pressure goes upstream.
      await this.publisher.waitForCredit(frame.nodeId, this.outputs.get(frame.nodeId) ?? []);
      await this.publisher.waitForRoom(frame.nodeId);
      const done: number[] = [];
      const failed: Array<{ d: number; error: string }> = [];
      let since = Date.now();
      for (const message of frame.messages) {
        if (!current()) break;
        const outcome = await runner.deliver(message, frame.port);
        if (outcome === "done") done.push(message.d);
        else if (outcome !== "skipped") failed.push({ d: message.d, error: outcome.error });
        // A slow node acks as it goes, not only at the end of a frame, so the room sees progress (DELIVERY-4).
        if (Date.now() - since >= PROGRESS_ACK_MS) {
          await this.settle(runner, frame, done.splice(0), failed.splice(0), current);
          since = Date.now();
        }
      }
      await this.settle(runner, frame, done, failed, current);
    });
  }

  /**
   * Acks (or nacks) deliveries once what the node emitted meanwhile is stored (see Publisher.settled); a stop
   * waits for it. A sink that buffers makes its writes durable first; if it cannot, all of them fail.
   */
  private async settle(
    runner: NodeRunner,
    frame: RoomFrameOf<"deliver">,
    done: number[],
    failed: Array<{ d: number; error: string }>,
    current: () => boolean,
  ): Promise<void> {
    const flushError = done.length > 0 ? await runner.flush() : undefined;
    if (flushError !== undefined) failed.push(...done.splice(0).map((d) => ({ d, error: flushError })));
    if (done.length === 0 && failed.length === 0) return;
    const acked = this.publisher.settled(frame.nodeId).then(() => {
      if (!current()) return;
      if (done.length > 0) this.sendIds("ack", frame.nodeId, frame.epoch, done);
      // One nack per distinct error, naming every delivery that failed with it.
      const byError = new Map<string, number[]>();
      for (const { d, error } of failed) byError.set(error, [...(byError.get(error) ?? []), d]);
      for (const [error, ds] of byError) this.sendIds("nack", frame.nodeId, frame.epoch, ds, error);
    });
    const pending = this.acks.get(runner) ?? new Set<Promise<void>>();
    this.acks.set(runner, pending);
    pending.add(acked);
    void acked.then(() => pending.delete(acked));
  }

  private sendIds(type: "ack" | "nack", nodeId: string, epoch: number, deliveries: number[], error = ""): void {
    for (let i = 0; i < deliveries.length; i += LIMITS.maxAckIds) {
      const ids = deliveries.slice(i, i + LIMITS.maxAckIds);
      this.send(
        type === "ack" ? { type, nodeId, epoch, deliveries: ids } : { type, nodeId, epoch, deliveries: ids, error },
      );
    }
  }

  private send(frame: WorkerFrame): void {
    this.link?.send(JSON.stringify(frame));
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
    this.send({ type: "state", process: runner.report() });
  }

  private stopUnclaimed(): void {
    for (const [nodeId, runner] of [...this.processes]) {
      if (!this.claimed.has(nodeId)) void this.supersede(runner, "not re-assigned after reconnecting");
    }
  }
}
