// The room's running picture of its graph, kept up to date from each Yjs transaction: a change costs what it
// touched (a moved node re-reads one node and changes no scheduling), never a re-read of the whole graph.
import * as Y from "yjs";
import { edgeIsLive, typeRule } from "../../shared/docModel.ts";
import type { GraphEdge, JsonValue } from "../../shared/graph.ts";
import { findNodeType } from "../../shared/nodeTypes.ts";
import { edgesMap, inspectNode, metaMap, nodesMap, readEdge, readMeta } from "../../shared/ydoc.ts";

export interface ViewNode {
  id: string;
  /** "" when the node has no valid type (then `problems` says why). */
  type: string;
  params: Record<string, JsonValue>;
  disabled: boolean;
  labels: string[];
  /** Where the node breaks the document model (fields read as defaults): its process is blocked. */
  problems: string[];
}

/** What a transaction changed that the leader and broker care about. */
export interface GraphChange {
  running: boolean;
  /** Nodes added, removed, or changed in type, params, disabled or labels (not moves or renames). */
  nodes: Set<string>;
  /** The set of live edges changed. */
  edges: boolean;
  /** The graph's name changed (the catalogue lists it). */
  name: boolean;
}

/** The graph as the leader and broker read it (RoomCore's port). */
export interface RoomGraph {
  readonly running: boolean;
  nodes(): Iterable<ViewNode>;
  node(id: string): ViewNode | undefined;
  /** Live edges leaving `nodeId` at `port` (the dangling-edge rule applied). */
  edgesFrom(nodeId: string, port: string): readonly GraphEdge[];
  liveEdges(): Iterable<GraphEdge>;
}

/** Node fields whose change restarts nothing (SCHED-4: moving a node restarts nothing). */
const COSMETIC = new Set(["x", "y", "name"]);

export class GraphView implements RoomGraph {
  running = false;
  name = "";
  private readonly nodeMap = new Map<string, ViewNode>();
  private readonly edgeMap = new Map<string, GraphEdge>();
  private readonly live = new Set<string>();
  private readonly byNode = new Map<string, Set<string>>();
  private readonly from = new Map<string, GraphEdge[]>();
  /** The `from` key each filed edge is under, so a change refiles only that edge. */
  private readonly fromKey = new Map<string, string>();
  private doc!: Y.Doc;
  private meta!: Y.Map<unknown>;
  private nodesRoot!: Y.Map<unknown>;
  private edgesRoot!: Y.Map<unknown>;

  constructor(doc: Y.Doc) {
    this.bind(doc);
  }

  /** Reads `doc` from now on (the room swapped in a new document), starting with a full read. */
  bind(doc: Y.Doc): void {
    this.doc = doc;
    this.meta = metaMap(doc);
    this.nodesRoot = nodesMap(doc) as unknown as Y.Map<unknown>;
    this.edgesRoot = edgesMap(doc) as unknown as Y.Map<unknown>;
    this.reload();
  }

  /** Reads everything again (on start, and after the document was replaced wholesale). */
  reload(): void {
    this.nodeMap.clear();
    this.edgeMap.clear();
    this.live.clear();
    this.byNode.clear();
    this.from.clear();
    this.fromKey.clear();
    const meta = readMeta(this.doc);
    this.running = meta.running;
    this.name = meta.name;
    for (const id of this.nodesRoot.keys()) this.readNode(id);
    for (const id of this.edgesRoot.keys()) this.readEdge(id);
    this.relink([...this.edgeMap.keys()], new Set());
  }

  /** Takes in one transaction's changes (call from the document's afterTransaction). Never throws. */
  absorb(transaction: Y.Transaction): GraphChange {
    const change: GraphChange = { running: false, nodes: new Set(), edges: false, name: false };
    const touchedNodes = new Set<string>();
    const touchedEdges = new Set<string>();
    for (const [changedType, keys] of transaction.changed) {
      const type = changedType as unknown as Y.AbstractType<unknown>;
      if (type === this.meta) {
        const meta = readMeta(this.doc);
        if (meta.running !== this.running) change.running = true;
        if (meta.name !== this.name) change.name = true;
        this.running = meta.running;
        this.name = meta.name;
      } else if (type === this.nodesRoot) {
        for (const key of keys) if (key !== null) this.touchNode(key, change, touchedNodes, true);
      } else if (type === this.edgesRoot) {
        for (const key of keys) if (key !== null) touchedEdges.add(key);
      } else {
        const owner = this.owningNode(type);
        if (owner === undefined) continue;
        const scheduling = owner.level > 0 || [...keys].some((k) => k === null || !COSMETIC.has(k));
        this.touchNode(owner.nodeId, change, touchedNodes, scheduling);
      }
    }
    for (const id of touchedEdges) this.readEdge(id);
    const relink = new Set(touchedEdges);
    for (const nodeId of change.nodes) for (const edgeId of this.byNode.get(nodeId) ?? []) relink.add(edgeId);
    if (relink.size > 0) change.edges = this.relink([...relink], touchedEdges);
    return change;
  }

  /** The node a nested type belongs to: its map (level 0), its params (1) or a code text in them (2). */
  private owningNode(type: Y.AbstractType<unknown>): { nodeId: string; level: number } | undefined {
    let current: Y.AbstractType<unknown> = type;
    for (let level = 0; level < 3; level++) {
      const item = current._item;
      if (!item || item.parentSub === null) return undefined;
      const parent = item.parent as Y.AbstractType<unknown> | null;
      if (parent === this.nodesRoot) return { nodeId: item.parentSub, level };
      if (!parent) return undefined;
      current = parent;
    }
    return undefined;
  }

  private touchNode(id: string, change: GraphChange, touched: Set<string>, scheduling: boolean): void {
    if (touched.has(id) && !scheduling) return;
    touched.add(id);
    const before = this.nodeMap.get(id);
    this.readNode(id);
    const after = this.nodeMap.get(id);
    if (scheduling || !before !== !after || before?.type !== after?.type) change.nodes.add(id);
  }

  private readNode(id: string): void {
    const ynode = this.nodesRoot.get(id);
    if (!(ynode instanceof Y.Map)) {
      this.nodeMap.delete(id);
      return;
    }
    const { node, problems } = inspectNode(id, ynode);
    this.nodeMap.set(id, {
      id,
      type: typeRule(node.type) === undefined ? node.type : "",
      params: node.params,
      disabled: node.disabled === true,
      labels: node.labels ?? [],
      problems,
    });
  }

  private readEdge(id: string): void {
    const old = this.edgeMap.get(id);
    if (old) this.unindex(old);
    const edge = readEdge(id, this.edgesRoot.get(id));
    if (!edge) {
      this.edgeMap.delete(id);
      return;
    }
    this.edgeMap.set(id, edge);
    for (const end of [edge.from, edge.to]) {
      const set = this.byNode.get(end) ?? new Set<string>();
      set.add(id);
      this.byNode.set(end, set);
    }
  }

  private unindex(edge: GraphEdge): void {
    for (const end of [edge.from, edge.to]) {
      const set = this.byNode.get(end);
      set?.delete(edge.id);
      if (set?.size === 0) this.byNode.delete(end);
    }
  }

  /** Re-decides which of these edges are live; returns whether the live edges changed (`edited` ones count when live). */
  private relink(edgeIds: string[], edited: ReadonlySet<string>): boolean {
    let changed = false;
    const typeOf = (nodeId: string) => {
      const node = this.nodeMap.get(nodeId);
      return node && node.type !== "" ? node.type : undefined;
    };
    for (const id of edgeIds) {
      const edge = this.edgeMap.get(id);
      const isLive = edge !== undefined && edgeIsLive(edge, typeOf, findNodeType);
      if (isLive !== this.live.has(id)) {
        changed = true;
        if (isLive) this.live.add(id);
        else this.live.delete(id);
      } else if (isLive && edited.has(id)) changed = true; // a live edge was rewired or its settings changed
      this.indexFrom(id, isLive ? edge : undefined);
    }
    return changed;
  }

  /** Files a live edge under its source port (edgesFrom), first taking out what was filed for its id. */
  private indexFrom(id: string, edge: GraphEdge | undefined): void {
    const old = this.fromKey.get(id);
    if (old !== undefined) {
      const rest = (this.from.get(old) ?? []).filter((e) => e.id !== id);
      if (rest.length > 0) this.from.set(old, rest);
      else this.from.delete(old);
      this.fromKey.delete(id);
    }
    if (!edge) return;
    const key = `${edge.from}\u0000${edge.fromPort}`;
    this.from.set(key, [...(this.from.get(key) ?? []), edge]);
    this.fromKey.set(id, key);
  }

  nodes(): Iterable<ViewNode> {
    return this.nodeMap.values();
  }

  node(id: string): ViewNode | undefined {
    return this.nodeMap.get(id);
  }

  edgesFrom(nodeId: string, port: string): readonly GraphEdge[] {
    return this.from.get(`${nodeId}\u0000${port}`) ?? [];
  }

  *liveEdges(): Iterable<GraphEdge> {
    for (const id of this.live) yield this.edgeMap.get(id) as GraphEdge;
  }
}
