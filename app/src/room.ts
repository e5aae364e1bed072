// Owns one graph's Y.Doc, its copy kept on this device (offline.ts) and its y-partyserver socket: connection
// state, `watch` on every (re)connect, status and node-type pushes, and what the room's close codes mean for the
// stored copy (roomClose.ts).
import { type Accessor, createSignal } from "solid-js";
import YProvider from "y-partyserver/provider";
import type { Awareness } from "y-protocols/awareness";
import * as Y from "yjs";
import { ApiError } from "../../shared/errors.ts";
import type { EditorRequest, GraphStatus, NodeTypeInfo } from "../../shared/status.ts";
import { applyStatusDelta } from "../../shared/statusDelta.ts";
import { getGraphStatus } from "./api.ts";
import { notify } from "./notices.ts";
import { forgetGraph, type LocalCopy, openLocalCopy, rescueCopy } from "./offline.ts";
import { closeVerdict, lostCopyNotice, STALE_DOCUMENT } from "./roomClose.ts";
import { hubReached, signedInUser } from "./session.ts";
import { hubUnreachable } from "./sessionCache.ts";
import { parsePush } from "./statusPush.ts";

/**
 * connecting: first attempt; reconnecting: lost and retrying; offline: the browser says it has no network (edits
 * are kept, on this device when the graph is stored there, and sync on reconnect); syncing: connected again,
 * exchanging what changed meanwhile; deleted: the graph is gone (CLOSE-5, or the hub answers 404 for it); reset:
 * this copy of the document must be dropped and synced afresh (an edit refused, CLOSE-11, or the graph replaced,
 * CLOSE-16); expired: the session ended (CLOSE-15).
 */
export type ConnectionState =
  | "connecting"
  | "connected"
  | "syncing"
  | "reconnecting"
  | "offline"
  | "deleted"
  | "reset"
  | "expired";

export interface Room {
  readonly graphId: string;
  readonly doc: Y.Doc;
  /** Presence: relayed by the room to every editor of this graph (presence.ts reads and writes it). */
  readonly awareness: Awareness;
  readonly connection: Accessor<ConnectionState>;
  /**
   * True once the document can be shown and edited: the first full sync with the room, or the copy stored on this
   * device (one that was synced before) has loaded.
   */
  readonly synced: Accessor<boolean>;
  /** Edits made here since the room last had everything (while offline, reconnecting or syncing). */
  readonly unsynced: Accessor<number>;
  destroy(): void;
}

/** While connection attempts fail, the hub is asked at most this often whether the graph still exists. */
const PROBE_INTERVAL_MS = 5000;
/** How long after a sync a refusal is taken as a refusal of the edits that sync carried up (UPDATE-3). */
const CARRIED_WINDOW_MS = 5000;

function docOf(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
}

/** What the room pushes to a watching editor, already checked (statusPush.ts). */
export interface RoomPushes {
  onStatus(status: GraphStatus): void;
  /** The graph's node-type registry: after every `watch`, and whenever it changes. */
  onTypes(types: NodeTypeInfo[]): void;
}

export function openRoom(graphId: string, pushes: RoomPushes): Room {
  const doc = new Y.Doc();
  const [connection, setConnection] = createSignal<ConnectionState>(navigator.onLine ? "connecting" : "offline");
  const [synced, setSynced] = createSignal(false);
  const [unsynced, setUnsynced] = createSignal(0);
  let everConnected = false;
  let everSynced = false;
  let destroyed = false;
  /** The code of the room's last `refused` push: it comes just before the close it explains. */
  let lastRefusal: string | undefined;
  /** This copy as it was when the connection opened with edits pending, kept for a short while after the sync. */
  let carriedUp: { update: Uint8Array; pending: number } | undefined;
  let carriedTimer: ReturnType<typeof setTimeout> | undefined;

  const user = signedInUser();
  const local: LocalCopy | undefined = user === undefined ? undefined : openLocalCopy(graphId, user, doc);

  const provider = new YProvider(location.host, graphId, doc, {
    party: "graph",
    protocol: location.protocol === "https:" ? "wss" : "ws",
    // Every edit goes through the room, even between tabs of one browser.
    disableBc: true,
    // Connected once the stored copy is in the doc, so the first sync exchanges only what changed meanwhile.
    connect: false,
  });
  const connect = () => {
    provider.connect().catch((error: unknown) => console.error(`[weft] cannot connect to graph ${graphId}`, error));
  };

  const final = () => ["deleted", "reset", "expired"].includes(connection());
  const count = (n: number) => {
    setUnsynced(n);
    local?.setUnsynced(n);
  };

  const start = (stored: { hadCopy: boolean; unsynced: number }) => {
    if (destroyed || final()) return;
    if (stored.hadCopy && !everSynced) {
      setSynced(true);
      if (stored.unsynced > 0) count(unsynced() + stored.unsynced);
      // The graph may have been deleted on the hub since this copy was stored.
      probe();
    }
    if (connection() !== "offline") connect();
  };

  let lost = false;
  /**
   * The graph is gone (deleted) or its document generation retired (replaced): every copy of it on this device
   * goes, so a stale one can never come back; what the user had not synced is kept for a download.
   */
  const lose = (why: "deleted" | "retired") => {
    if (lost) return;
    lost = true;
    // A retired copy is refused right after the sync that carried it up (and zeroed the count): what it was then.
    const carried = carriedUp;
    const pending = Math.max(unsynced(), carried?.pending ?? 0);
    if (pending > 0) rescueCopy(graphId, carried ? docOf(carried.update) : doc, why);
    const notice = lostCopyNotice(why, pending);
    notify(notice.kind, notice.text, notice.sticky ? 0 : 8000);
    // The deletes are issued now, before a fresh copy of the graph can be opened under the same name.
    forgetGraph(graphId).catch((error: unknown) =>
      console.error(`[weft] the copy of graph ${graphId} on this device could not be deleted`, error),
    );
    if (!destroyed && !final()) stop(why === "deleted" ? "deleted" : "reset");
  };

  const stop = (state: ConnectionState) => {
    setConnection(state);
    provider.disconnect();
  };

  // Asks the hub whether the graph still exists: a deleted graph's room refuses the upgrade (404), which a
  // WebSocket cannot tell from a lost network. The answer is acted on even after the room is closed.
  let probing = false;
  let lastProbe = Number.NEGATIVE_INFINITY;
  const probe = () => {
    const now = Date.now();
    if (probing || now - lastProbe < PROBE_INTERVAL_MS) return;
    probing = true;
    lastProbe = now;
    getGraphStatus(graphId)
      .then(
        () => undefined,
        (error: unknown) => {
          // 401: api.ts signs the editor out. Unreachable: offline, though the browser may say it is online (the
          // provider keeps trying, and a connection ends it).
          if (error instanceof ApiError && error.status === 404) lose("deleted");
          else if (hubUnreachable(error) && ["connecting", "reconnecting"].includes(connection())) {
            setConnection("offline");
          }
        },
      )
      .finally(() => {
        probing = false;
      });
  };

  /** The graph's status as of the room's last push on this connection: the base of its next delta. */
  let latest: GraphStatus | undefined;
  provider.on("status", ({ status }: { status: string }) => {
    if (final()) return;
    if (status === "connected") {
      everConnected = true;
      hubReached();
      clearTimeout(carriedTimer);
      carriedUp = unsynced() > 0 ? { update: Y.encodeStateAsUpdate(doc), pending: unsynced() } : undefined;
      setConnection(everSynced ? "syncing" : "connecting");
      // After the provider's sync step 1 (sent right after this event): the room answers in order, and the
      // document is what the canvas waits for; building a big graph's status first delayed it (bench/editor).
      const watch: EditorRequest = { type: "watch", deltas: true };
      latest = undefined;
      queueMicrotask(() => {
        if (!final()) provider.sendMessage(JSON.stringify(watch));
      });
    } else if (connection() !== "offline") {
      setConnection(everConnected ? "reconnecting" : "connecting");
    }
  });

  provider.on("sync", (isSynced: boolean) => {
    if (!isSynced || final()) return;
    everSynced = true;
    setSynced(true);
    count(0);
    clearTimeout(carriedTimer);
    carriedTimer = setTimeout(() => {
      carriedUp = undefined;
    }, CARRIED_WINDOW_MS);
    local?.markSynced();
    if (connection() === "syncing" || connection() === "connecting") setConnection("connected");
  });

  // Sent at once while connected; otherwise counted (and saved on this device) until the next sync carries them.
  // What the room sends and what the stored copy loads are not edits made here.
  const onUpdate = (_update: Uint8Array, origin: unknown) => {
    if (origin === provider || (local && origin === local.origin)) return;
    if (connection() !== "connected") count(unsynced() + 1);
  };
  doc.on("update", onUpdate);

  // The socket may linger after the network is gone; the browser's word is enough to stop and start it.
  const onOffline = () => {
    if (final()) return;
    setConnection("offline");
    provider.disconnect();
  };
  const onOnline = () => {
    if (final() || connection() !== "offline") return;
    setConnection(everConnected ? "reconnecting" : "connecting");
    // The first failed attempt asks the hub at once whether the graph was deleted meanwhile.
    lastProbe = Number.NEGATIVE_INFINITY;
    connect();
  };
  window.addEventListener("offline", onOffline);
  window.addEventListener("online", onOnline);

  provider.on("connection-close", (event: CloseEvent | null) => {
    if (final()) return;
    // Emitted before the provider resets it: false when this attempt never opened (refused upgrade, no network).
    const opened = provider.wsconnected;
    const verdict = closeVerdict(event?.code, event?.reason ?? "", lastRefusal);
    lastRefusal = undefined;
    switch (verdict.kind) {
      case "deleted":
      case "retired":
        return lose(verdict.kind);
      case "refused":
        // This copy holds the refused edit: it goes, and the editor syncs a fresh one (UPDATE-1).
        local?.discard().catch((error: unknown) => console.error("[weft] could not delete the refused copy", error));
        return stop("reset");
      case "expired":
        return stop("expired");
      case "rate-limited":
        notify("error", `The hub closed the connection: ${verdict.reason || "too many messages"}; reconnecting.`);
        return;
      case "retry":
        if (!opened) probe();
        return;
      default: {
        const never: never = verdict;
        return never;
      }
    }
  });

  provider.on("custom-message", (message: string) => {
    const push = parsePush(message);
    if (push?.type === "status") {
      latest = push.status;
      pushes.onStatus(push.status);
    } else if (push?.type === "statusDelta") {
      // A delta applies to the status this connection last had (the room sends it in full first, after `watch`).
      if (latest) {
        latest = applyStatusDelta(latest, push.delta);
        pushes.onStatus(latest);
      } else console.warn("[weft] room sent a status delta before the status it applies to");
    } else if (push?.type === "nodeTypes") pushes.onTypes(push.types);
    else if (push?.type === "refused") {
      lastRefusal = push.code;
      // A stale copy is explained when the close that follows drops it (lostCopyNotice).
      if (push.code === STALE_DOCUMENT) return;
      notify(
        "error",
        push.code === "read_only"
          ? "You can only view this graph; your edit was not saved."
          : `The hub refused your last edit: ${push.reason}`,
        12_000,
      );
    }
  });

  // A copy synced before is loaded first, so the sync carries only what changed; with none, the socket opens at
  // once (IndexedDB is slow to open in a fresh profile) and the copy fills as the document arrives.
  if (local?.stored) void local.loaded.then(start);
  else start({ hadCopy: false, unsynced: 0 });

  return {
    graphId,
    doc,
    awareness: provider.awareness,
    connection,
    synced,
    unsynced,
    destroy() {
      destroyed = true;
      clearTimeout(carriedTimer);
      window.removeEventListener("offline", onOffline);
      window.removeEventListener("online", onOnline);
      doc.off("update", onUpdate);
      provider.destroy();
      local?.close();
      doc.destroy();
    },
  };
}
