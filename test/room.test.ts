// The worker protocol against a real GraphRoom: registration, scheduling, brokering, fencing, bad input.

import { describe, expect, it } from "vitest";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { PROTOCOL_VERSION, type RoomFrameOf } from "../shared/protocol.ts";
import type { GraphStatus } from "../shared/status.ts";
import { addNode, readGraph, setParam } from "../shared/ydoc.ts";
import { demoGraph, jsonRequest, waitFor } from "./harness.ts";
import { hubWithRawWorkers } from "./rawWorker.ts";

const env = hubWithRawWorkers();
const worker = env.worker.bind(env);

async function putGraph(id: string, graph: unknown) {
  const response = await env.hub.api(`/api/graphs/${id}`, jsonRequest("PUT", graph));
  expect(response.status).toBeLessThan(300);
}

describe("CONN-2/3: refused before the upgrade", () => {
  it("a wrong or missing token gets 401 unauthorized", async () => {
    await putGraph("auth", demoGraph());
    const wrong = worker("auth", { token: "not-the-token" });
    await waitFor(() => wrong.refused, "refusal");
    expect(wrong.refused?.status).toBe(401);
    expect(JSON.parse(wrong.refused!.body).error).toEqual({ code: "unauthorized", message: "worker token is wrong" });
    const missing = worker("auth", { token: null });
    await waitFor(() => missing.refused, "refusal");
    expect(JSON.parse(missing.refused!.body).error.code).toBe("unauthorized");
  });

  it("an unknown graph gets 404 and a malformed id 400", async () => {
    const unknown = worker("no-such-graph");
    await waitFor(() => unknown.refused, "refusal");
    expect(unknown.refused).toMatchObject({ status: 404 });
    expect(JSON.parse(unknown.refused!.body).error.code).toBe("graph_not_found");
    const bad = worker("bad.id");
    await waitFor(() => bad.refused, "refusal");
    expect(bad.refused).toMatchObject({ status: 400 });
  });
});

describe("registration and bad frames", () => {
  it("HELLO-2: another protocol version is closed with 4002 and a reason", async () => {
    await putGraph("proto", demoGraph());
    const w = worker("proto");
    await w.open();
    w.send({
      type: "hello",
      protocol: 99,
      workerId: "w-old",
      name: "x",
      version: "1",
      labels: [],
      capacity: 1,
      nodeTypes: [],
      load: 0,
    });
    expect(await w.waitClosed()).toEqual({
      code: 4002,
      reason: `protocol 99 not supported; this hub speaks ${PROTOCOL_VERSION}`,
    });
  });

  it("HELLO-1: a first frame that is not hello is closed with 4003", async () => {
    const w = worker("proto");
    await w.open();
    w.send({ type: "heartbeat", load: 0, processes: [] });
    const error = await w.next<RoomFrameOf<"error">>((f) => f.type === "error");
    expect(error.code).toBe("hello_required");
    expect((await w.waitClosed()).code).toBe(4003);
  });

  it("FRAME-2: an invalid hello names the field; labels must be strings", async () => {
    const w = worker("proto");
    await w.open();
    w.send({
      type: "hello",
      protocol: 2,
      workerId: "w1",
      name: "x",
      version: "1",
      labels: [7],
      capacity: 1,
      nodeTypes: [],
      load: 0,
    });
    const error = await w.next<RoomFrameOf<"error">>((f) => f.type === "error");
    expect(error).toMatchObject({ code: "invalid_frame", message: expect.stringMatching(/^hello: labels\.0: /) });
    expect((await w.waitClosed()).code).toBe(4003);
  });

  it("FRAME-2/3: malformed JSON and unknown types get errors and the connection survives", async () => {
    const w = worker("proto");
    await w.hello("w-garbage");
    w.send("{not json");
    w.send({ type: "teleport" });
    w.send({ type: "publish", seq: 1 });
    await waitFor(() => w.frames.filter((f) => f.type === "error").length >= 3, "three errors");
    const codes = w.frames.filter((f): f is RoomFrameOf<"error"> => f.type === "error").map((f) => f.code);
    expect(codes).toEqual(["invalid_json", "unknown_frame_type", "invalid_frame"]);
    w.send({ type: "heartbeat", load: 0, processes: [] });
    expect(w.closed).toBeUndefined();
    const status = await env.hub.api<{ workers: Array<{ id: string }> }>("/api/graphs/proto/status");
    expect(status.body.workers.map((x) => x.id)).toContain("w-garbage");
  });

  it("FRAME-3: twenty invalid frames close the connection with 4000", async () => {
    const w = worker("proto");
    await w.hello("w-spam");
    for (let i = 0; i < 25; i++) w.send("{");
    expect((await w.waitClosed()).code).toBe(4000);
  });

  it("FRAME-1: a frame over 1 MiB is refused and closed with 4009", async () => {
    const w = worker("proto");
    await w.hello("w-big");
    w.send({ type: "heartbeat", load: 0, processes: [], pad: "x".repeat(1024 * 1024 + 10) });
    expect((await w.waitClosed()).code).toBe(4009);
  });
});

describe("scheduling and brokering", () => {
  it("assigns every process, relays random → factorize → log, and fences stale epochs", async () => {
    await putGraph("flow", demoGraph());
    const w = worker("flow");
    await w.hello("w-flow");
    const assigns = [...(await w.assignedAtLeast(3)).values()];
    const epochOf = (nodeId: string) => assigns.find((a) => a.nodeId === nodeId)!.epoch;
    expect(assigns.map((a) => a.nodeId).sort()).toEqual(["factorize", "log", "random"]);
    expect(assigns.find((a) => a.nodeId === "random")).toMatchObject({
      nodeType: "random",
      params: { intervalMs: 100 },
      outputs: ["out", "error"],
    });

    // DELIVERY-2: a publish is acknowledged after it is stored; DELIVERY-1/3: delivered to the consumer channel.
    const mark = w.frames.length;
    const message = { id: "m1", value: 12, ts: Date.now() };
    w.send({ type: "publish", seq: 7, nodeId: "random", epoch: epochOf("random"), port: "out", messages: [message] });
    await w.next((f) => f.type === "published" && f.seq === 7, mark, "published 7");
    const deliver = await w.next<RoomFrameOf<"deliver">>((f) => f.type === "deliver" && f.nodeId === "factorize", mark);
    expect(deliver.messages).toEqual([{ ...message, d: expect.any(Number) }]);
    w.send({ type: "ack", nodeId: "factorize", epoch: epochOf("factorize"), deliveries: [deliver.messages[0]!.d] });

    // SCHED-3: a publish with a stale epoch is refused and not stored.
    const mark2 = w.frames.length;
    w.send({
      type: "publish",
      seq: 8,
      nodeId: "random",
      epoch: epochOf("random") - 1,
      port: "out",
      messages: [message],
    });
    const refused = await w.next<RoomFrameOf<"error">>((f) => f.type === "error" && f.ref === 8, mark2);
    expect(refused.code).toBe("stale_epoch");
    await w.next((f) => f.type === "unassign" && f.nodeId === "random", mark2, "fencing unassign");

    // DELIVERY-5: an oversized message is rejected by id; nothing of it is delivered.
    const big = { id: "big", value: "x".repeat(300 * 1024), ts: 0 };
    w.send({ type: "publish", seq: 9, nodeId: "random", epoch: epochOf("random"), port: "out", messages: [big] });
    const tooBig = await w.next<RoomFrameOf<"published">>((f) => f.type === "published" && f.seq === 9, mark2);
    expect(tooBig.rejected).toEqual([
      { id: "big", code: "message_too_large", message: expect.stringMatching(/^message big is \d+ bytes/) },
    ]);
    expect(w.frames.slice(mark2).some((f) => f.type === "deliver")).toBe(false);

    // Reports show up in status.
    w.send({
      type: "heartbeat",
      load: 3,
      processes: assigns.map((a) => ({
        nodeId: a.nodeId,
        epoch: a.epoch,
        state: "running",
        in: 1,
        out: 2,
        errors: 0,
        lastError: null,
      })),
    });
    const status = await waitFor(async () => {
      const s = (
        await env.hub.api<{ processes: Array<{ nodeId: string; state: string; out: number; workerId: string }> }>(
          "/api/graphs/flow/status",
        )
      ).body;
      return s.processes.every((p) => p.state === "running") ? s : undefined;
    }, "running status");
    expect(status.processes.find((p) => p.nodeId === "random")).toMatchObject({ workerId: "w-flow", out: 2 });
  });

  it("DELIVERY-5/6, FRAME-2: bad publishes and nacks get errors naming what was wrong; good messages still flow", async () => {
    await putGraph("badpub", demoGraph());
    const w = worker("badpub");
    await w.hello("w-badpub");
    const assigns = await w.assignedAtLeast(3);
    const epoch = (id: string) => assigns.get(id)?.epoch ?? -1;
    const mark = w.frames.length;
    const errorFor = (ref: number) =>
      w.next<RoomFrameOf<"error">>((f) => f.type === "error" && f.ref === ref, mark, `error for ${ref}`);
    // A message without a value: invalid, naming the field; nothing of the frame is stored.
    w.send({
      type: "publish",
      seq: 1,
      nodeId: "random",
      epoch: epoch("random"),
      port: "out",
      messages: [{ id: "x", ts: 1 }],
    });
    const invalid = await w.next<RoomFrameOf<"error">>((f) => f.type === "error" && f.code === "invalid_frame", mark);
    expect(invalid.message).toBe("publish: messages.0.value: must be a JSON value");
    // A port the node does not have; a stale epoch.
    const one = [{ id: "p1", value: 12, ts: 1 }];
    w.send({ type: "publish", seq: 2, nodeId: "random", epoch: epoch("random"), port: "sideways", messages: one });
    expect((await errorFor(2)).code).toBe("unknown_port");
    w.send({ type: "publish", seq: 3, nodeId: "random", epoch: epoch("random") + 100, port: "out", messages: one });
    expect((await errorFor(3)).code).toBe("stale_epoch");
    // One oversized message among good ones: rejected by id, the rest stored and delivered.
    const big = { id: "big", value: "x".repeat(300 * 1024), ts: 0 };
    const good = [
      { id: "g1", value: 6, ts: 1 },
      { id: "g2", value: 35, ts: 1 },
    ];
    w.send({
      type: "publish",
      seq: 4,
      nodeId: "random",
      epoch: epoch("random"),
      port: "out",
      messages: [good[0], big, good[1]],
    });
    const published = await w.next<RoomFrameOf<"published">>((f) => f.type === "published" && f.seq === 4, mark);
    expect(published.rejected?.map((r) => [r.id, r.code])).toEqual([["big", "message_too_large"]]);
    const deliver = await w.next<RoomFrameOf<"deliver">>((f) => f.type === "deliver" && f.nodeId === "factorize", mark);
    expect(deliver.messages.map((m) => m.id)).toEqual(["g1", "g2"]);
    // A nack for a delivery the room does not lease: unknown_delivery naming it; the connection stays.
    w.send({ type: "nack", nodeId: "factorize", epoch: epoch("factorize"), deliveries: [987654321], error: "boom" });
    const unknown = await w.next<RoomFrameOf<"error">>(
      (f) => f.type === "error" && f.code === "unknown_delivery",
      mark,
    );
    expect(unknown.message).toContain("987654321");
    w.send({
      type: "ack",
      nodeId: "factorize",
      epoch: epoch("factorize"),
      deliveries: deliver.messages.map((m) => m.d),
    });
    await waitFor(async () => {
      const s = (await env.hub.api<GraphStatus>("/api/graphs/badpub/status")).body;
      const e = s.edges.find((x) => x.from === "random");
      return e?.depth === 0 && e.totalIn === 2 ? true : undefined;
    }, "the good messages acknowledged and nothing else queued");
    expect(w.closed).toBeUndefined();
  });

  it("SCHED-4/DELIVERY-4: editing params restarts one process; a closed worker's deliveries go to the next worker", async () => {
    await putGraph("move", demoGraph());
    const a = worker("move");
    await a.hello("w-a");
    const assigns = [...(await a.assignedAtLeast(3)).values()];
    const random = assigns.find((x) => x.nodeId === "random")!;
    a.send({
      type: "publish",
      seq: 1,
      nodeId: "random",
      epoch: random.epoch,
      port: "out",
      messages: [{ id: "x", value: 6, ts: 0 }],
    });
    await a.next((f) => f.type === "deliver" && f.nodeId === "factorize");

    // Edit only random's params: only random is restarted, with a new epoch.
    const mark = a.frames.length;
    const edited = demoGraph();
    edited.nodes[0]!.params.intervalMs = 500;
    edited.nodes[1]!.x = 999; // a move restarts nothing
    await putGraph("move", edited);
    // SCHED-6: the old process is asked to stop; it may still publish until it reports stopped.
    const stop = await a.next<RoomFrameOf<"unassign">>((f) => f.type === "unassign", mark, "unassign");
    expect(stop).toMatchObject({ nodeId: "random", epoch: random.epoch });
    const flush = { id: "late", value: 9, ts: 0 };
    a.send({ type: "publish", seq: 2, nodeId: "random", epoch: random.epoch, port: "out", messages: [flush] });
    await a.next((f) => f.type === "published" && f.seq === 2, mark, "flush accepted while stopping");
    const status = await env.hub.api<GraphStatus>("/api/graphs/move/status");
    expect(status.body.processes.find((p) => p.nodeId === "random")?.state).toBe("stopping");
    expect(a.frames.slice(mark).some((f) => f.type === "assign")).toBe(false);
    const report = { nodeId: "random", epoch: random.epoch, in: 0, out: 2, errors: 0, lastError: null };
    a.send({ type: "state", process: { ...report, state: "stopped" } });
    const restarted = await a.next<RoomFrameOf<"assign">>((f) => f.type === "assign", mark, "re-assign");
    expect(restarted).toMatchObject({ nodeId: "random", params: { intervalMs: 500 } });
    expect(restarted.epoch).toBeGreaterThan(random.epoch);
    expect(
      a.frames
        .slice(mark)
        .filter((f) => f.type === "assign" || f.type === "unassign")
        .map((f) => (f as { nodeId: string }).nodeId),
    ).toEqual(["random", "random"]);

    // The un-acked delivery is redelivered to the worker that takes over.
    const b = worker("move");
    await b.hello("w-b");
    a.close();
    const redelivered = await b.next<RoomFrameOf<"deliver">>((f) => f.type === "deliver" && f.nodeId === "factorize");
    expect(redelivered.messages.map((m) => m.value)).toEqual([6, 9]);
  });
});

describe("FRAME-1: deliver frames stay under the frame limit", () => {
  it("splits a backlog of large messages over several deliver frames, in order", async () => {
    // The consumer is disabled while the backlog builds, so enabling it delivers all at once.
    const graph = demoGraph();
    const disabled = { ...graph, nodes: graph.nodes.map((n) => (n.id === "factorize" ? { ...n, disabled: true } : n)) };
    await putGraph("large", disabled);
    const w = worker("large");
    await w.hello("w-large");
    const random = await w.next<RoomFrameOf<"assign">>((f) => f.type === "assign" && f.nodeId === "random");
    const value = "é".repeat(120 * 1024); // 240 KiB of UTF-8 in 120 K characters
    for (let seq = 1; seq <= 5; seq++) {
      const messages = [{ id: `big-${seq}`, value, ts: 0 }];
      w.send({ type: "publish", seq, nodeId: "random", epoch: random.epoch, port: "out", messages });
    }
    await waitFor(() => w.frames.filter((f) => f.type === "published").length === 5, "five published");
    await putGraph("large", graph);
    const ids: string[] = [];
    let seen = 0;
    await waitFor(() => {
      const delivers = w.frames.filter((f): f is RoomFrameOf<"deliver"> => f.type === "deliver");
      for (const frame of delivers.slice(seen)) {
        expect(Buffer.byteLength(JSON.stringify(frame))).toBeLessThanOrEqual(1024 * 1024);
        ids.push(...frame.messages.map((m) => m.id));
        w.send({ type: "ack", nodeId: frame.nodeId, epoch: frame.epoch, deliveries: frame.messages.map((m) => m.d) });
      }
      seen = delivers.length;
      return ids.length >= 5;
    }, "all five delivered");
    expect(seen).toBeGreaterThan(1);
    expect(seen).toBeLessThan(5);
    expect(ids).toEqual(["big-1", "big-2", "big-3", "big-4", "big-5"]);
  });
});

describe("CONN-1/CONN-4: a stock y-websocket client", () => {
  it("sees the graph, its edit reaches the export, it never receives worker traffic, and bad nodes block only themselves", async () => {
    await putGraph("demo", demoGraph());
    const w = worker("demo");
    await w.hello("w-yws");
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(`${env.hub.url.replace("http", "ws")}/parties/graph`, "demo", doc, {
      WebSocketPolyfill: WebSocket as never,
      params: { token: env.hub.adminToken },
    });
    const textFrames: string[] = [];
    try {
      await waitFor(() => provider.synced, "y-websocket sync");
      provider.ws?.addEventListener("message", (event: MessageEvent) => {
        if (typeof event.data === "string") textFrames.push(event.data);
      });
      expect(readGraph(doc, "demo").nodes.map((n) => n.id)).toEqual(["factorize", "log", "random"]);
      doc.getMap("meta").set("name", "Renamed by y-websocket");
      await waitFor(
        async () => (await env.hub.api<{ name: string }>("/api/graphs/demo")).body.name === "Renamed by y-websocket",
        "edit in export",
      );
      expect(textFrames).toEqual([]);
      expect(w.binaryFrames).toBe(0);

      // An editor adding a node of a type nobody runs leaves it pending (TYPES-3); invalid params block only that
      // node, with the reason.
      addNode(doc, { id: "odd", type: "warp", name: "Odd", x: 0, y: 0, params: {} });
      setParam(doc, "random", "intervalMs", -1);
      const blocked = await waitFor(async () => {
        const s = (await env.hub.api<GraphStatus>("/api/graphs/demo/status")).body;
        const odd = s.processes.find((p) => p.nodeId === "odd");
        const random = s.processes.find((p) => p.nodeId === "random");
        return odd?.state === "pending" && random?.state === "blocked" ? { odd, random } : undefined;
      }, "blocked nodes");
      expect(blocked.odd.reason).toBe('no live worker can run node type "warp"');
      expect(blocked.random.reason).toBe('node "random": param "intervalMs" must be at least 1, got -1');
      await w.next((f) => f.type === "unassign" && f.nodeId === "random", 0, "random stopped");
    } finally {
      provider.destroy();
    }
  });
});
