// The room's Yjs side, sans-IO: the graph document, presence (awareness) and the editors' sync protocol.
// Every editor update is checked (docGate) and stored (DocStore) before it is applied and broadcast;
// a refused or unstorable update changes nothing. Nothing here throws into the Durable Object's handlers.
import * as decoding from "lib0/decoding";
import * as encoding from "lib0/encoding";
import * as awarenessProtocol from "y-protocols/awareness";
import * as syncProtocol from "y-protocols/sync";
import * as Y from "yjs";
import { utf8Bytes } from "../../shared/docModel.ts";
import type { GraphExport } from "../../shared/graph.ts";
import { LIMITS, RATES } from "../../shared/limits.ts";
import { CloseCode } from "../../shared/protocol.ts";
import { type GraphInspection, inspectGraph } from "../../shared/ydoc.ts";
import { checkUpdate, type GateVerdict, type RefusalCode } from "./docGate.ts";
import type { DocLog } from "./docLog.ts";
import { countItems, DocStore } from "./docStore.ts";
import { type GraphChange, GraphView } from "./graphView.ts";
import { Limiter } from "./limiter.ts";

/** Yjs message types on the wire (y-websocket / y-partyserver). */
const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_QUERY_AWARENESS = 3;

/** Largest binary message from an editor: an update at its limit plus the message's framing. */
const MAX_EDITOR_FRAME_BYTES = LIMITS.maxUpdateBytes + 1024;
/** Largest state vector in a sync step 1 (a document at its item limit, written by one client each, fits). */
const MAX_STATE_VECTOR_BYTES = 2 * 1024 * 1024;
/** Awareness clocks kept for clients no longer present. */
const MAX_AWARENESS_META = 10_000;

/** Transaction origin of the room's own edits (HTTP import, start/stop); anything else is a connection id. */
export const LOCAL = Symbol("room");

export type Access = "viewer" | "editor" | "admin";

/** An editor connection as the document sees it; `awarenessIds` lives in the connection's attachment. */
export interface EditorConn {
  id: string;
  access: Access;
  awarenessIds: readonly number[];
}

export interface RoomDocPorts {
  graphId: string;
  log: DocLog;
  now(): number;
  /** A binary Yjs frame to one connection. */
  send(connId: string, data: Uint8Array): void;
  /** Tells an editor app why an update was refused (a custom message; only apps that sent `watch` get it). */
  refused(connId: string, code: RefusalCode | "read_only" | "storage_failed", reason: string): void;
  close(connId: string, code: number, reason: string): void;
  /** Every open editor connection id. */
  editors(): Iterable<string>;
  /** Stores the awareness client ids a connection controls (they must survive hibernation). */
  setAwarenessIds(connId: string, ids: number[]): void;
  /** What an applied transaction changed, for the leader and the broker. */
  changed(change: GraphChange | undefined): void;
  report(event: string, fields: Record<string, unknown>): void;
}

export type EditOutcome = { ok: true } | { ok: false; code: "storage_failed" | RefusalCode; message: string };

export class RoomDoc {
  doc!: Y.Doc;
  awareness!: awarenessProtocol.Awareness;
  readonly store: DocStore;
  readonly view: GraphView;
  private pending: GraphChange | undefined;
  private localFailure: unknown;
  /** Broadcasts and scheduling of an editor update being applied, released once it applied whole. */
  private held: Array<() => void> | undefined;
  /** When the room last folded its log because an update would not fit (at most once a minute). */
  private lastForcedCompaction = Number.NEGATIVE_INFINITY;
  private readonly owners = new Map<number, string>();
  private readonly messages = new Limiter(RATES.editorMessages);
  private readonly awarenessRate = new Limiter(RATES.awareness);

  constructor(private readonly ports: RoomDocPorts) {
    this.store = new DocStore(ports.log, ports.report);
    const doc = new Y.Doc();
    const loaded = this.store.load(doc);
    this.attach(doc);
    this.view = new GraphView(doc);
    if (loaded.skipped > 0) ports.report("doc_loaded_with_skips", loaded);
  }

  /** Wires a (new) document: broadcasts, persistence of local edits, presence. */
  private attach(doc: Y.Doc): void {
    this.doc = doc;
    doc.on("afterTransaction", (transaction: Y.Transaction) =>
      this.guard("after_transaction", () => this.absorb(transaction)),
    );
    doc.on("update", (update: Uint8Array, origin: unknown) =>
      this.guard("update", () => this.onUpdate(update, origin)),
    );
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.awareness.setLocalState(null);
    clearInterval((this.awareness as unknown as { _checkInterval: ReturnType<typeof setInterval> })._checkInterval);
    this.owners.clear();
  }

  private absorb(transaction: Y.Transaction): void {
    const change = this.view.absorb(transaction);
    const p = this.pending;
    this.pending = p
      ? {
          running: p.running || change.running,
          nodes: new Set([...p.nodes, ...change.nodes]),
          edges: p.edges || change.edges,
          name: p.name || change.name,
        }
      : change;
  }

  /** After a transaction: store it first if it is the room's own edit, then broadcast, then schedule. */
  private onUpdate(update: Uint8Array, origin: unknown): void {
    if (origin === LOCAL) {
      if (this.localFailure !== undefined) return;
      if (this.store.bytes + update.length > LIMITS.maxDocumentBytes) {
        this.localFailure = new DocumentTooLarge(this.store.bytes + update.length);
        return;
      }
      try {
        this.store.append(update);
      } catch (error) {
        this.localFailure = error;
        return;
      }
    }
    const change = this.pending;
    this.pending = undefined;
    const effect = () => {
      const message = syncMessage(update);
      for (const connId of this.ports.editors()) if (connId !== origin) this.ports.send(connId, message);
      this.ports.changed(change);
    };
    // While an editor's update is being applied, its effects wait until Yjs has finished without throwing.
    if (this.held) this.held.push(effect);
    else effect();
  }

  // ---- editor connections ---------------------------------------------------------------------------

  onConnect(connId: string): void {
    this.guard("connect", () => {
      this.sendStep1(connId);
      const states = [...this.awareness.getStates().keys()];
      if (states.length > 0) this.ports.send(connId, awarenessMessage(this.awareness, states));
    });
  }

  /** One binary frame from an editor or viewer. Never throws. */
  onMessage(conn: EditorConn, data: Uint8Array): void {
    this.guard("editor_message", () => {
      if (!this.messages.take(conn.id, this.ports.now())) {
        this.ports.close(conn.id, CloseCode.RateLimited, this.messages.describe("messages"));
        return;
      }
      try {
        this.handle(conn, data);
      } catch (error) {
        if (error instanceof MalformedMessage) this.refuse(conn.id, "invalid_update", error.message);
        else throw error;
      }
    });
  }

  private handle(conn: EditorConn, data: Uint8Array): void {
    if (data.length > MAX_EDITOR_FRAME_BYTES) {
      const reason = `a message of ${data.length} bytes; the limit is ${MAX_EDITOR_FRAME_BYTES}`;
      // A sync message carries the editor's edits: refusing it (4011) makes the editor app resync, where a
      // plain close would have it send the same message again on every reconnect.
      if (data[0] === MESSAGE_SYNC) this.refuse(conn.id, "update_too_large", `the update is too large (${reason})`);
      else this.ports.close(conn.id, CloseCode.FrameTooLarge, reason);
      return;
    }
    const decoder = decoding.createDecoder(data);
    const type = readOrFail(() => decoding.readVarUint(decoder));
    switch (type) {
      case MESSAGE_SYNC: {
        const step = readOrFail(() => decoding.readVarUint(decoder));
        const payload = readOrFail(() => decoding.readVarUint8Array(decoder));
        if (step === syncProtocol.messageYjsSyncStep1) this.answerStep1(conn.id, payload);
        else if (step === syncProtocol.messageYjsSyncStep2 || step === syncProtocol.messageYjsUpdate) {
          this.receiveUpdate(conn, payload);
        } else throw new MalformedMessage(`unknown sync message ${step}`);
        return;
      }
      case MESSAGE_AWARENESS:
        this.receiveAwareness(
          conn,
          readOrFail(() => decoding.readVarUint8Array(decoder)),
        );
        return;
      case MESSAGE_QUERY_AWARENESS:
        this.ports.send(conn.id, awarenessMessage(this.awareness, [...this.awareness.getStates().keys()]));
        return;
      case MESSAGE_AUTH:
        return;
      default:
        throw new MalformedMessage(`unknown Yjs message type ${type}`);
    }
  }

  private answerStep1(connId: string, stateVector: Uint8Array): void {
    if (stateVector.length > MAX_STATE_VECTOR_BYTES) {
      throw new MalformedMessage(
        `sync step 1 carries a ${stateVector.length}-byte state vector; the limit is ${MAX_STATE_VECTOR_BYTES}`,
      );
    }
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    try {
      syncProtocol.writeSyncStep2(encoder, this.doc, stateVector);
    } catch {
      throw new MalformedMessage("sync step 1 carries a state vector that cannot be decoded");
    }
    this.ports.send(connId, encoding.toUint8Array(encoder));
  }

  private receiveUpdate(conn: EditorConn, update: Uint8Array): void {
    let verdict = this.verdict(update);
    // Folding the log may make room; a full rewrite is costly, so only for editors and at most once a minute.
    const now = this.ports.now();
    if (
      verdict.kind === "refuse" &&
      verdict.code === "document_too_large" &&
      conn.access !== "viewer" &&
      now - this.lastForcedCompaction >= 60_000
    ) {
      this.lastForcedCompaction = now;
      if (this.store.compact(this.doc)) verdict = this.verdict(update);
    }
    if (conn.access === "viewer") {
      if (verdict.kind === "noop") return;
      const reason = "read-only: viewers cannot edit this graph; the edit was not applied";
      this.ports.send(conn.id, permissionDenied(reason));
      this.ports.refused(conn.id, "read_only", reason);
      this.ports.report("viewer_write_dropped", { connId: conn.id, bytes: update.length });
      return;
    }
    switch (verdict.kind) {
      case "noop":
        return;
      case "missing":
        // It builds on edits the room lacks: ask the client for everything it has that the room has not.
        this.sendStep1(conn.id);
        return;
      case "refuse":
        this.ports.report("update_refused", { connId: conn.id, code: verdict.code, reason: verdict.reason });
        this.refuse(conn.id, verdict.code, verdict.reason);
        return;
      case "apply":
        this.apply(conn.id, update, verdict.items);
        return;
      default: {
        const never: never = verdict;
        throw new Error(`unhandled verdict ${JSON.stringify(never)}`);
      }
    }
  }

  private verdict(update: Uint8Array): GateVerdict {
    return checkUpdate(this.doc, update, {
      docBytes: this.store.bytes,
      docItems: this.store.items,
      retired: this.store.retired,
    });
  }

  /** Sync step 1: the room's state vector, so the client sends everything the room lacks. */
  private sendStep1(connId: string): void {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.ports.send(connId, encoding.toUint8Array(encoder));
  }

  /** Stores, then applies (the broadcast follows in onUpdate). A failure at either step changes nothing. */
  private apply(connId: string, update: Uint8Array, items: number): void {
    let id: number;
    try {
      id = this.store.append(update);
    } catch (error) {
      this.ports.report("update_store_failed", { connId, bytes: update.length, error: String(error) });
      this.refuse(connId, "storage_failed", `the room could not store this edit (${String(error).slice(0, 80)})`);
      return;
    }
    this.held = [];
    try {
      Y.applyUpdate(this.doc, update, connId);
    } catch (error) {
      this.held = undefined;
      this.store.drop(id, update.length);
      this.ports.report("update_apply_failed", { connId, bytes: update.length, error: String(error) });
      this.reloadFromStorage();
      this.refuse(connId, "invalid_update", "the room could not apply this edit; reload the graph");
      return;
    }
    const effects = this.held;
    this.held = undefined;
    for (const effect of effects) effect();
    this.store.applied(this.doc, items);
  }

  /** Tells the editor why, and closes it: its copy now holds an edit the room refused (CLOSE-11). */
  private refuse(connId: string, code: RefusalCode | "storage_failed", reason: string): void {
    this.ports.send(connId, permissionDenied(reason));
    this.ports.refused(connId, code, reason);
    this.ports.close(connId, CloseCode.UpdateRefused, closeReason(`update refused: ${reason}`));
  }

  private receiveAwareness(conn: EditorConn, update: Uint8Array): void {
    if (!this.awarenessRate.take(conn.id, this.ports.now())) {
      this.ports.close(conn.id, CloseCode.RateLimited, this.awarenessRate.describe("awareness updates"));
      return;
    }
    if (update.length > LIMITS.maxAwarenessBytes) {
      const reason = `awareness update of ${update.length} bytes; the limit is ${LIMITS.maxAwarenessBytes}`;
      this.ports.close(conn.id, CloseCode.AwarenessRefused, reason);
      return;
    }
    const fresh = this.freshAwareness(conn, update);
    if (typeof fresh === "string") {
      this.ports.report("awareness_refused", { connId: conn.id, reason: fresh });
      this.ports.close(conn.id, CloseCode.AwarenessRefused, closeReason(`awareness refused: ${fresh}`));
      return;
    }
    // Stock y-websocket clients echo every state they hear; what is not news is dropped, not relayed again.
    if (fresh.length === 0) return;
    const filtered = encodeAwareness(fresh);
    const mine = new Set(conn.awarenessIds);
    const listen = ({ added, removed }: { added: number[]; removed: number[] }, origin: unknown) => {
      if (origin !== conn.id) return;
      for (const id of added) {
        mine.add(id);
        this.owners.set(id, conn.id);
      }
      for (const id of removed) {
        mine.delete(id);
        this.owners.delete(id);
      }
    };
    this.awareness.on("update", listen);
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, filtered, conn.id);
    } finally {
      this.awareness.off("update", listen);
    }
    this.trimAwarenessMeta();
    const ids = [...mine];
    if (ids.length !== conn.awarenessIds.length || ids.some((id) => !conn.awarenessIds.includes(id))) {
      this.ports.setAwarenessIds(conn.id, ids);
    }
    const message = awarenessFrame(filtered);
    for (const connId of this.ports.editors()) if (connId !== conn.id) this.ports.send(connId, message);
  }

  /** Awareness keeps the clock of every client it ever saw; past MAX_AWARENESS_META, those gone are forgotten. */
  private trimAwarenessMeta(): void {
    const meta = this.awareness.meta;
    if (meta.size <= MAX_AWARENESS_META) return;
    for (const id of [...meta.keys()]) if (!this.awareness.states.has(id)) meta.delete(id);
  }

  /**
   * The entries of an awareness update that are news (a newer clock than the room has), or why the update
   * is refused: it cannot be decoded or is not JSON, it changes a client another connection presents, or
   * the connection would present more than maxAwarenessClients clients.
   */
  private freshAwareness(conn: EditorConn, update: Uint8Array): AwarenessEntry[] | string {
    let entries: AwarenessEntry[];
    try {
      entries = decodeAwareness(update);
    } catch {
      return "it could not be decoded";
    }
    const claimed = new Set(conn.awarenessIds);
    const fresh: AwarenessEntry[] = [];
    for (const entry of entries) {
      const known = this.awareness.meta.get(entry.clientId)?.clock ?? 0;
      const present = this.awareness.states.has(entry.clientId);
      // A removal of a client the room does not show is no news either (and would only grow `meta`).
      const news = entry.state === null ? present && entry.clock >= known : entry.clock > known;
      if (!news) continue;
      const owner = this.owners.get(entry.clientId);
      if (owner !== undefined && owner !== conn.id) return `client ${entry.clientId} belongs to another connection`;
      claimed.add(entry.clientId);
      fresh.push(entry);
    }
    if (claimed.size > LIMITS.maxAwarenessClients) {
      return `a connection may present at most ${LIMITS.maxAwarenessClients} awareness clients`;
    }
    return fresh;
  }

  /** The editor left: forget its presence (CONN-1) and its rate buckets. */
  onClose(conn: EditorConn): void {
    this.guard("close", () => {
      this.messages.forget(conn.id);
      this.awarenessRate.forget(conn.id);
      const ids = conn.awarenessIds.filter((id) => this.awareness.states.has(id));
      for (const id of conn.awarenessIds) if (this.owners.get(id) === conn.id) this.owners.delete(id);
      if (ids.length === 0) return;
      awarenessProtocol.removeAwarenessStates(this.awareness, ids, null);
      const message = awarenessMessage(this.awareness, ids);
      for (const connId of this.ports.editors()) if (connId !== conn.id) this.ports.send(connId, message);
    });
  }

  // ---- the room's own edits and reads ---------------------------------------------------------------

  /**
   * Runs an edit of the room's own (an HTTP import, start/stop). It is stored before anyone hears of it; if
   * storing fails the document is read back from storage, so the edit is refused whole, never half-applied.
   */
  localEdit(edit: (doc: Y.Doc) => void, estimatedBytes = 0): EditOutcome {
    // Fold old history first when the edit might not fit beside it.
    if (this.store.bytes + estimatedBytes > LIMITS.maxDocumentBytes) this.store.compact(this.doc);
    this.localFailure = undefined;
    try {
      this.doc.transact(() => {
        try {
          edit(this.doc);
        } catch (error) {
          // onUpdate sees the failure and stores nothing of the part that ran; the reload below discards it.
          this.localFailure = error;
        }
      }, LOCAL);
    } catch (error) {
      this.localFailure ??= error;
    }
    const failure = this.localFailure;
    this.localFailure = undefined;
    if (failure !== undefined) {
      this.ports.report("local_edit_failed", { error: String(failure) });
      this.reloadFromStorage();
      if (failure instanceof DocumentTooLarge)
        return { ok: false, code: "document_too_large", message: failure.message };
      return {
        ok: false,
        code: "storage_failed",
        message: `the room could not store the change (${String(failure).slice(0, 120)})`,
      };
    }
    this.store.applied(this.doc, Math.max(0, countItems(this.doc) - this.store.items));
    return { ok: true };
  }

  inspect(): GraphInspection {
    return inspectGraph(this.doc, this.ports.graphId);
  }

  exportGraph(): GraphExport {
    return this.inspect().graph;
  }

  /**
   * Replaces the document wholesale with `fill`'s content, for a graph whose document cannot be edited in
   * place (it holds structures outside the model) or is deleted: the old generation is retired (a stale
   * client cannot bring it back) and every editor is told to reload (CLOSE-16).
   */
  replaceWholesale(fill: ((doc: Y.Doc) => void) | undefined, closeCode: number, reason: string): EditOutcome {
    const next = new Y.Doc();
    if (fill) next.transact(() => fill(next), LOCAL);
    try {
      this.store.retire(this.doc);
      this.store.wipe();
      if (fill) this.store.compact(next) || failCompaction();
    } catch (error) {
      this.ports.report("replace_failed", { error: String(error) });
      this.reloadFromStorage();
      return {
        ok: false,
        code: "storage_failed",
        message: `the room could not store the new document (${String(error).slice(0, 120)})`,
      };
    }
    for (const connId of this.ports.editors()) this.ports.close(connId, closeCode, reason);
    this.swap(next);
    return { ok: true };
  }

  /** Reads the document back from storage (after an edit that could not be stored or applied). */
  private reloadFromStorage(): void {
    const doc = new Y.Doc();
    this.store.load(doc);
    this.swap(doc);
  }

  private swap(doc: Y.Doc): void {
    const old = this.doc;
    this.awareness.destroy();
    this.attach(doc);
    this.view.bind(doc);
    this.pending = undefined;
    old.destroy();
    this.ports.changed(undefined);
  }

  /** Runs a handler body; an exception is reported, never thrown into the Durable Object. */
  private guard(where: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      this.ports.report("room_doc_error", {
        where,
        error: String(error),
        stack: (error as Error)?.stack?.slice(0, 500),
      });
    }
  }
}

class MalformedMessage extends Error {}

/** One client's entry in an awareness update (y-protocols/awareness wire format). */
interface AwarenessEntry {
  clientId: number;
  clock: number;
  /** The JSON text as sent, and its parsed value (null: the client left). */
  json: string;
  state: unknown;
}

function decodeAwareness(update: Uint8Array): AwarenessEntry[] {
  const decoder = decoding.createDecoder(update);
  const count = decoding.readVarUint(decoder);
  const entries: AwarenessEntry[] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const json = decoding.readVarString(decoder);
    entries.push({ clientId, clock, json, state: JSON.parse(json) });
  }
  return entries;
}

function encodeAwareness(entries: AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.json);
  }
  return encoding.toUint8Array(encoder);
}

class DocumentTooLarge extends Error {
  constructor(bytes: number) {
    super(`the document would grow to ${bytes} bytes; the limit is ${LIMITS.maxDocumentBytes}`);
  }
}

function readOrFail<T>(read: () => T): T {
  try {
    return read();
  } catch {
    throw new MalformedMessage("the message is not a valid Yjs message");
  }
}

function failCompaction(): never {
  throw new Error("the new document could not be stored");
}

function syncMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_SYNC);
  syncProtocol.writeUpdate(encoder, update);
  return encoding.toUint8Array(encoder);
}

function awarenessMessage(awareness: awarenessProtocol.Awareness, clients: number[]): Uint8Array {
  return awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(awareness, clients));
}

function awarenessFrame(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
  encoding.writeVarUint8Array(encoder, update);
  return encoding.toUint8Array(encoder);
}

/** y-protocols' auth message: stock y-websocket clients log the reason ("Permission denied …"). */
function permissionDenied(reason: string): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MESSAGE_AUTH);
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarString(encoder, reason);
  return encoding.toUint8Array(encoder);
}

/** A WebSocket close reason must fit in 123 bytes of UTF-8. */
export function closeReason(text: string): string {
  let out = text.length > 123 ? `${text.slice(0, 122)}…` : text;
  while (utf8Bytes(out) > 123) out = `${out.slice(0, Math.max(0, out.length - 4))}…`;
  return out;
}
