// A scripted worker speaking the raw worker protocol over `ws`, for protocol and bad-input tests.

import { afterAll, beforeAll } from "vitest";
import WebSocket from "ws";
import { builtinType } from "../shared/nodeTypes.ts";
import { PROTOCOL_VERSION, type RoomFrame, type RoomFrameOf } from "../shared/protocol.ts";
import { type Hub, startHub, TOKEN, waitFor } from "./harness.ts";

export const HELLO = {
  type: "hello",
  protocol: PROTOCOL_VERSION,
  name: "raw",
  version: "test",
  labels: [] as string[],
  capacity: 10,
  // Built-ins named by type and version (TYPES-2): the hub has their definitions.
  nodeTypes: ["random", "factorize", "log", "http-request"].map((type) => ({
    type,
    version: builtinType(type).version,
  })) as Array<Record<string, unknown>>,
  load: 0,
};

export class RawWorker {
  frames: RoomFrame[] = [];
  /** Binary frames received: Yjs traffic, which must never reach a worker (CONN-4). */
  binaryFrames = 0;
  closed: { code: number; reason: string } | undefined;
  refused: { status: number; body: string } | undefined;
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      if (isBinary) this.binaryFrames++;
      else this.frames.push(JSON.parse(data.toString()) as RoomFrame);
    });
    ws.on("close", (code, reason) => (this.closed = { code, reason: reason.toString() }));
    ws.on("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => (this.refused = { status: res.statusCode ?? 0, body }));
    });
    ws.on("error", () => {});
  }

  static connect(hub: Hub, graphId: string, options: { token?: string | null; query?: string } = {}): RawWorker {
    const token = options.token === undefined ? TOKEN : options.token;
    const url = `${hub.url.replace("http", "ws")}/parties/graph/${graphId}?role=worker${options.query ?? ""}`;
    const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
    return new RawWorker(new WebSocket(url, { headers, perMessageDeflate: false }));
  }

  async open(): Promise<this> {
    await waitFor(() => this.ws.readyState === WebSocket.OPEN || this.refused || this.closed, "worker socket open");
    if (this.ws.readyState !== WebSocket.OPEN)
      throw new Error(`not open: ${JSON.stringify(this.refused ?? this.closed)}`);
    return this;
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  async hello(workerId: string, extra: Record<string, unknown> = {}): Promise<RoomFrame> {
    await this.open();
    this.send({ ...HELLO, workerId, ...extra });
    return this.next((f) => f.type === "welcome");
  }

  /** Waits for a frame matching `match` that arrived after `from` (an index into frames). */
  async next<T extends RoomFrame>(match: (f: RoomFrame) => boolean, from = 0, what = "frame"): Promise<T> {
    return (await waitFor(
      () => this.frames.slice(from).find(match),
      `${what}; got ${JSON.stringify(this.frames.slice(-5))}`,
    )) as T;
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    return waitFor(() => this.closed, "socket close");
  }

  /** Keeps the room from presuming this worker dead: an empty heartbeat every second until closed. */
  keepAlive(processes: () => unknown[] = () => []): this {
    const timer = setInterval(() => {
      if (this.ws.readyState === WebSocket.OPEN) this.send({ type: "heartbeat", load: 0, processes: processes() });
      else clearInterval(timer);
    }, 1000);
    this.ws.on("close", () => clearInterval(timer));
    return this;
  }

  /** Assign frames received so far, by node id (the latest per node). */
  assigned(): Map<string, RoomFrameOf<"assign">> {
    const map = new Map<string, RoomFrameOf<"assign">>();
    for (const f of this.frames) if (f.type === "assign") map.set(f.nodeId, f);
    return map;
  }

  /** Waits until the room has assigned `count` distinct nodes to this worker; returns the latest assign per node. */
  async assignedAtLeast(count: number): Promise<Map<string, RoomFrameOf<"assign">>> {
    return waitFor(
      () => {
        const map = this.assigned();
        return map.size >= count ? map : undefined;
      },
      `${count} nodes assigned; got ${JSON.stringify(this.frames.slice(-5))}`,
    );
  }

  close(): void {
    this.ws.close(1000);
  }
}

/**
 * One real hub for the calling test file, started before its tests and stopped after them, with scripted
 * workers that are closed when the file ends.
 */
export function hubWithRawWorkers(options: Parameters<typeof startHub>[0] = {}): {
  readonly hub: Hub;
  worker(graphId: string, options?: Parameters<typeof RawWorker.connect>[2]): RawWorker;
} {
  let hub: Hub | undefined;
  const sockets: RawWorker[] = [];
  beforeAll(async () => {
    hub = await startHub(options);
  });
  afterAll(async () => {
    for (const w of sockets) w.close();
    await hub?.stop();
  });
  return {
    get hub(): Hub {
      if (!hub) throw new Error("the hub starts in beforeAll");
      return hub;
    },
    worker(graphId, options) {
      const w = RawWorker.connect(this.hub, graphId, options);
      sockets.push(w);
      return w;
    },
  };
}
