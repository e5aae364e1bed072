// One graph connection: connect, hello/welcome, heartbeats, reconnect with backoff, drain; frames go to a GraphRuntime.
import WebSocket from "ws";
import { TIMING } from "../shared/limits.ts";
import type { NodeTypeDef } from "../shared/nodeTypes.ts";
import { CloseCode, PROTOCOL_VERSION, parseRoomFrame, type WorkerFrameOf } from "../shared/protocol.ts";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.ts";
import type { Logger } from "./log.ts";
import { BUILTIN_IMPLS } from "./nodes/index.ts";
import { plural } from "./plural.ts";
import { GraphRuntime, type RoomLink, type RuntimeOptions } from "./runtime.ts";
import { sleep } from "./sleep.ts";
import { type OpenResult, openRoomSocket } from "./socket.ts";
import { roomUrl } from "./urls.ts";

export type AgentEnd = { kind: "stopped" } | { kind: "refused"; code: string; message: string; status?: number };
/** How a drain ended: the room said `drained`, or the connection was not up or closed meanwhile. */
export type DrainEnd = "drained" | "closed";

export interface WorkerIdentity {
  workerId: string;
  name: string;
  version: string;
  labels: string[];
  capacity: number;
}

export interface AgentOptions extends WorkerIdentity {
  hub: URL;
  graphId: string;
  token: string;
  /** Worker logger (carries workerId). */
  log: Logger;
  /** Processes held across every graph this worker serves (hello and heartbeat `load`). */
  load: () => number;
  backoff?: BackoffOptions;
  welcomeTimeoutMs?: number;
  /** A connection up at least this long resets the backoff. */
  stableAfterMs?: number;
  runtime?: Pick<RuntimeOptions, "findImpl" | "publisher" | "onProcessesChanged" | "stopFlushMs">;
  /** The node types announced in hello (built-ins and plugins); default: the built-ins. */
  nodeTypes?: readonly NodeTypeDef[];
  /** Plugins that failed to load, reported in hello so the hub shows them (PLUGIN-2). */
  problems?: readonly string[];
}

/** Budget of stop(): wait for acks of what is buffered, then for the close handshake. */
const DRAIN_MS = 700;
const CLOSE_WAIT_MS = 500;

export class GraphAgent {
  readonly graphId: string;
  readonly done: Promise<AgentEnd>;
  private readonly log: Logger;
  private readonly runtime: GraphRuntime;
  private readonly stopper = new AbortController();
  private resolveDone: (end: AgentEnd) => void = () => {};
  private ws: WebSocket | undefined;
  private welcomed = false;
  private started = false;
  private draining: Promise<DrainEnd> | undefined;
  /** Set while a drain waits for the room's `drained`. */
  private drainWait: ((end: DrainEnd) => void) | undefined;
  private heldAtStop: number | undefined;

  constructor(private readonly options: AgentOptions) {
    this.graphId = options.graphId;
    this.log = options.log.child({ graphId: options.graphId });
    this.runtime = new GraphRuntime({
      ...options.runtime,
      graphId: options.graphId,
      workerId: options.workerId,
      log: this.log,
    });
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    void this.loop().then(async (end) => {
      // A refusal or fatal close ends the graph: its processes stop too (the room reassigns them).
      await this.stopProcesses();
      const processes = this.heldAtStop ?? 0;
      const lost = this.runtime.publisher.pendingTotal();
      if (processes > 0 || lost > 0) {
        this.log.info(
          { processes, lost },
          `left graph ${this.graphId}: stopped ${plural(processes, "process", "processes")}; ` +
            `${plural(lost, "message")} not acknowledged by the room dropped`,
        );
      }
      this.runtime.close();
      this.resolveDone(end);
    });
  }

  /**
   * Drain (DRAIN-1/2): sends `drain`, lets the room move this graph's processes away (each stops
   * gracefully, SCHED-6) and, once it says `drained`, closes with 1000. A connection that is not up,
   * or closes meanwhile, ends the drain at once: nothing more can be handed over there, so its
   * processes stop and what they had un-acknowledged is dropped.
   */
  drain(): Promise<DrainEnd> {
    this.draining ??= this.runDrain();
    return this.draining;
  }

  /** Processes this graph holds (its share of the worker's load). */
  processCount(): number {
    return this.runtime.processCount();
  }

  /** Stops every process, waits briefly for pending publishes to be acked, closes with 1000. */
  async stop(): Promise<AgentEnd> {
    if (!this.started) {
      this.started = true;
      this.resolveDone({ kind: "stopped" });
    }
    if (this.stopper.signal.aborted) return this.done;
    this.stopper.abort();
    await this.stopProcesses();
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      if (this.welcomed) await this.runtime.publisher.drain(DRAIN_MS);
      ws.close(1000, "worker stopping");
    }
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      this.done.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    if (!closed) this.ws?.terminate();
    return this.done;
  }

  /** Stops every process at once; the first call notes how many there were for the final log line. */
  private async stopProcesses(): Promise<void> {
    this.heldAtStop ??= this.runtime.processCount();
    await this.runtime.stopAll();
  }

  private get stopping(): boolean {
    return this.stopper.signal.aborted;
  }

  private async runDrain(): Promise<DrainEnd> {
    const ws = this.ws;
    const processes = plural(this.processCount(), "process", "processes");
    if (this.stopping || !this.welcomed || ws?.readyState !== WebSocket.OPEN) {
      this.log.warn(`graph ${this.graphId} is not connected; stopping its ${processes} without handing them over`);
      await this.stop();
      return "closed";
    }
    const end = await new Promise<DrainEnd>((resolve) => {
      this.drainWait = resolve;
      ws.send(JSON.stringify({ type: "drain" } satisfies WorkerFrameOf<"drain">));
      this.log.debug(`asked graph ${this.graphId} to take back its ${processes}`);
    });
    if (end === "drained") this.log.info(`graph ${this.graphId} drained`);
    else this.log.warn(`graph ${this.graphId} closed the connection during the drain; stopping what is left`);
    await this.stop();
    return end;
  }

  private async loop(): Promise<AgentEnd> {
    const url = roomUrl(this.options.hub, this.graphId);
    let attempt = 0;
    while (!this.stopping && !this.draining) {
      this.log.debug({ url: url.href, attempt }, `connecting to graph ${this.graphId}`);
      const opened = await openRoomSocket(url, this.options.token, { signal: this.stopper.signal });
      if (opened.ok) {
        const session = await this.session(opened.ws);
        if (session.end) return session.end;
        if (this.draining) break;
        if (session.upMs >= (this.options.stableAfterMs ?? 10_000)) attempt = 0;
      } else if (opened.code !== "aborted") {
        if (opened.fatal) {
          const message = refusalMessage(this.graphId, opened);
          this.log.error({ status: opened.status, code: opened.code }, message);
          return { kind: "refused", code: opened.code, message, status: opened.status };
        }
        this.log.warn(
          { status: opened.status, code: opened.code },
          `could not connect to graph ${this.graphId}: ${refusalMessage(this.graphId, opened)}`,
        );
      }
      if (this.stopping || this.draining) break;
      const delayMs = backoffDelay(attempt, this.options.backoff ?? DEFAULT_BACKOFF);
      attempt += 1;
      this.log.info(
        { attempt, delayMs },
        `reconnecting to graph ${this.graphId} in ${delayMs} ms (attempt ${attempt})`,
      );
      await sleep(delayMs, this.stopper.signal);
    }
    return { kind: "stopped" };
  }

  /** Runs one open socket until it closes; returns how long it was welcomed and whether to give up. */
  private session(ws: WebSocket): Promise<{ upMs: number; end?: AgentEnd }> {
    return new Promise((resolve) => {
      this.ws = ws;
      this.welcomed = false;
      let welcomedAt: number | undefined;
      let heartbeat: NodeJS.Timeout | undefined;
      const link: RoomLink = {
        send: (text) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(text);
        },
      };
      const welcomeTimeoutMs = this.options.welcomeTimeoutMs ?? TIMING.welcomeTimeoutMs;
      const welcomeTimer = setTimeout(() => {
        this.log.warn(`no welcome from graph ${this.graphId} within ${welcomeTimeoutMs} ms`);
        ws.terminate();
      }, welcomeTimeoutMs);

      ws.on("message", (data, isBinary) => {
        if (isBinary) {
          this.log.warn("ignored a binary frame from the room");
          return;
        }
        const parsed = parseRoomFrame(rawText(data));
        if (!parsed.ok) {
          this.log.warn({ code: parsed.code }, `ignored an invalid frame from the room: ${parsed.message}`);
          return;
        }
        const frame = parsed.frame;
        if (frame.type === "welcome" && welcomedAt === undefined) {
          clearTimeout(welcomeTimer);
          welcomedAt = Date.now();
          this.welcomed = true;
          if (frame.workerId !== this.options.workerId) {
            this.log.warn({ roomWorkerId: frame.workerId }, "the room welcomed a different worker id");
          }
          this.runtime.attach(link, frame.heartbeatTimeoutMs);
          heartbeat = setInterval(() => link.send(this.runtime.heartbeat(this.options.load())), frame.heartbeatMs);
          this.log.info(
            { heartbeatMs: frame.heartbeatMs },
            `connected to graph ${this.graphId} as ${this.options.workerId}`,
          );
          return;
        }
        if (welcomedAt === undefined && frame.type !== "error") {
          this.log.warn({ type: frame.type }, "ignored a frame before welcome");
          return;
        }
        if (frame.type === "drained") {
          this.drained();
          return;
        }
        if (this.stopping && (frame.type === "assign" || frame.type === "deliver")) return;
        this.runtime.handle(frame);
      });
      ws.on("error", (error) =>
        this.log.warn({ err: error }, `connection to graph ${this.graphId} failed: ${error.message}`),
      );
      ws.once("close", (code, reasonBuffer) => {
        clearTimeout(welcomeTimer);
        clearInterval(heartbeat);
        if (welcomedAt !== undefined) this.runtime.detach();
        this.ws = undefined;
        this.welcomed = false;
        this.drainWait?.("closed");
        this.drainWait = undefined;
        const reason = reasonBuffer.toString("utf8");
        const upMs = welcomedAt === undefined ? 0 : Date.now() - welcomedAt;
        const fatal = this.stopping ? undefined : fatalClose(code, reason, this.graphId);
        if (fatal) {
          this.log.error({ code, reason }, fatal);
          resolve({ upMs, end: { kind: "refused", code: `close_${code}`, message: fatal } });
          return;
        }
        if (this.stopping) this.log.info({ code }, `disconnected from graph ${this.graphId}`);
        else if (code === CloseCode.HeartbeatTimeout) {
          // SCHED-5: the room presumed this worker dead and gave its processes to others; a copy kept
          // running here could only produce output the room refuses as stale.
          this.log.warn(
            { code, reason },
            `graph ${this.graphId} presumed this worker dead (${reason || code}); stopping its processes here, ` +
              "they run elsewhere now",
          );
          void this.runtime.stopAll();
        } else if (code === CloseCode.DuplicateWorker)
          // HELLO-4: the open connection may be this worker's own, not yet noticed dead by the room.
          this.log.warn(
            { code, reason },
            `graph ${this.graphId} refused worker id ${this.options.workerId} as already connected ` +
              `(${reason || code}); retrying in case that connection is this worker's own old one`,
          );
        else
          this.log.warn(
            { code, reason },
            `connection to graph ${this.graphId} closed (${code}${reason ? ` ${reason}` : ""})`,
          );
        resolve({ upMs });
      });

      const hello: WorkerFrameOf<"hello"> = {
        type: "hello",
        protocol: PROTOCOL_VERSION,
        workerId: this.options.workerId,
        name: this.options.name,
        version: this.options.version,
        labels: this.options.labels,
        capacity: this.options.capacity,
        nodeTypes: (this.options.nodeTypes ?? BUILTIN_IMPLS.map(({ def }) => def)).map((def) => ({ ...def })),
        load: this.options.load(),
      };
      if (this.options.problems?.length) hello.problems = [...this.options.problems];
      link.send(JSON.stringify(hello));
    });
  }

  /** `drained` (DRAIN-2): ends our drain, or — sent after a drain through the hub's API — just leaves us idle. */
  private drained(): void {
    if (this.drainWait) {
      this.drainWait("drained");
      this.drainWait = undefined;
      return;
    }
    this.log.info(`graph ${this.graphId} drained this worker; it stays connected with no work until it reconnects`);
  }
}

/**
 * Close codes after which reconnecting cannot help (PROTOCOL.md CLOSE-2, -5, -8). 4007 (worker id
 * already connected) is not among them: the worker retries with backoff (HELLO-4).
 */
export function fatalClose(code: number, reason: string, graphId: string): string | undefined {
  switch (code) {
    case CloseCode.ProtocolVersion:
      return `the hub does not speak worker protocol ${PROTOCOL_VERSION} (${reason || "4002"}); upgrade weft`;
    case CloseCode.HelloRefused:
      return `graph ${graphId} refused this worker's hello (4006: ${reason || "no reason given"}); upgrade the hub or weft so they agree on node types`;
    case CloseCode.GraphDeleted:
      return `graph ${graphId} was deleted`;
    default:
      return undefined;
  }
}

/** A sentence for an HTTP refusal before the upgrade (PROTOCOL.md CONN-2, CONN-3). */
export function refusalMessage(graphId: string, result: OpenResult & { ok: false }): string {
  const detail =
    `${result.status ?? ""} ${result.code}${result.message && result.message !== result.code ? `: ${result.message}` : ""}`.trim();
  switch (result.status) {
    case 401:
      return `the hub refused the worker token (${detail}); check --token or WEFT_WORKER_TOKEN`;
    case 403:
      return `the hub does not allow this worker on graph ${graphId} (${detail})`;
    case 404:
      return `graph ${graphId} does not exist on the hub (${detail})`;
    case 400:
      return `the hub refused graph id ${graphId} (${detail})`;
    case 503:
      return result.code === "worker_token_unset"
        ? `the hub has no WEFT_WORKER_TOKEN configured, so it refuses every worker (${detail})`
        : `the hub is unavailable (${detail})`;
    default:
      return result.status === undefined ? result.message : detail;
  }
}

function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return data.toString("utf8");
}
