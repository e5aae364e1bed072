// RoomDoc, the room's Yjs side, driven by real Yjs clients speaking the y-websocket protocol over fake sockets,
// with the in-memory DocLog. Rules cited: UPDATE-* and CLOSE-* in shared/PROTOCOL.md.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import { describe, expect, it } from "vitest";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { type GraphExport, validateGraph } from "../../shared/graph.ts";
import { LIMITS, RATES } from "../../shared/limits.ts";
import { CloseCode } from "../../shared/protocol.ts";
import { fuzzSeeds, prng } from "../../shared/testing/seeds.ts";
import {
  addEdge,
  addNode,
  metaMap,
  moveNode,
  nodesMap,
  readGraph,
  removeNode,
  replaceGraph,
  setParam,
  setRunning,
} from "../../shared/ydoc.ts";
import { MemoryDocLog } from "./docLog.ts";
import { type Access, RoomDoc } from "./roomDoc.ts";
import { type CraftedItem, craftUpdate, type Ref } from "./testing/craftUpdate.ts";

const DEMO: Omit<GraphExport, "id"> = {
  name: "Demo",
  description: "",
  running: false,
  nodes: [
    { id: "random", type: "random", name: "Random", x: 0, y: 0, params: { intervalMs: 100 } },
    { id: "log", type: "log", name: "Log", x: 300, y: 0, params: {} },
  ],
  edges: [{ id: "e1", from: "random", fromPort: "out", to: "log", toPort: "in" }],
};

/** A y-websocket client: its own Y.Doc, syncing over a fake socket to the room. */
class Client {
  readonly doc = new Y.Doc();
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  closed: { code: number; reason: string } | undefined;
  denied: string[] = [];
  refusals: Array<{ code: string; reason: string }> = [];
  awarenessSeen = 0;
  awarenessIds: number[] = [];

  constructor(
    readonly room: Harness,
    readonly id: string,
    readonly access: Access,
  ) {
    clearInterval((this.awareness as unknown as { _checkInterval: ReturnType<typeof setInterval> })._checkInterval);
    this.doc.on("update", (update: Uint8Array, origin: unknown) => {
      if (origin !== "remote") this.send(syncFrame(syncProtocol.messageYjsUpdate, update));
    });
  }

  open(): this {
    this.room.connect(this);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.send(encoding.toUint8Array(encoder));
    return this;
  }

  send(data: Uint8Array): void {
    if (!this.closed)
      this.room.doc.onMessage({ id: this.id, access: this.access, awarenessIds: this.awarenessIds }, data);
  }

  receive(data: Uint8Array): void {
    if (this.closed) return;
    const decoder = decoding.createDecoder(data);
    const type = decoding.readVarUint(decoder);
    if (type === 0) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 0);
      syncProtocol.readSyncMessage(decoder, encoder, this.doc, "remote");
      if (encoding.length(encoder) > 1) this.send(encoding.toUint8Array(encoder));
    } else if (type === 1) {
      this.awarenessSeen++;
      awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), "remote");
    } else if (type === 2) {
      decoding.readVarUint(decoder);
      this.denied.push(decoding.readVarString(decoder));
    }
  }

  edit(change: (doc: Y.Doc) => void): void {
    this.doc.transact(() => change(this.doc));
  }

  close(): void {
    if (this.closed) return;
    this.closed = { code: 1000, reason: "bye" };
    this.room.disconnect(this);
  }
}

/** A random crafted update: 1-3 items of a new or known client, referring to random structs of the room. */
function crafted(doc: Y.Doc, rand: () => number): Uint8Array {
  const known: Ref[] = [];
  for (const [client, structs] of doc.store.clients) {
    for (const s of structs) known.push([client, s.id.clock + Math.floor(rand() * s.length)]);
  }
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const ref = (): Ref =>
    known.length > 0 && rand() < 0.8 ? pick(known) : [Math.floor(rand() * 3) + 7000, Math.floor(rand() * 4)];
  const client = rand() < 0.5 ? 6000 + Math.floor(rand() * 3) : (pick(known)?.[0] ?? 6000);
  const start = Y.getState(doc.store, client) + (rand() < 0.1 ? -1 : 0);
  const items: CraftedItem[] = [];
  for (let i = 0, n = 1 + Math.floor(rand() * 3); i < n; i++) {
    const where = rand();
    const item: CraftedItem = {
      content: pick([
        { any: [pick([1, "x", null, true, { a: 1 }, [1, 2]])] },
        { any: [1, 2] },
        { text: "txt" },
        { type: pick(["map", "array", "text"] as const) },
        { deleted: 1 + Math.floor(rand() * 2) },
      ]),
    };
    if (where < 0.3) item.origin = ref();
    else if (where < 0.45) item.right = ref();
    else if (where < 0.6) item.origin = [client, Math.max(0, start + i + (rand() < 0.5 ? 0 : -1))];
    else item.parent = rand() < 0.5 ? { root: pick(["meta", "nodes", "edges", "junk"]) } : { id: ref() };
    if (!item.origin && !item.right && rand() < 0.8)
      item.key = pick(["name", "type", "x", "params", "n1", "prefix", "running"]);
    items.push(item);
  }
  return craftUpdate([[client, Math.max(0, start), items]]);
}

function syncFrame(step: number, update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, step);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

class Harness {
  now = 1_700_000_000_000;
  readonly log = new MemoryDocLog();
  readonly clients = new Map<string, Client>();
  readonly reports: Array<{ event: string; fields: Record<string, unknown> }> = [];
  changes = 0;
  doc: RoomDoc;
  private serial = 0;

  constructor() {
    this.doc = this.start();
  }

  start(): RoomDoc {
    return new RoomDoc({
      graphId: "g",
      log: this.log,
      now: () => this.now,
      send: (connId, data) => this.clients.get(connId)?.receive(data),
      refused: (connId, code, reason) => this.clients.get(connId)?.refusals.push({ code, reason }),
      close: (connId, code, reason) => {
        const client = this.clients.get(connId);
        if (!client || client.closed) return;
        client.closed = { code, reason };
        this.disconnect(client);
      },
      editors: () => [...this.clients.values()].filter((c) => !c.closed).map((c) => c.id),
      setAwarenessIds: (connId, ids) => {
        const client = this.clients.get(connId);
        if (client) client.awarenessIds = ids;
      },
      changed: () => {
        this.changes++;
      },
      report: (event, fields) => this.reports.push({ event, fields }),
    });
  }

  client(access: Access = "editor"): Client {
    return new Client(this, `c${++this.serial}`, access).open();
  }

  connect(client: Client): void {
    this.clients.set(client.id, client);
    this.doc.onConnect(client.id);
  }

  disconnect(client: Client): void {
    this.doc.onClose({ id: client.id, access: client.access, awarenessIds: client.awarenessIds });
  }

  /** What a restarted room would load from storage. */
  reloaded(): Y.Doc {
    const doc = new Y.Doc();
    for (const entry of this.log.entries()) Y.applyUpdate(doc, entry);
    return doc;
  }

  errors(): unknown[] {
    return this.reports.filter((r) => r.event === "room_doc_error");
  }
}

function seeded(): Harness {
  const h = new Harness();
  expect(h.doc.localEdit((d) => replaceGraph(d, DEMO))).toEqual({ ok: true });
  return h;
}

const graphOf = (doc: Y.Doc) => readGraph(doc, "g");

describe("RoomDoc: the editors' sync protocol", () => {
  it("an edit is stored before it reaches the other editor, and the store reloads to the same document", () => {
    const h = seeded();
    const a = h.client();
    const b = h.client();
    expect(graphOf(b.doc).nodes).toHaveLength(2);
    a.edit((d) => moveNode(d, "log", 7, 8));
    expect(graphOf(b.doc).nodes.find((n) => n.id === "log")).toMatchObject({ x: 7, y: 8 });
    expect(graphOf(h.reloaded())).toEqual(graphOf(h.doc.doc));
    expect(h.errors()).toEqual([]);
  });

  it("UPDATE-2: a viewer's edit is dropped with a reason; nobody sees it and nothing is stored", () => {
    const h = seeded();
    const viewer = h.client("viewer");
    const editor = h.client();
    const stored = h.log.entries().length;
    viewer.edit((d) => metaMap(d).set("name", "Hijacked"));
    expect(viewer.denied).toEqual(["read-only: viewers cannot edit this graph; the edit was not applied"]);
    expect(viewer.refusals.map((r) => r.code)).toEqual(["read_only"]);
    expect(viewer.closed).toBeUndefined();
    expect(graphOf(h.doc.doc).name).toBe("Demo");
    expect(graphOf(editor.doc).name).toBe("Demo");
    expect(h.log.entries()).toHaveLength(stored);
  });

  it("UPDATE-1/CLOSE-11: a hostile update is refused whole and the editor closed; the room serves everyone else", () => {
    const h = seeded();
    const attacker = h.client();
    const other = h.client();
    const stored = h.log.entries().length;
    attacker.edit((d) => {
      moveNode(d, "log", 1, 1);
      (nodesMap(d).get("log")?.get("params") as Y.Map<unknown> | undefined)?.set("big", 10n);
    });
    expect(attacker.closed?.code).toBe(CloseCode.UpdateRefused);
    expect(attacker.closed?.reason).toMatch(/^update refused: node "log": param "big" must be JSON/);
    expect(attacker.denied[0]).toMatch(/BigInt/);
    expect(h.log.entries()).toHaveLength(stored);
    expect(graphOf(other.doc).nodes.find((n) => n.id === "log")).toMatchObject({ x: 300 });
    const late = h.client();
    late.edit((d) => moveNode(d, "random", 5, 5));
    expect(graphOf(other.doc).nodes.find((n) => n.id === "random")).toMatchObject({ x: 5, y: 5 });
    expect(h.errors()).toEqual([]);
  });

  it("UPDATE-4: an edit that cannot be stored is refused, not applied; later edits work", () => {
    const h = seeded();
    const a = h.client();
    const b = h.client();
    h.log.failNextWrite = new Error("SQLITE_FULL: database or disk is full");
    a.edit((d) => metaMap(d).set("name", "Lost"));
    expect(a.closed?.code).toBe(CloseCode.UpdateRefused);
    expect(a.refusals[0]).toMatchObject({ code: "storage_failed" });
    expect(graphOf(h.doc.doc).name).toBe("Demo");
    expect(graphOf(b.doc).name).toBe("Demo");
    b.edit((d) => metaMap(d).set("name", "Kept"));
    expect(graphOf(h.reloaded()).name).toBe("Kept");
  });

  it("UPDATE-3: an update that builds on edits the room lacks asks the client for them, then applies", () => {
    const h = seeded();
    const a = h.client();
    // a's first edit is lost on the way (as if the socket dropped it); its next edit depends on it.
    const dropped = a.send.bind(a);
    a.send = () => {};
    a.edit((d) => addNode(d, { id: "c", type: "log", name: "C", x: 0, y: 0, params: {} }));
    a.send = dropped;
    a.edit((d) => moveNode(d, "c", 9, 9));
    expect(graphOf(h.doc.doc).nodes.find((n) => n.id === "c")).toMatchObject({ x: 9, y: 9 });
    expect(a.closed).toBeUndefined();
  });

  it("CLOSE-10: more messages than the rate allows close the connection with 4010", () => {
    const h = seeded();
    const a = h.client();
    for (let i = 0; i < RATES.editorMessages.burst + 5 && !a.closed; i++) a.edit((d) => moveNode(d, "log", i, i));
    expect(a.closed?.code).toBe(CloseCode.RateLimited);
    expect(a.closed?.reason).toMatch(/more than 200 messages per second/);
    // At the sustained rate nobody is closed.
    const b = h.client();
    for (let i = 0; i < 1000; i++) {
      h.now += 1000 / RATES.editorMessages.perSecond;
      b.edit((d) => moveNode(d, "random", i, i));
    }
    expect(b.closed).toBeUndefined();
  });

  it("a message over the frame limit closes with 4009; a huge state vector in sync step 1 is refused", () => {
    const h = seeded();
    const a = h.client("viewer");
    const big = new Uint8Array(LIMITS.maxUpdateBytes + 2048);
    big[0] = 1; // an awareness message
    a.send(big);
    expect(a.closed).toMatchObject({ code: CloseCode.FrameTooLarge });
    // A sync message that large carries edits: it is refused (4011), so the editor app resyncs.
    const c = h.client();
    c.send(new Uint8Array(LIMITS.maxUpdateBytes + 2048));
    expect(c.closed).toMatchObject({ code: CloseCode.UpdateRefused, reason: expect.stringMatching(/too large/) });
    const b = h.client("viewer");
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    encoding.writeVarUint(encoder, 0);
    encoding.writeVarUint8Array(encoder, new Uint8Array(3 * 1024 * 1024));
    b.send(encoding.toUint8Array(encoder));
    expect(b.closed).toMatchObject({ code: CloseCode.UpdateRefused, reason: expect.stringMatching(/state vector/) });
  });

  it("a malformed Yjs message is refused with a reason, not thrown", () => {
    const h = seeded();
    const a = h.client();
    a.send(new Uint8Array([0, 7, 1, 2]));
    expect(a.closed).toMatchObject({ code: CloseCode.UpdateRefused });
    const b = h.client();
    b.send(new Uint8Array([0, 0, 200, 200, 200]));
    expect(b.closed).toMatchObject({
      code: CloseCode.UpdateRefused,
      reason: expect.stringMatching(/not a valid Yjs message/),
    });
    expect(h.errors()).toEqual([]);
  });
});

describe("RoomDoc: presence (awareness)", () => {
  const awarenessFrame = (client: Client, clientId: number, state: unknown) => {
    client.awareness.clientID = clientId;
    // A client's first state (clock 0) is set by its Awareness constructor; real updates start at clock 1.
    if (!client.awareness.meta.has(clientId)) client.awareness.setLocalState({});
    client.awareness.setLocalState(state as Record<string, unknown>);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(client.awareness, [clientId]));
    return encoding.toUint8Array(encoder);
  };

  it("relays presence to the others and removes it when its editor leaves", () => {
    const h = seeded();
    const a = h.client();
    const b = h.client("viewer");
    a.send(awarenessFrame(a, 101, { user: { name: "Ann" }, cursor: { x: 1, y: 2 } }));
    expect(b.awareness.getStates().get(101)).toMatchObject({ user: { name: "Ann" } });
    expect(a.awarenessIds).toEqual([101]);
    a.close();
    expect(b.awareness.getStates().has(101)).toBe(false);
  });

  it("a stock client echoing others' presence (as y-websocket does) is not refused, and the echo is not relayed", () => {
    const h = seeded();
    const a = h.client();
    const b = h.client();
    const c = h.client();
    a.send(awarenessFrame(a, 101, { user: { name: "Ann" } }));
    const seenByC = c.awarenessSeen;
    // b re-sends what it heard: the same client and clock.
    const echo = encoding.createEncoder();
    encoding.writeVarUint(echo, 1);
    encoding.writeVarUint8Array(echo, awarenessProtocol.encodeAwarenessUpdate(b.awareness, [101]));
    b.send(encoding.toUint8Array(echo));
    expect(b.closed).toBeUndefined();
    expect(b.awarenessIds).toEqual([]);
    expect(c.awarenessSeen).toBe(seenByC);
  });

  it("CLOSE-17: an awareness update too large, or claiming another connection's client, closes with 4017", () => {
    const h = seeded();
    const a = h.client();
    const b = h.client();
    a.send(awarenessFrame(a, 7, { n: 1 }));
    b.send(awarenessFrame(b, 7, { n: "spoof" }));
    expect(b.closed).toMatchObject({
      code: CloseCode.AwarenessRefused,
      reason: expect.stringMatching(/belongs to another connection/),
    });
    const c = h.client();
    c.send(awarenessFrame(c, 9, { blob: "x".repeat(LIMITS.maxAwarenessBytes) }));
    expect(c.closed).toMatchObject({ code: CloseCode.AwarenessRefused, reason: expect.stringMatching(/the limit is/) });
    expect(a.closed).toBeUndefined();
  });

  it("removals of clients the room never showed are dropped, not relayed or remembered", () => {
    const h = seeded();
    const a = h.client("viewer");
    const b = h.client();
    const seen = b.awarenessSeen;
    for (let i = 0; i < 30; i++) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, 1);
      const entry = encoding.createEncoder();
      encoding.writeVarUint(entry, 1);
      encoding.writeVarUint(entry, 90_000 + i);
      encoding.writeVarUint(entry, 1);
      encoding.writeVarString(entry, "null");
      encoding.writeVarUint8Array(encoder, encoding.toUint8Array(entry));
      h.now += 100;
      a.send(encoding.toUint8Array(encoder));
    }
    expect(b.awarenessSeen).toBe(seen);
    expect([...h.doc.awareness.meta.keys()]).toEqual([h.doc.awareness.clientID]);
    expect(a.closed).toBeUndefined();
  });

  it("CLOSE-10: awareness faster than its rate closes with 4010", () => {
    const h = seeded();
    const a = h.client();
    for (let i = 0; i < RATES.awareness.burst + 2 && !a.closed; i++) a.send(awarenessFrame(a, 5, { i }));
    expect(a.closed).toMatchObject({
      code: CloseCode.RateLimited,
      reason: expect.stringMatching(/awareness updates per second/),
    });
  });
});

describe("RoomDoc: the room's own edits", () => {
  it("UPDATE-4: an edit that cannot be stored is refused whole; the document is read back from storage", () => {
    const h = seeded();
    const a = h.client();
    h.log.failNextWrite = new Error("SQLITE_FULL");
    const outcome = h.doc.localEdit((d) => setRunning(d, true));
    expect(outcome).toMatchObject({ ok: false, code: "storage_failed" });
    expect(graphOf(h.doc.doc).running).toBe(false);
    expect(graphOf(a.doc).running).toBe(false);
    expect(h.doc.localEdit((d) => setRunning(d, true))).toEqual({ ok: true });
    expect(graphOf(a.doc).running).toBe(true);
  });

  it("an edit that throws half-way stores none of it", () => {
    const h = seeded();
    const outcome = h.doc.localEdit((d) => {
      setRunning(d, true);
      throw new Error("boom");
    });
    expect(outcome.ok).toBe(false);
    expect(graphOf(h.reloaded()).running).toBe(false);
    expect(graphOf(h.doc.doc).running).toBe(false);
  });

  it("CLOSE-16: a wholesale replacement closes editors, and a stale copy cannot bring the old graph back", () => {
    const h = seeded();
    const stale = h.client();
    const outcome = h.doc.replaceWholesale(
      (d) => replaceGraph(d, { ...DEMO, name: "New", nodes: [DEMO.nodes[1]!], edges: [] }),
      CloseCode.GraphReplaced,
      "replaced",
    );
    expect(outcome).toEqual({ ok: true });
    expect(stale.closed?.code).toBe(CloseCode.GraphReplaced);
    // The stale client reconnects with its old copy: its old items are refused, the new graph stays.
    stale.closed = undefined;
    stale.open();
    expect(stale.closed).toMatchObject({
      code: CloseCode.UpdateRefused,
      reason: expect.stringMatching(/earlier version of the graph/),
    });
    expect(graphOf(h.doc.doc)).toMatchObject({ name: "New", nodes: [{ id: "log" }] });
    const fresh = h.client();
    expect(graphOf(fresh.doc)).toMatchObject({ name: "New" });
    expect(graphOf(h.reloaded())).toEqual(graphOf(h.doc.doc));
  });
});

describe("RoomDoc: seeded fuzz of editors sending valid and hostile updates", () => {
  for (const seed of fuzzSeeds([7, 11, 20261201])) {
    it(`seed ${seed}: the room never throws, storage reloads to the same state, and the graph stays exportable and deletable`, () => {
      const rand = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
      const h = seeded();
      const trail: string[] = [];
      const clients = [h.client(), h.client(), h.client("viewer")];
      const edits: Array<[string, (d: Y.Doc) => void]> = [
        ["move", (d) => moveNode(d, pick(["random", "log", "n1"]), Math.round(rand() * 500), 3)],
        ["param", (d) => setParam(d, "random", "intervalMs", Math.ceil(rand() * 1000))],
        [
          "add",
          (d) =>
            addNode(d, {
              id: `n${Math.floor(rand() * 5)}`,
              type: pick(["log", "random", "x/y"]),
              name: "",
              x: 0,
              y: 0,
              params: {},
            }),
        ],
        [
          "edge",
          (d) =>
            addEdge(d, {
              id: `e${Math.floor(rand() * 5)}`,
              from: "random",
              fromPort: "out",
              to: pick(["log", "n1", "ghost"]),
              toPort: "in",
            }),
        ],
        ["remove", (d) => removeNode(d, pick(["log", "n1", "n2"]))],
        ["rename", (d) => metaMap(d).set("name", `G${Math.floor(rand() * 9)}`)],
        ["start", (d) => setRunning(d, rand() < 0.5)],
        ["bigint", (d) => (nodesMap(d).get("random")?.get("params") as Y.Map<unknown> | undefined)?.set("b", 1n)],
        [
          "nested",
          (d) => (nodesMap(d).get("random")?.get("params") as Y.Map<unknown> | undefined)?.set("m", new Y.Map()),
        ],
        ["longname", (d) => metaMap(d).set("name", "n".repeat(500))],
        ["junk root", (d) => d.getMap("junk").set("k", 1)],
        ["typeless", (d) => nodesMap(d).set(`t${Math.floor(rand() * 3)}`, new Y.Map())],
      ];
      for (let step = 0; step < 150; step++) {
        h.now += Math.floor(rand() * 50);
        const client = pick(clients);
        if (client.closed) {
          // A refused editor reloads: a fresh copy, as the editor app does (CLOSE-11).
          clients[clients.indexOf(client)] = h.client(client.access);
          trail.push(`${client.id} reconnects`);
          continue;
        }
        if (rand() < 0.25) {
          // A crafted update: items pointing anywhere the room has (or not), with any content.
          trail.push(`${client.id}:crafted`);
          client.send(syncFrame(2, crafted(h.doc.doc, rand)));
        } else {
          const [name, edit] = pick(edits);
          trail.push(`${client.id}:${name}`);
          client.edit(edit);
        }
        const problem =
          h.errors().length > 0
            ? `room threw: ${JSON.stringify(h.errors())}`
            : JSON.stringify(graphOf(h.reloaded())) !== JSON.stringify(graphOf(h.doc.doc))
              ? "storage does not reload to the room's document"
              : h.doc.inspect().foreign
                ? "the document holds Yjs types outside the model"
                : (() => {
                    const check = validateGraph(JSON.parse(JSON.stringify(h.doc.exportGraph())), "g");
                    return check.ok ? "" : `export does not import: ${check.problem.message}`;
                  })();
        if (problem) throw new Error(`seed ${seed} step ${step}: ${problem}\nafter: ${trail.slice(-20).join(", ")}`);
      }
      // Every graph stays deletable, whatever happened.
      expect(h.doc.replaceWholesale(undefined, CloseCode.GraphDeleted, "graph deleted")).toEqual({ ok: true });
      expect(graphOf(h.reloaded()).nodes).toEqual([]);
      expect(h.errors()).toEqual([]);
    });
  }
});
