// The relay benchmark's client (bundled by relay.mjs, which starts and stops the servers): a raw protocol-2
// producer and consumer push 200-byte messages through the room's broker and through baselines measured in
// the same run — a minimal durable Durable Object relay (baseline/worker.mjs) and a bare `ws` relay in Node
// (rawRelay.ts, in a worker thread). Prints one JSON line per figure on stdout; progress goes to stderr.
import { readdirSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import WebSocket from "ws";
import { encodePublish } from "../../shared/hotFrames.ts";
import { BROKER, LIMITS } from "../../shared/limits.ts";
import { PROTOCOL_VERSION, type RoomFrame } from "../../shared/protocol.ts";
import { signAccessToken } from "../../shared/tokens.ts";

interface Config {
  hubUrl: string;
  baselineUrl: string;
  /** Process groups of the two `wrangler dev`s; their workerd processes are found by group. */
  hubPgid: number;
  baselinePgid: number;
  workerToken: string;
  authSecret: string;
  /** The bundled raw relay, run in a worker thread. */
  rawRelayPath: string;
}

const config = JSON.parse(process.env.WEFT_BENCH_RELAY_CONFIG ?? "{}") as Config;
const MESSAGES = Number(process.env.WEFT_BENCH_RELAY_MESSAGES ?? 300_000);
const WARM = Number(process.env.WEFT_BENCH_RELAY_WARM ?? 20_000);
const ROUNDS = Number(process.env.WEFT_BENCH_RELAY_ROUNDS ?? 2);
const LATENCY_MS = Number(process.env.WEFT_BENCH_RELAY_LATENCY_MS ?? 8000);
const LATENCY_WARM_MS = 1000;
const LATENCY_RATE = 1000;
/** The latency run alternates room and baseline in this many slices each. */
const LATENCY_SLICES = 4;
/** One throughput run gives up (and reports what it measured) after this long. */
const RUN_CAP_MS = 30_000;
const SETUP_TIMEOUT_MS = 15_000;
const BATCH = LIMITS.maxBatchMessages;
/** The baselines' window of messages sent and not yet acked: the room's default channel high water. */
const WINDOW = BROKER.maxDepth;

const note = (text: string) => process.stderr.write(`relay: ${text}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const clock = () => performance.timeOrigin + performance.now();

/** A 200-byte message value: a 198-character string, 200 bytes as JSON. */
const VALUE = JSON.stringify(
  Array.from({ length: 198 }, (_, i) => "abcdefghijklmnopqrstuvwxyz0123456789"[(i * 7) % 36]).join(""),
);

async function until<T>(check: () => T | undefined | false, what: string, timeoutMs = SETUP_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

// ---- sockets ---------------------------------------------------------------------------------------------

/** One WebSocket, text frames handed to `onText` with their arrival time. */
class Link {
  closed: { code: number; reason: string } | undefined;
  failure: string | undefined;
  onText: (text: string, at: number) => void = () => {};
  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer, isBinary) => {
      if (!isBinary) this.onText(data.toString(), clock());
    });
    ws.on("close", (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    ws.on("error", (error) => {
      this.failure ??= String(error);
    });
  }

  static async open(url: string, headers: Record<string, string> = {}): Promise<Link> {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false, maxPayload: 64 << 20 });
    const link = new Link(ws);
    let refused: string | undefined;
    ws.on("unexpected-response", (_request, response) => {
      refused = `HTTP ${response.statusCode}`;
      ws.terminate();
    });
    await until(
      () => ws.readyState === WebSocket.OPEN || refused || link.closed || link.failure,
      `WebSocket ${url.split("?")[0]}`,
    );
    if (ws.readyState !== WebSocket.OPEN) throw new Error(`${url.split("?")[0]}: ${refused ?? link.failure}`);
    return link;
  }

  send(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  problem(): string | undefined {
    if (this.failure) return this.failure;
    if (this.closed) return `socket closed (${this.closed.code} ${this.closed.reason})`;
    return undefined;
  }

  async close(): Promise<void> {
    if (this.closed || this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close(1000);
    await until(() => this.closed || this.ws.readyState === WebSocket.CLOSED, "socket close", 3000).catch(() =>
      this.ws.terminate(),
    );
  }
}

/** What the drivers see of a producer: send within credit, count what was stored. */
interface Producer {
  readonly name: string;
  /** Credit left: another batch may go (it may overshoot by itself, as the protocol allows). */
  mayPublish(): boolean;
  /** Sends a frame of message JSON texts. */
  publish(texts: string[], bytes: number): void;
  /** Messages the relay confirmed stored (`published`). */
  published: number;
  /** Called when credit grows or a batch is confirmed. */
  onChange: () => void;
  problem(): string | undefined;
  close(): Promise<void>;
  stats(): Record<string, number>;
}

/**
 * What the drivers see of a consumer: how many messages each frame brought and when; acking is its own.
 * With `detail` every frame is parsed and its messages handed over (for their `ts`); without it a frame is
 * scanned for its delivery ids only (so the client's CPU stays off the relay's path), and every
 * CHECK_EVERY-th frame is parsed in full to check the scan.
 */
interface Consumer {
  detail: boolean;
  onMessages: (count: number, at: number, messages?: ReadonlyArray<{ ts: number }>) => void;
  problem(): string | undefined;
  close(): Promise<void>;
  stats(): Record<string, number>;
}

// ---- the room: raw protocol-2 workers --------------------------------------------------------------------

class RoomWorker {
  readonly assigned = new Map<string, number>();
  errors: string[] = [];
  private heartbeat: NodeJS.Timeout | undefined;
  counts = { in: 0, out: 0 };
  constructor(
    readonly link: Link,
    readonly workerId: string,
  ) {}

  /** `hot` sees every frame first (from the first one on, so no credit or assign is missed). */
  static async connect(
    graphId: string,
    workerId: string,
    nodeType: string,
    capacity: number,
    hot: (frame: RoomFrame, at: number) => boolean,
    raw: (text: string, at: number) => boolean = () => false,
  ): Promise<RoomWorker> {
    const url = `${config.hubUrl.replace("http", "ws")}/parties/graph/${graphId}?role=worker`;
    const link = await Link.open(url, { Authorization: `Bearer ${config.workerToken}` });
    const worker = new RoomWorker(link, workerId);
    let welcomed = false;
    link.onText = (text, at) => {
      if (raw(text, at)) return;
      const frame = JSON.parse(text) as RoomFrame;
      if (frame.type === "welcome") welcomed = true;
      else if (!hot(frame, at)) worker.other(frame);
    };
    link.send(
      JSON.stringify({
        type: "hello",
        protocol: PROTOCOL_VERSION,
        workerId,
        name: workerId,
        version: "bench",
        labels: [],
        capacity,
        nodeTypes: [{ type: nodeType, version: "1.0.0" }],
        load: 0,
      }),
    );
    await until(() => welcomed || link.problem(), `welcome for ${workerId}`);
    if (!welcomed) throw new Error(`${workerId}: ${link.problem()}`);
    worker.heartbeat = setInterval(() => {
      const processes = [...worker.assigned].map(([nodeId, epoch]) => ({
        nodeId,
        epoch,
        state: "running",
        in: worker.counts.in,
        out: worker.counts.out,
        errors: 0,
        lastError: null,
      }));
      link.send(JSON.stringify({ type: "heartbeat", load: worker.assigned.size, processes }));
    }, 1000);
    return worker;
  }

  /** Frames other than the hot ones the producer and consumer handle. */
  other(frame: RoomFrame): void {
    switch (frame.type) {
      case "assign":
        this.assigned.set(frame.nodeId, frame.epoch);
        this.link.send(
          JSON.stringify({
            type: "state",
            process: {
              nodeId: frame.nodeId,
              epoch: frame.epoch,
              state: "running",
              in: 0,
              out: 0,
              errors: 0,
              lastError: null,
            },
          }),
        );
        break;
      case "unassign":
        this.assigned.delete(frame.nodeId);
        this.errors.push(`unassign ${frame.nodeId}: ${frame.reason}`);
        break;
      case "error":
        // not_assigned for a heartbeat that raced an unassign is harmless; everything else is a bench failure.
        this.errors.push(`${frame.code}: ${frame.message}`);
        break;
      default:
        break;
    }
  }

  problem(): string | undefined {
    return this.errors[0] ?? this.link.problem();
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    await this.link.close();
  }
}

class RoomProducer implements Producer {
  readonly name = "room";
  published = 0;
  onChange = () => {};
  private limit = 0;
  private limitBytes = 0;
  private sent = 0;
  private sentBytes = 0;
  private seq = 0;
  private readonly counts = new Map<number, number>();
  private readonly frames = { publish: 0, published: 0, credit: 0 };
  private constructor(
    private readonly worker: RoomWorker,
    private readonly nodeId: string,
    private readonly epoch: number,
  ) {}

  static async start(graphId: string): Promise<RoomProducer> {
    let credit: { messages: number; bytes: number } | undefined;
    let producer: RoomProducer | undefined;
    const worker = await RoomWorker.connect(graphId, "bench-producer", "random", 1, (frame) => {
      // Credit for the port it publishes on (every node also has an `error` output, with its own credit).
      if (frame.type === "credit" && frame.port !== "out") return true;
      if (frame.type === "credit") {
        if (producer) producer.credit(frame.messages, frame.bytes);
        else
          credit = {
            messages: Math.max(credit?.messages ?? 0, frame.messages),
            bytes: Math.max(credit?.bytes ?? 0, frame.bytes),
          };
        return true;
      }
      if (frame.type === "published") {
        producer?.confirmed(frame.seq);
        return true;
      }
      return false;
    });
    await until(() => (worker.assigned.has("src") && credit) || worker.problem(), "assign and credit for src");
    const problem = worker.problem();
    if (problem) throw new Error(`producer: ${problem}`);
    producer = new RoomProducer(worker, "src", worker.assigned.get("src") ?? 0);
    if (credit) producer.credit(credit.messages, credit.bytes);
    return producer;
  }

  private credit(messages: number, bytes: number): void {
    this.frames.credit++;
    this.limit = Math.max(this.limit, messages);
    this.limitBytes = Math.max(this.limitBytes, bytes);
    this.onChange();
  }

  private confirmed(seq: number): void {
    this.frames.published++;
    this.published += this.counts.get(seq) ?? 0;
    this.worker.counts.out = this.published;
    this.counts.delete(seq);
    this.onChange();
  }

  mayPublish(): boolean {
    return this.sent < this.limit && this.sentBytes < this.limitBytes;
  }

  publish(texts: string[], bytes: number): void {
    const seq = ++this.seq;
    this.counts.set(seq, texts.length);
    this.sent += texts.length;
    this.sentBytes += bytes;
    this.frames.publish++;
    this.worker.link.send(encodePublish({ seq, nodeId: this.nodeId, epoch: this.epoch, port: "out" }, texts));
  }

  problem(): string | undefined {
    return this.worker.problem();
  }

  close(): Promise<void> {
    return this.worker.close();
  }

  stats(): Record<string, number> {
    return { ...this.frames };
  }
}

const CHECK_EVERY = 32;
const DELIVER_PREFIX = '{"type":"deliver"';
const MESSAGES_KEY = ',"messages":[';

/** A scanned frame disagreed with its full parse: the scan's assumptions broke. */
function checkScan(count: number, messages: ReadonlyArray<{ value?: unknown }>, what: string): void {
  if (messages.length !== count || messages.some((m) => JSON.stringify(m.value) !== VALUE)) {
    throw new Error(`${what}: scanned ${count} messages, parsed ${messages.length} (or a value changed)`);
  }
}

class RoomConsumer implements Consumer {
  detail = false;
  onMessages: Consumer["onMessages"] = () => {};
  private readonly frames = { deliver: 0, ack: 0, redelivered: 0 };
  private constructor(private readonly worker: RoomWorker) {}

  static async start(graphId: string, sinks: number): Promise<RoomConsumer> {
    let consumer: RoomConsumer | undefined;
    const early: Array<[string, number]> = [];
    const raw = (text: string, at: number) => {
      if (!text.startsWith(DELIVER_PREFIX)) return false;
      if (consumer) consumer.deliver(text, at);
      else early.push([text, at]);
      return true;
    };
    const worker = await RoomWorker.connect(graphId, "bench-consumer", "log", Math.max(10, sinks), () => false, raw);
    consumer = new RoomConsumer(worker);
    for (const [text, at] of early) consumer.deliver(text, at);
    await until(() => worker.assigned.size >= sinks || worker.problem(), `${sinks} sinks assigned`);
    const problem = worker.problem();
    if (problem) throw new Error(`consumer: ${problem}`);
    return consumer;
  }

  /** A deliver frame as encodeDeliver writes it: the envelope, then `messages`, each starting `{"d":`. */
  private deliver(text: string, at: number): void {
    this.frames.deliver++;
    const split = text.indexOf(MESSAGES_KEY);
    const head = JSON.parse(`${text.slice(0, split)}}`) as { nodeId: string; epoch: number };
    const deliveries: number[] = [];
    for (let i = text.indexOf('{"d":', split); i >= 0; i = text.indexOf('{"d":', i + 5)) {
      let j = i + 5;
      while (text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
      deliveries.push(Number(text.slice(i + 5, j)));
      if (text.startsWith(',"attempt":', j)) this.frames.redelivered++;
    }
    let messages: Array<{ d: number; ts: number; value?: unknown }> | undefined;
    if (this.detail || this.frames.deliver % CHECK_EVERY === 0) {
      messages = (JSON.parse(text) as Extract<RoomFrame, { type: "deliver" }>).messages;
      if (messages.some((m, i) => m.d !== deliveries[i])) throw new Error("room deliver: scanned ids differ");
      if (!this.detail) checkScan(deliveries.length, messages, "room deliver");
    }
    this.worker.link.send(
      JSON.stringify({ type: "ack", nodeId: head.nodeId, epoch: head.epoch, deliveries } satisfies {
        type: "ack";
        nodeId: string;
        epoch: number;
        deliveries: number[];
      }),
    );
    this.frames.ack++;
    this.worker.counts.in += deliveries.length;
    this.onMessages(deliveries.length, at, messages);
  }

  problem(): string | undefined {
    return this.worker.problem();
  }

  close(): Promise<void> {
    return this.worker.close();
  }

  stats(): Record<string, number> {
    return { ...this.frames };
  }
}

// ---- the baselines: one wire protocol for the durable DO relay and the raw ws relay ------------------------

class RelayProducer implements Producer {
  published = 0;
  onChange = () => {};
  private sent = 0;
  private done = 0;
  private readonly unpublished: number[] = [];
  private readonly undone: number[] = [];
  private head = { published: 0, done: 0 };
  private readonly frames = { publish: 0, published: 0, done: 0 };
  private seq = 0;
  private constructor(
    readonly name: string,
    private readonly link: Link,
  ) {
    link.onText = (text) => {
      if (text.startsWith('{"type":"published"')) {
        this.frames.published++;
        this.published += this.unpublished[this.head.published++] ?? 0;
      } else if (text.startsWith('{"type":"done"')) {
        this.frames.done++;
        this.done += this.undone[this.head.done++] ?? 0;
      }
      this.onChange();
    };
  }

  static async start(name: string, url: string): Promise<RelayProducer> {
    return new RelayProducer(name, await Link.open(url));
  }

  /** The room's rule with a fixed window: up to WINDOW messages sent and not yet acked by the consumer. */
  mayPublish(): boolean {
    return this.sent < this.done + WINDOW;
  }

  publish(texts: string[]): void {
    this.sent += texts.length;
    this.unpublished.push(texts.length);
    this.undone.push(texts.length);
    this.frames.publish++;
    this.link.send(encodePublish({ seq: ++this.seq, nodeId: "src", epoch: 1, port: "out" }, texts));
  }

  problem(): string | undefined {
    return this.link.problem();
  }

  close(): Promise<void> {
    return this.link.close();
  }

  stats(): Record<string, number> {
    return { ...this.frames };
  }
}

const RELAY_HEAD = /^\{"type":"deliver","f":(\d+),"e":(\d+),"frame":/;

class RelayConsumer implements Consumer {
  detail = false;
  onMessages: Consumer["onMessages"] = () => {};
  private readonly frames = { deliver: 0, ack: 0 };
  private constructor(private readonly link: Link) {
    link.onText = (text, at) => {
      const head = RELAY_HEAD.exec(text.slice(0, 80));
      if (!head) return;
      this.frames.deliver++;
      let count = 0;
      for (let i = text.indexOf('{"id":"'); i >= 0; i = text.indexOf('{"id":"', i + 7)) count++;
      let messages: Array<{ ts: number; value?: unknown }> | undefined;
      if (this.detail || this.frames.deliver % CHECK_EVERY === 0) {
        messages = (JSON.parse(text) as { frame: { messages: Array<{ ts: number }> } }).frame.messages;
        if (!this.detail) checkScan(count, messages, "relay deliver");
      }
      link.send(`{"type":"ack","f":${head[1]},"e":${head[2]}}`);
      this.frames.ack++;
      this.onMessages(count, at, messages);
    };
  }

  static async start(url: string): Promise<RelayConsumer> {
    return new RelayConsumer(await Link.open(url));
  }

  problem(): string | undefined {
    return this.link.problem();
  }

  close(): Promise<void> {
    return this.link.close();
  }

  stats(): Record<string, number> {
    return { ...this.frames };
  }
}

// ---- CPU of the servers and of this process ----------------------------------------------------------------

const TICKS_PER_SECOND = 100;

/** Processes in a process group (wrangler and its workerd children), optionally only those named `comm…`. */
function groupPids(pgid: number, comm?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      if (Number(fields[2]) === pgid && (comm === undefined || name.startsWith(comm))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** CPU seconds the whole machine spent busy (all cores), from /proc/stat. */
function machineBusySeconds(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/** Every process of this benchmark (both servers' groups, this process) whose CPU is not "other" load. */
let ownPids: () => number[] = () => [];

function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / TICKS_PER_SECOND;
}

interface Cpu {
  serverPct: number | null;
  clientPct: number;
  serverSeconds: number | null;
  /** CPU of everything else on the machine (other people's builds and tests), percent of one core. */
  otherPct: number;
}

class CpuMeter {
  private server = 0;
  private client = 0;
  private wall = 0;
  private machine = 0;
  private own = 0;
  private ownList: number[] = [];
  constructor(private readonly pids: readonly number[]) {}
  start(): void {
    this.server = cpuSeconds(this.pids);
    const usage = process.cpuUsage();
    this.client = (usage.user + usage.system) / 1e6;
    this.ownList = ownPids();
    this.own = cpuSeconds(this.ownList);
    this.machine = machineBusySeconds();
    this.wall = performance.now();
  }
  /**
   * Percent of one core used by the server's workerd (null when the server runs in this process) and by this
   * process (producer, consumer and, for the raw relay, the relay thread), and the server's CPU seconds.
   */
  stop(): Cpu {
    const seconds = (performance.now() - this.wall) / 1000;
    const usage = process.cpuUsage();
    const client = (usage.user + usage.system) / 1e6 - this.client;
    const server = cpuSeconds(this.pids) - this.server;
    const other = machineBusySeconds() - this.machine - (cpuSeconds(this.ownList) - this.own);
    return {
      serverPct: this.pids.length > 0 ? Math.round((100 * server) / seconds) : null,
      clientPct: Math.round((100 * client) / seconds),
      serverSeconds: this.pids.length > 0 ? server : null,
      otherPct: Math.max(0, Math.round((100 * other) / seconds)),
    };
  }
}

// ---- drivers -----------------------------------------------------------------------------------------------

let idSerial = 0;

/** `count` message texts (ids unique across the whole run) stamped now, and their bytes as the room counts them. */
function makeMessages(count: number, ts: number): { texts: string[]; bytes: number } {
  const prefix = `m${(idSerial++).toString(36)}-`;
  const texts = new Array<string>(count);
  let bytes = 0;
  for (let i = 0; i < count; i++) {
    const text = `{"id":"${prefix}${i}","value":${VALUE},"ts":${ts}}`;
    texts[i] = text;
    bytes += text.length;
  }
  return { texts, bytes };
}

interface ThroughputResult {
  messages: number;
  consumerMsgPerSec: number;
  producerMsgPerSec: number;
  seconds: number;
  complete: boolean;
  cpu: Cpu;
  /** Frames each way within the measured window. */
  frames: Record<string, number>;
  sample?: unknown;
  /** Consumer msg/s before and after the room's dedup window (BROKER.dedupWindow ids) filled up. */
  split?: { before: number; after: number };
}

/**
 * Pushes WARM + MESSAGES messages in full batches as fast as credit allows. The consumer rate counts
 * messages received (each fan-out copy) after the first WARM × fanout; the producer rate counts messages
 * confirmed stored after the first WARM.
 */
async function throughput(
  producer: Producer,
  consumer: Consumer,
  fanout: number,
  cpu: CpuMeter,
  sample?: () => Promise<unknown>,
): Promise<ThroughputResult> {
  const total = WARM + MESSAGES;
  const expected = total * fanout;
  let sent = 0;
  let received = 0;
  let recvStart: { at: number; count: number } | undefined;
  let recvEnd: { at: number; count: number } | undefined;
  let recvDedup: { at: number; count: number } | undefined;
  let pubStart: { at: number; count: number } | undefined;
  let pubEnd: { at: number; count: number } | undefined;
  let sampled: Promise<unknown> | undefined;
  const frameCounts = () => ({ ...producer.stats(), ...consumer.stats() });
  let framesAtStart: Record<string, number> = {};
  const pump = () => {
    while (sent < total && producer.mayPublish()) {
      const { texts, bytes } = makeMessages(Math.min(BATCH, total - sent), Date.now());
      sent += texts.length;
      producer.publish(texts, bytes);
    }
  };
  producer.onChange = () => {
    const now = clock();
    if (!pubStart && producer.published >= WARM) pubStart = { at: now, count: producer.published };
    if (!pubEnd && producer.published >= total) pubEnd = { at: now, count: producer.published };
    pump();
  };
  consumer.detail = false;
  consumer.onMessages = (count, at) => {
    received += count;
    if (!recvStart && received >= WARM * fanout) {
      recvStart = { at, count: received };
      framesAtStart = frameCounts();
      cpu.start();
    }
    if (!sampled && sample && received >= (WARM + MESSAGES / 2) * fanout) sampled = sample().catch(String);
    if (!recvDedup && received >= BROKER.dedupWindow * fanout) recvDedup = { at, count: received };
    if (!recvEnd && received >= expected) recvEnd = { at, count: received };
  };
  const began = clock();
  pump();
  const deadline = Date.now() + RUN_CAP_MS;
  while (!(recvEnd && pubEnd) && Date.now() < deadline) {
    const problem = producer.problem() ?? consumer.problem();
    if (problem) throw new Error(problem);
    await sleep(20);
  }
  const now = clock();
  if (!recvStart) throw new Error(`only ${received} of ${WARM * fanout} warm-up messages arrived in ${RUN_CAP_MS} ms`);
  const usage = cpu.stop();
  const frames = Object.fromEntries(Object.entries(frameCounts()).map(([k, v]) => [k, v - (framesAtStart[k] ?? 0)]));
  const end = recvEnd ?? { at: now, count: received };
  const pEnd = pubEnd ?? { at: now, count: producer.published };
  const pStart = pubStart ?? { at: began, count: 0 };
  const seconds = (end.at - recvStart.at) / 1000;
  return {
    messages: Math.round((end.count - recvStart.count) / fanout),
    consumerMsgPerSec: (end.count - recvStart.count) / seconds,
    producerMsgPerSec: (pEnd.count - pStart.count) / ((pEnd.at - pStart.at) / 1000),
    seconds,
    complete: recvEnd !== undefined,
    cpu: usage,
    frames,
    sample: await sampled,
    split:
      recvDedup && recvEnd && recvDedup.count > recvStart.count
        ? {
            before: (recvDedup.count - recvStart.count) / ((recvDedup.at - recvStart.at) / 1000),
            after: (recvEnd.count - recvDedup.count) / ((recvEnd.at - recvDedup.at) / 1000),
          }
        : undefined,
  };
}

interface LatencyResult {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  achievedMsgPerSec: number;
  samples: number;
  framesPerSec: number;
  /** Messages slower than 10 and 30 ms. */
  over10: number;
  over30: number;
}

interface LatencySlice {
  latencies: number[];
  frames: number;
  seconds: number;
}

/**
 * A source emitting LATENCY_RATE messages per second for `warmMs + durationMs`, batched as the real
 * publisher does (a frame goes BROKER.lingerMs after its first message, or when full); the consumer records
 * arrival − ts of each message sent after the warm-up.
 */
async function latencySlice(
  producer: Producer,
  consumer: Consumer,
  warmMs: number,
  durationMs: number,
): Promise<LatencySlice> {
  const t0 = clock();
  const measureFrom = t0 + warmMs;
  const stopAt = measureFrom + durationMs;
  const total = Math.round(((warmMs + durationMs) * LATENCY_RATE) / 1000);
  const prefix = `lat${idSerial++}-`;
  let emitted = 0;
  let buffer: Array<{ text: string; bytes: number }> = [];
  let linger: NodeJS.Timeout | undefined;
  let frames = 0;
  const latencies: number[] = [];
  let received = 0;
  const flush = () => {
    clearTimeout(linger);
    linger = undefined;
    if (buffer.length === 0) return;
    if (!producer.mayPublish()) {
      linger = setTimeout(flush, 1);
      return;
    }
    const batch = buffer;
    buffer = [];
    frames++;
    producer.publish(
      batch.map((m) => m.text),
      batch.reduce((sum, m) => sum + m.bytes, 0),
    );
  };
  producer.onChange = () => {};
  consumer.detail = true;
  consumer.onMessages = (count, at, messages) => {
    received += count;
    for (const m of messages ?? []) if (m.ts >= measureFrom && m.ts < stopAt) latencies.push(at - m.ts);
  };
  const ticker = setInterval(() => {
    const due = Math.min(total, Math.floor(((clock() - t0) * LATENCY_RATE) / 1000));
    while (emitted < due) {
      const text = `{"id":"${prefix}${emitted}","value":${VALUE},"ts":${clock()}}`;
      emitted++;
      buffer.push({ text, bytes: text.length });
      if (buffer.length >= BATCH) flush();
      else linger ??= setTimeout(flush, BROKER.lingerMs);
    }
  }, 1);
  try {
    await until(
      () => emitted >= total || producer.problem() || consumer.problem(),
      "the paced source",
      warmMs + durationMs + 10_000,
    );
    await until(() => received >= total || producer.problem() || consumer.problem(), "the last messages", 10_000);
  } finally {
    clearInterval(ticker);
    clearTimeout(linger);
  }
  const problem = producer.problem() ?? consumer.problem();
  if (problem) throw new Error(problem);
  return { latencies, frames, seconds: (warmMs + durationMs) / 1000 };
}

function summarize(slices: LatencySlice[]): LatencyResult {
  const latencies = slices.flatMap((s) => s.latencies).sort((a, b) => a - b);
  const seconds = slices.reduce((sum, s) => sum + s.seconds, 0);
  const measured = slices.length * (LATENCY_MS / LATENCY_SLICES / 1000);
  const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? 0;
  return {
    p50Ms: round2(at(50)),
    p99Ms: round2(at(99)),
    maxMs: round2(latencies[latencies.length - 1] ?? 0),
    achievedMsgPerSec: Math.round(latencies.length / measured),
    samples: latencies.length,
    framesPerSec: Math.round(slices.reduce((sum, s) => sum + s.frames, 0) / seconds),
    over10: latencies.filter((l) => l > 10).length,
    over30: latencies.filter((l) => l > 30).length,
  };
}

// ---- setups ------------------------------------------------------------------------------------------------

let adminToken = "";

async function api(path: string, init: RequestInit = {}): Promise<unknown> {
  const response = await fetch(config.hubUrl + path, {
    ...init,
    headers: { ...init.headers, authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

let graphSerial = 0;

async function roomPair(
  mode: "durable" | "memory",
  sinks: number,
): Promise<{
  graphId: string;
  producer: RoomProducer;
  consumer: RoomConsumer;
}> {
  const graphId = `relay-${mode}-${sinks}-${++graphSerial}`;
  const sinkIds = Array.from({ length: sinks }, (_, i) => (sinks === 1 ? "sink" : `sink${i + 1}`));
  await api(`/api/graphs/${graphId}`, {
    method: "PUT",
    body: JSON.stringify({
      id: graphId,
      name: `relay bench ${graphId}`,
      description: "",
      running: true,
      nodes: [
        { id: "src", type: "random", name: "Source", x: 0, y: 0, params: { intervalMs: 1000 } },
        ...sinkIds.map((id, i) => ({ id, type: "log", name: id, x: 300, y: i * 100, params: { prefix: "" } })),
      ],
      edges: sinkIds.map((to, i) => ({ id: `e${i + 1}`, from: "src", fromPort: "out", to, toPort: "in", mode })),
    }),
  });
  const producer = await RoomProducer.start(graphId);
  const consumer = await RoomConsumer.start(graphId, sinks);
  return { graphId, producer, consumer };
}

let relaySerial = 0;

async function relayPair(
  kind: "durable-do" | "raw-ws",
  base: string,
  fanout: number,
): Promise<{ producer: RelayProducer; consumer: RelayConsumer }> {
  const path = kind === "durable-do" ? `/relay/bench-${++relaySerial}` : "/";
  const consumer = await RelayConsumer.start(`${base}${path}?role=consumer`);
  const producer = await RelayProducer.start(kind, `${base}${path}?role=producer&fanout=${fanout}`);
  return { producer, consumer };
}

async function closeAll(...sides: Array<{ close(): Promise<void> }>): Promise<void> {
  await Promise.all(sides.map((s) => s.close()));
}

/** Edge depth and in-flight counts of a room, sampled mid-run (where the messages wait). */
function edgeSampler(graphId: string): () => Promise<unknown> {
  return async () => {
    const status = (await api(`/api/graphs/${graphId}/status`)) as {
      edges: Array<{ id: string; depth: number; inflight: number; paused: boolean }>;
    };
    return status.edges.map((e) => ({ edge: e.id, depth: e.depth, inflight: e.inflight, paused: e.paused }));
  };
}

// ---- figures -----------------------------------------------------------------------------------------------

const round = (x: number) => Math.round(x);
const round2 = (x: number) => Math.round(x * 100) / 100;

/** Server CPU milliseconds per publish frame (1000 messages, all its fan-out copies) in the measured window. */
function cpuPerFrame(r: ThroughputResult): number | null {
  const frames = r.frames.publish ?? 0;
  return r.cpu.serverSeconds === null || frames === 0 ? null : round2((1000 * r.cpu.serverSeconds) / frames);
}

function describe(label: string, r: ThroughputResult): string {
  const f = r.frames;
  const server =
    r.cpu.serverPct === null
      ? ""
      : `server workerd ${r.cpu.serverPct} % of a core (${cpuPerFrame(r)} ms per publish frame), `;
  return (
    `${label}: ${round(r.consumerMsgPerSec)} msg/s received, ${round(r.producerMsgPerSec)} msg/s stored ` +
    `(${r.messages} messages in ${r.seconds.toFixed(2)} s${r.complete ? "" : ", CUT OFF"}); ` +
    `${server}this process ${r.cpu.clientPct} %, other load on the machine ${r.cpu.otherPct} %; frames/s ` +
    Object.entries(f)
      .map(([k, v]) => `${k} ${Math.round(v / r.seconds)}`)
      .join(", ") +
    (r.split
      ? `; received ${round(r.split.before)} msg/s until ${BROKER.dedupWindow} ids were published, ${round(r.split.after)} msg/s after`
      : "") +
    (r.sample ? `; mid-run edges ${JSON.stringify(r.sample)}` : "")
  );
}

const started = Date.now();
/** Extra rounds are skipped once the run is this far in, so the whole bench stays within its deadline. */
const EXTRA_ROUNDS_UNTIL_MS = 120_000;
const moreRounds = (round: number) => round === 1 || (round <= ROUNDS && Date.now() - started < EXTRA_ROUNDS_UNTIL_MS);

const best = (runs: ThroughputResult[]) => runs.reduce((a, b) => (b.consumerMsgPerSec > a.consumerMsgPerSec ? b : a));

async function durableFigure(sinks: number, hubCpu: CpuMeter, baseCpu: CpuMeter): Promise<void> {
  const label = sinks === 1 ? "durable_1to1" : `durable_1to${sinks}`;
  const room: ThroughputResult[] = [];
  const base: ThroughputResult[] = [];
  for (let round = 1; round <= ROUNDS && moreRounds(round); round++) {
    const r = await roomPair("durable", sinks);
    try {
      room.push(await throughput(r.producer, r.consumer, sinks, hubCpu, edgeSampler(r.graphId)));
    } finally {
      await closeAll(r.producer, r.consumer);
    }
    note(describe(`${label} room round ${round}`, room[room.length - 1] as ThroughputResult));
    const b = await relayPair("durable-do", config.baselineUrl.replace("http", "ws"), sinks);
    try {
      base.push(await throughput(b.producer, b.consumer, sinks, baseCpu));
    } finally {
      await closeAll(b.producer, b.consumer);
    }
    note(describe(`${label} baseline DO round ${round}`, base[base.length - 1] as ThroughputResult));
  }
  emit(
    label,
    room,
    base,
    { msgPerSec: 120_000, ratio: 0.7 },
    "minimal SQLite Durable Object relay (one INSERT per frame)",
  );
}

async function memoryFigure(relayUrl: string, hubCpu: CpuMeter, clientOnly: CpuMeter): Promise<void> {
  const label = "memory_1to1";
  const room: ThroughputResult[] = [];
  const base: ThroughputResult[] = [];
  for (let round = 1; round <= ROUNDS && moreRounds(round); round++) {
    const r = await roomPair("memory", 1);
    try {
      room.push(await throughput(r.producer, r.consumer, 1, hubCpu, edgeSampler(r.graphId)));
    } finally {
      await closeAll(r.producer, r.consumer);
    }
    note(describe(`${label} room round ${round}`, room[room.length - 1] as ThroughputResult));
    const b = await relayPair("raw-ws", relayUrl, 1);
    try {
      base.push(await throughput(b.producer, b.consumer, 1, clientOnly));
    } finally {
      await closeAll(b.producer, b.consumer);
    }
    note(describe(`${label} raw ws relay round ${round}`, base[base.length - 1] as ThroughputResult));
  }
  emit(label, room, base, { msgPerSec: 300_000, ratio: 0.5 }, "raw ws relay in Node (worker thread, no storage)");
}

function emit(
  figure: string,
  room: ThroughputResult[],
  base: ThroughputResult[],
  target: { msgPerSec: number; ratio: number },
  baseline: string,
): void {
  const r = best(room);
  const b = best(base);
  const ratio = round2(r.consumerMsgPerSec / b.consumerMsgPerSec);
  const line = {
    bench: "relay",
    figure,
    msgPerSec: round(r.consumerMsgPerSec),
    producerMsgPerSec: round(r.producerMsgPerSec),
    baselineMsgPerSec: round(b.consumerMsgPerSec),
    baselineProducerMsgPerSec: round(b.producerMsgPerSec),
    ratio,
    target,
    met: r.consumerMsgPerSec >= target.msgPerSec && ratio >= target.ratio,
    messages: r.messages,
    complete: r.complete && b.complete,
    rounds: room.length,
    runsMsgPerSec: room.map((x) => round(x.consumerMsgPerSec)),
    baselineRunsMsgPerSec: base.map((x) => round(x.consumerMsgPerSec)),
    roomServerCpuPct: r.cpu.serverPct,
    roomServerCpuMsPerFrame: cpuPerFrame(r),
    roomClientCpuPct: r.cpu.clientPct,
    baselineServerCpuPct: b.cpu.serverPct,
    baselineServerCpuMsPerFrame: cpuPerFrame(b),
    baselineClientCpuPct: b.cpu.clientPct,
    otherLoadCpuPct: Math.max(r.cpu.otherPct, b.cpu.otherPct),
    /** The room's rate before and after its dedup window of message ids filled (the run's first ~100k ids). */
    roomMsgPerSecUntilDedupFull: r.split ? round(r.split.before) : null,
    roomMsgPerSecAfterDedupFull: r.split ? round(r.split.after) : null,
    baseline,
    messageValueBytes: VALUE.length,
    batch: BATCH,
    loadAvg1m: round2(loadavg()[0] ?? 0),
  };
  console.log(JSON.stringify(line));
}

/**
 * The room and the baseline DO take turns in LATENCY_SLICES slices each (room, baseline, room, …), so that
 * whatever else the machine does falls on both alike.
 */
async function latencyFigure(hubCpu: CpuMeter): Promise<void> {
  const r = await roomPair("durable", 1);
  const b = await relayPair("durable-do", config.baselineUrl.replace("http", "ws"), 1);
  const roomSlices: LatencySlice[] = [];
  const baseSlices: LatencySlice[] = [];
  try {
    const slice = LATENCY_MS / LATENCY_SLICES;
    hubCpu.start();
    for (let i = 0; i < LATENCY_SLICES; i++) {
      const warm = i === 0 ? LATENCY_WARM_MS : 0;
      roomSlices.push(await latencySlice(r.producer, r.consumer, warm, slice));
      baseSlices.push(await latencySlice(b.producer, b.consumer, warm, slice));
    }
  } finally {
    await closeAll(r.producer, r.consumer, b.producer, b.consumer);
  }
  const cpu = hubCpu.stop();
  const room = summarize(roomSlices);
  const base = summarize(baseSlices);
  const perSlice = (slices: LatencySlice[]) =>
    slices.map((s) => `${summarize([s]).p50Ms}/${summarize([s]).p99Ms}`).join(", ");
  note(`latency room: ${JSON.stringify(room)}; p50/p99 ms per slice ${perSlice(roomSlices)}`);
  note(`latency baseline DO: ${JSON.stringify(base)}; p50/p99 ms per slice ${perSlice(baseSlices)}`);
  note(`latency run: room workerd ${cpu.serverPct} % of a core, other load on the machine ${cpu.otherPct} %`);
  const target = { p50Ms: 5, p99Ms: 30 };
  console.log(
    JSON.stringify({
      bench: "relay",
      figure: "latency_durable_1000",
      p50Ms: room.p50Ms,
      p99Ms: room.p99Ms,
      maxMs: room.maxMs,
      achievedMsgPerSec: room.achievedMsgPerSec,
      baselineP50Ms: base.p50Ms,
      baselineP99Ms: base.p99Ms,
      baselineAchievedMsgPerSec: base.achievedMsgPerSec,
      ratio: round2(room.p50Ms / base.p50Ms),
      ratioP99: round2(room.p99Ms / base.p99Ms),
      ratioMeaning: "room / baseline latency (lower is better)",
      target,
      met: room.p50Ms < target.p50Ms && room.p99Ms < target.p99Ms,
      messages: room.samples,
      framesPerSec: room.framesPerSec,
      over30Ms: room.over30,
      baselineOver30Ms: base.over30,
      sliceP99Ms: roomSlices.map((x) => summarize([x]).p99Ms),
      baselineSliceP99Ms: baseSlices.map((x) => summarize([x]).p99Ms),
      lingerMs: BROKER.lingerMs,
      rateMsgPerSec: LATENCY_RATE,
      slices: LATENCY_SLICES,
      roomServerCpuPct: cpu.serverPct,
      otherLoadCpuPct: cpu.otherPct,
      loadAvg1m: round2(loadavg()[0] ?? 0),
      baseline: "minimal SQLite Durable Object relay (one INSERT per frame)",
    }),
  );
}

/** WEFT_BENCH_RELAY_FIGURES=a,b runs only those figures (for working on one). */
const FIGURES = process.env.WEFT_BENCH_RELAY_FIGURES?.split(",").filter(Boolean);
const wanted = (figure: string) => !FIGURES || FIGURES.includes(figure);

async function main(): Promise<void> {
  adminToken = await signAccessToken(config.authSecret, { user: "bench", role: "admin", ttlSeconds: 3600 });
  const hubCpu = new CpuMeter(groupPids(config.hubPgid, "workerd"));
  const baseCpu = new CpuMeter(groupPids(config.baselinePgid, "workerd"));
  ownPids = () => [...groupPids(config.hubPgid), ...groupPids(config.baselinePgid), process.pid];
  const clientOnly = new CpuMeter([]);
  note(`${MESSAGES} messages (+${WARM} warm-up) per run, ${ROUNDS} rounds, best round reported`);

  const relay = new Worker(config.rawRelayPath);
  relay.on("error", (error) => note(`raw relay failed: ${error}`));
  try {
    const port = await new Promise<number>((done, fail) => {
      relay.once("message", (m: { port: number }) => done(m.port));
      relay.once("error", fail);
      setTimeout(() => fail(new Error("raw relay did not start")), 5000).unref();
    });
    if (wanted("durable_1to1")) await durableFigure(1, hubCpu, baseCpu);
    if (wanted("durable_1to3")) await durableFigure(3, hubCpu, baseCpu);
    if (wanted("memory_1to1")) await memoryFigure(`ws://127.0.0.1:${port}`, hubCpu, clientOnly);
    if (wanted("latency_durable_1000")) await latencyFigure(hubCpu);
  } finally {
    await relay.terminate();
  }
}

try {
  await main();
} catch (error) {
  note(`failed: ${(error as Error).stack ?? error}`);
  process.exitCode = 1;
}
