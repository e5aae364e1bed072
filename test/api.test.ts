// The HTTP API against a real `wrangler dev` (workerd, SQLite-backed Durable Objects).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoGraph, type Hub, jsonRequest, startHub } from "./harness.ts";

let hub: Hub;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await hub?.stop();
});

type ErrorBody = { error: { code: string; message: string } };

describe("HTTP API", () => {
  it("answers health with the version", async () => {
    expect(await hub.api("/api/health")).toEqual({ status: 200, body: { ok: true, version: expect.any(String) } });
  });

  it("creates, lists, exports and deletes a graph", async () => {
    const created = await hub.api<{ id: string }>("/api/graphs", jsonRequest("POST", { name: "Orders" }));
    expect(created.status).toBe(201);
    const id = created.body.id;
    const list = await hub.api<Array<{ id: string; name: string; updatedAt: string }>>("/api/graphs");
    expect(list.body).toContainEqual(expect.objectContaining({ id, name: "Orders", updatedAt: expect.any(String) }));
    const exported = await hub.api(`/api/graphs/${id}`);
    expect(exported.body).toEqual({ id, name: "Orders", description: "", running: false, nodes: [], edges: [] });
    expect((await hub.api(`/api/graphs/${id}`, { method: "DELETE" })).status).toBe(200);
    expect((await hub.api<ErrorBody>(`/api/graphs/${id}`)).body.error.code).toBe("graph_not_found");
    const after = await hub.api<Array<{ id: string }>>("/api/graphs");
    expect(after.body.map((g) => g.id)).not.toContain(id);
  });

  it("imports with PUT (creating the graph) and exports the same shape", async () => {
    const put = await hub.api("/api/graphs/imported", jsonRequest("PUT", demoGraph(250)));
    expect(put).toEqual({ status: 201, body: { id: "imported", created: true, warnings: [] } });
    const got = await hub.api<{ nodes: unknown[]; edges: unknown[]; running: boolean }>("/api/graphs/imported");
    expect(got.body.nodes).toHaveLength(3);
    expect(got.body.edges).toHaveLength(2);
    expect(got.body.running).toBe(true);
    const again = await hub.api("/api/graphs/imported", jsonRequest("PUT", { ...demoGraph(250), running: false }));
    expect(again).toEqual({ status: 200, body: { id: "imported", created: false, warnings: [] } });
  });

  it("imports nodes of unknown types (pending until a worker runs the type) or invalid params (blocked), with warnings", async () => {
    const graph = demoGraph();
    graph.nodes[0]!.type = "warp";
    graph.nodes[2]!.params = { prefix: 5 };
    const put = await hub.api<{ warnings: Array<{ code: string; nodeId: string; message: string }> }>(
      "/api/graphs/warnings",
      jsonRequest("PUT", { ...graph, edges: [graph.edges[1]] }),
    );
    expect(put.status).toBe(201);
    expect(put.body.warnings.map((w) => [w.code, w.nodeId])).toEqual([
      ["unknown_node_type", "random"],
      ["invalid_params", "log"],
    ]);
    const status = await hub.api<{ processes: Array<{ nodeId: string; state: string; reason?: string }> }>(
      "/api/graphs/warnings/status",
    );
    const byId = new Map(status.body.processes.map((p) => [p.nodeId, p]));
    // TYPES-3: a type nobody announced is not an error: the node waits for a worker that runs it.
    expect(byId.get("random")).toMatchObject({ state: "pending", reason: expect.stringMatching(/no live worker/) });
    expect(byId.get("log")).toMatchObject({ state: "blocked", reason: expect.stringMatching(/prefix/) });
    // The graph's own export imports again as it is (the model is the same on every path).
    const exported = await hub.api("/api/graphs/warnings");
    expect((await hub.api("/api/graphs/warnings", jsonRequest("PUT", exported.body))).status).toBe(200);
  });

  it("imports gofi's graph JSON (SOURCE → GRPC → SINK) as random → grpc → log, not running, ids made valid", async () => {
    const gofi = {
      id: "5f0c1b2a-gofi",
      name: "from gofi",
      nodes: [
        { id: "src 1", name: "numbers", type: "SOURCE", meta: { x: 10, y: 20 }, params: "{}" },
        {
          id: "rpc",
          name: "factorize",
          type: "GRPC",
          meta: { x: 200, y: 20 },
          params: '{"address": "127.0.0.1:50051"}',
        },
        { id: "sink", name: "answers", type: "SINK", meta: { x: 400, y: 20 }, params: "" },
      ],
      connections: [
        { nid: "c1", input_node: "src 1", output_node: "rpc" },
        { nid: "c2", input_node: "rpc", output_node: "sink" },
      ],
    };
    const put = await hub.api<{ warnings: Array<{ code: string; nodeId?: string }> }>(
      "/api/graphs/from-gofi",
      jsonRequest("PUT", gofi),
    );
    expect(put.status).toBe(201);
    expect(put.body.warnings.map((w) => [w.code, w.nodeId])).toEqual([["gofi_converted", "src_1"]]);
    const got = await hub.api<{
      name: string;
      running: boolean;
      nodes: Array<{ id: string; type: string; name: string; x: number; params: Record<string, unknown> }>;
      edges: Array<{ id: string; from: string; fromPort: string; to: string; toPort: string }>;
    }>("/api/graphs/from-gofi");
    expect([got.body.name, got.body.running]).toEqual(["from gofi", false]);
    const nodes = got.body.nodes.map((n) => [n.id, n.type, n.name, n.x, n.params]).sort();
    expect(nodes).toEqual([
      ["rpc", "grpc", "factorize", 200, { address: "127.0.0.1:50051" }],
      ["sink", "log", "answers", 400, {}],
      ["src_1", "random", "numbers", 10, {}],
    ]);
    expect(got.body.edges.map((e) => [e.id, e.from, e.fromPort, e.to, e.toPort]).sort()).toEqual([
      ["c1", "src_1", "out", "rpc", "in"],
      ["c2", "rpc", "out", "sink", "in"],
    ]);
  });

  it("start and stop set the desired state, visible in status", async () => {
    await hub.api("/api/graphs/toggle", jsonRequest("PUT", { ...demoGraph(), running: false }));
    expect((await hub.api("/api/graphs/toggle/start", { method: "POST" })).body).toEqual({
      id: "toggle",
      running: true,
    });
    const status = await hub.api<{ running: boolean; processes: Array<{ state: string; reason?: string }> }>(
      "/api/graphs/toggle/status",
    );
    expect(status.body.running).toBe(true);
    expect(status.body.processes).toHaveLength(3);
    for (const p of status.body.processes) {
      expect(p.state).toBe("pending");
      expect(p.reason).toMatch(/no live worker/);
    }
    expect((await hub.api("/api/graphs/toggle/stop", { method: "POST" })).body).toEqual({
      id: "toggle",
      running: false,
    });
  });

  describe("bad input gets a specific error and loses nothing", () => {
    const cases: Array<[string, (g: ReturnType<typeof demoGraph>) => unknown, string, RegExp]> = [
      [
        "dangling edge",
        (g) => ({ ...g, edges: [{ ...g.edges[0], to: "ghost" }] }),
        "invalid_graph",
        /missing node "ghost"/,
      ],
      ["unknown field", (g) => ({ ...g, owner: "me" }), "invalid_graph", /unknown field\(s\) "owner"/],
      ["wrong field type", (g) => ({ ...g, nodes: [{ ...g.nodes[0], x: "1" }] }), "invalid_graph", /nodes\.0\.x/],
      [
        "duplicate node ids",
        (g) => ({ ...g, nodes: [g.nodes[0], g.nodes[0]], edges: [] }),
        "invalid_graph",
        /duplicate node id/,
      ],
    ];
    it.each(cases)("%s", async (_name, mutate, code, message) => {
      await hub.api("/api/graphs/keep", jsonRequest("PUT", demoGraph()));
      const before = await hub.api("/api/graphs/keep");
      const response = await hub.api<ErrorBody>("/api/graphs/keep", jsonRequest("PUT", mutate(demoGraph())));
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe(code);
      expect(response.body.error.message).toMatch(message);
      expect(await hub.api("/api/graphs/keep")).toEqual(before);
    });

    it("malformed JSON body", async () => {
      const response = await hub.api<ErrorBody>("/api/graphs/keep", { method: "PUT", body: "{oops" });
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe("invalid_json");
    });

    it("unknown graph id, invalid graph id, unknown route and wrong method", async () => {
      expect(await hub.api<ErrorBody>("/api/graphs/nope-404")).toMatchObject({
        status: 404,
        body: { error: { code: "graph_not_found" } },
      });
      expect(await hub.api<ErrorBody>("/api/graphs/bad%20id")).toMatchObject({
        status: 400,
        body: { error: { code: "invalid_graph_id" } },
      });
      expect(await hub.api<ErrorBody>("/api/teleport")).toMatchObject({
        status: 404,
        body: { error: { code: "not_found" } },
      });
      expect(await hub.api<ErrorBody>("/api/graphs", { method: "PATCH" })).toMatchObject({
        status: 405,
        body: { error: { code: "method_not_allowed" } },
      });
      expect(await hub.api<ErrorBody>("/api/graphs/nope-404/start", { method: "POST" })).toMatchObject({ status: 404 });
    });

    it("a graph name that is missing or empty", async () => {
      const response = await hub.api<ErrorBody>("/api/graphs", jsonRequest("POST", { name: "  " }));
      expect(response).toMatchObject({ status: 400, body: { error: { code: "invalid_name" } } });
    });
  });

  it("serves the editor app for unknown paths (single-page app)", async () => {
    const response = await fetch(`${hub.url}/g/some-graph`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/html/);
  });
});
