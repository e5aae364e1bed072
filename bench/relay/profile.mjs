// The relay benchmark's profile (bundled and run by relay.mjs after the figures; stderr only): the room's pure
// core (RoomCore + Broker over the in-memory stores, no workerd, no SQLite, no sockets) driven in Node with
// the same 1000-message publish frames as the live run, timed per phase. Set beside the workerd CPU per frame
// the live run measured, it splits the room's cost into broker code and runtime (sockets, SQLite, shell).
import { DEFAULT_CONFIG, RoomCore } from "../../edge/room/core.ts";
import { MemoryDocLog } from "../../edge/room/docLog.ts";
import { MemoryLeaderStore } from "../../edge/room/leaderStore.ts";
import { MemoryQueueStore } from "../../edge/room/queueStore.ts";
import { RoomDoc } from "../../edge/room/roomDoc.ts";
import { encodeDeliver, encodePublish } from "../../shared/hotFrames.ts";
import { BROKER, LIMITS } from "../../shared/limits.ts";
import { PROTOCOL_VERSION, parseWorkerFrame } from "../../shared/protocol.ts";
import { replaceGraph } from "../../shared/ydoc.ts";

const FRAMES = Number(process.env.WEFT_BENCH_RELAY_PROFILE_FRAMES ?? 160);
/** The profile stops early past this, whatever it has measured by then. */
const BUDGET_MS = 20_000;
const BATCH = LIMITS.maxBatchMessages;
const VALUE = JSON.stringify(
  Array.from({ length: 198 }, (_, i) => "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7) % 36]).join(""),
);
const note = (text) => process.stderr.write(`relay profile: ${text}\n`);

let now = 1_700_000_000_000;
let core;
const toProducer = [];
const toConsumer = [];
const doc = new RoomDoc({
  graphId: "profile",
  log: new MemoryDocLog(),
  now: () => now,
  send: () => {},
  refused: () => {},
  close: () => {},
  editors: () => [],
  setAwarenessIds: () => {},
  changed: (change) => core?.graphChanged(change),
  report: () => {},
});
core = new RoomCore({
  graphId: "profile",
  leaderStore: new MemoryLeaderStore(),
  queueStore: new MemoryQueueStore(),
  config: DEFAULT_CONFIG,
  now: () => now,
  send: (connId, frame) => (connId === "p" ? toProducer : toConsumer).push(frame),
  sendText: (connId, text) => (connId === "p" ? toProducer : toConsumer).push(text),
  close: (connId, code, reason) => {
    throw new Error(`the core closed ${connId}: ${code} ${reason}`);
  },
  isOpen: () => true,
  graph: doc.view,
  secrets: { value: () => undefined, version: () => undefined, missing: () => "unset" },
  statusChanged: () => {},
  log: () => {},
});
doc.localEdit((d) =>
  replaceGraph(d, {
    name: "profile",
    description: "",
    running: true,
    nodes: [
      { id: "src", type: "random", name: "Source", x: 0, y: 0, params: { intervalMs: 1000 } },
      { id: "sink", type: "log", name: "Sink", x: 300, y: 0, params: { prefix: "" } },
    ],
    edges: [{ id: "e1", from: "src", fromPort: "out", to: "sink", toPort: "in" }],
  }),
);
const hello = (workerId, type) =>
  JSON.stringify({
    type: "hello",
    protocol: PROTOCOL_VERSION,
    workerId,
    name: workerId,
    version: "bench",
    labels: [],
    capacity: 10,
    nodeTypes: [{ type, version: "1.0.0" }],
    load: 0,
  });
core.onWorkerFrame("p", undefined, hello("bench-producer", "random"));
core.onWorkerFrame("c", undefined, hello("bench-consumer", "log"));
const epochOf = (frames, nodeId) =>
  frames.find((f) => typeof f === "object" && f.type === "assign" && f.nodeId === nodeId)?.epoch;
const srcEpoch = epochOf(toProducer, "src");
const sinkEpoch = epochOf(toConsumer, "sink");
if (srcEpoch === undefined || sinkEpoch === undefined) throw new Error("the core assigned no src or sink");

let serial = 0;
function publishText(seq) {
  const prefix = `p${serial++}-`;
  const texts = [];
  for (let i = 0; i < BATCH; i++) texts.push(`{"id":"${prefix}${i}","value":${VALUE},"ts":${now}}`);
  return encodePublish({ seq, nodeId: "src", epoch: srcEpoch, port: "out" }, texts);
}

function ackText(deliver) {
  const frame = JSON.parse(deliver);
  return JSON.stringify({
    type: "ack",
    nodeId: frame.nodeId,
    epoch: frame.epoch,
    deliveries: frame.messages.map((m) => m.d),
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
const ms = (x) => x.toFixed(2);

// ---- the whole core, frame by frame ------------------------------------------------------------------------
const publishMs = [];
const ackMs = [];
const began = performance.now();
for (let seq = 1; seq <= FRAMES && performance.now() - began < BUDGET_MS; seq++) {
  const text = publishText(seq);
  now += 5;
  toConsumer.length = 0;
  const t0 = performance.now();
  core.onWorkerFrame("p", "bench-producer", text);
  publishMs.push(performance.now() - t0);
  const delivers = toConsumer.filter((f) => typeof f === "string");
  if (delivers.length === 0) throw new Error(`frame ${seq}: nothing delivered`);
  let spent = 0;
  for (const deliver of delivers) {
    const ack = ackText(deliver);
    const t1 = performance.now();
    core.onWorkerFrame("c", "bench-consumer", ack);
    spent += performance.now() - t1;
  }
  ackMs.push(spent);
  const refused = toProducer.find((f) => typeof f === "object" && f.type === "error");
  if (refused) throw new Error(`frame ${seq}: ${refused.code} ${refused.message}`);
}
const window = BROKER.dedupWindow / BATCH;
const before = (xs) => median(xs.slice(10, Math.min(xs.length, window - 10)));
const after = (xs) => median(xs.slice(window + 20));
note(
  `RoomCore in Node (memory stores), per 1000-message frame, median: publish ${ms(before(publishMs))} ms, ` +
    `ack ${ms(before(ackMs))} ms while fewer than ${BROKER.dedupWindow} ids were seen; ` +
    (publishMs.length > window + 30
      ? `publish ${ms(after(publishMs))} ms, ack ${ms(after(ackMs))} ms once the dedup window is full (frames ${window + 20}-${publishMs.length})`
      : `(only ${publishMs.length} frames in the budget; the dedup window fills at frame ${window})`),
);

// ---- the parts of a publish, each alone --------------------------------------------------------------------
const sample = publishText(1);
const reps = (fn, n = 30) => {
  for (let i = 0; i < 5; i++) fn();
  const times = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  return median(times);
};
const parsed = JSON.parse(sample);
const stringified = parsed.messages.map((m) => JSON.stringify(m));
const parts = {
  "JSON.parse of the publish frame": reps(() => JSON.parse(sample)),
  "parseWorkerFrame (parse + hand checks)": reps(() => parseWorkerFrame(sample)),
  "JSON.stringify of each message": reps(() => parsed.messages.map((m) => JSON.stringify(m))),
  "join for the SQLite row": reps(() => stringified.join("\n")),
  encodeDeliver: reps(() =>
    encodeDeliver(
      { nodeId: "sink", epoch: 1, port: "in", edge: "e1" },
      stringified.map((text, i) => ({ d: 4294967296 + i, attempt: 1, text })),
    ),
  ),
};
note(
  `parts of one 1000-message frame, median: ${Object.entries(parts)
    .map(([k, v]) => `${k} ${ms(v)} ms`)
    .join("; ")}`,
);

// ---- the dedup window's eviction (Broker.remember): a Set's oldest entry via values().next() ------------------
function evictCost(kind) {
  const seen = new Set();
  const ring = new Array(BROKER.dedupWindow);
  let pos = 0;
  let n = 0;
  const remember = (id) => {
    if (seen.has(id)) return;
    seen.add(id);
    if (kind === "ring") {
      const old = ring[pos];
      if (old !== undefined) seen.delete(old);
      ring[pos] = id;
      pos = (pos + 1) % ring.length;
    } else if (seen.size > BROKER.dedupWindow) seen.delete(seen.values().next().value);
  };
  for (let i = 0; i < BROKER.dedupWindow + 30 * BATCH; i++) remember(`w${n++}-abc`);
  const t = performance.now();
  for (let i = 0; i < 20 * BATCH; i++) remember(`w${n++}-abc`);
  return (performance.now() - t) / 20;
}
note(
  `dedup window of ${BROKER.dedupWindow} ids, steady state, per 1000 ids: Set.values().next() eviction ` +
    `${ms(evictCost("set"))} ms, ring-buffer eviction ${ms(evictCost("ring"))} ms`,
);
