// Test helper: a tiny stand-in for the hub (graph rooms over `ws`, GET /api/graphs) on 127.0.0.1, port 0.
// It follows the room's side of SCHED-6 and DRAIN-1/2 closely enough for the worker's tests.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { parseWorkerFrame, type RoomFrame, type WorkerFrame, type WorkerFrameOf } from "../../shared/protocol.ts";

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** One frame either way, in the order the room saw or sent them. */
export type FakeEvent = { dir: "in"; frame: WorkerFrame } | { dir: "out"; frame: RoomFrame };

export class FakeConnection {
  readonly frames: WorkerFrame[] = [];
  readonly invalid: string[] = [];
  /** Frames received and sent, interleaved in order. */
  readonly events: FakeEvent[] = [];
  closeCode: number | undefined;
  /** Set once the worker sent `drain`. */
  draining = false;
  private drainedSent = false;
  private readonly acked = new Set<number>();
  /** Send credit with every assign (switch off to test a producer without credit). */
  autoCredit = true;

  constructor(
    readonly graphId: string,
    readonly ws: WebSocket,
  ) {}

  send(frame: RoomFrame): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.events.push({ dir: "out", frame });
    if (frame.type === "published") this.acked.add(frame.seq);
    this.ws.send(JSON.stringify(frame));
    // Like the room (DELIVERY-7): an assignment comes with credit for each output, here plenty.
    if (frame.type === "assign" && this.autoCredit) {
      for (const port of frame.outputs) {
        this.send({ type: "credit", nodeId: frame.nodeId, epoch: frame.epoch, port, messages: 1e9, bytes: 1e15 });
      }
    }
  }

  /** Sends `published` for every publish not yet acknowledged; returns how many. */
  ackAll(): number {
    let count = 0;
    for (const frame of this.of("publish")) {
      if (this.acked.has(frame.seq)) continue;
      this.send({ type: "published", seq: frame.seq });
      count += 1;
    }
    return count;
  }

  /** Epochs assigned here whose `state{stopped}` has not come back, by node. */
  held(): Map<string, number> {
    const held = new Map<string, number>();
    for (const event of this.events) {
      const frame = event.frame;
      if (event.dir === "out" && frame.type === "assign") held.set(frame.nodeId, frame.epoch);
      if (event.dir === "in" && frame.type === "state" && frame.process.state === "stopped") {
        if (held.get(frame.process.nodeId) === frame.process.epoch) held.delete(frame.process.nodeId);
      }
    }
    return held;
  }

  /** Index in `events` of the first event matching `test`, or -1. */
  indexOf(test: (event: FakeEvent) => boolean): number {
    return this.events.findIndex(test);
  }

  /** DRAIN-1/2: unassign everything held, then say `drained` once nothing is. */
  startDrain(): void {
    this.draining = true;
    for (const [nodeId, epoch] of this.held()) {
      this.send({ type: "unassign", nodeId, epoch, reason: "worker is draining" });
    }
    this.maybeDrained();
  }

  maybeDrained(): void {
    if (!this.draining || this.drainedSent || this.held().size > 0) return;
    this.drainedSent = true;
    this.send({ type: "drained" });
  }

  of<T extends WorkerFrame["type"]>(type: T): Array<WorkerFrameOf<T>> {
    return this.frames.filter((frame): frame is WorkerFrameOf<T> => frame.type === type);
  }

  get closed(): boolean {
    return this.closeCode !== undefined;
  }
}

export interface FakeRoomOptions {
  token?: string;
  /** Graphs that exist (others get 404 graph_not_found); listed by GET /api/graphs. */
  graphs?: string[];
  heartbeatMs?: number;
  heartbeatTimeoutMs?: number;
}

export class FakeRoom {
  readonly connections: FakeConnection[] = [];
  /** Upgrade attempts per graph id, refused ones included. */
  readonly attempts = new Map<string, number>();
  /** GET /api/graphs requests served. */
  listRequests = 0;
  /** When set, every upgrade is refused with this before the upgrade. */
  refusal: Refusal | undefined;
  /** Answer each publish with `published` (switch off to leave batches un-acked). */
  autoAck = true;
  /** Answer `drain` by unassigning everything and then `drained` (switch off to leave it unanswered). */
  autoDrain = true;
  /** When set, every hello is answered by closing with this code and reason (HELLO-4, HELLO-5). */
  helloClose: { code: number; reason: string } | undefined;
  graphs: string[];
  /** Called after the welcome is sent; tests send their assigns here. */
  onWelcome: (connection: FakeConnection, hello: WorkerFrameOf<"hello">) => void = () => {};
  private readonly wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  private constructor(
    private readonly server: Server,
    private readonly options: FakeRoomOptions,
  ) {
    this.graphs = options.graphs ?? ["demo"];
  }

  static async start(options: FakeRoomOptions = {}): Promise<FakeRoom> {
    const server = createServer();
    const room = new FakeRoom(server, options);
    server.on("request", (req, res) => room.onRequest(req, res));
    server.on("upgrade", (req, socket, head) => room.onUpgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return room;
  }

  get url(): string {
    const address = this.server.address();
    if (!address || typeof address === "string") throw new Error("not listening");
    return `http://127.0.0.1:${address.port}`;
  }

  get token(): string {
    return this.options.token ?? "secret";
  }

  forGraph(graphId: string): FakeConnection[] {
    return this.connections.filter((connection) => connection.graphId === graphId);
  }

  async close(): Promise<void> {
    for (const connection of this.connections) connection.ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private authorized(req: IncomingMessage): boolean {
    return req.headers.authorization === `Bearer ${this.token}`;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.url !== "/api/graphs") {
      json(404, { error: { code: "not_found", message: "no such route" } });
      return;
    }
    this.listRequests += 1;
    if (!this.authorized(req)) {
      json(401, { error: { code: "unauthorized", message: "bad token" } });
      return;
    }
    json(200, { graphs: this.graphs.map((id) => ({ id, name: id, updatedAt: new Date(0).toISOString() })) });
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // After an upgrade Node leaves the raw socket without an error listener: a client that resets
    // while reading a refusal (a worker aborting its connect to drain) would be an uncaught ECONNRESET.
    socket.on("error", () => {});
    const url = new URL(req.url ?? "/", "http://x");
    const graphId = decodeURIComponent(/^\/parties\/graph\/([^/]+)$/.exec(url.pathname)?.[1] ?? "");
    this.attempts.set(graphId, (this.attempts.get(graphId) ?? 0) + 1);
    let refusal = this.refusal;
    if (!refusal && url.searchParams.get("role") !== "worker") refusal = { status: 400, code: "role", message: "role" };
    if (!refusal && !this.authorized(req)) refusal = { status: 401, code: "unauthorized", message: "bad token" };
    if (!refusal && !this.graphs.includes(graphId)) {
      refusal = { status: 404, code: "graph_not_found", message: `no graph ${graphId}` };
    }
    if (refusal) {
      const body = JSON.stringify({ error: { code: refusal.code, message: refusal.message } });
      socket.end(
        `HTTP/1.1 ${refusal.status} Refused\r\ncontent-type: application/json\r\n` +
          `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(graphId, ws));
  }

  private onConnection(graphId: string, ws: WebSocket): void {
    const connection = new FakeConnection(graphId, ws);
    this.connections.push(connection);
    ws.on("close", (code) => {
      connection.closeCode = code;
    });
    ws.on("message", (data) => {
      const parsed = parseWorkerFrame(String(data));
      if (!parsed.ok) {
        connection.invalid.push(parsed.message);
        return;
      }
      const frame = parsed.frame;
      connection.frames.push(frame);
      connection.events.push({ dir: "in", frame });
      if (frame.type === "hello" && this.helloClose) {
        ws.close(this.helloClose.code, this.helloClose.reason);
      } else if (frame.type === "hello") {
        connection.send({
          type: "welcome",
          protocol: 1,
          graphId,
          workerId: frame.workerId,
          heartbeatMs: this.options.heartbeatMs ?? 50,
          heartbeatTimeoutMs: this.options.heartbeatTimeoutMs ?? 1000,
        });
        this.onWelcome(connection, frame);
      } else if (frame.type === "publish" && this.autoAck) {
        connection.send({ type: "published", seq: frame.seq });
      } else if (frame.type === "drain" && this.autoDrain) {
        connection.startDrain();
      } else if (frame.type === "state") {
        connection.maybeDrained();
      }
    });
  }
}
