// The grpc node against a real gofi service (grpc-js on 127.0.0.1): round trips, FIFO answers, a service down
// at start, a stream that breaks and comes back, timeouts, stop, and that no grpc-js error ever escapes.
import type { ServerDuplexStream } from "@grpc/grpc-js";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nodeTypeProblem } from "../../../shared/nodeTypeDef.ts";
import { findNodeType } from "../../../shared/nodeTypes.ts";
import { type StartedNode, startNode } from "../../testing/context.ts";
import { waitFor } from "../../testing/waitFor.ts";
import type { GofiMessage } from "./gofiProto.ts";
import { grpcNode, grpcSettings } from "./grpc.ts";
import { echo, startTestServer, type TestServer } from "./testServer.ts";

const escaped: unknown[] = [];
const onEscape = (reason: unknown) => escaped.push(reason);
beforeAll(() => {
  process.on("unhandledRejection", onEscape);
  process.on("uncaughtException", onEscape);
});
afterAll(() => {
  process.off("unhandledRejection", onEscape);
  process.off("uncaughtException", onEscape);
});

const servers: TestServer[] = [];
const nodes: StartedNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
  for (const server of servers.splice(0)) await server.kill();
  // Give grpc-js one turn to report anything it would let escape, then check nothing did.
  await new Promise((resolve) => setImmediate(resolve));
  expect(escaped, "no unhandled rejection or uncaught exception").toEqual([]);
});

async function serve(...args: Parameters<typeof startTestServer>): Promise<TestServer> {
  const server = await startTestServer(...args);
  servers.push(server);
  return server;
}

async function start(params: Record<string, unknown>): Promise<StartedNode> {
  const node = await startNode(grpcNode, params);
  nodes.push(node);
  return node;
}

/** A port nothing listens on: one a server had, and gave back. */
async function closedPort(): Promise<number> {
  const server = await startTestServer();
  await server.kill();
  return server.port;
}

describe("grpc node definition", () => {
  it("is a valid processing type with in, out and error, and the four params with their defaults", () => {
    const def = findNodeType("grpc");
    expect(def).toBeDefined();
    expect(nodeTypeProblem(def)).toBeUndefined();
    expect(def).toMatchObject({ category: "processing", version: "1.0.0", inputs: ["in"], outputs: ["out", "error"] });
    expect(
      Object.fromEntries(Object.entries(def?.params ?? {}).map(([name, spec]) => [name, [spec.type, spec.default]])),
    ).toEqual({
      address: ["text", ""],
      tls: ["boolean", false],
      timeout: ["duration", "10s"],
      connectTimeout: ["duration", "5s"],
    });
    expect(def?.params.address?.required).toBe(true);
  });

  it("refuses an address that is not host:port, naming the param", () => {
    for (const address of ["localhost", "http://x:1", "x:0", "x:70000", "a b:1"]) {
      expect(() => grpcSettings({ address }), address).toThrow(/grpc: address .* must be host:port/);
    }
    for (const address of ["localhost:50051", "10.0.0.5:9000", "[::1]:50051", "gofi.example.com:443"]) {
      expect(grpcSettings({ address, timeout: 1, connectTimeout: 1 }).address, address).toBe(address);
    }
  });

  it("a missing address never reaches the process: the schema refuses it", async () => {
    await expect(startNode(grpcNode, {})).rejects.toThrow(/param "address" is required/);
  });
});

describe("grpc node: messages", () => {
  it("sends key (or the id) and the value as JSON bytes; emits the answer's key and JSON value", async () => {
    const server = await serve();
    const node = await start({ address: server.address });
    await node.send({ n: 42, list: [1, "two"] }, "in", { key: "k-1" });
    await node.send("plain", "in");
    expect(server.received.map((m) => [m.key, m.value.toString("utf8")])).toEqual([
      ["k-1", '{"n":42,"list":[1,"two"]}'],
      ["m2", '"plain"'],
    ]);
    expect(node.ctx.emitted).toEqual([
      ["out", { n: 42, list: [1, "two"] }, { key: "k-1", headers: { "grpc.encoding": "json" } }],
      ["out", "plain", { key: "m2", headers: { "grpc.encoding": "json" } }],
    ]);
  });

  it("an answer that is not JSON is emitted as its UTF-8 text, or as base64 when it is not UTF-8", async () => {
    const answers = [Buffer.from("not json {", "utf8"), Buffer.from([0xff, 0xfe, 0x00, 0x01]), Buffer.alloc(0)];
    const server = await serve((_message, call) => {
      call.write({ key: "", value: answers[server.received.length - 1] ?? Buffer.alloc(0) });
    });
    const node = await start({ address: server.address });
    await node.send(1);
    await node.send(2);
    await node.send(3);
    expect(node.ctx.emitted).toEqual([
      ["out", "not json {", { headers: { "grpc.encoding": "text" } }],
      ["out", "//4AAQ==", { headers: { "grpc.encoding": "base64" } }],
      ["out", "", { headers: { "grpc.encoding": "text" } }],
    ]);
  });

  it("matches answers to requests in the order they were sent (FIFO), each onMessage resolving on its own", async () => {
    // The service holds the first two answers until the third message came, then answers all three in order.
    const server = await serve((_message, call) => {
      if (server.received.length < 3) return;
      for (const m of server.received) call.write({ key: `${m.key}-answer`, value: m.value });
    });
    const node = await start({ address: server.address });
    const settled: string[] = [];
    const sends = ["a", "b", "c"].map((key, i) => node.send(i, "in", { key }).then(() => settled.push(key)));
    await Promise.all(sends);
    expect(settled).toEqual(["a", "b", "c"]);
    expect(node.ctx.emitted.map(([, value, options]) => [options?.key, value])).toEqual([
      ["a-answer", 0],
      ["b-answer", 1],
      ["c-answer", 2],
    ]);
  });

  it("a message without an answer within timeout fails; its late answer is not taken for the next message", async () => {
    // The service holds its answer to the first message and sends it (late) just before it answers the second,
    // on the stream the first came in on: a node that kept that stream would take "late" for the second's answer.
    let held: ServerDuplexStream<GofiMessage, GofiMessage> | undefined;
    const server = await serve((message, call) => {
      if (!held) {
        held = call;
        return;
      }
      held.write({ key: "late", value: Buffer.from('"late"') });
      echo(message, call);
    });
    const node = await start({ address: server.address, timeout: "300ms" });
    await expect(node.send("slow", "in", { key: "slow" })).rejects.toThrow(
      new RegExp(
        `no answer from ${server.address} within 300ms \\(the timeout\\) to message m1; the stream is reopened`,
      ),
    );
    await node.send("next", "in", { key: "next" });
    expect(node.ctx.emitted).toEqual([["out", "next", { key: "next", headers: { "grpc.encoding": "json" } }]]);
    expect(server.streams.opened).toBe(2);
  });

  it("an answer the context refuses (a key over 256 characters) fails the message, naming why", async () => {
    const server = await serve((message, call) => call.write({ key: "k".repeat(300), value: message.value }));
    const node = await start({ address: server.address });
    await expect(node.send(1)).rejects.toThrow(/could not be emitted: its key is 300 characters/);
  });

  it("a service without messages.Gofi/Send fails the message with the UNIMPLEMENTED status", async () => {
    const { Server, ServerCredentials } = await import("@grpc/grpc-js");
    const empty = new Server();
    const port = await new Promise<number>((resolve, reject) =>
      empty.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    try {
      const node = await start({ address: `127.0.0.1:${port}`, timeout: "2s" });
      await expect(node.send(1)).rejects.toThrow(/UNIMPLEMENTED \(code 12\)/);
    } finally {
      empty.forceShutdown();
    }
  });
});

describe("grpc node: connection", () => {
  it("a service that is down at start: start rejects within connectTimeout, naming the address and why", async () => {
    const port = await closedPort();
    const began = Date.now();
    const error = await startNode(grpcNode, { address: `127.0.0.1:${port}`, connectTimeout: "300ms" }).catch(
      (e: Error) => e,
    );
    expect(String(error)).toMatch(
      new RegExp(`grpc: cannot reach 127\\.0\\.0\\.1:${port} within 300ms: UNAVAILABLE \\(code 14\\): .*ECONNREFUSED`),
    );
    // At least the whole connectTimeout is tried (it is not given up at the first refusal), and not much more.
    expect(Date.now() - began).toBeGreaterThanOrEqual(290);
    expect(Date.now() - began).toBeLessThan(3000);
  });

  it("with tls on, a plain-text service cannot be reached: start fails naming the address", async () => {
    const server = await serve();
    const address = `localhost:${server.port}`;
    await expect(startNode(grpcNode, { address, tls: true, connectTimeout: "300ms" })).rejects.toThrow(
      `grpc: cannot reach ${address} within 300ms`,
    );
    expect(server.received).toEqual([]);
  });

  it("the service dies mid-stream: the message in flight fails; once it is back on the port, the next one works", async () => {
    const server = await serve((message, call) => {
      if (message.key !== "held") echo(message, call);
    });
    const node = await start({ address: server.address, timeout: "5s" });
    await node.send(1, "in", { key: "before" });
    const held = node.send(2, "in", { key: "held" });
    await waitFor(() => server.received.length === 2, "the service to get the held message");
    await server.kill();
    await expect(held).rejects.toThrow(
      new RegExp(
        `grpc: the stream to ${server.address} ended before the answer to message m2: (UNAVAILABLE|CANCELLED)`,
      ),
    );
    await server.restart();
    await node.send(3, "in", { key: "after" });
    expect(node.ctx.emitted.map(([, value, options]) => [options?.key, value])).toEqual([
      ["before", 1],
      ["after", 3],
    ]);
    expect(server.streams.opened).toBe(2);
  });

  it("while the service stays down, the next message waits up to timeout, then fails saying so", async () => {
    const server = await serve();
    const node = await start({ address: server.address, timeout: "300ms" });
    await server.kill();
    await expect(node.send(1)).rejects.toThrow(
      new RegExp(
        `grpc: (no connection to ${server.address} for 300ms \\(the timeout\\), message m1 not sent|the stream to ${server.address} ended before the answer to message m1)`,
      ),
    );
    expect(node.ctx.emitted).toEqual([]);
  });

  it("stop() cancels the stream (the service sees it) and fails a message still waiting", async () => {
    const server = await serve(() => {});
    const node = await startNode(grpcNode, { address: server.address });
    const waiting = node.send(1);
    await waitFor(() => server.received.length === 1, "the service to get the message");
    await node.stop();
    await expect(waiting).rejects.toThrow(/grpc: the node stopped before the answer to message m1/);
    await waitFor(() => server.streams.cancelled === 1, "the service to see the stream cancelled");
  });
});
