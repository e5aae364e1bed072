// The GraphRoom Durable Object: a thin shell adapting y-partyserver to the room core (leader + broker per graph).
import type { Connection, ConnectionContext } from "partyserver";
import { YServer } from "y-partyserver";
import type { GraphExport } from "../shared/graph.ts";
import { CloseCode, type RoomFrame } from "../shared/protocol.ts";
import type { EditorPush } from "../shared/status.ts";
import { edgesMap, metaMap, nodesMap, readGraph, readMeta, replaceGraph, setRunning } from "../shared/ydoc.ts";
import type { Env } from "./env.ts";
import { DEFAULT_CONFIG, type RoomConfig, RoomCore } from "./room/core.ts";
import { DocStore } from "./room/docStore.ts";
import { SqlRoomStore } from "./room/store.ts";

const STATUS_PUSH_MS = 250;
const CATALOGUE_TOUCH_MS = 2000;

interface WorkerConnState {
  role: "worker";
  openedAt: number;
  workerId?: string;
}
interface EditorConnState {
  role?: "editor";
  watch?: boolean;
}
type ConnState = WorkerConnState | EditorConnState;

export class GraphRoom extends YServer<Env> {
  static override options = { hibernate: true };

  private docStore!: DocStore;
  private core!: RoomCore;
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  private lastCatalogueTouch = 0;
  private catalogueTimer: ReturnType<typeof setTimeout> | undefined;

  override async onLoad(): Promise<void> {
    this.docStore = new DocStore(this.ctx.storage.sql);
    this.docStore.loadInto(this.document);
  }

  override async onStart(): Promise<void> {
    await super.onStart();
    this.core = new RoomCore({
      graphId: this.name,
      store: new SqlRoomStore(this.ctx.storage.sql),
      config: roomConfig(this.env),
      isOpen: (connId) => this.getConnection(connId) !== undefined,
      now: () => Date.now(),
      send: (connId, frame) => this.sendFrame(connId, frame),
      close: (connId, code, reason) => this.getConnection(connId)?.close(code, reason),
      graph: () => readGraph(this.document, this.name),
      statusChanged: () => this.scheduleStatusPush(),
      log: (event, fields) => console.log(JSON.stringify({ event, graphId: this.name, ...fields })),
    });
    this.document.on("update", (update: Uint8Array) => {
      this.docStore.append(this.document, update);
      this.core.graphChanged();
      this.touchCatalogue();
    });
    this.core.awaitReturningWorkers();
    console.log(JSON.stringify({ event: "room_started", graphId: this.name }));
    this.core.reconcile();
    await this.armAlarm();
  }

  // Yjs traffic goes to editors only (CONN-4): y-partyserver broadcasts to getConnections().
  override getConnections<TState = unknown>(tag?: string): Iterable<Connection<TState>> {
    return super.getConnections<TState>(tag ?? "editor");
  }

  override getConnectionTags(_connection: Connection, ctx: ConnectionContext): string[] {
    return [isWorkerRequest(ctx.request) ? "worker" : "editor"];
  }

  override async onConnect(connection: Connection, ctx: ConnectionContext): Promise<void> {
    if (!isWorkerRequest(ctx.request)) return super.onConnect(connection, ctx);
    connection.setState({ role: "worker", openedAt: Date.now() } satisfies WorkerConnState);
    await this.armAlarm();
  }

  override async onMessage(connection: Connection, message: string | ArrayBuffer | ArrayBufferView): Promise<void> {
    const state = workerState(connection);
    if (!state) return super.onMessage(connection, message);
    if (typeof message !== "string") {
      this.sendFrame(connection.id, {
        type: "error",
        code: "invalid_frame",
        message: "binary frames are not part of the worker protocol; send JSON text",
      });
      return;
    }
    const outcome = this.core.onWorkerFrame(connection.id, state.workerId, message);
    if (outcome.registered) connection.setState({ ...state, workerId: outcome.registered } satisfies WorkerConnState);
    await this.armAlarm();
  }

  override async onClose(connection: Connection, code: number, reason: string, wasClean: boolean): Promise<void> {
    const state = workerState(connection);
    if (!state) return super.onClose(connection, code, reason, wasClean);
    this.core.onWorkerClosed(connection.id, state.workerId);
  }

  override onCustomMessage(connection: Connection, message: string): void {
    let request: unknown;
    try {
      request = JSON.parse(message);
    } catch {
      request = undefined;
    }
    if ((request as { type?: unknown } | undefined)?.type !== "watch") {
      console.warn(JSON.stringify({ event: "bad_editor_message", graphId: this.name, message: message.slice(0, 100) }));
      return;
    }
    connection.setState((prev: EditorConnState | null) => ({ ...prev, watch: true }));
    this.pushStatusTo(connection);
  }

  override async onAlarm(): Promise<void> {
    const unregistered: Array<{ connId: string; openedAt: number }> = [];
    for (const connection of super.getConnections("worker")) {
      const state = workerState(connection);
      if (state && !state.workerId) unregistered.push({ connId: connection.id, openedAt: state.openedAt });
    }
    const next = this.core.onAlarm(unregistered);
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  // ---- RPC used by the HTTP API --------------------------------------------------------------

  /** The graph as export JSON text (text keeps the recursive JSON type out of RPC typing). */
  exportGraph(): string {
    return JSON.stringify(readGraph(this.document, this.name));
  }

  /** Replaces the graph with an already validated export (JSON text). */
  importGraph(graphJson: string): void {
    replaceGraph(this.document, JSON.parse(graphJson) as GraphExport);
  }

  initGraph(name: string): void {
    replaceGraph(this.document, { name, description: "", running: false, nodes: [], edges: [] });
  }

  setRunning(running: boolean): boolean {
    setRunning(this.document, running);
    return running;
  }

  /** GraphStatus as JSON text. */
  status(): string {
    return JSON.stringify(this.core.status());
  }

  /** Drains a worker from this graph (DRAIN-1); false when it is not connected here. */
  drainWorker(workerId: string): boolean {
    return this.core.drainWorker(workerId);
  }

  /** Workers connected to this graph, as JSON text of WorkerStatus[]. */
  workers(): string {
    return JSON.stringify(this.core.status().workers);
  }

  /** Empties the graph, stops its processes and closes every connection (CLOSE-5). */
  deleteGraph(): void {
    this.core.reset();
    this.document.transact(() => {
      metaMap(this.document).clear();
      nodesMap(this.document).clear();
      edgesMap(this.document).clear();
    });
    this.docStore.compact(this.document);
    for (const connection of super.getConnections()) connection.close(CloseCode.GraphDeleted, "graph deleted");
  }

  // ---- helpers -------------------------------------------------------------------------------

  private sendFrame(connId: string, frame: RoomFrame): void {
    try {
      this.getConnection(connId)?.send(JSON.stringify(frame));
    } catch (error) {
      console.warn(JSON.stringify({ event: "send_failed", graphId: this.name, connId, error: String(error) }));
    }
  }

  private scheduleStatusPush(): void {
    if (this.statusTimer !== undefined) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      for (const connection of super.getConnections("editor")) {
        if ((connection.state as EditorConnState | null)?.watch) this.pushStatusTo(connection);
      }
    }, STATUS_PUSH_MS);
  }

  private pushStatusTo(connection: Connection): void {
    const push: EditorPush = { type: "status", status: this.core.status() };
    this.sendCustomMessage(connection, JSON.stringify(push));
  }

  /** Tells the catalogue the graph's name and time, at most every 2 s, always ending with the latest state. */
  private touchCatalogue(): void {
    if (this.catalogueTimer !== undefined) return;
    const wait = Math.max(0, this.lastCatalogueTouch + CATALOGUE_TOUCH_MS - Date.now());
    this.catalogueTimer = setTimeout(() => {
      this.catalogueTimer = undefined;
      this.lastCatalogueTouch = Date.now();
      const name = readMeta(this.document).name;
      if (name) this.ctx.waitUntil(this.env.Catalogue.getByName("main").touch(this.name, name));
    }, wait);
  }

  /** Makes sure an alarm fires by the time the core next needs to look (heartbeats, stops, crash backoff). */
  private async armAlarm(): Promise<void> {
    const next = this.core.wakeAt() ?? Date.now() + 2000;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || next < current) await this.ctx.storage.setAlarm(next);
  }
}

function roomConfig(env: Env): RoomConfig {
  const number = (value: string | undefined, fallback: number) => {
    const n = Number(value);
    return value !== undefined && value !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  return {
    rebalanceMoves: number(env.WEFT_REBALANCE_MOVES, DEFAULT_CONFIG.rebalanceMoves),
    rebalanceIntervalMs: Math.max(1000, number(env.WEFT_REBALANCE_INTERVAL_MS, DEFAULT_CONFIG.rebalanceIntervalMs)),
  };
}

function isWorkerRequest(request: Request): boolean {
  return new URL(request.url).searchParams.get("role") === "worker";
}

function workerState(connection: Connection): WorkerConnState | undefined {
  const state = connection.state as ConnState | null;
  return state?.role === "worker" ? state : undefined;
}
