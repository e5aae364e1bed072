// Unit tests of the room core (leader + broker) with an in-memory store, a hand-driven clock and fake sockets.
// Test names cite the rules of shared/PROTOCOL.md they check.
import { afterEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { GraphEdge, GraphExport, GraphNode, JsonValue } from "../../shared/graph.ts";
import { BROKER, LIMITS, TIMING } from "../../shared/limits.ts";
import { findNodeType } from "../../shared/nodeTypes.ts";
import {
  type Message,
  PROTOCOL_VERSION,
  type ProcessReport,
  parseRoomFrame,
  type RoomFrame,
  type RoomFrameOf,
} from "../../shared/protocol.ts";
import type { ProcessStatus } from "../../shared/status.ts";
import { fuzzSeeds, prng } from "../../shared/testing/seeds.ts";
import { replaceGraph } from "../../shared/ydoc.ts";
import { DEFAULT_CONFIG, MAX_FENCES_PER_REPORT, type RoomConfig, RoomCore } from "./core.ts";
import { type GraphChange, GraphView } from "./graphView.ts";
import { MemoryLeaderStore } from "./leaderStore.ts";
import { MAX_KNOWN_TYPES } from "./nodeTypes.ts";
import { MemoryQueueStore } from "./queueStore.ts";
import type { HookRequest } from "./webhook.ts";

const HELLO_TIMEOUT_MS = TIMING.helloTimeoutMs;
const STOP_TIMEOUT_MS = TIMING.stopTimeoutMs;

const T0 = 1_700_000_000_000;
const ALL_TYPES = ["random", "counter", "factorize", "log", "http-request", "file-write"];

// ---- fakes ----------------------------------------------------------------------------------------

/** One worker connection as the room sees it, plus what a well-behaved worker would be running. */
class Conn {
  readonly frames: RoomFrame[] = [];
  workerId: string | undefined;
  /** nodeId → epoch the worker runs (assigned, not yet told to stop). */
  readonly held = new Map<string, number>();
  /**
   * Stops not reported yet, and since when. `flushing`: the worker ran that epoch and is finishing its work;
   * otherwise it only owes the `stopped` answer to an unassign for an epoch it does not hold (SCHED-6).
   */
  stops: Array<{ nodeId: string; epoch: number; since: number; flushing: boolean }> = [];
  private read = 0;

  constructor(
    readonly id: string,
    readonly openedAt: number,
  ) {}

  receive(frame: RoomFrame, now: number): void {
    this.frames.push(frame);
    if (frame.type === "assign") this.held.set(frame.nodeId, frame.epoch);
    if (frame.type === "unassign") {
      const flushing = this.held.get(frame.nodeId) === frame.epoch;
      if (flushing) this.held.delete(frame.nodeId);
      // A crashed process is gone already; anything else finishes its work, then reports `stopped`.
      const known = this.stops.some((s) => s.nodeId === frame.nodeId && s.epoch === frame.epoch);
      if (frame.reason !== "crashed" && !known) {
        this.stops.push({ nodeId: frame.nodeId, epoch: frame.epoch, since: now, flushing });
      }
    }
  }

  /** Frames received since the last call. */
  take(): RoomFrame[] {
    const fresh = this.frames.slice(this.read);
    this.read = this.frames.length;
    return fresh;
  }
}

interface Close {
  connId: string;
  code: number;
  reason: string;
}

/** A room with every port faked: advance `now` by hand, read frames per connection. */
class Room {
  now = T0;
  readonly store = new MemoryLeaderStore();
  readonly queue = new MemoryQueueStore();
  graph: GraphExport = { id: "g1", name: "test", description: "", running: true, nodes: [], edges: [] };
  /** The graph's secrets, as the room's vault holds them. */
  readonly secrets = new Map<string, { value: string; version: number }>();
  /** The graph document, read by the core through a GraphView as in the Durable Object. */
  readonly doc = new Y.Doc();
  readonly view: GraphView;
  readonly conns = new Map<string, Conn>();
  readonly open = new Set<string>();
  readonly closes: Close[] = [];
  /** Frames sent to a connection id the room never had (e.g. ""): always a bug. */
  readonly stray: Array<{ connId: string; frame: RoomFrame }> = [];
  readonly muted = new Set<Conn>();
  statusChanges = 0;
  onSend: ((connId: string, frame: RoomFrame) => void) | undefined;
  core: RoomCore;
  private nextConn = 1;

  constructor(readonly config: RoomConfig = DEFAULT_CONFIG) {
    replaceGraph(this.doc, this.graph);
    this.view = new GraphView(this.doc);
    this.core = this.start();
  }

  /** What the Durable Object shell does on start. */
  private start(): RoomCore {
    const send = (connId: string, frame: RoomFrame) => {
      this.onSend?.(connId, frame);
      const conn = this.conns.get(connId);
      if (conn) conn.receive(frame, this.now);
      else this.stray.push({ connId, frame });
    };
    const core = new RoomCore({
      graphId: "g1",
      leaderStore: this.store,
      queueStore: this.queue,
      config: this.config,
      now: () => this.now,
      send,
      sendText: (connId, text) => {
        // Hot frames are built as text: they must parse as the worker parses them.
        const parsed = parseRoomFrame(text);
        if (!parsed.ok) throw new Error(`room sent an invalid frame: ${parsed.message}`);
        send(connId, parsed.frame);
      },
      close: (connId, code, reason) => {
        this.closes.push({ connId, code, reason });
        this.open.delete(connId);
      },
      isOpen: (connId) => this.open.has(connId),
      graph: this.view,
      secrets: {
        value: (name) => this.secrets.get(name)?.value,
        version: (name) => this.secrets.get(name)?.version,
        missing: () => "unset",
      },
      statusChanged: () => {
        this.statusChanges += 1;
      },
      log: () => {},
    });
    core.awaitReturningWorkers();
    core.reconcile();
    return core;
  }

  /**
   * The Durable Object restarts: every socket is gone and no close event reaches the new instance. With
   * `socketsSurvive`, it wakes from hibernation instead, its sockets still open.
   */
  restart(opts: { socketsSurvive?: boolean } = {}): void {
    if (!opts.socketsSurvive) this.open.clear();
    this.core = this.start();
  }

  /** Edits the graph document as an editor would; the core hears what the transaction changed. */
  setGraph(change: (graph: GraphExport) => void): void {
    change(this.graph);
    let absorbed: GraphChange | undefined;
    const listen = (transaction: Y.Transaction) => {
      absorbed = this.view.absorb(transaction);
    };
    this.doc.on("afterTransaction", listen);
    replaceGraph(this.doc, this.graph);
    this.doc.off("afterTransaction", listen);
    this.core.graphChanged(absorbed);
  }

  connect(): Conn {
    const conn = new Conn(`c${this.nextConn++}`, this.now);
    this.conns.set(conn.id, conn);
    this.open.add(conn.id);
    return conn;
  }

  frame(conn: Conn, frame: object | string): void {
    const text = typeof frame === "string" ? frame : JSON.stringify(frame);
    const outcome = this.core.onWorkerFrame(conn.id, conn.workerId, text);
    if (outcome.registered) conn.workerId = outcome.registered;
  }

  hello(workerId: string, over: HelloOptions = {}): Conn {
    const conn = this.connect();
    this.frame(conn, helloFrame(workerId, over));
    return conn;
  }

  /** The socket closed (the shell's onClose). */
  disconnect(conn: Conn): void {
    this.open.delete(conn.id);
    this.core.onWorkerClosed(conn.id, conn.workerId);
  }

  /** A heartbeat reporting every held process as running (stopping ones are left out, SCHED-6). */
  beat(conn: Conn, processes = [...conn.held].map(([nodeId, epoch]) => report(nodeId, epoch))): void {
    this.frame(conn, { type: "heartbeat", load: conn.held.size, processes });
  }

  state(conn: Conn, nodeId: string, epoch: number, state: ProcessReport["state"], over: Partial<ProcessReport> = {}) {
    this.frame(conn, { type: "state", process: report(nodeId, epoch, { state, ...over }) });
  }

  /** The worker finishes every stop it was asked for and reports `stopped`. */
  finishStops(conn: Conn): void {
    const stops = conn.stops;
    conn.stops = [];
    for (const s of stops) this.state(conn, s.nodeId, s.epoch, "stopped");
  }

  publish(conn: Conn, nodeId: string, messages: Message[], opts: { epoch?: number; seq?: number; port?: string } = {}) {
    this.frame(conn, {
      type: "publish",
      seq: opts.seq ?? 1,
      nodeId,
      epoch: opts.epoch ?? this.epochOf(nodeId),
      port: opts.port ?? "out",
      messages,
    });
  }

  ack(conn: Conn, nodeId: string, deliveries: number[], epoch = this.epochOf(nodeId)): void {
    this.frame(conn, { type: "ack", nodeId, epoch, deliveries });
  }

  alarm(): number | null {
    const unregistered = [...this.conns.values()]
      .filter((c) => this.open.has(c.id) && c.workerId === undefined)
      .map((c) => ({ connId: c.id, openedAt: c.openedAt }));
    return this.core.onAlarm(unregistered);
  }

  /** Lets `ms` pass in steps of at most 1 s: live, unmuted workers heartbeat, then the alarm runs. */
  pass(ms: number): void {
    let left = ms;
    while (left > 0) {
      const step = Math.min(1000, left);
      this.now += step;
      left -= step;
      for (const conn of this.conns.values()) {
        if (this.open.has(conn.id) && conn.workerId !== undefined && !this.muted.has(conn)) this.beat(conn);
      }
      this.alarm();
    }
  }

  assignment(nodeId: string) {
    return this.store.runs().find((r) => r.nodeId === nodeId && r.kind === "assigned");
  }

  stopping() {
    return this.store.runs().filter((r) => r.kind === "stopping");
  }

  assignments() {
    return this.store.runs().filter((r) => r.kind === "assigned");
  }

  /** Messages queued on an edge (ready and in flight). */
  depth(edgeId: string): number {
    return this.core.broker.edgeStatus().find((e) => e.id === edgeId)?.depth ?? 0;
  }

  edge(edgeId: string) {
    const status = this.core.broker.edgeStatus().find((e) => e.id === edgeId);
    if (!status) throw new Error(`no edge ${edgeId}`);
    return status;
  }

  epochOf(nodeId: string): number {
    const run = this.store.runs().find((r) => r.nodeId === nodeId);
    if (!run) throw new Error(`node ${nodeId} is not assigned`);
    return run.epoch;
  }

  /** nodeId → workerId of every assignment. */
  placement(): Record<string, string> {
    return Object.fromEntries(
      this.store
        .runs()
        .filter((r) => r.kind === "assigned")
        .map((r) => [r.nodeId, r.workerId]),
    );
  }

  status(nodeId: string): ProcessStatus {
    const status = this.core.status().processes.find((p) => p.nodeId === nodeId);
    if (!status) throw new Error(`no status for ${nodeId}`);
    return status;
  }

  closesOf(conn: Conn): Array<[number, string]> {
    return this.closes.filter((c) => c.connId === conn.id).map((c) => [c.code, c.reason]);
  }
}

interface HelloOptions {
  capacity?: number;
  labels?: string[];
  types?: string[];
  /** Full definitions announced besides the built-ins named in `types` (plugins). */
  defs?: Array<Record<string, unknown>>;
  load?: number;
  protocol?: number;
}

function helloFrame(workerId: string, over: HelloOptions = {}) {
  return {
    type: "hello",
    protocol: over.protocol ?? PROTOCOL_VERSION,
    workerId,
    name: `worker ${workerId}`,
    version: "0.1.0",
    labels: over.labels ?? [],
    capacity: over.capacity ?? 8,
    nodeTypes: [
      ...(over.types ?? ALL_TYPES).map((type) => ({ type, version: findNodeType(type)?.version ?? "1.0.0" })),
      ...(over.defs ?? []),
    ],
    load: over.load ?? 0,
  };
}

function report(nodeId: string, epoch: number, over: Partial<ProcessReport> = {}): ProcessReport {
  return { nodeId, epoch, state: "running", in: 0, out: 0, errors: 0, lastError: null, ...over };
}

function node(id: string, type: string, params: Record<string, JsonValue> = {}, over: Partial<GraphNode> = {}) {
  return { id, type, name: id, x: 0, y: 0, params, ...over } satisfies GraphNode;
}

function edge(from: string, to: string): GraphEdge {
  return { id: `${from}-${to}`, from, fromPort: "out", to, toPort: "in" };
}

function msg(id: string, value: JsonValue = id): Message {
  return { id, value, ts: 1 };
}

function of<T extends RoomFrame["type"]>(frames: RoomFrame[], type: T): Array<RoomFrameOf<T>> {
  return frames.filter((f): f is RoomFrameOf<T> => f.type === type);
}

function errors(frames: RoomFrame[]): Array<[string, string | number | undefined]> {
  return of(frames, "error").map((e) => [e.code, e.ref]);
}

const rooms: Room[] = [];
function room(config?: RoomConfig): Room {
  const r = new Room(config);
  rooms.push(r);
  return r;
}

afterEach(() => {
  // The room never sends to a connection it does not have (such as the "" of a worker awaited back).
  for (const r of rooms.splice(0)) expect(r.stray).toEqual([]);
});

/** random "src" → log "sink". */
function pipeline(r: Room, running = true): void {
  r.setGraph((g) => {
    g.running = running;
    g.nodes = [node("src", "random", { intervalMs: 50 }), node("sink", "log")];
    g.edges = [edge("src", "sink")];
  });
}

// ---- registration and desired processes ---------------------------------------------------------

describe("hello and desired processes", () => {
  it("SCHED-1: hello gets welcome, then one assign per desired node with params, ports and a fresh epoch", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    const frames = c.take();
    expect(frames[0]).toEqual({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      graphId: "g1",
      workerId: "w1",
      heartbeatMs: 2000,
      heartbeatTimeoutMs: 6000,
    });
    const assigns = of(frames, "assign");
    expect(assigns.map((a) => [a.nodeId, a.nodeType, a.params, a.inputs, a.outputs])).toEqual([
      ["sink", "log", { prefix: "" }, ["in"], ["error"]],
      ["src", "random", { intervalMs: 50 }, [], ["out", "error"]],
    ]);
    expect(assigns.map((a) => a.epoch)).toEqual([1, 2]);
    // Then credit for the source's output (DELIVERY-7).
    expect(frames.filter((f) => f.type !== "credit")).toHaveLength(3);
    expect(of(frames, "credit").map((f) => [f.nodeId, f.port])).toEqual([
      ["sink", "error"],
      ["src", "out"],
      ["src", "error"],
    ]);
    expect(r.status("src")).toMatchObject({ state: "assigned", workerId: "w1" });
    const changes = r.statusChanges;
    r.beat(c);
    expect(r.statusChanges).toBeGreaterThan(changes);
    expect(r.status("src")).toMatchObject({ state: "running", workerId: "w1" });
    expect(r.core.status().workers).toMatchObject([{ id: "w1", processes: 2, load: 2, draining: false }]);
  });

  it("SCHED-1: nothing is assigned while the graph is not running; stopping the graph unassigns all", () => {
    const r = room();
    pipeline(r, false);
    const c = r.hello("w1");
    expect(c.take().map((f) => f.type)).toEqual(["welcome"]);
    expect(r.status("src")).toMatchObject({ state: "stopped", workerId: null });
    r.setGraph((g) => {
      g.running = true;
    });
    expect(of(c.take(), "assign").map((a) => a.nodeId)).toEqual(["sink", "src"]);
    r.setGraph((g) => {
      g.running = false;
    });
    const unassigns = of(c.take(), "unassign");
    expect(unassigns.map((u) => u.nodeId)).toEqual(["sink", "src"]);
    expect(unassigns[0]!.reason).toMatch(/no longer wanted/);
  });

  it("SCHED-1: a disabled node is not assigned", () => {
    const r = room();
    pipeline(r);
    r.setGraph((g) => {
      g.nodes[1]!.disabled = true;
    });
    const c = r.hello("w1");
    expect(of(c.take(), "assign").map((a) => a.nodeId)).toEqual(["src"]);
    expect(r.status("sink")).toMatchObject({ state: "stopped", reason: "node is disabled" });
  });

  it("SCHED-4/TYPES-3: invalid params block a node with the reason; a type nobody announced leaves it pending", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random", { intervalMs: 0 }), node("odd", "teleport"), node("ok", "log")];
    });
    const c = r.hello("w1");
    expect(of(c.take(), "assign").map((a) => a.nodeId)).toEqual(["ok"]);
    expect(r.status("src")).toMatchObject({
      state: "blocked",
      reason: 'node "src": param "intervalMs" must be at least 1, got 0',
    });
    expect(r.status("odd")).toMatchObject({ state: "pending", reason: 'no live worker can run node type "teleport"' });
    // Fixing the params lets it run.
    r.setGraph((g) => {
      g.nodes[0]!.params = { intervalMs: 5 };
    });
    expect(of(c.take(), "assign").map((a) => [a.nodeId, a.params])).toEqual([["src", { intervalMs: 5 }]]);
  });

  it("SCHED-4: moving a node restarts nothing; editing params restarts only that node", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    c.take();
    r.setGraph((g) => {
      g.nodes[0]!.x = 500;
      g.nodes[1]!.y = -20;
      g.name = "renamed";
    });
    expect(c.take()).toEqual([]);
    r.setGraph((g) => {
      g.nodes[0]!.params = { intervalMs: 99 };
    });
    expect(of(c.take(), "unassign").map((u) => [u.nodeId, u.reason])).toEqual([["src", "params changed; restarting"]]);
    expect(r.assignment("sink")?.epoch).toBe(1);
  });
});

describe("secrets (SECRET-*)", () => {
  const post = (params: Record<string, JsonValue>) =>
    node("post", "http-request", { url: "https://example.com/hook", ...params });

  it("SECRET-1/2: a node whose secret is not set is blocked; once set, only its assignment carries the value", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [post({ authorization: { $secret: "HOOK_TOKEN" } })];
    });
    const c = r.hello("w1");
    expect(of(c.take(), "assign")).toEqual([]);
    expect(r.status("post")).toMatchObject({
      state: "blocked",
      reason: expect.stringMatching(/secret HOOK_TOKEN, which is not set/),
    });
    r.secrets.set("HOOK_TOKEN", { value: "Bearer s3cret", version: 1 });
    r.core.secretChanged("HOOK_TOKEN");
    const [assign] = of(c.take(), "assign");
    expect(assign?.params.authorization).toBe("Bearer s3cret");
    // Status, the store and the plan hold the reference only.
    expect(JSON.stringify(r.core.status())).not.toContain("s3cret");
    expect(JSON.stringify(r.assignments())).not.toContain("s3cret");
  });

  it("SECRET-3: a new value restarts the processes using it, and nothing else", () => {
    const r = room();
    r.secrets.set("HOOK_TOKEN", { value: "one", version: 1 });
    r.setGraph((g) => {
      g.nodes = [post({ authorization: { $secret: "HOOK_TOKEN" } }), node("sink", "log")];
    });
    const c = r.hello("w1");
    c.take();
    r.secrets.set("HOOK_TOKEN", { value: "two", version: 2 });
    r.core.secretChanged("HOOK_TOKEN");
    r.core.secretChanged("UNUSED");
    expect(of(c.take(), "unassign").map((u) => [u.nodeId, u.reason])).toEqual([["post", "params changed; restarting"]]);
  });

  it("SECRET-1: a secret param holding a plain value (not a reference) is blocked, not run", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [post({ authorization: "Bearer pasted-in-the-graph" })];
    });
    r.hello("w1");
    expect(r.status("post")).toMatchObject({
      state: "blocked",
      reason: expect.stringMatching(/is a secret: the graph holds only a reference/),
    });
  });
});

describe("registration (HELLO-*)", () => {
  it("HELLO-1: a first frame other than hello gets hello_required and close 4003", () => {
    const r = room();
    const c = r.connect();
    r.frame(c, { type: "heartbeat", load: 0, processes: [] });
    expect(errors(c.take())).toEqual([["hello_required", undefined]]);
    expect(r.closesOf(c)).toEqual([[4003, "first frame must be hello"]]);
    const bad = r.connect();
    r.frame(bad, "{nope");
    expect(errors(bad.take())).toEqual([["invalid_json", undefined]]);
    expect(r.closesOf(bad).map(([code]) => code)).toEqual([4003]);
    expect(r.core.status().workers).toEqual([]);
  });

  it("HELLO-1: a connection that sends no hello within 10 s is closed with 4003", () => {
    const r = room();
    const c = r.connect();
    r.now += HELLO_TIMEOUT_MS - 1;
    r.alarm();
    expect(r.closes).toEqual([]);
    // The shell arms an alarm for exactly openedAt + 10 s; it closes the connection then, not a period later.
    r.now += 1;
    r.alarm();
    expect(r.closesOf(c)).toEqual([[4003, "no hello within 10000 ms"]]);
  });

  it("HELLO-2: protocol 1 is closed with 4002 and a reason naming both versions", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1", { protocol: 1 });
    expect(c.workerId).toBeUndefined();
    expect(r.closesOf(c)).toEqual([[4002, `protocol 1 not supported; this hub speaks ${PROTOCOL_VERSION}`]]);
    expect(c.take()).toEqual([]);
    expect(r.store.workers()).toEqual([]);
  });

  it("HELLO-3: a second hello on a registered connection gets already_registered and changes nothing", () => {
    const r = room();
    const c = r.hello("w1", { capacity: 2 });
    c.take();
    r.frame(c, helloFrame("w1", { capacity: 50 }));
    expect(errors(c.take())).toEqual([["already_registered", undefined]]);
    expect(r.closes).toEqual([]);
    expect(r.store.workers().map((w) => w.capacity)).toEqual([2]);
  });

  it("HELLO-5/TYPES-2: a type named without a definition that is not built in is refused alone; the worker is welcomed", () => {
    const r = room();
    const c = r.hello("w1", { types: ["random", "teleport"] });
    const frames = c.take();
    expect(frames[0]?.type).toBe("welcome");
    expect(of(frames, "error").map((e) => [e.code, e.message])).toEqual([
      ["type_refused", 'node type "teleport" came without a definition, and it is not built into this hub'],
    ]);
    expect(r.closesOf(c)).toEqual([]);
    expect(r.store.workers().map((w) => [w.id, w.nodeTypes, w.problems])).toEqual([
      ["w1", ["random"], ['node type "teleport" came without a definition, and it is not built into this hub']],
    ]);
  });

  it("HELLO-4: a second connection with the id of an open one is refused with 4007; the first keeps its work", () => {
    const r = room();
    pipeline(r);
    const first = r.hello("w1");
    first.take();
    const second = r.hello("w1");
    expect(errors(second.take())).toEqual([["duplicate_worker", undefined]]);
    expect(r.closesOf(second)).toEqual([[4007, "worker id w1 is already connected; give each worker its own --id"]]);
    expect(second.workerId).toBeUndefined();
    expect(first.take()).toEqual([]);
    expect(r.store.workers().map((w) => w.link)).toEqual([{ kind: "connected", connId: first.id }]);
    // The refused connection's close event changes nothing.
    r.disconnect(second);
    expect(r.placement()).toEqual({ sink: "w1", src: "w1" });
  });

  it("HELLO-4: the same id after the first connection died is accepted and resumes the same epochs", () => {
    const r = room();
    pipeline(r);
    const first = r.hello("w1");
    const epochs = of(first.take(), "assign").map((a) => [a.nodeId, a.epoch]);
    r.open.delete(first.id); // dead, but the room has not heard the close yet
    const second = r.hello("w1");
    const frames = second.take();
    expect(frames[0]?.type).toBe("welcome");
    expect(of(frames, "assign").map((a) => [a.nodeId, a.epoch])).toEqual(epochs);
    expect(of(frames, "unassign")).toEqual([]);
    // The late close event of the dead connection does not drop the worker.
    r.disconnect(first);
    expect(r.placement()).toEqual({ sink: "w1", src: "w1" });
    expect(second.take()).toEqual([]);
  });
});

describe("frames (FRAME-*)", () => {
  it("FRAME-2/FRAME-4: bad JSON, an unknown type, a bad field and an unknown field each get their own error", () => {
    const r = room();
    const c = r.hello("w1");
    c.take();
    r.frame(c, "{nope");
    r.frame(c, { type: "teleport" });
    r.frame(c, { type: "heartbeat", load: -1, processes: [] });
    r.frame(c, { type: "heartbeat", load: 0, processes: [], extra: 1 });
    const frames = of(c.take(), "error");
    expect(frames.map((e) => e.code)).toEqual(["invalid_json", "unknown_frame_type", "invalid_frame", "invalid_frame"]);
    expect(frames[1]!.message).toBe('unknown frame type "teleport"');
    expect(frames[2]!.message).toMatch(/^heartbeat: load: /);
    expect(frames[3]!.message).toMatch(/^heartbeat: .*"extra"/);
    expect(r.closes).toEqual([]);
  });

  it("FRAME-3: invalid frames change nothing (not even liveness); the 20th closes the connection with 4000", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    c.take();
    const before = JSON.stringify([r.store.workers(), r.assignments(), r.core.status()]);
    for (let i = 0; i < LIMITS.maxInvalidFrames - 1; i++) {
      r.now += 300;
      r.frame(c, { type: "heartbeat", load: 5, processes: "all" });
    }
    expect(r.closes).toEqual([]);
    r.now = T0;
    expect(JSON.stringify([r.store.workers(), r.assignments(), r.core.status()])).toBe(before);
    r.frame(c, "][");
    expect(r.closesOf(c)).toEqual([[4000, "20 invalid frames; last: invalid_json"]]);
  });

  it("FRAME-1: a frame over 1 MiB gets frame_too_large and close 4009", () => {
    const r = room();
    const c = r.hello("w1");
    c.take();
    r.frame(c, JSON.stringify({ type: "heartbeat", load: 0, processes: [], pad: "x".repeat(LIMITS.maxFrameBytes) }));
    expect(errors(c.take())).toEqual([["frame_too_large", undefined]]);
    expect(r.closesOf(c).map(([code]) => code)).toEqual([4009]);
  });
});

// ---- scheduling ------------------------------------------------------------------------------------

describe("placement (SCHED-2)", () => {
  it("SCHED-2: processes go to the least loaded worker, counting load from other graphs, ties by id", () => {
    const r = room();
    r.hello("w1", { load: 2 });
    r.hello("w2", { load: 0 });
    r.setGraph((g) => {
      g.nodes = ["n1", "n2", "n3", "n4"].map((id) => node(id, "random"));
    });
    // n1 → w2 (0 < 2), n2 → w2 (1 < 2), n3 → w1 (2 = 2, by id), n4 → w2 (2 < 3).
    expect(r.placement()).toEqual({ n1: "w2", n2: "w2", n3: "w1", n4: "w2" });
  });

  it("SCHED-2: never past capacity; the rest is pending with a reason until a new worker takes it", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("a", "random"), node("b", "random")];
    });
    expect(r.status("a")).toMatchObject({
      state: "pending",
      reason: "no live worker is connected to this graph; start one with `weft worker`",
    });
    r.hello("w1", { capacity: 1 });
    expect(r.placement()).toEqual({ a: "w1" });
    expect(r.status("b")).toMatchObject({
      state: "pending",
      reason: "every eligible worker is at capacity; add a worker or raise --capacity",
    });
    const c2 = r.hello("w2", { capacity: 1 });
    expect(of(c2.take(), "assign").map((a) => a.nodeId)).toEqual(["b"]);
    expect(r.placement()).toEqual({ a: "w1", b: "w2" });
    expect(r.status("b").state).toBe("assigned");
  });

  it("SCHED-2: a node needing a label or a type no worker has is pending until such a worker comes", () => {
    const r = room();
    r.hello("w1", { types: ["random"] });
    r.setGraph((g) => {
      g.nodes = [node("gpu", "random", {}, { labels: ["gpu"] }), node("sink", "log")];
    });
    expect(r.status("gpu")).toMatchObject({ state: "pending", reason: "no live worker has label gpu" });
    expect(r.status("sink")).toMatchObject({ state: "pending", reason: 'no live worker can run node type "log"' });
    r.hello("w2", { labels: ["gpu"], types: ["random", "log"] });
    expect(r.placement()).toEqual({ gpu: "w2", sink: "w2" });
  });
});

describe("fencing (SCHED-3)", () => {
  it("SCHED-3: a publish with a stale epoch gets stale_epoch (ref = seq), is not stored, and is fenced", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    c.take();
    const epoch = r.epochOf("src");
    r.publish(c, "src", [msg("m1")], { epoch: epoch + 7, seq: 42 });
    const frames = c.take();
    expect(errors(frames)).toEqual([["stale_epoch", 42]]);
    expect(of(frames, "unassign")).toEqual([
      { type: "unassign", nodeId: "src", epoch: epoch + 7, reason: expect.stringMatching(/stale epoch/) },
    ]);
    expect(of(frames, "published")).toEqual([]);
    expect(r.depth("src-sink")).toBe(0);
    expect(r.assignment("src")?.epoch).toBe(epoch);
  });

  it("SCHED-3: an ack with a stale epoch, or from a worker that does not hold the node, is refused and fenced", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    const other = r.hello("w2");
    c.take();
    other.take();
    r.ack(c, "sink", [1], r.epochOf("sink") - 1);
    expect(errors(c.take())).toEqual([["stale_epoch", undefined]]);
    r.publish(other, "src", [msg("m1")], { seq: 3 });
    const frames = other.take();
    expect(errors(frames)).toEqual([["stale_epoch", 3]]);
    expect(of(frames, "unassign").map((u) => [u.nodeId, u.epoch])).toEqual([["src", r.epochOf("src")]]);
    // The real holder is not disturbed.
    expect(r.placement()).toEqual({ sink: "w1", src: "w1" });
  });

  it("SCHED-3: a heartbeat reporting a process the worker does not hold gets not_assigned and an unassign", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    const other = r.hello("w2");
    c.take();
    r.beat(other, [report("src", r.epochOf("src")), report("ghost", 9), report("old", 1, { state: "stopped" })]);
    const frames = other.take();
    expect(of(frames, "error").map((e) => [e.code, e.message])).toEqual([
      ["not_assigned", `nodes src epoch ${r.epochOf("src")}, ghost epoch 9 are not assigned to you`],
    ]);
    expect(of(frames, "unassign").map((u) => [u.nodeId, u.epoch])).toEqual([
      ["src", r.epochOf("src")],
      ["ghost", 9],
    ]);
    // The foreign report is not kept: status shows the holder's numbers.
    r.beat(c, [report("src", r.epochOf("src"), { out: 3 })]);
    r.beat(other, [report("src", r.epochOf("src"), { out: 1000 })]);
    expect(r.status("src")).toMatchObject({ workerId: "w1", out: 3 });
  });

  it("SCHED-3: a heartbeat listing 10,000 processes it does not hold gets one error and a bounded number of unassigns", () => {
    const r = room();
    const c = r.hello("w1");
    c.take();
    r.beat(
      c,
      Array.from({ length: 10_000 }, (_, i) => report(`ghost${i}`, i + 1)),
    );
    const frames = c.take();
    expect(of(frames, "error").map((e) => e.message)).toEqual([
      "nodes ghost0 epoch 1, ghost1 epoch 2, ghost2 epoch 3 and 9997 more are not assigned to you",
    ]);
    expect(of(frames, "unassign")).toHaveLength(MAX_FENCES_PER_REPORT);
    expect(frames.length).toBeLessThanOrEqual(MAX_FENCES_PER_REPORT + 1);
  });
});

describe("graceful stops (SCHED-6)", () => {
  it("SCHED-6: a params edit unassigns; publishes of the stopping epoch are still accepted; re-placed once stopped", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    c.take();
    const old = r.epochOf("src");
    r.setGraph((g) => {
      g.nodes[0]!.params = { intervalMs: 7 };
    });
    expect(of(c.take(), "unassign")).toEqual([
      { type: "unassign", nodeId: "src", epoch: old, reason: "params changed; restarting" },
    ]);
    expect(r.status("src")).toMatchObject({ state: "stopping", workerId: "w1" });
    r.pass(5000);
    expect(r.assignment("src")).toBeUndefined();
    // The stopping process flushes what it emitted: stored, confirmed and delivered.
    r.publish(c, "src", [msg("last")], { epoch: old, seq: 9 });
    const flushed = c.take();
    expect(of(flushed, "published")).toEqual([{ type: "published", seq: 9 }]);
    expect(of(flushed, "deliver").map((d) => d.messages.map((m) => m.id))).toEqual([["last"]]);
    expect(errors(flushed)).toEqual([]);
    // A running report of the stopping epoch does not end the stop; `stopped` does.
    r.state(c, "src", old, "running");
    expect(r.assignment("src")).toBeUndefined();
    r.finishStops(c);
    const assigns = of(c.take(), "assign");
    expect(assigns.map((a) => [a.nodeId, a.params])).toEqual([["src", { intervalMs: 7 }]]);
    expect(assigns[0]!.epoch).toBeGreaterThan(old);
    // The old epoch is now stale.
    r.publish(c, "src", [msg("late")], { epoch: old, seq: 10 });
    expect(errors(c.take())).toEqual([["stale_epoch", 10]]);
  });

  it("SCHED-6: a stopping process is judged by what it started with: its flush on a port the new type lacks is accepted", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("sink", "log"), node("other", "log")];
      g.edges = [edge("src", "sink")];
    });
    const c = r.hello("w1");
    const old = r.epochOf("src");
    c.take();
    // The node becomes a log (no outputs): its random process stops, flushing what it emitted on "out".
    r.setGraph((g) => {
      g.nodes = [node("src", "log"), node("sink", "log"), node("other", "log")];
    });
    expect(of(c.take(), "unassign").map((u) => [u.nodeId, u.epoch])).toEqual([["src", old]]);
    r.publish(c, "src", [msg("flushed")], { epoch: old, seq: 9 });
    expect(c.take()).toEqual([{ type: "published", seq: 9 }]);
  });

  it("SCHED-6: a process that never reports stopped is placed again after STOP_TIMEOUT_MS, fenced once more", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    const old = r.epochOf("src");
    r.setGraph((g) => {
      g.nodes[0]!.params = { intervalMs: 8 };
    });
    c.take();
    r.pass(STOP_TIMEOUT_MS - 1);
    expect(r.assignment("src")).toBeUndefined();
    expect(r.status("src").state).toBe("stopping");
    r.now += 1;
    r.alarm();
    const frames = c.take();
    expect(of(frames, "unassign").map((u) => [u.nodeId, u.epoch])).toEqual([["src", old]]);
    expect(of(frames, "assign").map((a) => [a.nodeId, a.params])).toEqual([["src", { intervalMs: 8 }]]);
    expect(r.status("src").state).toBe("assigned");
  });
});

describe("crash backoff (SCHED-7)", () => {
  it("SCHED-7: a crash unassigns; restarts come after 1 s, 2 s, 4 s … capped at 60 s; status shows why", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random")];
    });
    const c = r.hello("w1");
    const waits = [1, 2, 4, 8, 16, 32, 60, 60];
    for (const [i, seconds] of waits.entries()) {
      const epoch = r.epochOf("src");
      c.take();
      r.state(c, "src", epoch, "crashed", { lastError: `boom ${i + 1}` });
      expect(of(c.take(), "unassign")).toEqual([{ type: "unassign", nodeId: "src", epoch, reason: "crashed" }]);
      const times = i === 0 ? "1 time" : `${i + 1} times`;
      expect(r.status("src")).toMatchObject({
        state: "crashed",
        lastError: `boom ${i + 1}`,
        reason: `crashed ${times}; restarting in ${seconds} s`,
      });
      expect(r.core.wakeAt()).toBe(r.now + Math.min(2000, seconds * 1000));
      r.pass(seconds * 1000 - 1);
      expect(r.assignment("src")).toBeUndefined();
      r.pass(1);
      expect(r.assignment("src")?.epoch).toBeGreaterThan(epoch);
    }
  });

  it("SCHED-7: editing the params resets the backoff and restarts at once", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random")];
    });
    const c = r.hello("w1");
    for (let i = 0; i < 3; i++) {
      r.state(c, "src", r.epochOf("src"), "crashed", { lastError: "boom" });
      r.pass(2 ** i * 1000);
    }
    r.state(c, "src", r.epochOf("src"), "crashed", { lastError: "boom" });
    expect(r.status("src").reason).toBe("crashed 4 times; restarting in 8 s");
    c.take();
    r.setGraph((g) => {
      g.nodes[0]!.params = { intervalMs: 3 };
    });
    expect(of(c.take(), "assign").map((a) => [a.nodeId, a.params])).toEqual([["src", { intervalMs: 3 }]]);
    r.state(c, "src", r.epochOf("src"), "crashed", { lastError: "boom" });
    expect(r.status("src").reason).toBe("crashed 1 time; restarting in 1 s");
  });

  it("SCHED-7: a process that runs 30 s after its restart resets the crash count", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random")];
    });
    const c = r.hello("w1");
    r.state(c, "src", r.epochOf("src"), "crashed", { lastError: "boom" });
    r.pass(1000);
    r.pass(29_000); // runs (and heartbeats) for 29 s: not enough
    r.state(c, "src", r.epochOf("src"), "crashed", { lastError: "boom" });
    expect(r.status("src").reason).toBe("crashed 2 times; restarting in 2 s");
    r.pass(2000);
    r.pass(30_000);
    r.state(c, "src", r.epochOf("src"), "crashed", { lastError: "boom" });
    expect(r.status("src").reason).toBe("crashed 1 time; restarting in 1 s");
  });

  it("SCHED-7: a crash of a stopping process just ends its stop", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    const old = r.epochOf("src");
    r.setGraph((g) => {
      g.nodes[0]!.params = { intervalMs: 4 };
    });
    c.take();
    r.state(c, "src", old, "crashed", { lastError: "died while flushing" });
    expect(of(c.take(), "assign").map((a) => a.nodeId)).toEqual(["src"]);
    expect(r.status("src").state).toBe("assigned");
  });
});

describe("liveness (SCHED-5)", () => {
  it("SCHED-5: the alarm comes every heartbeat interval while workers are connected, and not at all when idle", () => {
    const r = room();
    expect(r.alarm()).toBeNull();
    const waiting = r.connect();
    expect(r.alarm()).toBe(r.now + 2000);
    r.disconnect(waiting);
    const c = r.hello("w1");
    expect(r.core.wakeAt()).toBe(r.now + 2000);
    r.disconnect(c);
    expect(r.alarm()).toBeNull();
  });

  it("SCHED-5: when a worker's socket closes its processes are reassigned at once, with new epochs", () => {
    const r = room();
    pipeline(r);
    const c1 = r.hello("w1");
    const c2 = r.hello("w2");
    const epochs = { src: r.epochOf("src"), sink: r.epochOf("sink") };
    c2.take();
    r.disconnect(c1);
    const assigns = of(c2.take(), "assign");
    expect(assigns.map((a) => a.nodeId)).toEqual(["sink", "src"]);
    expect(assigns.every((a) => a.epoch > Math.max(epochs.src, epochs.sink))).toBe(true);
    expect(r.core.status().workers.map((w) => w.id)).toEqual(["w2"]);
  });

  it("SCHED-5: a worker silent for more than 6 s is closed with 4008 on the next alarm and its work moved", () => {
    const r = room();
    pipeline(r);
    const c1 = r.hello("w1");
    const c2 = r.hello("w2");
    r.muted.add(c1);
    c2.take();
    r.pass(6000);
    expect(r.closes).toEqual([]);
    expect(r.placement()).toEqual({ sink: "w1", src: "w1" });
    r.now += 1;
    r.alarm();
    expect(r.closesOf(c1)).toEqual([[4008, "no heartbeat for 6001 ms"]]);
    expect(of(c2.take(), "assign").map((a) => a.nodeId)).toEqual(["sink", "src"]);
    // Its late close event and any late frame change nothing more.
    r.disconnect(c1);
    r.beat(c1, []);
    expect(r.placement()).toEqual({ sink: "w2", src: "w2" });
  });
});

describe("rebalancing (SCHED-8)", () => {
  function loaded(config: RoomConfig, nodes: number) {
    const r = room(config);
    const c1 = r.hello("w1");
    r.setGraph((g) => {
      g.nodes = Array.from({ length: nodes }, (_, i) => node(`n${i + 1}`, "random"));
    });
    const c2 = r.hello("w2");
    c1.take();
    return { r, c1, c2 };
  }
  const count = (r: Room, workerId: string) => Object.values(r.placement()).filter((w) => w === workerId).length;

  it("SCHED-8: every rebalanceIntervalMs at most rebalanceMoves processes move, gracefully, until loads are even", () => {
    const { r, c1, c2 } = loaded({ ...DEFAULT_CONFIG, rebalanceMoves: 2, rebalanceIntervalMs: 10_000 }, 6);
    expect(count(r, "w1")).toBe(6);
    r.pass(9000);
    // Nothing moves before the interval (credit for the sources may come as the room's bucket refills).
    expect(c1.take().filter((f) => f.type !== "credit")).toEqual([]);
    r.pass(1000);
    const moves = of(c1.take(), "unassign");
    expect(moves.map((u) => u.reason)).toEqual(["rebalancing from w1 to w2", "rebalancing from w1 to w2"]);
    expect(of(c2.take(), "assign")).toEqual([]); // break before make
    r.finishStops(c1);
    expect(of(c2.take(), "assign")).toHaveLength(2);
    // 4 against 2: one more move evens them out.
    r.pass(10_000);
    expect(of(c1.take(), "unassign")).toHaveLength(1);
    r.finishStops(c1);
    expect([count(r, "w1"), count(r, "w2")]).toEqual([3, 3]);
    r.pass(30_000);
    expect(of(c1.take(), "unassign")).toEqual([]);
  });

  it("SCHED-8: the default moves one process per 30 s", () => {
    const { r, c1 } = loaded(DEFAULT_CONFIG, 4);
    r.pass(29_000);
    expect(of(c1.take(), "unassign")).toEqual([]);
    r.pass(1000);
    expect(of(c1.take(), "unassign")).toHaveLength(1);
    r.finishStops(c1);
    expect([count(r, "w1"), count(r, "w2")]).toEqual([3, 1]);
    r.pass(29_000);
    expect(of(c1.take(), "unassign")).toEqual([]);
    r.pass(1000);
    expect(of(c1.take(), "unassign")).toHaveLength(1);
    r.finishStops(c1);
    r.pass(60_000);
    expect(of(c1.take(), "unassign")).toEqual([]); // loads differ by no more than one
    expect([count(r, "w1"), count(r, "w2")]).toEqual([2, 2]);
  });

  it("SCHED-8: rebalanceMoves 0 never moves anything", () => {
    const { r, c1 } = loaded({ ...DEFAULT_CONFIG, rebalanceMoves: 0, rebalanceIntervalMs: 1000 }, 4);
    r.pass(120_000);
    expect(of(c1.take(), "unassign")).toEqual([]);
    expect(count(r, "w1")).toBe(4);
  });
});

describe("drain (DRAIN-*)", () => {
  it("DRAIN-1/DRAIN-2: a drain frame moves every process away after it stopped, then `drained` is sent once", () => {
    const r = room();
    pipeline(r);
    const c1 = r.hello("w1");
    const c2 = r.hello("w2");
    c1.take();
    c2.take();
    r.frame(c1, { type: "drain" });
    expect(of(c1.take(), "unassign").map((u) => [u.nodeId, u.reason])).toEqual([
      ["sink", "worker w1 is draining"],
      ["src", "worker w1 is draining"],
    ]);
    expect(r.core.status().workers.find((w) => w.id === "w1")?.draining).toBe(true);
    expect(c2.take()).toEqual([]); // break before make
    r.state(c1, "sink", c1.stops[0]!.epoch, "stopped");
    expect(of(c2.take(), "assign").map((a) => a.nodeId)).toEqual(["sink"]);
    expect(of(c1.take(), "drained")).toEqual([]);
    r.state(c1, "src", c1.stops[1]!.epoch, "stopped");
    expect(of(c2.take(), "assign").map((a) => a.nodeId)).toEqual(["src"]);
    expect(c1.take()).toEqual([{ type: "drained" }]);
    // Said once; and the draining worker gets no new work even while it is the least loaded.
    r.frame(c1, { type: "drain" });
    r.pass(5000);
    r.setGraph((g) => {
      g.nodes.push(node("more", "random"));
    });
    expect(c1.take()).toEqual([]);
    expect(r.placement()).toEqual({ more: "w2", sink: "w2", src: "w2" });
  });

  it("DRAIN-2: a draining worker that holds nothing is told `drained` at once; unknown workers cannot drain", () => {
    const r = room();
    const c = r.hello("w1");
    c.take();
    expect(r.core.drainWorker("w1")).toBe(true);
    expect(c.take()).toEqual([{ type: "drained" }]);
    expect(r.core.drainWorker("nobody")).toBe(false);
  });

  it("DRAIN-1: while the only connected worker is drained, pending says so (not that none is connected)", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    c.take();
    r.core.drainWorker("w1");
    for (const stop of c.stops.splice(0)) r.state(c, stop.nodeId, stop.epoch, "stopped");
    expect(r.status("src")).toMatchObject({
      state: "pending",
      reason: expect.stringMatching(/^the one connected worker is draining/),
    });
  });
});

// ---- brokering -------------------------------------------------------------------------------------

describe("delivery (DELIVERY-*)", () => {
  /** src (random, on w1) fans out to a and b (log, on w2). */
  function fanOut(edges?: (g: GraphExport) => void) {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "log"), node("b", "log")];
      g.edges = [edge("src", "a"), edge("src", "b")];
      edges?.(g);
    });
    const producer = r.hello("w1", { types: ["random"] });
    const consumer = r.hello("w2", { types: ["log"] });
    producer.take();
    consumer.take();
    return { r, producer, consumer };
  }

  /** src → a on one worker. */
  function chain(over: Partial<GraphEdge> = {}) {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "log")];
      g.edges = [{ ...edge("src", "a"), ...over }];
    });
    const c = r.hello("w1");
    c.take();
    return { r, c };
  }

  const ids = (n: number, prefix = "m") => Array.from({ length: n }, (_, i) => msg(`${prefix}${i}`));

  it("DELIVERY-1/DELIVERY-2: a publish is stored (one batch row for every edge) before `published`, then delivered on each edge", () => {
    const { r, producer, consumer } = fanOut();
    const atPublished: unknown[] = [];
    r.onSend = (_, frame) => {
      if (frame.type === "published") atPublished.push(r.queue.batches().map((b) => [b.edges, b.messages.length]));
    };
    r.publish(producer, "src", [msg("m1", 1), msg("m2", { n: 2 })], { seq: 5 });
    expect(atPublished).toEqual([[[["src-a", "src-b"], 2]]]);
    expect(producer.take()).toEqual([{ type: "published", seq: 5 }]);
    const delivers = of(consumer.take(), "deliver");
    expect(delivers.map((d) => [d.nodeId, d.edge, d.port, d.messages.map((m) => [m.id, m.value, m.attempt])])).toEqual([
      [
        "a",
        "src-a",
        "in",
        [
          ["m1", 1, undefined],
          ["m2", { n: 2 }, undefined],
        ],
      ],
      [
        "b",
        "src-b",
        "in",
        [
          ["m1", 1, undefined],
          ["m2", { n: 2 }, undefined],
        ],
      ],
    ]);
    expect(new Set(delivers.flatMap((d) => d.messages.map((m) => m.d))).size).toBe(4);
    // Acked on both edges, the batch row goes.
    for (const d of delivers)
      r.ack(
        consumer,
        d.nodeId,
        d.messages.map((m) => m.d),
      );
    expect(r.queue.batches()).toEqual([]);
    expect([r.depth("src-a"), r.depth("src-b")]).toEqual([0, 0]);
  });

  it("DELIVERY-1: two edges into one input port are two channels, each delivered", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("s1", "random"), node("s2", "random"), node("a", "log")];
      g.edges = [edge("s1", "a"), edge("s2", "a")];
    });
    const c = r.hello("w1");
    c.take();
    r.publish(c, "s1", [msg("one")]);
    r.publish(c, "s2", [msg("two")]);
    expect(of(c.take(), "deliver").map((d) => [d.edge, d.messages.map((m) => m.id)])).toEqual([
      ["s1-a", ["one"]],
      ["s2-a", ["two"]],
    ]);
  });

  it("DELIVERY-2: a batch sent again (lost `published`) is answered and stored once, by its message ids", () => {
    const { r, c } = chain();
    r.publish(c, "src", [msg("m1"), msg("m2")], { seq: 1 });
    r.publish(c, "src", [msg("m1"), msg("m2")], { seq: 1 });
    expect(of(c.take(), "published").map((p) => p.seq)).toEqual([1, 1]);
    expect(r.depth("src-a")).toBe(2);
    // A different batch overlapping it is stored (at least once: duplicates are allowed, losses are not).
    r.publish(c, "src", [msg("m2"), msg("m3")], { seq: 2 });
    expect(r.depth("src-a")).toBe(4);
  });

  it(`DELIVERY-3: at most ${BROKER.deliveryWindow} un-acked deliveries per channel, in order, in frames of at most 1,000; an ack frees the window`, () => {
    const { r, c } = chain();
    const all = [...ids(1000), ...ids(1000, "n"), ...ids(700, "o")];
    for (let i = 0; i < 3; i++) r.publish(c, "src", all.slice(i * 1000, (i + 1) * 1000), { seq: i + 1 });
    const first = of(c.take(), "deliver");
    expect(first.map((d) => d.messages.length)).toEqual([1000, 1000]);
    expect(r.edge("src-a")).toMatchObject({ depth: 2700, inflight: 2000 });
    r.ack(
      c,
      "a",
      first[0]!.messages.slice(0, 150).map((m) => m.d),
    );
    const next = of(c.take(), "deliver");
    expect(next.flatMap((d) => d.messages.map((m) => m.id))).toEqual(all.slice(2000, 2150).map((m) => m.id));
    expect(r.edge("src-a")).toMatchObject({ depth: 2550, inflight: 2000 });
  });

  it("DELIVERY-3/FRAME-1: a backlog is split so no deliver frame passes 1 MiB", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "log")];
      g.edges = [edge("src", "a")];
    });
    const producer = r.hello("w1", { types: ["random"] });
    const big = (i: number) => msg(`big${i}`, "x".repeat(200_000));
    r.publish(producer, "src", [big(0), big(1), big(2)], { seq: 1 });
    r.publish(producer, "src", [big(3), big(4), big(5)], { seq: 2 });
    expect(of(producer.take(), "published")).toHaveLength(2);
    const consumer = r.hello("w2", { types: ["log"] });
    const delivers = of(consumer.take(), "deliver");
    expect(delivers.length).toBeGreaterThan(1);
    expect(delivers.flatMap((d) => d.messages.map((m) => m.id))).toEqual([0, 1, 2, 3, 4, 5].map((i) => `big${i}`));
    for (const frame of delivers) expect(JSON.stringify(frame).length).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
  });

  it("DELIVERY-4: when the consumer's worker closes, its un-acked deliveries go again, in order, to the next holder", () => {
    const { r, producer, consumer } = fanOut();
    r.publish(producer, "src", [msg("m1"), msg("m2"), msg("m3")]);
    const delivered = of(consumer.take(), "deliver").find((d) => d.nodeId === "a")!;
    r.ack(consumer, "a", [delivered.messages[0]!.d]);
    const next = r.hello("w3", { types: ["log"] });
    next.take();
    r.disconnect(consumer);
    const again = of(next.take(), "deliver");
    expect(again.map((d) => [d.nodeId, d.epoch, d.messages.map((m) => m.id)])).toEqual([
      ["a", r.epochOf("a"), ["m2", "m3"]],
      ["b", r.epochOf("b"), ["m1", "m2", "m3"]],
    ]);
    // New delivery ids: an ack of an old one changes nothing.
    const old = new Set(delivered.messages.map((m) => m.d));
    expect(again.flatMap((d) => d.messages).some((m) => old.has(m.d))).toBe(false);
    expect(r.placement()).toEqual({ a: "w3", b: "w3", src: "w1" });
  });

  it("DELIVERY-4: deliveries of a worker presumed dead go again to the next holder", () => {
    const { r, producer, consumer } = fanOut();
    r.publish(producer, "src", [msg("m1")]);
    const next = r.hello("w3", { types: ["log"] });
    r.muted.add(consumer);
    next.take();
    r.pass(7000);
    expect(r.closesOf(consumer).map(([code]) => code)).toEqual([4008]);
    expect(of(next.take(), "deliver").map((d) => [d.nodeId, d.messages.map((m) => m.id)])).toEqual([
      ["a", ["m1"]],
      ["b", ["m1"]],
    ]);
  });

  it("DELIVERY-5: a message whose JSON is over 256 KiB is rejected by id; the rest of its batch is stored", () => {
    const { r, producer } = fanOut();
    // The limit counts the whole message's JSON: id, ts and the quoted value.
    const envelope = JSON.stringify(msg("fit1", "")).length;
    const fits = "x".repeat(LIMITS.maxMessageBytes - envelope);
    r.publish(producer, "src", [msg("fit1", fits)], { seq: 1 });
    expect(producer.take()).toEqual([{ type: "published", seq: 1 }]);
    r.publish(producer, "src", [msg("small"), msg("big1", `${fits}x`)], { seq: 2 });
    const [published] = of(producer.take(), "published");
    expect(published?.rejected).toEqual([
      {
        id: "big1",
        code: "message_too_large",
        message: `message big1 is 262145 bytes; the limit is ${LIMITS.maxMessageBytes}`,
      },
    ]);
    expect([r.depth("src-a"), r.depth("src-b")]).toEqual([2, 2]);
  });

  it("DELIVERY-5: the 256 KiB limit counts UTF-8 bytes of the message JSON, not UTF-16 characters", () => {
    const { r, producer } = fanOut();
    const envelope = JSON.stringify(msg("u", "")).length;
    // "é" is one UTF-16 unit and two UTF-8 bytes.
    r.publish(producer, "src", [msg("u", "é".repeat(Math.ceil((LIMITS.maxMessageBytes - envelope) / 2) + 1))], {
      seq: 1,
    });
    expect(of(producer.take(), "published")[0]?.rejected?.map((x) => x.code)).toEqual(["message_too_large"]);
  });

  it("DELIVERY-5: a publish to a port the node does not have gets unknown_port", () => {
    const { r, producer } = fanOut();
    r.publish(producer, "src", [msg("m")], { seq: 4, port: "sideways" });
    expect(errors(producer.take())).toEqual([["unknown_port", 4]]);
  });

  it("DELIVERY-6: a nack counts an attempt and the message goes again first; after maxAttempts it is dead-lettered with the error", () => {
    const { r, c } = chain({ maxAttempts: 3 });
    r.publish(c, "src", [msg("poison"), msg("ok")]);
    let frame = of(c.take(), "deliver")[0]!;
    r.ack(c, "a", [frame.messages[1]!.d]);
    for (let attempt = 1; attempt <= 3; attempt++) {
      const poison = frame.messages[0]!;
      expect([poison.id, poison.attempt ?? 1]).toEqual(["poison", attempt]);
      r.frame(c, {
        type: "nack",
        nodeId: "a",
        epoch: r.epochOf("a"),
        deliveries: [poison.d],
        error: `boom ${attempt}`,
      });
      const next = of(c.take(), "deliver");
      if (attempt < 3) frame = next[0]!;
      else expect(next).toEqual([]);
    }
    expect(r.edge("src-a")).toMatchObject({ depth: 0, deadLetters: 1 });
    const [dead] = r.core.broker.deadLetters("src-a", 0, 10);
    expect(dead).toMatchObject({
      edge: "src-a",
      attempts: 3,
      error: expect.stringMatching(/^failed 3 times .*boom 3$/),
    });
    expect(JSON.parse(dead!.msg)).toMatchObject({ id: "poison" });
    expect(r.queue.batches()).toEqual([]);
    // Replayed, it goes again with its attempts reset; purged, it is gone.
    expect(r.core.broker.replay("src-a", [dead!.id])).toEqual({ replayed: 1, left: 0 });
    const replayed = of(c.take(), "deliver")[0]!.messages[0]!;
    expect([replayed.id, replayed.attempt]).toEqual(["poison", undefined]);
    r.frame(c, { type: "nack", nodeId: "a", epoch: r.epochOf("a"), deliveries: [replayed.d], error: "again" });
    expect(r.edge("src-a").depth).toBe(1);
  });

  it("DELIVERY-6: a nack for an unknown delivery gets unknown_delivery naming it; nothing changes", () => {
    const { r, c } = chain();
    r.frame(c, { type: "nack", nodeId: "a", epoch: r.epochOf("a"), deliveries: [424242], error: "x" });
    const [error] = of(c.take(), "error");
    expect(error).toMatchObject({ code: "unknown_delivery", message: expect.stringContaining("424242") });
    expect(r.closesOf(c)).toEqual([]);
  });

  it("DELIVERY-6: a delivery not acked within the ack timeout goes again, counting an attempt", () => {
    const { r, c } = chain();
    r.publish(c, "src", [msg("slow")]);
    const first = of(c.take(), "deliver")[0]!.messages[0]!;
    r.pass(BROKER.ackTimeoutMs + 1000);
    const again = of(c.take(), "deliver").flatMap((d) => d.messages);
    expect(again.map((m) => [m.id, m.attempt])).toEqual([["slow", 2]]);
    // The late ack of the first delivery is ignored; the second delivery's ack finishes it.
    r.ack(c, "a", [first.d]);
    expect(r.depth("src-a")).toBe(1);
    r.ack(c, "a", [again[0]!.d]);
    expect(r.depth("src-a")).toBe(0);
  });

  it("DELIVERY-4: a consumer still acknowledging on an edge keeps its window's leases; one that stops has them expire", () => {
    const { r, c } = chain();
    r.publish(c, "src", [msg("m1"), msg("m2"), msg("m3")]);
    const [m1, m2] = of(c.take(), "deliver")[0]!.messages;
    // A slow consumer: one ack every 20 s, the window older than the ack timeout — nothing goes again.
    r.pass(20_000);
    r.ack(c, "a", [m1!.d]);
    r.pass(20_000);
    r.ack(c, "a", [m2!.d]);
    r.pass(BROKER.ackTimeoutMs - 1000);
    expect(of(c.take(), "deliver")).toEqual([]);
    // Then it makes no progress for the ack timeout: the last one goes again, counting an attempt.
    r.pass(2000);
    const again = of(c.take(), "deliver").flatMap((d) => d.messages);
    expect(again.map((m) => [m.id, m.attempt])).toEqual([["m3", 2]]);
  });

  it("DELIVERY-4: a delivery the consumer went past without an ack expires even while it acks others", () => {
    const { r, c } = chain();
    r.publish(c, "src", [msg("m1")]);
    const [m1] = of(c.take(), "deliver")[0]!.messages;
    r.publish(c, "src", [msg("m2")]);
    const [m2] = of(c.take(), "deliver")[0]!.messages;
    // m1 is skipped (never acked), m2 acked: progress, but past m1.
    r.pass(20_000);
    r.ack(c, "a", [m2!.d]);
    r.pass(BROKER.ackTimeoutMs - 19_000);
    const again = of(c.take(), "deliver").flatMap((d) => d.messages);
    expect(again.map((m) => [m.id, m.attempt])).toEqual([[m1!.id, 2]]);
  });

  it("DELIVERY-7: the producer gets credit for the free room downstream; at the limit none, resuming at half", () => {
    const { r, c } = chain({ maxDepth: 100 });
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "log", {}, { disabled: true })];
    });
    const credit = (frames: RoomFrame[]) => dataCredits(frames).map((f) => [f.nodeId, f.port, f.messages]);
    // The consumer is stopped; its stop is reported.
    r.finishStops(c);
    c.take();
    for (let i = 0; i < 10; i++) r.publish(c, "src", ids(10, `b${i}-`), { seq: i + 1 });
    expect(r.edge("src-a")).toMatchObject({ depth: 100, paused: true });
    expect(credit(c.take())).toEqual([]);
    // One batch past the credit is allowed (the producer may overshoot by the batch it started within);
    // past that slack a publish is refused whole.
    r.publish(c, "src", ids(LIMITS.maxBatchMessages, "x"), { seq: 98 });
    r.publish(c, "src", [msg("over")], { seq: 99 });
    expect(errors(c.take())).toEqual([["channel_full", 99]]);
    expect(r.depth("src-a")).toBe(1100);
    // The consumer comes back and acks: once under half, the producer gets credit again.
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "log")];
    });
    const delivered = of(c.take(), "deliver").flatMap((d) => d.messages);
    expect(delivered).toHaveLength(1100);
    r.ack(
      c,
      "a",
      delivered.slice(0, 1040).map((m) => m.d),
    );
    expect(credit(c.take())).toEqual([]);
    r.ack(
      c,
      "a",
      delivered.slice(1040, 1050).map((m) => m.d),
    );
    // Received so far 1,100; free room 50.
    expect(credit(c.take())).toEqual([["src", "out", 1100 + 50]]);
    expect(r.edge("src-a").paused).toBe(false);
  });

  it("DELIVERY-7: each new assignment gets credit for every output; a port no edge leaves has unlimited credit", () => {
    const r = room({ ...DEFAULT_CONFIG, maxRate: 0 });
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("lonely", "random"), node("a", "log")];
      g.edges = [edge("src", "a")];
    });
    const c = r.hello("w1");
    const frames = c.take();
    const credits = dataCredits(frames);
    expect(credits.map((f) => [f.nodeId, f.port, f.messages])).toEqual([
      ["lonely", "out", Number.MAX_SAFE_INTEGER],
      ["src", "out", BROKER.maxDepth],
    ]);
    // Every node has an error output (ERROR-1); unwired, its credit is unlimited.
    expect(
      of(frames, "credit")
        .filter((f) => f.port === "error")
        .map((f) => [f.nodeId, f.messages]),
    ).toEqual([
      ["a", Number.MAX_SAFE_INTEGER],
      ["lonely", Number.MAX_SAFE_INTEGER],
      ["src", Number.MAX_SAFE_INTEGER],
    ]);
    expect(credits.find((f) => f.nodeId === "src")?.bytes).toBe(BROKER.maxBytes);
  });

  it("DELIVERY-7: with a room rate, credit is paid from a token bucket; held-back producers get more as it refills", () => {
    const r = room({ ...DEFAULT_CONFIG, maxRate: 4000 });
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("lonely", "random"), node("a", "log")];
      g.edges = [edge("src", "a")];
    });
    const c = r.hello("w1");
    const first = dataCredits(c.take()).map((f) => [f.nodeId, f.messages]);
    // The bucket holds 2,000 (a quarter second, at least two batches): the unwired port gets one batch of it.
    expect(first).toEqual([
      ["lonely", 1000],
      ["src", 1000],
    ]);
    r.publish(c, "src", ids(1000));
    // A refill is due once the bucket holds a twentieth of a second's worth (4000 / 20 = 200 tokens).
    expect(r.core.broker.refillAt()).toBe(r.now + 50);
    r.now += 250;
    r.core.broker.refill();
    // Only the producer that used its credit is granted more; the idle one hoards nothing.
    expect(dataCredits(c.take()).map((f) => [f.nodeId, f.messages])).toEqual([["src", 2000]]);
    // Until the bucket refills, nothing more.
    r.publish(c, "src", ids(1000, "n"), { seq: 2 });
    r.core.broker.refill();
    expect(dataCredits(c.take())).toEqual([]);
  });

  it("DELIVERY-7: producers held back by the room rate share each refill equally; a busy one cannot starve another", () => {
    const r = room({ ...DEFAULT_CONFIG, maxRate: 4000 });
    r.setGraph((g) => {
      g.nodes = [node("busy", "random"), node("slow", "random"), node("a", "log"), node("b", "log")];
      g.edges = [edge("busy", "a"), edge("slow", "b")];
    });
    const c = r.hello("w1");
    const granted = () => Object.fromEntries(dataCredits(c.take()).map((f) => [f.nodeId, f.messages]));
    // The first grant empties the bucket (2,000); the second producer waits for a refill.
    expect(granted()).toEqual({ busy: 2000, slow: 0 });
    // The busy one uses all of its credit and publishes again and again while tokens trickle in: it takes
    // nothing ahead of the one already waiting.
    r.publish(c, "busy", ids(1000), { seq: 1 });
    r.publish(c, "busy", ids(1000, "n"), { seq: 2 });
    r.now += 100;
    r.publish(c, "busy", [], { seq: 3 });
    expect(granted()).toEqual({});
    r.now += 150;
    r.core.broker.refill();
    // A quarter second at 4,000/s is 1,000 tokens, split between the two.
    expect(granted()).toEqual({ slow: 500, busy: 2500 });
    expect(r.core.broker.refillAt()).not.toBeNull();
  });

  it("DELIVERY-2: a batch the room cannot store gets storage_failed and is not queued; sent again, it is accepted", () => {
    const { r, c } = chain();
    r.queue.failOn.add("insertBatch");
    r.publish(c, "src", [msg("m1")], { seq: 1 });
    expect(errors(c.take())).toEqual([["storage_failed", 1]]);
    expect(r.depth("src-a")).toBe(0);
    r.publish(c, "src", [msg("m1")], { seq: 1 });
    expect(of(c.take(), "published").map((p) => p.seq)).toEqual([1]);
    expect(r.depth("src-a")).toBe(1);
  });

  it("DELIVERY-6: replaying a page of large dead letters stores them in rows under 2 MB", () => {
    const { r, c } = chain({ maxAttempts: 1 });
    const big = "x".repeat(200 * 1024);
    for (let f = 0; f < 4; f++) {
      r.publish(
        c,
        "src",
        [0, 1, 2].map((i) => msg(`m${f}-${i}`, big)),
        { seq: f + 1 },
      );
      const delivered = of(c.take(), "deliver").flatMap((d) => d.messages);
      r.frame(c, {
        type: "nack",
        nodeId: "a",
        epoch: r.epochOf("a"),
        deliveries: delivered.map((m) => m.d),
        error: "no",
      });
    }
    expect(r.edge("src-a")).toMatchObject({ depth: 0, deadLetters: 12 });
    expect(r.core.broker.replay("src-a", "all")).toEqual({ replayed: 12, left: 0 });
    expect(r.depth("src-a")).toBe(12);
    const rows = r.queue.batches();
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(JSON.stringify(row.messages).length).toBeLessThan(2 * 1024 * 1024);
  });

  it("DELIVERY-8: removing an edge moves its queued messages to its dead letters with reason `edge removed`", () => {
    const { r, producer } = fanOut();
    r.publish(producer, "src", [msg("m1")]);
    r.setGraph((g) => {
      g.edges = g.edges.filter((e) => e.to !== "b");
    });
    expect(r.core.broker.edgeStatus().map((e) => [e.id, e.depth])).toEqual([["src-a", 1]]);
    const dead = r.core.broker.deadLetters("src-b", 0, 10);
    expect(dead.map((d) => [d.edge, JSON.parse(d.msg).id, d.error])).toEqual([["src-b", "m1", "edge removed"]]);
    expect(r.core.broker.replay("src-b", "all")).toEqual({ error: expect.stringContaining("not in the graph") });
    expect(r.core.broker.purge("src-b", "all")).toBe(1);
    expect(r.queue.batches().map((b) => b.edges)).toEqual([["src-a", "src-b"]]);
  });

  it("DELIVERY-10: a memory edge keeps messages out of SQLite up to its spill depth, then stores them", () => {
    const { r } = chain({ mode: "memory" });
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "log", {}, { disabled: true })];
    });
    const c = [...r.conns.values()][0]!;
    r.finishStops(c);
    r.publish(c, "src", ids(1000), { seq: 1 });
    expect(r.queue.batches()).toEqual([]);
    for (let i = 1; i < 6; i++) r.publish(c, "src", ids(1000, `p${i}-`), { seq: i + 1 });
    expect(r.queue.batches().map((b) => b.messages.length)).toEqual([1000]);
    expect(r.depth("src-a")).toBe(6000);
    // A restart loses what only memory held (DELIVERY-10's loss window) and keeps what spilled.
    r.restart({ socketsSurvive: true });
    expect(r.depth("src-a")).toBe(1000);
  });

  it("DELIVERY-2/DELIVERY-4: after a room restart stored messages are queued again, with attempts kept", () => {
    const { r, c } = chain();
    r.publish(c, "src", [msg("m1"), msg("m2")]);
    const [frame] = of(c.take(), "deliver");
    r.frame(c, { type: "nack", nodeId: "a", epoch: r.epochOf("a"), deliveries: [frame!.messages[0]!.d], error: "x" });
    r.restart({ socketsSurvive: true });
    expect(r.depth("src-a")).toBe(2);
    expect(r.core.broker.peek("src-a", 10)?.map((p) => [p.message.id, p.attempts])).toEqual([
      ["m1", 1],
      ["m2", 0],
    ]);
  });

  it("DELIVERY-3: messages published before the consumer is placed wait, and go out when it is assigned", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "log")];
      g.edges = [edge("src", "a")];
    });
    const producer = r.hello("w1", { types: ["random"] });
    r.publish(producer, "src", [msg("early")]);
    expect(r.status("a").state).toBe("pending");
    const consumer = r.hello("w2", { types: ["log"] });
    const frames = consumer.take();
    expect(frames.map((f) => f.type).filter((t) => t !== "credit")).toEqual(["welcome", "assign", "deliver"]);
    expect(of(frames, "deliver")[0]!.messages.map((m) => m.id)).toEqual(["early"]);
  });
});

// ---- room restarts (HELLO-4) ----------------------------------------------------------------------

describe("awaitReturningWorkers (HELLO-4)", () => {
  it("HELLO-4: after a room restart a worker saying hello within 6 s keeps its assignments, epochs and deliveries", () => {
    const r = room();
    pipeline(r);
    const before = r.hello("w1");
    r.publish(before, "src", [msg("m1")]);
    const epochs = r.assignments().map((a) => [a.nodeId, a.epoch]);
    r.restart();
    expect(r.status("src")).toMatchObject({ state: "assigned", reason: "waiting for worker w1 to reconnect" });
    expect(r.core.status().workers).toEqual([]);
    r.pass(6000);
    expect(r.assignments().map((a) => [a.nodeId, a.epoch])).toEqual(epochs);
    const back = r.hello("w1");
    const frames = back.take();
    expect(of(frames, "assign").map((a) => [a.nodeId, a.epoch])).toEqual(epochs);
    expect(of(frames, "unassign")).toEqual([]);
    expect(of(frames, "deliver").map((d) => d.messages.map((m) => m.id))).toEqual([["m1"]]);
    r.pass(10_000);
    expect(r.assignments().map((a) => [a.nodeId, a.epoch])).toEqual(epochs);
  });

  it("HELLO-4: an awaited worker takes no new work; one that does not return within 6 s is dropped", () => {
    const r = room();
    pipeline(r);
    r.hello("w1");
    const old = r.assignments().map((a) => a.epoch);
    r.restart();
    r.setGraph((g) => {
      g.nodes.push(node("extra", "random"));
    });
    expect(r.status("extra").state).toBe("pending");
    const other = r.hello("w2");
    expect(of(other.take(), "assign").map((a) => a.nodeId)).toEqual(["extra"]);
    r.pass(6000);
    expect(r.placement()).toEqual({ extra: "w2", sink: "w1", src: "w1" });
    r.now += 1;
    r.alarm();
    expect(r.closes).toEqual([]); // nothing to close: the socket is long gone
    expect(r.placement()).toEqual({ extra: "w2", sink: "w2", src: "w2" });
    const moved = of(other.take(), "assign");
    expect(moved.map((a) => a.nodeId)).toEqual(["sink", "src"]);
    expect(moved.every((a) => a.epoch > Math.max(...old))).toBe(true);
  });

  it("HELLO-4: a worker whose socket survived the restart is not awaited", () => {
    const r = room();
    pipeline(r);
    const c = r.hello("w1");
    // A hibernated Durable Object wakes with its sockets still open.
    r.restart({ socketsSurvive: true });
    expect(r.core.status().workers.map((w) => w.id)).toEqual(["w1"]);
    r.beat(c);
    expect(r.status("src")).toMatchObject({ state: "running", workerId: "w1" });
  });
});

// ---- seeded fuzz ----------------------------------------------------------------------------------

const FUZZ_RUNS = 40;
const FUZZ_STEPS = 80;

describe("seeded fuzz (each failure names its seed; replay with WEFT_SEED=<seed>)", () => {
  it.each(fuzzSeeds([20261130]))(
    "seed %i: SCHED-5/6/7/8, DRAIN-1, HELLO-4: a node never runs on two workers; well-behaved workers get no errors; all settles",
    (base) => {
      // WEFT_SEED=<n> replays exactly the run that failed; otherwise FUZZ_RUNS runs from each seed.
      const replay = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env.WEFT_SEED;
      const runs = replay ? 1 : FUZZ_RUNS;
      for (let run = 0; run < runs; run++) fuzzRun(base + run);
    },
  );
});

/**
 * Random joins, closes, silences, crashes, drains, edits, publishes and room restarts against fake workers
 * that behave (stop when told, report `stopped` within a few seconds, stop everything when their socket
 * closes). Label edits and edits while a worker is awaited back have their own regression tests below.
 */
function fuzzRun(seed: number): void {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(rand() * items.length)];
  const r = new Room({ ...DEFAULT_CONFIG, rebalanceMoves: 1, rebalanceIntervalMs: 5000 });
  const trail: string[] = [];
  const note = (detail: string) => {
    trail[trail.length - 1] += ` ${detail}`;
  };
  const fail = (why: string): never => {
    const conns = [...r.conns.values()].filter((c) => c.held.size + c.stops.length > 0);
    const held = conns.map(
      (c) => `${c.workerId}@${c.id} runs ${JSON.stringify([...c.held])} stops ${JSON.stringify(c.stops)}`,
    );
    const room = JSON.stringify({ assignments: r.assignments(), stopping: r.stopping() });
    throw new Error(`seed ${seed}: ${why}\nafter: ${trail.join(", ")}\nroom: ${room}\n${held.join("\n")}`);
  };
  r.setGraph((g) => {
    g.nodes = [
      node("n1", "random"),
      node("n2", "random"),
      node("n3", "factorize"),
      node("n4", "log"),
      node("n5", "log"),
      node("n6", "random"),
    ];
    g.edges = [edge("n1", "n3"), edge("n2", "n3"), edge("n3", "n4"), edge("n1", "n5"), edge("n6", "n4")];
  });
  const live = () => [...r.conns.values()].filter((c) => r.open.has(c.id) && c.workerId !== undefined);
  const workerIds = ["w1", "w2", "w3", "w4"];

  const stepWorkers = (forceStops: boolean) => {
    for (const conn of live()) {
      if (r.muted.has(conn)) continue;
      const done = conn.stops.filter((s) => forceStops || !s.flushing || r.now - s.since >= 3000 || rand() < 0.5);
      conn.stops = conn.stops.filter((s) => !done.includes(s));
      for (const s of done) r.state(conn, s.nodeId, s.epoch, "stopped");
      r.beat(conn);
    }
  };
  const pass = (ms: number, forceStops = false) => {
    for (let left = ms; left > 0; left -= 1000) {
      r.now += Math.min(1000, left);
      stepWorkers(forceStops);
      r.alarm();
      settle();
    }
  };
  /** A worker whose socket is gone stops everything it ran for this graph. */
  const settle = () => {
    for (const conn of r.conns.values()) {
      if (r.open.has(conn.id)) continue;
      conn.held.clear();
      conn.stops = [];
    }
  };
  const check = () => {
    const runs = new Map<string, string[]>();
    for (const conn of r.conns.values()) {
      const stopping = conn.stops.filter((s) => s.flushing && r.now - s.since < STOP_TIMEOUT_MS).map((s) => s.nodeId);
      for (const nodeId of [...conn.held.keys(), ...stopping]) runs.set(nodeId, [...(runs.get(nodeId) ?? []), conn.id]);
    }
    for (const [nodeId, conns] of runs) if (conns.length > 1) fail(`node ${nodeId} runs on ${conns.join(" and ")}`);
    const workers = new Map(r.store.workers().map((w) => [w.id, w]));
    for (const a of r.assignments()) {
      const w = workers.get(a.workerId) ?? fail(`${a.nodeId} is assigned to unknown worker ${a.workerId}`);
      if (w.link.kind !== "connected" || !r.open.has(w.link.connId)) continue;
      if (r.conns.get(w.link.connId)?.held.get(a.nodeId) !== a.epoch)
        fail(`${a.workerId} was not told it runs ${a.nodeId}`);
    }
    for (const conn of r.conns.values()) {
      const errors = of(conn.frames, "error");
      if (errors.length > 0) fail(`${conn.workerId} on ${conn.id} got ${JSON.stringify(errors[0])}`);
    }
  };

  const actions: Array<[weight: number, name: string, act: () => void]> = [
    [
      3,
      "hello",
      () => {
        const taken = new Set(live().map((c) => c.workerId));
        const id = pick(workerIds.filter((w) => !taken.has(w)));
        if (!id) return;
        const conn = r.hello(id, { capacity: 1 + Math.floor(rand() * 4) });
        note(`${id}@${conn.id}`);
      },
    ],
    [
      1,
      "close",
      () =>
        mapDefined(pick(live()), (c) => {
          note(c.id);
          r.disconnect(c);
        }),
    ],
    [
      1,
      "mute",
      () =>
        mapDefined(pick(live()), (c) => {
          note(c.id);
          if (r.muted.has(c)) r.muted.delete(c);
          else r.muted.add(c);
        }),
    ],
    [
      2,
      "edit",
      () =>
        r.setGraph((g) => {
          const n = pick(g.nodes)!;
          note(n.id);
          n.params = n.type === "random" ? { intervalMs: 1 + Math.floor(rand() * 3) } : {};
          if (n.type === "log") n.params = { prefix: pick(["", "a", "b"])! };
        }),
    ],
    [
      1,
      "disable",
      () =>
        r.setGraph((g) => {
          const n = pick(g.nodes)!;
          note(n.id);
          n.disabled = !n.disabled;
        }),
    ],
    [
      0.5,
      "running",
      () =>
        r.setGraph((g) => {
          g.running = !g.running;
        }),
    ],
    [
      2,
      "crash",
      () =>
        mapDefined(pick(live().filter((c) => c.held.size > 0 && !r.muted.has(c))), (c) => {
          const [nodeId, epoch] = pick([...c.held])!;
          note(`${nodeId}@${c.id}`);
          r.state(c, nodeId, epoch, "crashed", { lastError: "fuzz" });
        }),
    ],
    [
      0.5,
      "drain",
      () =>
        mapDefined(pick(live()), (c) => {
          note(c.id);
          r.frame(c, { type: "drain" });
        }),
    ],
    [
      2,
      "publish",
      () =>
        mapDefined(pick(live().filter((c) => !r.muted.has(c))), (c) => {
          const mine = [...c.held, ...c.stops.filter((s) => s.flushing).map((s) => [s.nodeId, s.epoch] as const)];
          const producer = pick(mine.filter(([nodeId]) => nodeId !== "n4" && nodeId !== "n5"));
          if (producer) r.publish(c, producer[0], [msg(`m${trail.length}`)], { epoch: producer[1], seq: trail.length });
        }),
    ],
    [
      2,
      "ack",
      () =>
        mapDefined(pick(live().filter((c) => !r.muted.has(c))), (c) => {
          const deliveries = of(c.frames, "deliver").filter((d) => c.held.get(d.nodeId) === d.epoch);
          const d = pick(deliveries);
          if (d)
            r.ack(
              c,
              d.nodeId,
              d.messages.map((m) => m.d),
              d.epoch,
            );
        }),
    ],
    [
      6,
      "pass",
      () => {
        const ms = 100 + Math.floor(rand() * 2900);
        note(`${ms}`);
        pass(ms);
      },
    ],
    [
      0.5,
      "restart",
      () => {
        const before = live();
        const survive = rand() < 0.3;
        r.restart({ socketsSurvive: survive });
        note(survive ? "hibernated" : "sockets lost");
        if (survive) return;
        for (const old of before) {
          if (rand() < 0.3) continue; // gone for good: settle() stops its processes
          // The worker reconnects at once, still running what it ran.
          const conn = r.connect();
          for (const [nodeId, epoch] of old.held) conn.held.set(nodeId, epoch);
          conn.stops = old.stops;
          old.held.clear();
          old.stops = [];
          r.frame(conn, helloFrame(old.workerId!, { capacity: 4 }));
          note(`${old.workerId}@${old.id}→${conn.id}`);
        }
      },
    ],
  ];
  const total = actions.reduce((sum, [w]) => sum + w, 0);
  for (let i = 0; i < FUZZ_STEPS; i++) {
    const [, name, act] = weighted(actions, rand() * total);
    trail.push(name);
    act();
    settle();
    check();
  }
  // Everything settles once a roomy worker is there, nobody is silent and the backoffs are over.
  r.muted.clear();
  r.setGraph((g) => {
    g.running = true;
  });
  if (!live().some((c) => c.workerId === "w9")) r.hello("w9", { capacity: 100 });
  pass(70_000, true);
  for (const conn of live()) r.finishStops(conn);
  check();
  const want = r.graph.nodes.filter((n) => !n.disabled).map((n) => n.id);
  const placed = r.placement();
  for (const nodeId of want)
    if (!placed[nodeId]) fail(`${nodeId} is not running at the end: ${r.status(nodeId).state}`);
}

/** The action whose share of the total weight holds `x`. */
function weighted<T extends [number, ...unknown[]]>(actions: readonly T[], x: number): T {
  let left = x;
  for (const action of actions) {
    left -= action[0];
    if (left < 0) return action;
  }
  return actions[actions.length - 1]!;
}

function mapDefined<T>(value: T | undefined, f: (value: T) => void): void {
  if (value !== undefined) f(value);
}

// ---- regressions: bugs found by these tests and fixed in core.ts -------------------------------------

describe("regressions", () => {
  it("SCHED-6: editing a node's labels so its worker no longer qualifies stops it there before placing it again", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random")];
    });
    const c1 = r.hello("w1");
    const c2 = r.hello("w2", { labels: ["gpu"] });
    c1.take();
    c2.take();
    const old = r.epochOf("src");
    r.setGraph((g) => {
      g.nodes[0]!.labels = ["gpu"];
    });
    // Today w2 gets `assign` at once and w1 is never told to stop: the node runs twice.
    expect(of(c1.take(), "unassign").map((u) => [u.nodeId, u.epoch])).toEqual([["src", old]]);
    expect(of(c2.take(), "assign")).toEqual([]);
  });

  it("SCHED-6/HELLO-4: editing a node whose worker is awaited back after a restart does not start it elsewhere at once", () => {
    const r = room();
    pipeline(r);
    r.hello("w1");
    const old = r.epochOf("src");
    r.restart();
    const other = r.hello("w2"); // reconnected first; w1 (still running src) is on its way back
    other.take();
    r.setGraph((g) => {
      g.nodes[0]!.params = { intervalMs: 6 };
    });
    // Today src goes to w2 at once while w1 still runs epoch `old`; w1 hears of it only when a heartbeat
    // of its gets not_assigned. Expected: src waits in `stopping` until w1 is back and reports stopped
    // (hello re-sends the unassign) or its grace period ends.
    expect(of(other.take(), "assign")).toEqual([]);
    expect(r.status("src").state).toBe("stopping");
    const back = r.hello("w1");
    expect(of(back.take(), "unassign").map((u) => [u.nodeId, u.epoch])).toEqual([["src", old]]);
  });

  it("DELIVERY-7/FRAME-3: channel_full is a refusal, not an invalid frame: a producer overrunning its credit is never closed", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "log", {}, { disabled: true })];
      g.edges = [{ ...edge("src", "a"), maxDepth: 10 }];
    });
    const c = r.hello("w1", { types: ["random"] });
    for (let seq = 1; seq <= 40; seq++) {
      r.publish(c, "src", [msg(`m${seq}`)].concat(Array.from({ length: 999 }, (_, i) => msg(`f${seq}-${i}`))), { seq });
      r.pass(1000);
    }
    expect(r.closesOf(c)).toEqual([]);
    expect(r.depth("src-a")).toBe(1000);
  });
});

/** Credit frames for data outputs (not the error port every node has). */
function dataCredits(frames: RoomFrame[]) {
  return of(frames, "credit").filter((f) => f.port !== "error");
}

/** A plugin's definition as a worker announces it. */
function pluginDef(type: string, version = "1.0.0", over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type,
    version,
    title: type,
    category: "plugin",
    description: `the ${type} plugin`,
    inputs: ["in"],
    outputs: ["out", "error"],
    params: { n: { type: "integer", title: "N", default: 1, min: 0 } },
    labels: [],
    ...over,
  };
}

describe("error ports (ERROR-*)", () => {
  function wired(errorTo: "own" | "catch" | "none") {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "factorize"), node("errs", "log"), node("c", "catch")];
      g.edges = [edge("src", "a")];
      if (errorTo === "own") g.edges.push({ id: "a-err", from: "a", fromPort: "error", to: "errs", toPort: "in" });
      if (errorTo === "catch") g.edges.push({ id: "c-errs", from: "c", fromPort: "out", to: "errs", toPort: "in" });
    });
    const c = r.hello("w1");
    c.take();
    return { r, c };
  }
  const nack = (r: Room, c: Conn, nodeId: string, d: number, error: string) =>
    r.frame(c, { type: "nack", nodeId, epoch: r.epochOf(nodeId), deliveries: [d], error });

  it("ERROR-1: a failed message goes to the node's wired error port at once, as { error, nodeId, port, message }", () => {
    const { r, c } = wired("own");
    r.publish(c, "src", [{ id: "m1", key: "k", value: -4, headers: { trace: "t1" }, ts: 5 }]);
    const first = of(c.take(), "deliver").find((f) => f.nodeId === "a")!.messages[0]!;
    nack(r, c, "a", first.d, "factorize needs a non-negative integer, got -4");
    const toErrs = of(c.take(), "deliver").filter((f) => f.nodeId === "errs");
    expect(toErrs.flatMap((f) => f.messages)).toEqual([
      expect.objectContaining({
        id: "m1!error1@a",
        key: "k",
        headers: { trace: "t1", "weft-error-depth": "1" },
        value: {
          error: "factorize needs a non-negative integer, got -4",
          nodeId: "a",
          port: "in",
          edge: "src-a",
          attempts: 1,
          message: { id: "m1", key: "k", value: -4, headers: { trace: "t1" }, ts: 5 },
        },
      }),
    ]);
    // It left its own edge: not retried, not dead-lettered; its row is gone once the error message is acked.
    expect(r.edge("src-a")).toMatchObject({ depth: 0, deadLetters: 0 });
    expect(r.edge("a-err")).toMatchObject({ depth: 1 });
    r.ack(c, "errs", [toErrs[0]!.messages[0]!.d]);
    expect(r.queue.batches()).toEqual([]);
  });

  it("ERROR-2: without an error wire, a graph's catch node receives it; catch runs on the hub", () => {
    const { r, c } = wired("catch");
    expect(r.status("c")).toMatchObject({ state: "running", workerId: null, reason: "runs on the hub" });
    expect(r.assignments().map((a) => a.nodeId)).not.toContain("c");
    r.publish(c, "src", [msg("m1", 7)]);
    const first = of(c.take(), "deliver").find((f) => f.nodeId === "a")!.messages[0]!;
    nack(r, c, "a", first.d, "boom");
    const caught = of(c.take(), "deliver")
      .filter((f) => f.nodeId === "errs")
      .flatMap((f) => f.messages);
    expect(caught.map((m) => [m.id, (m.value as { nodeId: string }).nodeId])).toEqual([["m1!error1@a", "a"]]);
    expect(r.edge("c-errs").depth).toBe(1);
  });

  it("ERROR-3: an error message that fails again is not caught again (no loop): it is retried, then dead-lettered", () => {
    const { r, c } = wired("catch");
    r.publish(c, "src", [msg("m1", 7)]);
    nack(r, c, "a", of(c.take(), "deliver").find((f) => f.nodeId === "a")!.messages[0]!.d, "boom");
    const caught = of(c.take(), "deliver").find((f) => f.nodeId === "errs")!.messages[0]!;
    nack(r, c, "errs", caught.d, "the log failed too");
    // Back on its own edge for another attempt, not wrapped again.
    const again = of(c.take(), "deliver").find((f) => f.nodeId === "errs")!.messages[0]!;
    expect([again.id, again.attempt]).toEqual(["m1!error1@a", 2]);
    expect(r.edge("c-errs").depth).toBe(1);
  });

  it("ERROR-3: the loop guard counts in a header the room sets, whatever the message id (quotes, 128 characters)", () => {
    const { r, c } = wired("catch");
    for (const id of ['a"b\\"c', "x".repeat(128)]) {
      r.publish(c, "src", [msg(id, 7)], { seq: id.length });
      nack(r, c, "a", of(c.take(), "deliver").find((f) => f.nodeId === "a")!.messages[0]!.d, "boom");
      const caught = of(c.take(), "deliver").find((f) => f.nodeId === "errs")!.messages[0]!;
      expect(caught.headers).toEqual({ "weft-error-depth": "1" });
      nack(r, c, "errs", caught.d, "fails again");
      const again = of(c.take(), "deliver").find((f) => f.nodeId === "errs")!.messages[0]!;
      expect([again.id, again.attempt]).toEqual([caught.id, 2]);
      r.ack(c, "errs", [again.d]);
    }
  });

  it("ERROR-1: when the error messages cannot be stored, the failure is retried instead; nothing is lost", () => {
    const { r, c } = wired("own");
    r.publish(c, "src", [msg("m1", 7)]);
    const first = of(c.take(), "deliver").find((f) => f.nodeId === "a")!.messages[0]!;
    r.queue.failOn.add("insertBatch");
    nack(r, c, "a", first.d, "boom");
    expect(r.edge("a-err").depth).toBe(0);
    const again = of(c.take(), "deliver").find((f) => f.nodeId === "a")!.messages[0]!;
    expect([again.id, again.attempt]).toEqual(["m1", 2]);
    // Routed once the store works again; its own batch row goes with the last of it.
    nack(r, c, "a", again.d, "boom");
    expect(r.edge("a-err").depth).toBe(1);
    expect(r.edge("src-a").depth).toBe(0);
    r.ack(c, "errs", [of(c.take(), "deliver").find((f) => f.nodeId === "errs")!.messages[0]!.d]);
    expect(r.queue.batches()).toEqual([]);
  });

  it("ERROR-1: a large failed batch is stored as several rows (a row stays under 2 MB)", () => {
    const { r, c } = wired("own");
    r.publish(
      c,
      "src",
      Array.from({ length: 1000 }, (_, i) => msg(`m${i}`, i)),
    );
    const failed = of(c.take(), "deliver")
      .filter((f) => f.nodeId === "a")
      .flatMap((f) => f.messages);
    r.frame(c, {
      type: "nack",
      nodeId: "a",
      epoch: r.epochOf("a"),
      deliveries: failed.map((m) => m.d),
      error: "e".repeat(2000),
    });
    expect(r.edge("a-err").depth).toBe(1000);
    const rows = r.queue.batches();
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(JSON.stringify(row.messages).length).toBeLessThan(2 * 1024 * 1024);
  });

  it("ERROR-1: with no error wire and no catch node, a failed message is retried as before (DELIVERY-6)", () => {
    const { r, c } = wired("none");
    r.publish(c, "src", [msg("m1", 7)]);
    nack(r, c, "a", of(c.take(), "deliver").find((f) => f.nodeId === "a")!.messages[0]!.d, "boom");
    const again = of(c.take(), "deliver").find((f) => f.nodeId === "a")!.messages[0]!;
    expect([again.id, again.attempt]).toEqual(["m1", 2]);
  });

  it("ERROR-1: when the error edge is full the failure is retried instead; nothing is lost", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("src", "random"), node("a", "factorize"), node("errs", "log", {}, { disabled: true })];
      g.edges = [
        edge("src", "a"),
        { id: "a-err", from: "a", fromPort: "error", to: "errs", toPort: "in", maxDepth: 1 },
      ];
    });
    const c = r.hello("w1");
    c.take();
    r.publish(c, "src", [msg("m1", 1), msg("m2", 2)]);
    const [d1, d2] = of(c.take(), "deliver").find((f) => f.nodeId === "a")!.messages;
    nack(r, c, "a", d1!.d, "boom");
    expect(r.edge("a-err").depth).toBe(1);
    nack(r, c, "a", d2!.d, "boom");
    expect(r.edge("a-err").depth).toBe(1);
    expect(r.edge("src-a").depth).toBe(1);
  });
});

describe("webhooks (HOOK-*)", () => {
  function hooked(params: Record<string, JsonValue> = {}) {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("hook", "http-in", params), node("a", "log"), node("src", "random")];
      g.edges = [edge("hook", "a")];
    });
    const c = r.hello("w1");
    c.take();
    return { r, c };
  }
  const post = (over: Partial<HookRequest> = {}): HookRequest => ({
    value: { order: 7 },
    contentType: "application/json",
    editor: true,
    ...over,
  });

  it("HOOK-1: a request is stored on every edge leaving the node, answered 202 with its id, then delivered", () => {
    const { r, c } = hooked();
    const answer = r.core.webhook("hook", post({ key: "k1" }));
    expect(answer).toMatchObject({ status: 202, edges: 1 });
    const id = (answer as { id: string }).id;
    expect(r.queue.batches()).toHaveLength(1);
    const delivered = of(c.take(), "deliver").flatMap((f) => f.messages);
    expect(delivered).toEqual([
      expect.objectContaining({ id, key: "k1", value: { order: 7 }, headers: { "content-type": "application/json" } }),
    ]);
    expect(r.status("hook")).toMatchObject({ state: "running", out: 1 });
  });

  it("HOOK-2: a node that is not http-in, a missing node, a stopped graph each get a clear refusal", () => {
    const { r } = hooked();
    expect(r.core.webhook("src", post())).toMatchObject({ status: 404, code: "not_http_in" });
    expect(r.core.webhook("nope", post())).toMatchObject({ status: 404, code: "not_found" });
    r.setGraph((g) => {
      g.running = false;
    });
    expect(r.core.webhook("hook", post())).toMatchObject({ status: 409, code: "graph_stopped" });
  });

  it("HOOK-3: with a token the bearer must match it; without one an editor is needed; strangers learn nothing", () => {
    const { r } = hooked({ token: { $secret: "HOOK" } });
    expect(r.core.webhook("hook", post())).toMatchObject({ status: 409, code: "token_unset" });
    const stranger = post({ editor: false });
    expect(r.core.webhook("hook", stranger)).toMatchObject({ status: 401, code: "unauthorized" });
    r.secrets.set("HOOK", { value: "s3cret-token", version: 1 });
    r.core.secretChanged("HOOK");
    expect(r.core.webhook("hook", stranger)).toMatchObject({ status: 401, code: "unauthorized" });
    expect(r.core.webhook("hook", post({ editor: false, bearer: "wrong-token!" }))).toMatchObject({ status: 401 });
    expect(r.core.webhook("hook", post({ editor: false, bearer: "s3cret-token" }))).toMatchObject({ status: 202 });
    // A missing node or one of another type looks the same to a caller without the token or a role.
    const unauthorized = r.core.webhook("src", stranger);
    expect(r.core.webhook("nope", stranger)).toEqual(unauthorized);
    expect(unauthorized).toMatchObject({ status: 401 });
    const open = hooked();
    expect(open.r.core.webhook("hook", post({ editor: false }))).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("HOOK-1: an http-in node with no outgoing edge refuses (409) instead of accepting into nowhere", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("hook", "http-in")];
    });
    expect(r.core.webhook("hook", post())).toMatchObject({ status: 409, code: "no_edges" });
  });

  it("HOOK-1: a body whose JSON is over the message limit gets 413, not a retry", () => {
    const { r } = hooked();
    const quotes = '"'.repeat(150 * 1024);
    expect(r.core.webhook("hook", post({ value: quotes }))).toMatchObject({ status: 413, code: "body_too_large" });
  });

  it("HOOK-1: when the edge is full the request gets 503 and nothing is stored", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("hook", "http-in"), node("a", "log", {}, { disabled: true })];
      g.edges = [{ ...edge("hook", "a"), maxDepth: 1 }];
    });
    expect(r.core.webhook("hook", post())).toMatchObject({ status: 202 });
    expect(r.core.webhook("hook", post())).toMatchObject({ status: 503, code: "edges_full" });
    expect(r.depth("hook-a")).toBe(1);
    expect(r.status("hook")).toMatchObject({ errors: 1, lastError: expect.stringMatching(/hook-a is full/) });
  });
});

describe("node-type registry (TYPES-*)", () => {
  it("TYPES-1/3: a plugin type from a worker makes its pending nodes run; the registry shows who can run it", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("p", "upper", { n: 2 })];
    });
    const w1 = r.hello("w1");
    w1.take();
    expect(r.status("p")).toMatchObject({ state: "pending", reason: 'no live worker can run node type "upper"' });
    const w2 = r.hello("w2", { defs: [pluginDef("upper")] });
    expect(of(w2.take(), "assign").map((a) => [a.nodeId, a.nodeType, a.params, a.outputs])).toEqual([
      ["p", "upper", { n: 2 }, ["out", "error"]],
    ]);
    const upper = r.core.registry.types.infos().find((t) => t.type === "upper");
    expect(upper).toMatchObject({ source: "worker", available: true, workers: ["w2"] });
    // Its worker gone, the type stays known but unavailable, and the node waits again.
    r.disconnect(w2);
    expect(r.core.registry.types.infos().find((t) => t.type === "upper")).toMatchObject({ available: false });
    expect(r.status("p").state).toBe("pending");
  });

  it("TYPES-1: params of a plugin type are checked with its schema once it is known", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("p", "upper", { n: -1 })];
    });
    r.hello("w1", { defs: [pluginDef("upper")] });
    expect(r.status("p")).toMatchObject({ state: "blocked", reason: 'node "p": param "n" must be at least 0, got -1' });
  });

  it("TYPES-2: a second worker announcing one type/version differently is refused that type, naming both", () => {
    const r = room();
    r.hello("w1", { defs: [pluginDef("upper")] });
    const w2 = r.hello("w2", { defs: [pluginDef("upper", "1.0.0", { title: "Other" })] });
    expect(of(w2.take(), "error").map((e) => [e.code, e.message])).toEqual([
      [
        "type_refused",
        'node type "upper@1.0.0" from worker w2 differs from the one worker w1 announced; refused here (give the changed definition a new version)',
      ],
    ]);
    expect(r.store.workers().find((w) => w.id === "w2")?.nodeTypes).not.toContain("upper");
    expect(r.closesOf(w2)).toEqual([]);
  });

  it("TYPES-2: a malformed definition, a redefined built-in and an older built-in version are refused alone", () => {
    const r = room();
    const c = r.hello("w1", {
      types: ["log"],
      defs: [
        pluginDef("broken", "1.0.0", { outputs: ["out"] }),
        pluginDef("random", "1.0.0"),
        { type: "counter", version: "0.9.0" },
        pluginDef("fine"),
      ],
    });
    expect(of(c.take(), "error").map((e) => e.message)).toEqual([
      'node type "broken": outputs: must end with "error"',
      'node type "random@1.0.0" from worker w1 differs from the hub\'s built-in definition; a plugin must not redefine a built-in type',
      'node type "counter": the worker runs version 0.9.0, this hub has 1.0.0 built in; run the same Weft release on both',
    ]);
    expect(r.store.workers()[0]?.nodeTypes).toEqual(["log", "fine"]);
  });

  it("TYPES-3: at most MAX_KNOWN_TYPES definitions are remembered; the longest unseen go first", () => {
    const r = room();
    const many = Array.from({ length: MAX_KNOWN_TYPES + 20 }, (_, i) => pluginDef(`t${i}`));
    const c = r.hello("w1", { defs: many.slice(0, 200) });
    r.disconnect(c);
    r.hello("w2", { defs: many.slice(200) });
    const known = r.store.knownTypes().map((d) => d.type);
    expect(known).toHaveLength(MAX_KNOWN_TYPES);
    // The first worker's oldest types are forgotten; every type a live worker announces is kept.
    expect(known).not.toContain("t0");
    for (const def of many.slice(200)) expect(known).toContain(def.type);
  });

  it("TYPES-2: two definitions that differ only inside params are different definitions", () => {
    const r = room();
    r.hello("w1", { defs: [pluginDef("upper")] });
    const other = pluginDef("upper", "1.0.0", { params: { n: { type: "integer", title: "N", default: 2, min: 0 } } });
    const w2 = r.hello("w2", { defs: [other] });
    expect(of(w2.take(), "error").map((e) => e.code)).toEqual(["type_refused"]);
  });

  it("TYPES-1: the highest version announced is used; a worker with an older one gets none of its nodes", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("p", "upper")];
    });
    const old = r.hello("old", { defs: [pluginDef("upper", "1.0.0")] });
    expect(of(old.take(), "assign").map((a) => a.nodeId)).toEqual(["p"]);
    const next = r.hello("new", { defs: [pluginDef("upper", "1.2.0")] });
    // Moved to the worker that runs the version the room uses now.
    expect(of(old.take(), "unassign").map((u) => u.nodeId)).toEqual(["p"]);
    r.finishStops(old);
    expect(of(next.take(), "assign").map((a) => a.nodeId)).toEqual(["p"]);
    expect(r.core.registry.types.lookup("upper")?.version).toBe("1.2.0");
  });

  it("TYPES-3: a built-in that needs a capability says which worker flag offers it", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("run", "exec", { command: "python3" })];
    });
    const c = r.hello("w1");
    expect(of(c.take(), "assign")).toEqual([]);
    expect(r.status("run").reason).toBe(
      'no live worker allows exec (node type "exec" lets this graph\'s editors run programs and code); start one with `weft worker --allow exec`',
    );
    const allowed = r.hello("w2", { types: [...ALL_TYPES, "exec"] });
    expect(of(allowed.take(), "assign").map((a) => a.nodeId)).toEqual(["run"]);
  });

  it("TYPES-3: labels a type needs keep its nodes pending until a worker with them comes", () => {
    const r = room();
    r.setGraph((g) => {
      g.nodes = [node("m", "sentiment")];
    });
    const plain = r.hello("plain", { defs: [pluginDef("sentiment", "1.0.0", { labels: ["ml"] })] });
    expect(of(plain.take(), "assign")).toEqual([]);
    expect(r.status("m")).toMatchObject({ state: "pending", reason: "no live worker has label ml" });
    const ml = r.hello("gpu", { labels: ["ml"], defs: [pluginDef("sentiment", "1.0.0", { labels: ["ml"] })] });
    expect(of(ml.take(), "assign").map((a) => a.nodeId)).toEqual(["m"]);
  });
});
