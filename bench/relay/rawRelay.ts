// The memory-edge baseline of the relay benchmark (run in a worker thread by run.ts): a bare `ws` relay that
// forwards each producer frame, unparsed, to the consumer, answers `published` at once and `done` when the
// consumer acks it. The same wire protocol as the baseline Durable Object (baseline/worker.mjs), minus storage.
import { parentPort } from "node:worker_threads";
import { type WebSocket, WebSocketServer } from "ws";

const PUBLISH_PREFIX = Buffer.from('{"type":"publish"');
const DELIVER_END = Buffer.from("}");

let producer: WebSocket | undefined;
let consumer: WebSocket | undefined;
let fanout = 1;
let nextId = 1;
/** Frames not yet acked by the consumer (kept until then, as a relay must), and the copies still owed. */
const held = new Map<number, { frame: Buffer; owed: number }>();

const server = new WebSocketServer({ host: "127.0.0.1", port: 0, perMessageDeflate: false, maxPayload: 8 << 20 });

server.on("connection", (ws, request) => {
  const url = new URL(request.url ?? "/", "http://relay");
  const role = url.searchParams.get("role");
  if (role === "producer") {
    producer = ws;
    fanout = Math.max(1, Math.min(16, Number(url.searchParams.get("fanout") ?? 1) || 1));
  } else if (role === "consumer") {
    consumer = ws;
    for (const [id, { frame }] of held) forward(id, frame);
  } else {
    ws.close(1008, "role must be producer or consumer");
    return;
  }
  ws.on("message", (data: Buffer, isBinary) => {
    if (isBinary) return;
    if (data.subarray(0, PUBLISH_PREFIX.length).equals(PUBLISH_PREFIX)) {
      const id = nextId++;
      held.set(id, { frame: data, owed: fanout });
      ws.send(`{"type":"published","f":${id}}`);
      forward(id, data);
      return;
    }
    const ack = JSON.parse(data.toString()) as { type?: string; f?: number };
    if (ack.type !== "ack" || typeof ack.f !== "number") return;
    const entry = held.get(ack.f);
    if (!entry) return;
    entry.owed -= 1;
    if (entry.owed > 0) return;
    held.delete(ack.f);
    producer?.send(`{"type":"done","f":${ack.f}}`);
  });
  ws.on("close", () => {
    if (ws === producer) producer = undefined;
    if (ws === consumer) consumer = undefined;
  });
  ws.on("error", () => {});
});

function forward(id: number, frame: Buffer): void {
  if (!consumer) return;
  for (let e = 0; e < fanout; e++) {
    const head = Buffer.from(`{"type":"deliver","f":${id},"e":${e},"frame":`);
    consumer.send(Buffer.concat([head, frame, DELIVER_END]), { binary: false });
  }
}

server.on("listening", () => {
  const address = server.address();
  parentPort?.postMessage({ port: typeof address === "object" && address ? address.port : 0 });
});
