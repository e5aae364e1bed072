// The Yjs update gate: real Yjs clients make edits; the gate must accept what the model allows and refuse
// the rest with a reason, without applying anything.
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { GraphExport } from "../../shared/graph.ts";
import { LIMITS } from "../../shared/limits.ts";
import {
  addEdge,
  addNode,
  edgesMap,
  metaMap,
  moveNode,
  nodesMap,
  removeNode,
  replaceGraph,
  setParam,
  setRunning,
} from "../../shared/ydoc.ts";
import { checkUpdate, type GateInput, type GateVerdict } from "./docGate.ts";
import { craftUpdate } from "./testing/craftUpdate.ts";

const GRAPH: Omit<GraphExport, "id"> = {
  name: "G",
  description: "",
  running: false,
  nodes: [
    { id: "a", type: "random", name: "A", x: 0, y: 0, params: { intervalMs: 50 } },
    { id: "b", type: "log", name: "B", x: 10, y: 20, params: {} },
  ],
  edges: [{ id: "e", from: "a", fromPort: "out", to: "b", toPort: "in" }],
};

const OPEN: GateInput = { docBytes: 0, docItems: 0, retired: new Map() };

/** A room document and a client synced with it. */
function pair(graph = GRAPH): { room: Y.Doc; client: Y.Doc } {
  const room = new Y.Doc();
  replaceGraph(room, graph);
  const client = new Y.Doc();
  Y.applyUpdate(client, Y.encodeStateAsUpdate(room));
  return { room, client };
}

/** The update one client transaction produces. */
function edit(client: Y.Doc, change: (doc: Y.Doc) => void): Uint8Array {
  const updates: Uint8Array[] = [];
  const listen = (u: Uint8Array) => updates.push(u);
  client.on("update", listen);
  client.transact(() => change(client));
  client.off("update", listen);
  return updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates);
}

function gate(room: Y.Doc, update: Uint8Array, input: GateInput = OPEN): GateVerdict {
  const before = Y.encodeStateVector(room);
  const verdict = checkUpdate(room, update, input);
  // The gate never changes the document.
  expect(Y.encodeStateVector(room)).toEqual(before);
  return verdict;
}

function refusal(verdict: GateVerdict): string {
  if (verdict.kind !== "refuse") throw new Error(`expected a refusal, got ${JSON.stringify(verdict)}`);
  return `${verdict.code}: ${verdict.reason}`;
}

const params = (doc: Y.Doc, id: string) => nodesMap(doc).get(id)?.get("params") as Y.Map<unknown>;

describe("the update gate accepts every edit the editor makes", () => {
  const edits: Array<[string, (doc: Y.Doc) => void]> = [
    ["a move", (d) => moveNode(d, "a", 100, 200)],
    ["a rename", (d) => (nodesMap(d).get("a") as Y.Map<unknown>).set("name", "Alpha")],
    ["a param", (d) => setParam(d, "a", "intervalMs", 75)],
    ["a new node", (d) => addNode(d, { id: "c", type: "factorize", name: "C", x: 1, y: 1, params: {} })],
    [
      "a node of a type the hub does not know",
      (d) => addNode(d, { id: "p", type: "@acme/ocr", name: "", x: 0, y: 0, params: {} }),
    ],
    ["a new edge", (d) => addEdge(d, { id: "e2", from: "a", fromPort: "out", to: "b", toPort: "in", mode: "memory" })],
    ["removing a node and its edges", (d) => removeNode(d, "a")],
    ["start", (d) => setRunning(d, true)],
    [
      "a graph rename and description",
      (d) => {
        metaMap(d).set("name", "Orders");
        metaMap(d).set("description", "the order flow");
      },
    ],
    ["a code param as Y.Text", (d) => params(d, "b").set("prefix", new Y.Text("> "))],
    [
      "a disabled node with labels",
      (d) => {
        const n = nodesMap(d).get("a") as Y.Map<unknown>;
        n.set("disabled", true);
        n.set("labels", ["ml", "gpu"]);
      },
    ],
    [
      "replacing the whole graph",
      (d) => replaceGraph(d, { ...GRAPH, name: "New", nodes: [GRAPH.nodes[1]!], edges: [] }),
    ],
    ["deleting a param", (d) => params(d, "a").delete("intervalMs")],
    [
      "SECRET-1: a reference to a secret in a secret param",
      (d) =>
        addNode(d, {
          id: "post",
          type: "http-request",
          name: "",
          x: 0,
          y: 0,
          params: { authorization: { $secret: "HOOK" } },
        }),
    ],
  ];
  for (const [what, change] of edits) {
    it(what, () => {
      const { room, client } = pair();
      const update = edit(client, change);
      expect(gate(room, update)).toMatchObject({ kind: "apply" });
      Y.applyUpdate(room, update);
      expect(Y.encodeStateAsUpdate(room)).toEqual(Y.encodeStateAsUpdate(client));
    });
  }

  it("typing into a code param, keystroke by keystroke", () => {
    const { room, client } = pair();
    const first = edit(client, (d) => params(d, "b").set("prefix", new Y.Text("")));
    Y.applyUpdate(room, first);
    for (const ch of "hello") {
      const u = edit(client, () => {
        const text = params(client, "b").get("prefix") as Y.Text;
        text.insert(text.length, ch);
      });
      expect(gate(room, u).kind).toBe("apply");
      Y.applyUpdate(room, u);
    }
    expect((params(room, "b").get("prefix") as Y.Text).toString()).toBe("hello");
  });

  it("an update the room already has is a no-op; so is an empty one", () => {
    const { room, client } = pair();
    const update = edit(client, (d) => moveNode(d, "a", 5, 5));
    Y.applyUpdate(room, update);
    expect(gate(room, update)).toEqual({ kind: "noop" });
    expect(gate(room, Y.encodeStateAsUpdate(client, Y.encodeStateVector(room)))).toEqual({ kind: "noop" });
  });

  it("a client's full state on reconnect (sync step 2) passes", () => {
    const { room, client } = pair();
    edit(client, (d) => addNode(d, { id: "c", type: "log", name: "C", x: 0, y: 0, params: { prefix: "x" } }));
    edit(client, (d) => moveNode(d, "c", 9, 9));
    const step2 = Y.encodeStateAsUpdate(client, Y.encodeStateVector(room));
    expect(gate(room, step2).kind).toBe("apply");
  });

  it("an update that builds on one the room lacks asks for a resync; so does a deletion of unknown items", () => {
    const { room, client } = pair();
    edit(client, (d) => addNode(d, { id: "c", type: "log", name: "C", x: 0, y: 0, params: {} }));
    const later = edit(client, (d) => moveNode(d, "c", 1, 2));
    expect(gate(room, later)).toEqual({ kind: "missing" });
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(client));
    const deletion = edit(other, (d) => nodesMap(d).delete("c"));
    expect(gate(room, deletion)).toEqual({ kind: "missing" });
  });
});

describe("the update gate refuses what breaks the model, naming it", () => {
  const hostile: Array<[string, (doc: Y.Doc) => void, RegExp]> = [
    [
      "10,000 nested Y.Maps in a param",
      (d) => {
        let cursor = params(d, "a");
        for (let i = 0; i < 10_000; i++) {
          const next = new Y.Map<unknown>();
          cursor.set("deep", next);
          cursor = next;
        }
      },
      /invalid_update: node "a": param "deep" may be JSON or code text, not a nested Yjs type/,
    ],
    [
      "a BigInt param (a 20-byte update)",
      (d) => params(d, "a").set("big", 10n),
      /param "big" must be JSON, got the BigInt 10/,
    ],
    [
      "a NaN coordinate",
      (d) => (nodesMap(d).get("a") as Y.Map<unknown>).set("x", Number.NaN),
      /node "a": x must be a finite number/,
    ],
    [
      "a 300-character name",
      (d) => (nodesMap(d).get("a") as Y.Map<unknown>).set("name", "n".repeat(300)),
      /name must be at most 200/,
    ],
    ["a graph name of 1 MB", (d) => metaMap(d).set("name", "n".repeat(1_000_000)), /meta\.name must be at most 200/],
    [
      "a node id that fails the pattern",
      (d) => addNode(d, { id: "bad id", type: "log", name: "", x: 0, y: 0, params: {} }),
      /node id "bad id" must be 1-64/,
    ],
    ["a node without a type", (d) => nodesMap(d).set("c", new Y.Map()), /new node "c" has no type/],
    [
      "a type with a newline",
      (d) => (nodesMap(d).get("a") as Y.Map<unknown>).set("type", "log\nINFO forged"),
      /node "a": type must be/,
    ],
    [
      "an unknown node field",
      (d) => (nodesMap(d).get("a") as Y.Map<unknown>).set("colour", "red"),
      /node "a" has no field "colour"/,
    ],
    ["an unknown meta field", (d) => metaMap(d).set("owner", "me"), /meta has no field "owner"/],
    ["running as a string", (d) => metaMap(d).set("running", "yes"), /meta\.running must be a boolean/],
    ["a root the document does not have", (d) => d.getMap("junk").set("x", 1), /the root "junk"/],
    ["list items in the nodes map", (d) => d.getArray("nodes").insert(0, [1]), /inserts list items into the nodes map/],
    ["a Y.Array param", (d) => params(d, "a").set("list", new Y.Array()), /not a nested Yjs type/],
    [
      "a binary param",
      (d) => params(d, "a").set("bin", new Uint8Array([1, 2])),
      /must be a plain value, got binary data/,
    ],
    [
      "an edge with an unknown field",
      (d) => edgesMap(d).set("x", { from: "a", fromPort: "out", to: "b", toPort: "in", w: 1 } as never),
      /edge "x" unknown field "w"/,
    ],
    [
      "an edge that is not an object",
      (d) => edgesMap(d).set("x", "a>b" as never),
      /edge "x" an edge must be an object/,
    ],
    [
      "an edge with a bad mode",
      (d) => edgesMap(d).set("x", { from: "a", fromPort: "out", to: "b", toPort: "in", mode: "fast" } as never),
      /mode: must be "durable" or "memory"/,
    ],
    ["a param name with a space", (d) => params(d, "a").set("my param", 1), /param name "my param"/],
    ["params nested 33 deep", (d) => params(d, "a").set("v", nest(33)), /is nested deeper than 32 levels/],
    [
      "201 params",
      (d) => {
        for (let i = 0; i < 201; i++) params(d, "a").set(`p${i}`, i);
      },
      /would have more than 200 params/,
    ],
    [
      "rich text in a code param",
      (d) => {
        const t = new Y.Text();
        params(d, "b").set("prefix", t);
        t.insert(0, "x", { bold: true });
      },
      /may hold only plain text/,
    ],
    [
      "a code param over 2 MiB",
      (d) => params(d, "b").set("prefix", new Y.Text("c".repeat(LIMITS.maxParamBytes + 1))),
      /would be longer than/,
    ],
  ];
  for (const [what, change, reason] of hostile) {
    it(what, () => {
      const { room, client } = pair();
      expect(refusal(gate(room, edit(client, change)))).toMatch(reason);
    });
  }

  it("one bad item refuses the whole update, good edits in it included", () => {
    const { room, client } = pair();
    const update = edit(client, (d) => {
      moveNode(d, "a", 1, 1);
      params(d, "a").set("big", 1n);
    });
    expect(refusal(gate(room, update))).toMatch(/BigInt/);
  });

  it("more nodes than the limit, counting what the same update deletes", () => {
    const many = { ...GRAPH, nodes: nodes(LIMITS.maxNodes), edges: [] };
    const { room, client } = pair(many);
    const one = edit(client, (d) => addNode(d, { id: "extra", type: "log", name: "", x: 0, y: 0, params: {} }));
    expect(refusal(gate(room, one))).toBe(
      `too_many_nodes: the graph would have ${LIMITS.maxNodes + 1} nodes; the limit is ${LIMITS.maxNodes}`,
    );
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(room));
    const swap = edit(other, (d) => {
      nodesMap(d).delete("n0");
      addNode(d, { id: "extra2", type: "log", name: "", x: 0, y: 0, params: {} });
    });
    expect(gate(room, swap).kind).toBe("apply");
  });

  it("an update over the size limit, garbage bytes, and a document that would outgrow its limits", () => {
    const { room, client } = pair();
    expect(refusal(gate(room, new Uint8Array(LIMITS.maxUpdateBytes + 1)))).toMatch(/^update_too_large/);
    expect(refusal(gate(room, new Uint8Array([5, 200, 1, 9, 9, 9])))).toMatch(/^update_undecodable/);
    const small = edit(client, (d) => moveNode(d, "a", 3, 3));
    expect(refusal(gate(room, small, { ...OPEN, docBytes: LIMITS.maxDocumentBytes }))).toMatch(
      /^document_too_large: the document would grow/,
    );
    expect(refusal(gate(room, small, { ...OPEN, docItems: LIMITS.maxDocumentItems }))).toMatch(
      /^document_too_large: the document would hold/,
    );
  });

  it("items of a retired document generation (the graph was replaced or deleted) are refused", () => {
    const { room, client } = pair();
    const update = edit(client, (d) => moveNode(d, "a", 3, 3));
    const retired = new Map([[client.clientID, 1_000]]);
    expect(refusal(gate(room, update, { ...OPEN, retired }))).toMatch(
      /^stale_document: this edit belongs to an earlier version/,
    );
  });
});

function nest(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

function nodes(count: number): GraphExport["nodes"] {
  return Array.from({ length: count }, (_, i) => ({ id: `n${i}`, type: "log", name: "", x: 0, y: 0, params: {} }));
}

describe("the update gate against crafted updates (a security review's findings)", () => {
  const C = 5000;

  it("an item whose origin is itself, or two that point at each other, are refused at once (no hang)", () => {
    const { room } = pair();
    const self = craftUpdate([[C, 0, [{ origin: [C, 0], content: { any: [1] } }]]]);
    expect(refusal(gate(room, self))).toMatch(/refers to a later item of its own/);
    const mutual = craftUpdate([
      [C, 0, [{ origin: [C + 1, 0], content: { any: [1] } }]],
      [C + 1, 0, [{ origin: [C, 0], content: { any: [2] } }]],
    ]);
    expect(refusal(gate(room, mutual))).toMatch(/refer to each other in a cycle/);
  });

  it("an item reaching back into what the room has (a struct straddling its state) is refused", () => {
    const { room } = pair();
    const known = Y.getState(room.store, room.clientID);
    const straddle = craftUpdate([
      [room.clientID, known - 1, [{ parent: { root: "meta" }, key: "name", content: { any: ["a", "b"] } }]],
    ]);
    expect(refusal(gate(room, straddle))).toMatch(/overlaps items the room already has/);
  });

  it("an item whose right origin the room lacks waits (missing), it is not stored ahead of its dependency", () => {
    const { room } = pair();
    const description = (metaMap(room) as unknown as { _map: Map<string, Y.Item> })._map.get("description") as Y.Item;
    const update = craftUpdate([
      [C, 0, [{ origin: [description.id.client, description.id.clock], right: [C + 9, 5], content: { any: ["x"] } }]],
    ]);
    expect(gate(room, update)).toEqual({ kind: "missing" });
  });

  it("a param set on a node another editor deleted meanwhile is accepted (Yjs collects it), not refused", () => {
    const { room, client: a } = pair();
    const b = new Y.Doc();
    Y.applyUpdate(b, Y.encodeStateAsUpdate(room));
    const deletion = edit(a, (d) => nodesMap(d).delete("a"));
    const concurrent = edit(b, (d) => setParam(d, "a", "intervalMs", 7));
    Y.applyUpdate(room, deletion);
    expect(gate(room, concurrent).kind).toBe("apply");
  });

  it("limits hold for a node created in the same update: 201 params, or a code text over 2 MiB", () => {
    const { room, client } = pair();
    const many = edit(client, (d) => {
      const params: Record<string, number> = {};
      for (let i = 0; i < 201; i++) params[`p${i}`] = i;
      addNode(d, { id: "big", type: "log", name: "", x: 0, y: 0, params });
    });
    expect(refusal(gate(room, many))).toMatch(/would have more than 200 params/);
    const other = new Y.Doc();
    Y.applyUpdate(other, Y.encodeStateAsUpdate(room));
    const text = edit(other, (d) => {
      addNode(d, { id: "code", type: "log", name: "", x: 0, y: 0, params: {} });
      const t = new Y.Text();
      params(d, "code").set("prefix", t);
      for (let i = 0; i < 3; i++) t.insert(t.length, "c".repeat(LIMITS.maxParamBytes / 2 + 1));
    });
    expect(refusal(gate(room, text))).toMatch(/would be longer than/);
  });

  it("SECRET-1: changing a node's type to one whose param holding a plain value is a secret is refused", () => {
    const { room, client } = pair();
    const setPlain = edit(client, (d) => setParam(d, "b", "authorization", "Bearer plain"));
    // On a log node it is just an (unknown) param...
    expect(gate(room, setPlain).kind).toBe("apply");
    Y.applyUpdate(room, setPlain);
    // ...but making the node an http-request would turn it into a secret held in the document.
    const retype = edit(client, (d) => (nodesMap(d).get("b") as Y.Map<unknown>).set("type", "http-request"));
    expect(refusal(gate(room, retype))).toMatch(/param "authorization" is a secret/);
  });
});
