// Test helper: a tiny stand-in for the hub (graph rooms over `ws`, GET /api/graphs) on 127.0.0.1, port 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";
import { parseWorkerFrame, type RoomFrame, type WorkerFrame, type WorkerFrameOf } from "../../shared/protocol.ts";

export interface Refusal {
  status: number;
  code: string;
  message: string;
}

export class FakeConnection {
  readonly frames: WorkerFrame[] = [];
  readonly invalid: string[] = [];
  closeCode: number | undefined;

  constructor(
    readonly graphId: string,
    readonly ws: WebSocket,
  ) {}

  send(frame: RoomFrame): void {
    this.ws.send(JSON.stringify(frame));
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
      if (frame.type === "hello") {
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
      }
    });
  }
}
