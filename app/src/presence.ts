// Who else is here (Yjs awareness, relayed by the room): each browser publishes its name, colour, cursor, selected
// nodes and viewport; the others' states are read defensively (any peer can send anything) into one signal.
import { type Accessor, createMemo, createSignal } from "solid-js";
import type { Awareness } from "y-protocols/awareness";
import type { Point } from "./geometry.ts";

export interface Identity {
  name: string;
  color: string;
}

export interface PeerView {
  /** The graph point at the centre of the peer's canvas, and its zoom. */
  center: Point;
  zoom: number;
}

export interface Peer extends Identity {
  clientId: number;
  cursor?: Point;
  selection: string[];
  view?: PeerView;
}

export interface Presence {
  readonly me: Identity;
  /** The awareness itself, for the code editor's own cursors (y-codemirror.next). */
  readonly awareness: Awareness;
  /** Everyone else on this graph, by name. */
  peers: Accessor<Peer[]>;
  /** The first peer that has each node selected. */
  selectedBy: Accessor<ReadonlyMap<string, Peer>>;
  setCursor(at: Point | null): void;
  setSelection(nodeIds: readonly string[]): void;
  setView(view: PeerView): void;
  /** The peer whose viewport this editor follows, if any. */
  following: Accessor<number | undefined>;
  follow(clientId: number | undefined): void;
  destroy(): void;
}

/** Awareness writes are coalesced to at most one per this many ms (the room allows 40 a second). */
export const PRESENCE_INTERVAL_MS = 70;
const MAX_NAME = 40;
const MAX_SELECTION = 200;

export const COLORS = ["#e06c75", "#61afef", "#98c379", "#e5c07b", "#c678dd", "#56b6c2", "#d19a66", "#f778ba"];
const ADJECTIVES = ["Swift", "Quiet", "Bright", "Calm", "Bold", "Keen", "Lucky", "Merry"];
const ANIMALS = ["Otter", "Heron", "Lynx", "Finch", "Badger", "Marten", "Wren", "Ibex"];
const STORAGE_KEY = "weft.identity";

/** This browser's name and colour: kept in localStorage, made up once; `signedIn` names it when known. */
export function browserIdentity(signedIn?: string): Identity {
  let stored: Partial<Identity> = {};
  try {
    stored = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "{}") as Partial<Identity>;
  } catch {
    // A broken entry is replaced below.
  }
  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)] as T;
  const identity: Identity = {
    name: typeof stored.name === "string" && stored.name ? stored.name : `${pick(ADJECTIVES)} ${pick(ANIMALS)}`,
    color: typeof stored.color === "string" && COLORS.includes(stored.color) ? stored.color : pick(COLORS),
  };
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(identity));
  } catch {
    // Private mode: the identity lasts this page only.
  }
  return signedIn ? { ...identity, name: signedIn.slice(0, MAX_NAME) } : identity;
}

export function createPresence(awareness: Awareness, me: Identity): Presence {
  const [peers, setPeers] = createSignal<Peer[]>([]);
  const [following, setFollowing] = createSignal<number | undefined>();
  let local: { cursor: Point | null; selection: string[]; view: PeerView | null } = {
    cursor: null,
    selection: [],
    view: null,
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastWrite = 0;

  // Field by field: the code editor's binding (y-codemirror.next) keeps its own `cursor` field in this state.
  const write = () => {
    timer = undefined;
    lastWrite = Date.now();
    awareness.setLocalState({
      ...awareness.getLocalState(),
      user: me,
      pointer: local.cursor,
      selection: local.selection,
      view: local.view,
    });
  };
  const schedule = () => {
    if (timer) return;
    timer = setTimeout(write, Math.max(0, lastWrite + PRESENCE_INTERVAL_MS - Date.now()));
  };
  const read = (change?: { added: number[]; updated: number[]; removed: number[] }) => {
    // Our own state changing tells us nothing new about the others.
    if (change && [...change.added, ...change.updated, ...change.removed].every((id) => id === awareness.clientID)) {
      return;
    }
    const list: Peer[] = [];
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === awareness.clientID) continue;
      const peer = readPeer(clientId, state);
      if (peer) list.push(peer);
    }
    list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.clientId - b.clientId));
    setPeers(list);
    const followed = following();
    if (followed !== undefined && !list.some((p) => p.clientId === followed)) setFollowing(undefined);
  };
  awareness.on("change", read);
  write();
  read();

  // Peers' states change with every pointer move; the nodes that read this map rerun only when a selection
  // (or the name and colour it is shown in) really changed.
  const selectedBy = createMemo(
    () => {
      const map = new Map<string, Peer>();
      for (const peer of peers()) for (const id of peer.selection) if (!map.has(id)) map.set(id, peer);
      return map;
    },
    undefined,
    { equals: sameSelections },
  );

  return {
    me,
    awareness,
    peers,
    selectedBy,
    setCursor(at) {
      local = { ...local, cursor: at && { x: Math.round(at.x), y: Math.round(at.y) } };
      schedule();
    },
    setSelection(nodeIds) {
      local = { ...local, selection: nodeIds.slice(0, MAX_SELECTION) };
      schedule();
    },
    setView(view) {
      local = {
        ...local,
        view: { center: { x: Math.round(view.center.x), y: Math.round(view.center.y) }, zoom: view.zoom },
      };
      schedule();
    },
    following,
    follow: setFollowing,
    destroy() {
      if (timer) clearTimeout(timer);
      awareness.off("change", read);
    },
  };
}

function sameSelections(a: ReadonlyMap<string, Peer>, b: ReadonlyMap<string, Peer>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, peer] of a) {
    const other = b.get(id);
    if (!other || other.clientId !== peer.clientId || other.name !== peer.name || other.color !== peer.color) {
      return false;
    }
  }
  return true;
}

/** A peer's awareness state as the editor uses it, or undefined when it is not a Weft editor's. */
export function readPeer(clientId: number, state: unknown): Peer | undefined {
  if (!isObject(state) || !isObject(state.user)) return undefined;
  const { name, color } = state.user;
  if (typeof name !== "string" || !name.trim()) return undefined;
  const peer: Peer = {
    clientId,
    name: name.trim().slice(0, MAX_NAME),
    color: typeof color === "string" && /^#[0-9a-f]{6}$/i.test(color) ? color : "#888888",
    selection: Array.isArray(state.selection)
      ? state.selection.filter((id): id is string => typeof id === "string" && id.length <= 64).slice(0, MAX_SELECTION)
      : [],
  };
  const cursor = point(state.pointer);
  if (cursor) peer.cursor = cursor;
  if (isObject(state.view)) {
    const center = point(state.view.center);
    const zoom = state.view.zoom;
    if (center && typeof zoom === "number" && zoom > 0.01 && zoom < 10) peer.view = { center, zoom };
  }
  return peer;
}

function point(value: unknown): Point | undefined {
  if (!isObject(value)) return undefined;
  const { x, y } = value;
  const ok = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n) && Math.abs(n) < 1e7;
  return ok(x) && ok(y) ? { x, y } : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
