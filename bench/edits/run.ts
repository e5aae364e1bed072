// The edit benchmark's body (bundled by edits.mjs): a RoomDoc + RoomCore with in-memory stores and one
// connected worker, a 5,000-node running graph, and a client whose edits arrive as real Yjs updates.
import * as encoding from "lib0/encoding";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { DEFAULT_CONFIG, RoomCore } from "../../edge/room/core.ts";
import { MemoryDocLog } from "../../edge/room/docLog.ts";
import { MemoryLeaderStore } from "../../edge/room/leaderStore.ts";
import { MemoryQueueStore } from "../../edge/room/queueStore.ts";
import { RoomDoc } from "../../edge/room/roomDoc.ts";
import { type GraphExport, nodeProblem } from "../../shared/graph.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { moveNode, readGraph, replaceGraph, setParam } from "../../shared/ydoc.ts";

const NODES = 5000;
// Type-checked with the edge code (edge/tsconfig.json), which has no Node types: read the env through globalThis.
const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env ?? {};
const EDITS = Number(env.WEFT_BENCH_EDITS ?? 2000);

const graph: Omit<GraphExport, "id"> = {
  name: "Big",
  description: "",
  running: true,
  nodes: Array.from({ length: NODES }, (_, i) => ({
    id: `n${i}`,
    type: i % 2 ? "log" : "random",
    name: `Node ${i}`,
    x: i,
    y: i,
    params: (i % 2 ? { prefix: `p${i}` } : { intervalMs: 1000 + i }) as GraphExport["nodes"][number]["params"],
  })),
  edges: Array.from({ length: NODES / 2 }, (_, i) => ({
    id: `e${i}`,
    from: `n${2 * i}`,
    fromPort: "out",
    to: `n${2 * i + 1}`,
    toPort: "in",
  })),
};

let now = 1_700_000_000_000;
/** Frames the room sent to the worker: a move must send none (SCHED-4). */
let workerFrames = 0;

let core: RoomCore | undefined;
const doc = new RoomDoc({
  graphId: "big",
  log: new MemoryDocLog(),
  now: () => now,
  send: () => {},
  refused: (_c, code, reason) => {
    throw new Error(`refused: ${code} ${reason}`);
  },
  close: (_c, code, reason) => {
    throw new Error(`closed: ${code} ${reason}`);
  },
  editors: () => ["editor"],
  setAwarenessIds: () => {},
  changed: (change) => core?.graphChanged(change),
  report: () => {},
});
const leaderStore = new MemoryLeaderStore();
core = new RoomCore({
  graphId: "big",
  leaderStore,
  queueStore: new MemoryQueueStore(),
  config: DEFAULT_CONFIG,
  now: () => now,
  send: () => {
    workerFrames++;
  },
  sendText: () => {
    workerFrames++;
  },
  close: () => {},
  isOpen: () => true,
  graph: doc.view,
  secrets: { value: () => undefined, version: () => undefined, missing: () => "unset" },
  statusChanged: () => {},
  log: () => {},
});
doc.localEdit((d) => replaceGraph(d, graph));
core.onWorkerFrame(
  "worker",
  undefined,
  JSON.stringify({
    type: "hello",
    protocol: PROTOCOL_VERSION,
    workerId: "w1",
    name: "w1",
    version: "bench",
    labels: [],
    capacity: 10_000,
    nodeTypes: [
      { type: "random", version: "1.0.0" },
      { type: "log", version: "1.0.0" },
    ],
    load: 0,
  }),
);

// The editor: a synced copy whose every transaction reaches the room as one sync update.
const client = new Y.Doc();
Y.applyUpdate(client, Y.encodeStateAsUpdate(doc.doc));
client.on("update", (update: Uint8Array) => {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  syncProtocol.writeUpdate(encoder, update);
  now += 10; // 100 edits per second: under the rate limit
  doc.onMessage({ id: "editor", access: "editor", awarenessIds: [] }, encoding.toUint8Array(encoder));
});

function timePerEdit(edits: number, edit: (i: number) => void): number {
  for (let i = 0; i < 50; i++) edit(i); // warm up
  const started = performance.now();
  for (let i = 0; i < edits; i++) edit(i + 50);
  return ((performance.now() - started) * 1000) / edits;
}

/** What every edit cost before: read the whole graph, plan every node, fingerprint it all. */
function wholeGraphReplan(): void {
  const g = readGraph(doc.doc, "big");
  const desired = g.nodes.filter((n) => !nodeProblem(n)).map((n) => [n.id, n.type, JSON.stringify(n.params)]);
  const edges = g.edges.map((e) => `${e.from}.${e.fromPort}>${e.to}.${e.toPort}`).sort();
  JSON.stringify([desired, edges]);
}

const assigned = leaderStore.runs().filter((r) => r.kind === "assigned").length;
if (assigned !== NODES) throw new Error(`expected ${NODES} assignments, got ${assigned}`);
const baseline = timePerEdit(Math.min(EDITS, 200), () => wholeGraphReplan());
workerFrames = 0;
const move = timePerEdit(EDITS, (i) => moveNode(client, `n${i % NODES}`, i, i));
if (workerFrames !== 0) throw new Error(`moves sent ${workerFrames} frames to the worker; a move must restart nothing`);
const param = timePerEdit(EDITS, (i) => setParam(client, `n${(2 * i) % NODES}`, "intervalMs", 2000 + i));
// One unassign per edited node (a node edited again while it is still stopping gets none).
if (workerFrames === 0 || workerFrames > EDITS + 50)
  throw new Error(`param edits sent ${workerFrames} frames; expected about one each`);

const round = (x: number) => Math.round(x * 10) / 10;
for (const [figure, us] of [
  ["move", move],
  ["param_edit_restarts_one_node", param],
] as const) {
  console.log(
    JSON.stringify({
      bench: "edits",
      figure,
      nodes: NODES,
      edits: EDITS,
      us_per_edit: round(us),
      baseline_whole_graph_replan_us: round(baseline),
      ratio_to_baseline: Math.round((us / baseline) * 1000) / 1000,
    }),
  );
}
