// The GraphRoom Durable Object: a thin shell around the room's pure parts — RoomDoc (the Yjs document and
// the editors' sync protocol) and RoomCore (leader + broker for workers). It adapts partyserver's events and
// guarantees that no exception escapes a handler. Who may connect was decided by the Worker (edge/index.ts),
// which passes the verified identity in x-weft-* headers.
import { type Connection, type ConnectionContext, Server } from "partyserver";
import { utf8Bytes } from "../shared/docModel.ts";
import type { GraphExport } from "../shared/graph.ts";
import { type GraphActivity, presence, runSummary } from "../shared/graphActivity.ts";
import { BROKER, CONNECTIONS, LIMITS, RATES, TIMING } from "../shared/limits.ts";
import { CloseCode, type RoomFrame } from "../shared/protocol.ts";
import type { EditorPush, GraphStatus } from "../shared/status.ts";
import { type StatusSnapshot, snapshotStatus, statusDelta } from "../shared/statusDelta.ts";
import { replaceGraph, setGraphField, setRunning } from "../shared/ydoc.ts";
import type { Env } from "./env.ts";
import { type RoomIdentity, readRoomIdentity } from "./identity.ts";
import { DEFAULT_CONFIG, type RoomConfig, RoomCore } from "./room/core.ts";
import { SqlDocLog } from "./room/docLog.ts";
import { SqlLeaderStore } from "./room/leaderStore.ts";
import { Limiter } from "./room/limiter.ts";
import { SqlQueueStore } from "./room/queueStore.ts";
import { type Access, closeReason, type EditOutcome, RoomDoc } from "./room/roomDoc.ts";
import { MAX_SECRET_BYTES, MAX_SECRETS, type SecretInfo, SecretVault } from "./room/secrets.ts";
import type { HookRequest } from "./room/webhook.ts";
import { failure, type RoomResult, rpc, success } from "./rpc.ts";

const STATUS_PUSH_MS = 250;
const CATALOGUE_TOUCH_MS = 2000;

function statusPushText(status: GraphStatus): string {
  return `__YPS:${JSON.stringify({ type: "status", status } satisfies EditorPush)}`;
}

interface WorkerConnState {
  role: "worker";
  openedAt: number;
  tokenId: string;
  workerId?: string;
}
interface EditorConnState {
  role: "editor";
  access: Access;
  user: string;
  /** Display name (the graph list names who is editing); absent on connections opened before it was kept. */
  name?: string;
  /** Seconds since the epoch when the access token expires (0: never). */
  exp: number;
  watch?: boolean;
  /** The watch asked for status deltas (EDITOR-1): the full status once, then only what changed. */
  deltas?: boolean;
  awarenessIds: number[];
}
type ConnState = WorkerConnState | EditorConnState;

export class GraphRoom extends Server<Env> {
  static override options = { hibernate: true };

  private doc!: RoomDoc;
  private core!: RoomCore;
  private refillTimer: ReturnType<typeof setTimeout> | undefined;
  private commitTimer: ReturnType<typeof setTimeout> | undefined;
  /** The alarm time last set (null: none pending; undefined: not read yet). */
  private alarmAt: number | null | undefined;
  private vault!: SecretVault;
  private readonly workerFrames = new Limiter(RATES.workerFrames);
  private statusTimer: ReturnType<typeof setTimeout> | undefined;
  /** The last node-type registry pushed to editors (pushed again only when it changes). */
  private lastTypesPush: string | undefined;
  /** The status every watching editor that takes deltas has (EDITOR-1): the base of the next delta. */
  private statusBase: StatusSnapshot | undefined;
  private typesCache: { version: number; text: string } | undefined;
  private lastCatalogueTouch = 0;
  private catalogueTimer: ReturnType<typeof setTimeout> | undefined;
  /** The document changed since the last report to the catalogue (its update time moves). */
  private catalogueEdited = false;
  /** The last report the catalogue took (JSON); an equal one is not sent again unless the document changed. */
  private lastCatalogueReport: string | undefined;

  override async onStart(): Promise<void> {
    this.vault = await SecretVault.open(
      this.ctx.storage.sql,
      this.env.WEFT_SECRETS_KEY || this.env.WEFT_AUTH_SECRET,
      this.name,
    );
    this.doc = new RoomDoc({
      graphId: this.name,
      log: new SqlDocLog(this.ctx.storage),
      now: () => Date.now(),
      send: (connId, data) => this.send(connId, data),
      refused: (connId, code, reason) => this.tellRefused(connId, code, reason),
      close: (connId, code, reason) => this.closeConnection(connId, code, reason),
      editors: () => this.connectionIds("editor"),
      setAwarenessIds: (connId, ids) => {
        this.getConnection<EditorConnState>(connId)?.setState((prev) => ({
          ...(prev as EditorConnState),
          awarenessIds: ids,
        }));
      },
      changed: (change) => {
        this.core?.graphChanged(change);
        // What the graph list shows: the name, the node count, the desired state; other edits move its time.
        if (!change || change.name || change.running || change.nodes.size > 0 || change.edges) {
          this.touchCatalogue(true);
        }
      },
      report: (event, fields) => this.log(event, fields),
    });
    this.core = new RoomCore({
      graphId: this.name,
      leaderStore: new SqlLeaderStore(this.ctx.storage),
      queueStore: new SqlQueueStore(this.ctx.storage),
      config: roomConfig(this.env),
      isOpen: (connId) => this.getConnection(connId) !== undefined,
      now: () => Date.now(),
      send: (connId, frame) => this.sendFrame(connId, frame),
      sendText: (connId, text) => this.send(connId, text),
      close: (connId, code, reason) => this.closeConnection(connId, code, reason),
      graph: this.doc.view,
      secrets: this.vault,
      statusChanged: () => {
        this.scheduleStatusPush();
        this.touchCatalogue(false);
      },
      log: (event, fields) => this.log(event, fields),
      storageBytes: () => this.ctx.storage.sql.databaseSize,
      commitSoon: () => this.scheduleCommit(),
    });
    this.core.awaitReturningWorkers();
    this.log("room_started", { bytes: this.doc.store.bytes, items: this.doc.store.items });
    this.core.reconcile();
    this.ctx.waitUntil(this.armAlarm());
  }

  override getConnectionTags(_connection: Connection, ctx: ConnectionContext): string[] {
    const identity = readRoomIdentity(ctx.request.headers);
    if (!identity) return ["anonymous"];
    return identity.role === "worker" ? ["worker", `wt:${identity.tokenId}`] : ["editor", `u:${identity.user}`];
  }

  override async onConnect(connection: Connection, ctx: ConnectionContext): Promise<void> {
    await this.guard("connect", connection, async () => {
      const identity = readRoomIdentity(ctx.request.headers);
      if (!identity) {
        connection.close(CloseCode.ProtocolError, "connections must come through the hub's front door");
        return;
      }
      if (identity.role === "worker") {
        connection.setState({
          role: "worker",
          openedAt: Date.now(),
          tokenId: identity.tokenId,
        } satisfies WorkerConnState);
        await this.armAlarm(Date.now() + TIMING.helloTimeoutMs);
        return;
      }
      connection.setState({
        role: "editor",
        access: identity.access,
        user: identity.user,
        name: identity.name,
        exp: identity.exp,
        awarenessIds: [],
      } satisfies EditorConnState);
      this.doc.onConnect(connection.id);
      this.touchCatalogue(false);
      // A token that expires closes its connection then, even one that never sends again (AUTH-6).
      if (identity.exp > 0) await this.armAlarm(identity.exp * 1000);
    });
  }

  /** Refuses an upgrade past the room's or the user's connection cap (EDITOR-2) before any socket is accepted. */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() === "websocket") {
      const identity = readRoomIdentity(request.headers);
      const full = identity && this.connectionLimit(identity);
      if (full) {
        return Response.json({ error: { code: "too_many_connections", message: full } }, { status: 429 });
      }
    }
    return super.fetch(request);
  }

  /** Why one more connection is too many for the room or its user, or undefined. */
  private connectionLimit(identity: RoomIdentity): string | undefined {
    const perRoom = limitFrom(this.env.WEFT_MAX_ROOM_CONNECTIONS, CONNECTIONS.perRoom);
    const perUser = limitFrom(this.env.WEFT_MAX_USER_CONNECTIONS, CONNECTIONS.perUser);
    if (count(this.ctx.getWebSockets()) >= perRoom) return `this graph already has ${perRoom} connections`;
    if (identity.role === "editor" && count(this.ctx.getWebSockets(`u:${identity.user}`)) >= perUser) {
      return `user ${identity.user} already has ${perUser} connections to this graph`;
    }
    return undefined;
  }

  override async onMessage(connection: Connection, message: string | ArrayBuffer | ArrayBufferView): Promise<void> {
    await this.guard("message", connection, async () => {
      // Frames still queued from a connection the room closed (a flood cut off by its rate) are dropped.
      if (connection.readyState !== WebSocket.OPEN) return;
      const data = isBlob(message) ? new Uint8Array(await message.arrayBuffer()) : message;
      const state = connection.state as ConnState | null;
      if (state?.role === "worker") await this.onWorkerMessage(connection, state, data);
      else if (state?.role === "editor") this.onEditorMessage(connection, state, data);
    });
  }

  private async onWorkerMessage(
    connection: Connection,
    state: WorkerConnState,
    message: string | ArrayBuffer | ArrayBufferView,
  ): Promise<void> {
    if (!this.workerFrames.take(connection.id, Date.now())) {
      connection.close(CloseCode.RateLimited, this.workerFrames.describe("frames"));
      return;
    }
    // A hub-issued token revoked between the Worker's check and this connection's hello is refused here.
    if (!state.workerId && state.tokenId !== "env") {
      if (!(await this.env.Catalogue.getByName("main").isWorkerTokenActive(state.tokenId))) {
        connection.close(CloseCode.TokenRevoked, "this worker's token was revoked");
        return;
      }
    }
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
    this.scheduleRefill();
    await this.armAlarm();
  }

  private onEditorMessage(
    connection: Connection,
    state: EditorConnState,
    message: string | ArrayBuffer | ArrayBufferView,
  ): void {
    if (state.exp > 0 && Date.now() / 1000 > state.exp) {
      connection.close(CloseCode.SessionExpired, "your access token expired; sign in again");
      return;
    }
    if (typeof message === "string") {
      this.onEditorText(connection, state, message);
      return;
    }
    const bytes =
      message instanceof ArrayBuffer
        ? new Uint8Array(message)
        : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
    this.doc.onMessage({ id: connection.id, access: state.access, awarenessIds: state.awarenessIds }, bytes);
  }

  /** Custom messages (y-partyserver `__YPS:` frames): only `watch` (EDITOR-1). */
  private onEditorText(connection: Connection, state: EditorConnState, message: string): void {
    if (message.length > LIMITS.maxAwarenessBytes || !message.startsWith("__YPS:")) {
      this.log("bad_editor_message", { connId: connection.id, bytes: message.length });
      return;
    }
    let request: unknown;
    try {
      request = JSON.parse(message.slice(6));
    } catch {
      request = undefined;
    }
    if ((request as { type?: unknown } | undefined)?.type !== "watch") {
      this.log("bad_editor_message", { connId: connection.id, message: message.slice(0, 100) });
      return;
    }
    const deltas = (request as { deltas?: unknown }).deltas === true;
    connection.setState({ ...state, watch: true, deltas } satisfies EditorConnState);
    if (deltas) {
      // The base every delta watcher has; the next push brings this one up to now with the others.
      this.statusBase ??= snapshotStatus(this.core.status());
      this.send(connection.id, statusPushText(this.statusBase.status));
      this.scheduleStatusPush();
    } else this.pushStatusTo(connection);
    this.send(connection.id, this.typesPushText());
  }

  override async onClose(connection: Connection): Promise<void> {
    await this.guard("close", connection, async () => this.forget(connection));
  }

  /** workerd reports a frame over its 32 MiB limit (and other socket failures) here, never in onClose. */
  override async onError(connection: Connection, error: unknown): Promise<void> {
    await this.guard("error", connection, async () => {
      this.log("connection_error", { connId: connection.id, error: String(error).slice(0, 300) });
      this.forget(connection);
      try {
        connection.close(CloseCode.FrameTooLarge, "the connection failed (a frame over 32 MiB?)");
      } catch {
        // already closed
      }
    });
  }

  private forget(connection: Connection): void {
    const state = connection.state as ConnState | null;
    this.workerFrames.forget(connection.id);
    if (state?.role === "worker") this.core.onWorkerClosed(connection.id, state.workerId);
    else if (state?.role === "editor") {
      this.doc.onClose({ id: connection.id, access: state.access, awarenessIds: state.awarenessIds });
      this.touchCatalogue(false);
    }
  }

  override async onAlarm(): Promise<void> {
    // The alarm that was set has fired; nothing is pending until the end of this handler sets one.
    this.alarmAt = null;
    try {
      const expiries = this.closeExpiredEditors();
      const unregistered: Array<{ connId: string; openedAt: number }> = [];
      for (const connection of this.getConnections<WorkerConnState>("worker")) {
        const state = connection.state;
        if (state && !state.workerId) unregistered.push({ connId: connection.id, openedAt: state.openedAt });
      }
      const next = this.core.onAlarm(unregistered);
      const hello = unregistered.map((c) => c.openedAt + TIMING.helloTimeoutMs).filter((t) => t > Date.now());
      const due = [next, ...hello, ...expiries].filter((t): t is number => t !== null);
      if (due.length > 0) await this.setAlarm(Math.min(...due));
    } catch (error) {
      this.log("alarm_failed", { error: String(error), stack: (error as Error)?.stack?.slice(0, 500) });
      await this.setAlarm(Date.now() + 2000);
    }
  }

  /** Closes editors whose access token has expired (CLOSE-15); returns when the others' tokens expire. */
  private closeExpiredEditors(): number[] {
    const now = Date.now();
    const later: number[] = [];
    for (const connection of this.getConnections<EditorConnState>("editor")) {
      const exp = (connection.state?.exp ?? 0) * 1000;
      if (exp === 0) continue;
      if (exp <= now) {
        this.forget(connection);
        connection.close(CloseCode.SessionExpired, "your access token expired; sign in again");
      } else later.push(exp);
    }
    return later;
  }

  // ---- RPC used by the HTTP API (results, never exceptions: see rpc.ts) ---------------------------------

  /** The graph as export JSON text (text keeps the recursive JSON type out of RPC typing). */
  exportGraph(): RoomResult<string> {
    return rpc(this.name, "exportGraph", () => success(JSON.stringify(this.doc.exportGraph())));
  }

  /**
   * Replaces the graph with an already validated export (JSON text). A document holding structures outside
   * the model cannot be edited safely in place: it is replaced wholesale and its editors reload.
   */
  importGraph(graphJson: string): RoomResult<null> {
    return rpc(this.name, "importGraph", () => {
      const graph = JSON.parse(graphJson) as GraphExport;
      const fill = (doc: Parameters<typeof replaceGraph>[0]) => replaceGraph(doc, graph);
      const outcome = this.doc.inspect().foreign
        ? this.doc.replaceWholesale(fill, CloseCode.GraphReplaced, "the graph was replaced; reload it")
        : this.doc.localEdit(fill, graphJson.length);
      return editResult(outcome);
    });
  }

  initGraph(name: string): RoomResult<null> {
    return rpc(this.name, "initGraph", () =>
      editResult(
        this.doc.localEdit((doc) => replaceGraph(doc, { name, description: "", running: false, nodes: [], edges: [] })),
      ),
    );
  }

  /** Renames the graph in its document (PATCH /api/graphs/:id): editors see the new name at once. */
  renameGraph(name: string): RoomResult<null> {
    return rpc(this.name, "renameGraph", () =>
      editResult(this.doc.localEdit((doc) => setGraphField(doc, "name", name), name.length)),
    );
  }

  /** Reports to the catalogue soon (a graph just listed there, whose first report may have found no row). */
  reportToCatalogue(): RoomResult<null> {
    return rpc(this.name, "reportToCatalogue", () => {
      this.lastCatalogueReport = undefined;
      this.touchCatalogue(true);
      return success(null);
    });
  }

  setRunning(running: boolean): RoomResult<boolean> {
    return rpc(this.name, "setRunning", () => {
      const outcome = this.doc.localEdit((doc) => setRunning(doc, running));
      return outcome.ok ? success(running) : editResult<boolean>(outcome);
    });
  }

  /** The graph's node types (TYPES-3): built-in and announced, with who can run each, as JSON text. */
  nodeTypes(): RoomResult<string> {
    return rpc(this.name, "nodeTypes", () => success(JSON.stringify(this.core.registry.types.infos())));
  }

  /** A webhook request for an http-in node (HOOK-1..3), answered once its message is stored. */
  webhook(nodeId: string, request: HookRequest): RoomResult<{ id: string; edges: number }> {
    return rpc(this.name, "webhook", () => {
      const answer = this.core.webhook(nodeId, request);
      if (answer.status !== 202) return failure(answer.status, answer.code, answer.message);
      this.log("webhook", { nodeId, id: answer.id, edges: answer.edges });
      return success({ id: answer.id, edges: answer.edges });
    });
  }

  /** GraphStatus as JSON text. */
  status(): RoomResult<string> {
    return rpc(this.name, "status", () => success(JSON.stringify(this.core.status())));
  }

  /** The first `n` messages queued on an edge, as JSON text (DELIVERY-9); 404 when the edge has no channel. */
  peekEdge(edgeId: string, n: number): RoomResult<string> {
    return rpc(this.name, "peekEdge", () => {
      const messages = this.core.broker.peek(edgeId, n);
      if (!messages) return failure(404, "edge_not_found", `graph ${this.name} has no live edge ${edgeId}`);
      return success(JSON.stringify({ edge: edgeId, messages }));
    });
  }

  /** Dead letters (of one edge, or all), oldest first after id `after`, as JSON text (DELIVERY-6). */
  deadLetters(edgeId: string | undefined, after: number, limit: number): RoomResult<string> {
    return rpc(this.name, "deadLetters", () => {
      const rows = this.core.broker.deadLetters(edgeId, after, limit);
      const deadLetters = rows.map((row) => ({ ...row, msg: undefined, message: JSON.parse(row.msg) as unknown }));
      const next = rows.length === limit ? rows.at(-1)?.id : undefined;
      return success(JSON.stringify({ deadLetters, next: next ?? null }));
    });
  }

  /** Puts dead letters back on their edge (one page of them); 409 when the edge is gone. */
  replayDeadLetters(edgeId: string, ids: number[] | "all"): RoomResult<{ replayed: number; left: number }> {
    return rpc(this.name, "replayDeadLetters", () => {
      const outcome = this.core.broker.replay(edgeId, ids);
      if ("error" in outcome) return failure(409, "edge_not_found", outcome.error);
      this.log("dead_letters_replayed", { edge: edgeId, count: outcome.replayed });
      return success(outcome);
    });
  }

  purgeDeadLetters(edgeId: string, ids: number[] | "all"): RoomResult<number> {
    return rpc(this.name, "purgeDeadLetters", () => {
      const purged = this.core.broker.purge(edgeId, ids);
      this.log("dead_letters_purged", { edge: edgeId, count: purged });
      return success(purged);
    });
  }

  /** Drains a worker from this graph (DRAIN-1); false when it is not connected here. */
  drainWorker(workerId: string): RoomResult<boolean> {
    return rpc(this.name, "drainWorker", () => success(this.core.drainWorker(workerId)));
  }

  /** Workers connected to this graph, as JSON text of WorkerStatus[]. */
  workers(): RoomResult<string> {
    return rpc(this.name, "workers", () => success(JSON.stringify(this.core.status().workers)));
  }

  /** Closes the connections of workers that presented a revoked token (CLOSE-14); returns how many. */
  revokeWorkerToken(tokenId: string): RoomResult<number> {
    return rpc(this.name, "revokeWorkerToken", () => {
      let closed = 0;
      for (const connection of this.getConnections(`wt:${tokenId}`)) {
        this.forget(connection);
        connection.close(CloseCode.TokenRevoked, "this worker's token was revoked");
        closed++;
      }
      return success(closed);
    });
  }

  /** The graph's secrets by name and time; values are write-only (SECRET-1). */
  listSecrets(): RoomResult<SecretInfo[]> {
    return rpc(this.name, "listSecrets", () => success(this.vault.list()));
  }

  /** Stores a secret, encrypted; the processes using it restart with the new value (SECRET-3). */
  async setSecret(name: string, value: string): Promise<RoomResult<SecretInfo>> {
    try {
      if (!this.vault.available) {
        return failure(
          503,
          "secrets_unavailable",
          "this hub has no WEFT_SECRETS_KEY or WEFT_AUTH_SECRET to encrypt secrets with",
        );
      }
      if (utf8Bytes(value) > MAX_SECRET_BYTES) {
        return failure(413, "secret_too_large", `a secret value may be at most ${MAX_SECRET_BYTES} bytes`);
      }
      if (this.vault.value(name) === undefined && this.vault.size >= MAX_SECRETS) {
        return failure(409, "too_many_secrets", `a graph may hold at most ${MAX_SECRETS} secrets`);
      }
      const info = await this.vault.set(name, value);
      this.log("secret_set", { name });
      this.core.secretChanged(name);
      return success(info);
    } catch (error) {
      this.log("secret_set_failed", { name, error: String(error) });
      return failure(500, "room_error", `the room of graph ${this.name} could not store the secret; see the hub log`);
    }
  }

  deleteSecret(name: string): RoomResult<boolean> {
    return rpc(this.name, "deleteSecret", () => {
      const removed = this.vault.remove(name);
      if (removed) {
        this.log("secret_deleted", { name });
        this.core.secretChanged(name);
      }
      return success(removed);
    });
  }

  /**
   * Forgets the graph: stops its processes, retires and deletes the document (so a stale copy cannot bring
   * it back), its secrets, and closes every connection (CLOSE-5). Works on any document, however damaged.
   */
  deleteGraph(): RoomResult<null> {
    return rpc(this.name, "deleteGraph", () => {
      // The document first: if it cannot be replaced, nothing else is touched and the graph stays as it was.
      const outcome = this.doc.replaceWholesale(undefined, CloseCode.GraphDeleted, "graph deleted");
      if (!outcome.ok) return editResult(outcome);
      this.core.reset();
      this.vault.clear();
      for (const connection of this.getConnections()) connection.close(CloseCode.GraphDeleted, "graph deleted");
      return success(null);
    });
  }

  // ---- helpers ------------------------------------------------------------------------------------------

  /** Runs a handler; an exception is logged with the graph and connection ids, never thrown (no 1011s). */
  private async guard(where: string, connection: Connection, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      this.log("handler_failed", {
        where,
        connId: connection.id,
        error: String(error),
        stack: (error as Error)?.stack?.slice(0, 500),
      });
    }
  }

  private send(connId: string, data: Uint8Array | string): void {
    try {
      this.getConnection(connId)?.send(data);
    } catch (error) {
      this.log("send_failed", { connId, error: String(error) });
    }
  }

  private sendFrame(connId: string, frame: RoomFrame): void {
    this.send(connId, JSON.stringify(frame));
  }

  private closeConnection(connId: string, code: number, reason: string): void {
    try {
      this.getConnection(connId)?.close(code, closeReason(reason));
    } catch (error) {
      this.log("close_failed", { connId, error: String(error) });
    }
  }

  /** Tells an editor app (one that sent `watch`) why its update was refused; stock clients get the auth message only. */
  private tellRefused(connId: string, code: string, reason: string): void {
    const connection = this.getConnection<EditorConnState>(connId);
    if (!connection?.state?.watch) return;
    this.send(connId, `__YPS:${JSON.stringify({ type: "refused", code, reason } satisfies EditorPush)}`);
  }

  private *connectionIds(tag: string): Iterable<string> {
    for (const connection of this.getConnections(tag)) yield connection.id;
  }

  private log(event: string, fields: Record<string, unknown>): void {
    console.log(JSON.stringify({ event, graphId: this.name, ...fields }));
  }

  private scheduleStatusPush(): void {
    if (this.statusTimer !== undefined) return;
    this.statusTimer = setTimeout(() => {
      this.statusTimer = undefined;
      try {
        // Each text is built once for every watching editor, and only when one watches: the full status for
        // watches without deltas, and for delta watches what changed since the base they all have (all of it
        // when there is no base, after the room woke from hibernation).
        let status: GraphStatus | undefined;
        const now = () => (status ??= this.core.status());
        let full: string | undefined;
        let snapshot: StatusSnapshot | undefined;
        let delta: string | null | undefined;
        // The palette (TYPES-3) goes again only when the registry changed (a worker came or went).
        let types: string | undefined;
        for (const connection of this.getConnections<EditorConnState>("editor")) {
          if (!connection.state?.watch) continue;
          if (connection.state.deltas && this.statusBase) {
            snapshot ??= snapshotStatus(now());
            if (delta === undefined) {
              const change = statusDelta(this.statusBase, snapshot);
              delta = change
                ? `__YPS:${JSON.stringify({ type: "statusDelta", delta: change } satisfies EditorPush)}`
                : null;
            }
            if (delta !== null) this.send(connection.id, delta);
          } else {
            full ??= statusPushText(now());
            this.send(connection.id, full);
            if (connection.state.deltas) snapshot ??= snapshotStatus(now());
          }
          types ??= this.typesPushText();
          if (types !== this.lastTypesPush) this.send(connection.id, types);
        }
        // Every delta watcher now has `snapshot`; with none left, there is no base to keep.
        this.statusBase = snapshot;
        if (types !== undefined) this.lastTypesPush = types;
      } catch (error) {
        // Some delta watchers may have missed this push: the next one goes to all of them in full.
        this.statusBase = undefined;
        this.log("status_push_failed", { error: String(error) });
      }
    }, STATUS_PUSH_MS);
  }

  /**
   * Group commit (DELIVERY-2): publishes and deletions of the frames handled meanwhile are stored in one
   * transaction shortly after the first, so a stream of small frames costs one commit, not one each.
   */
  private scheduleCommit(): void {
    if (this.commitTimer !== undefined) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      try {
        this.core.broker.commit();
        this.scheduleRefill();
      } catch (error) {
        this.log("commit_failed", { error: String(error) });
      }
    }, BROKER.commitDelayMs);
  }

  /**
   * Producers held back by the room's rate get credit again once the bucket refills: a short timer while
   * the room is awake (the alarm does it too, after hibernation).
   */
  private scheduleRefill(): void {
    if (this.refillTimer !== undefined) return;
    const at = this.core.broker.refillAt();
    if (at === null) return;
    this.refillTimer = setTimeout(
      () => {
        this.refillTimer = undefined;
        try {
          this.core.broker.refill();
          this.scheduleRefill();
        } catch (error) {
          this.log("refill_failed", { error: String(error) });
        }
      },
      Math.max(1, at - Date.now()),
    );
  }

  private pushStatusTo(connection: Connection): void {
    this.send(connection.id, statusPushText(this.core.status()));
  }

  /** The palette push, built again only when the registry changed (a watch or a status push may ask often). */
  private typesPushText(): string {
    const types = this.core.registry.types;
    if (this.typesCache?.version !== types.version) {
      const push: EditorPush = { type: "nodeTypes", types: types.infos() };
      this.typesCache = { version: types.version, text: `__YPS:${JSON.stringify(push)}` };
    }
    return this.typesCache.text;
  }

  /**
   * Tells the catalogue the graph's name, node count, run state and who is in it (the graph list), at most
   * every 2 s and always ending with the latest state; a report equal to the last one taken is not sent
   * again unless the document changed (`edited`: the listed update time moves).
   */
  private touchCatalogue(edited: boolean): void {
    this.catalogueEdited ||= edited;
    if (this.catalogueTimer !== undefined) return;
    const wait = Math.max(0, this.lastCatalogueTouch + CATALOGUE_TOUCH_MS - Date.now());
    this.catalogueTimer = setTimeout(() => {
      this.catalogueTimer = undefined;
      // Looked at most every 2 s, sent or not: a busy broker's status changes cost one look per 2 s.
      this.lastCatalogueTouch = Date.now();
      try {
        this.sendCatalogueReport();
      } catch (error) {
        this.log("catalogue_touch_failed", { error: String(error) });
      }
    }, wait);
  }

  private sendCatalogueReport(): void {
    const name = this.doc.view.name;
    // An empty name: a document not made yet, or a deleted graph's (the catalogue no longer lists it).
    if (!name) return;
    const activity = this.activity();
    const text = JSON.stringify({ name, activity });
    const edited = this.catalogueEdited;
    if (!edited && text === this.lastCatalogueReport) return;
    this.catalogueEdited = false;
    this.ctx.waitUntil(
      this.env.Catalogue.getByName("main")
        .report(this.name, { name, activity, edited })
        .then(() => {
          this.lastCatalogueReport = text;
        })
        .catch((error: unknown) => {
          this.log("catalogue_touch_failed", { error: String(error) });
          // Tried again (2 s on), so the list does not keep a stale picture until the next change.
          this.touchCatalogue(edited);
        }),
    );
  }

  /** What the graph list shows of this graph now. */
  private activity(): GraphActivity {
    let nodes = 0;
    for (const _ of this.doc.view.nodes()) nodes++;
    const editors = [];
    for (const connection of this.getConnections<EditorConnState>("editor")) {
      const state = connection.state;
      // A connection being closed (in its onClose) is no longer in the graph.
      if (state?.role !== "editor" || connection.readyState !== WebSocket.OPEN) continue;
      editors.push({ user: state.user, name: state.name ?? state.user, access: state.access });
    }
    return { nodes, ...runSummary(this.core.status()), ...presence(editors) };
  }

  /** Makes sure an alarm fires by the time the core next needs to look (heartbeats, stops, crash backoff, hellos). */
  /**
   * Makes sure the alarm fires by the time the core (or `at`) needs it. The time set is remembered, so a
   * busy worker's frames cost no storage call unless the alarm must move earlier.
   */
  private async armAlarm(at?: number): Promise<void> {
    const wanted = [this.core.wakeAt() ?? Date.now() + 2000, at ?? Number.POSITIVE_INFINITY];
    const next = Math.min(...wanted);
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt === null || next < this.alarmAt) await this.setAlarm(next);
  }

  private async setAlarm(at: number): Promise<void> {
    this.alarmAt = at;
    await this.ctx.storage.setAlarm(at);
  }
}

function editResult<T = null>(outcome: EditOutcome): RoomResult<T> {
  if (outcome.ok) return success(null as T);
  const status = outcome.code === "storage_failed" ? 503 : 413;
  return failure(status, outcome.code, outcome.message);
}

function roomConfig(env: Env): RoomConfig {
  const number = (value: string | undefined, fallback: number) => {
    const n = Number(value);
    return value !== undefined && value !== "" && Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  return {
    rebalanceMoves: number(env.WEFT_REBALANCE_MOVES, DEFAULT_CONFIG.rebalanceMoves),
    rebalanceIntervalMs: Math.max(1000, number(env.WEFT_REBALANCE_INTERVAL_MS, DEFAULT_CONFIG.rebalanceIntervalMs)),
    maxRate: number(env.WEFT_ROOM_MAX_RATE, DEFAULT_CONFIG.maxRate),
  };
}

function limitFrom(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value && Number.isInteger(n) && n > 0 ? n : fallback;
}

function count(items: Iterable<unknown>): number {
  let n = 0;
  for (const _ of items) n++;
  return n;
}

function isBlob(message: unknown): message is Blob {
  return typeof Blob !== "undefined" && message instanceof Blob;
}
