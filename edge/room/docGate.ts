// The gate every editor update passes before the room applies it: the update is decoded (never applied)
// and each new Yjs item is placed where it would land (meta, a node, its params, a code text) and checked
// against the document model (shared/docModel.ts) and the limits. Pure: reads the document, changes nothing.
import * as Y from "yjs";
import {
  describe,
  edgeValueProblem,
  idRule,
  META_RULES,
  NODE_RULES,
  paramKeyRule,
  paramValueProblem,
} from "../../shared/docModel.ts";
import { LIMITS } from "../../shared/limits.ts";
import { findNodeType, isSecretRef } from "../../shared/nodeTypes.ts";
import { edgesMap, metaMap, nodesMap } from "../../shared/ydoc.ts";

export type RefusalCode =
  | "update_too_large"
  | "update_undecodable"
  | "document_too_large"
  | "too_many_nodes"
  | "too_many_edges"
  | "stale_document"
  | "invalid_update";

export type GateVerdict =
  /** Valid: apply it. `items` is how many new Yjs structs it brings. */
  | { kind: "apply"; items: number }
  /** Nothing the room does not have already. */
  | { kind: "noop" }
  /** It builds on items or deletions the room does not have: ask the client for everything it has (sync step 1). */
  | { kind: "missing" }
  | { kind: "refuse"; code: RefusalCode; reason: string };

export interface GateInput {
  /** Bytes and items the stored document holds now. */
  docBytes: number;
  docItems: number;
  /** State vector of retired document generations (a replaced or deleted graph): their items are refused. */
  retired: ReadonlyMap<number, number>;
}

type Struct = Y.Item | Y.GC | Y.Skip;

/** Levels of Yjs types the model has (root → node → params → code text), with a margin. */
const MAX_NESTING = 6;

/** Where an item lands: its parent's slot and its key (map entry) or null (text). */
type Slot =
  | { kind: "meta" }
  | { kind: "nodes" }
  | { kind: "edges" }
  | { kind: "node"; nodeId: string; type: Y.Map<unknown> | undefined; created?: Y.Item }
  | { kind: "params"; nodeId: string; type: Y.Map<unknown> | undefined; holder: Y.Item | undefined }
  | { kind: "text"; nodeId: string; param: string; type: Y.Text | undefined; holder: Y.Item | undefined }
  | { kind: "foreign"; what: string };

/** What resolving an item's place found: its slot and key, or that it will be garbage-collected, or a gap. */
type Place = { slot: Slot; key: string | null } | "gc" | "missing" | "dead";

class Refusal extends Error {
  constructor(
    readonly code: RefusalCode,
    message: string,
  ) {
    super(message);
  }
}

/** Checks one update from an editor (sync step 2 or update) against `doc` and the limits. Never throws. */
export function checkUpdate(doc: Y.Doc, update: Uint8Array, input: GateInput): GateVerdict {
  if (update.length > LIMITS.maxUpdateBytes) {
    return refuse("update_too_large", `the update is ${update.length} bytes; the limit is ${LIMITS.maxUpdateBytes}`);
  }
  let decoded: { structs: Struct[]; ds: { clients: Map<number, Array<{ clock: number; len: number }>> } };
  try {
    decoded = Y.decodeUpdate(update) as typeof decoded;
  } catch (error) {
    return refuse("update_undecodable", `the update could not be decoded (${errorText(error)})`);
  }
  try {
    return new Check(doc, decoded.structs, decoded.ds.clients, input, update.length).run();
  } catch (error) {
    if (error instanceof Refusal) return refuse(error.code, error.message);
    return refuse("invalid_update", `the update could not be checked (${errorText(error)})`);
  }
}

function refuse(code: RefusalCode, reason: string): GateVerdict {
  return { kind: "refuse", code, reason };
}

class Check {
  private readonly store: Y.Doc["store"];
  private readonly roots: { meta: Y.Map<unknown>; nodes: Y.Map<unknown>; edges: Y.Map<unknown> };
  /** New structs by client, in clock order. */
  private readonly fresh = new Map<number, Struct[]>();
  private readonly places = new Map<Struct, Place>();
  private readonly integratedSlots = new Map<Y.AbstractType<unknown>, Slot>();
  private readonly newNodeKeys = new Set<string>();
  private readonly newEdgeKeys = new Set<string>();
  private readonly createdNodes = new Map<Y.Item, string>();
  private readonly typedNodes = new Set<Y.Item>();
  private readonly newParamKeys = new Map<Y.Map<unknown> | Y.Item, { existing: number; keys: Set<string> }>();
  private readonly textGrowth = new Map<Y.Text | Y.Item, { existing: number; added: number }>();
  /** Node types this update sets, and its param writes, to keep secret values out of the document. */
  private readonly nodeTypes = new Map<string, Set<unknown>>();
  private readonly paramWrites = new Map<string, Array<{ key: string; value: unknown }>>();

  constructor(
    doc: Y.Doc,
    private readonly structs: Struct[],
    private readonly deletes: Map<number, Array<{ clock: number; len: number }>>,
    private readonly input: GateInput,
    private readonly bytes: number,
  ) {
    this.store = doc.store;
    this.roots = {
      meta: metaMap(doc),
      nodes: nodesMap(doc) as unknown as Y.Map<unknown>,
      edges: edgesMap(doc) as unknown as Y.Map<unknown>,
    };
  }

  run(): GateVerdict {
    let items = 0;
    for (const struct of this.structs) {
      const { client, clock } = struct.id;
      const known = Y.getState(this.store, client);
      if (clock + struct.length <= known) continue;
      const run = this.fresh.get(client);
      const expected = run ? lastClock(run) : known;
      if (clock > expected || struct instanceof Y.Skip) return { kind: "missing" };
      // Yjs diffs start exactly at the state the room has; a struct reaching back into it is crafted.
      if (clock < expected) this.fail(`an item of client ${client} overlaps items the room already has`);
      const retired = this.input.retired.get(client) ?? 0;
      if (clock < retired) {
        throw new Refusal(
          "stale_document",
          "this edit belongs to an earlier version of the graph (it was replaced or deleted); reload to continue",
        );
      }
      if (run) run.push(struct);
      else this.fresh.set(client, [struct]);
      items++;
    }
    if (items === 0 && !this.deletesAnythingNew()) return { kind: "noop" };
    if (items > LIMITS.maxUpdateItems) {
      throw new Refusal("update_too_large", `the update holds ${items} items; the limit is ${LIMITS.maxUpdateItems}`);
    }
    if (this.input.docItems + items > LIMITS.maxDocumentItems) {
      throw new Refusal(
        "document_too_large",
        `the document would hold ${this.input.docItems + items} items; the limit is ${LIMITS.maxDocumentItems}`,
      );
    }
    if (this.input.docBytes + this.bytes > LIMITS.maxDocumentBytes) {
      throw new Refusal(
        "document_too_large",
        `the document would grow to ${this.input.docBytes + this.bytes} bytes; the limit is ${LIMITS.maxDocumentBytes}`,
      );
    }
    for (const run of this.fresh.values()) {
      for (const struct of run) {
        if (struct instanceof Y.Item && this.refersToMissing(struct)) return { kind: "missing" };
      }
    }
    for (const run of this.fresh.values()) {
      for (const struct of run) {
        if (!(struct instanceof Y.Item)) continue;
        const place = this.place(struct);
        if (place === "missing") return { kind: "missing" };
        if (place === "gc" || place === "dead") continue;
        this.checkItem(struct, place.slot, place.key);
      }
    }
    if (this.deletesMissing()) return { kind: "missing" };
    this.checkSecrets();
    this.checkCounts();
    return { kind: "apply", items };
  }

  // ---- where an item lands ------------------------------------------------------------------------

  /**
   * Whether an item refers (origin, right origin, parent) to a struct neither the room nor this update has:
   * Yjs would keep it pending. A reference to its own client at or after its own clock is crafted (Yjs
   * does not check those) and refused.
   */
  private refersToMissing(item: Y.Item): boolean {
    const refs = [item.origin, item.rightOrigin, typeof item.parent === "object" ? (item.parent as Y.ID | null) : null];
    for (const ref of refs) {
      if (ref === null || !(ref instanceof Y.ID)) continue;
      if (ref.client === item.id.client && ref.clock >= item.id.clock) {
        this.fail(`an item of client ${item.id.client} refers to a later item of its own`);
      }
      if (this.lookup(ref) === undefined) return true;
    }
    return false;
  }

  /** Resolves an item's parent and key as Yjs would on integration, without recursion. */
  private place(item: Y.Item, depth = 0): Place {
    if (depth > MAX_NESTING)
      return { slot: { kind: "foreign", what: "types nested deeper than the model allows" }, key: null };
    const chain = new Set<Y.Item>();
    let current: Y.Item = item;
    let found: Place | undefined;
    while (found === undefined) {
      const cached = this.places.get(current);
      if (cached !== undefined) {
        found = cached;
        break;
      }
      if (chain.has(current)) this.fail("items of the update refer to each other in a cycle");
      chain.add(current);
      if (current.parent !== null) {
        found = this.placeUnder(current.parent as unknown as string | Y.ID, current.parentSub, depth);
        break;
      }
      const neighbour = current.origin ?? current.rightOrigin;
      if (neighbour === null) {
        found = { slot: { kind: "foreign", what: "an item with neither parent nor neighbours" }, key: null };
        break;
      }
      const next = this.lookup(neighbour);
      if (next === undefined) found = "missing";
      else if (!(next instanceof Y.Item)) found = "gc";
      else if (this.isIntegrated(next)) found = this.placeOfIntegrated(next);
      else current = next;
    }
    for (const link of chain) this.places.set(link, found);
    return found;
  }

  /** The place of an item whose parent is given: a root type's name, or the id of the item holding the type. */
  private placeUnder(parent: string | Y.ID, key: string | null, depth: number): Place {
    if (typeof parent === "string") return { slot: rootSlot(parent), key };
    const holder = this.lookup(parent);
    if (holder === undefined) return "missing";
    // A parent deleted and collected already: Yjs turns the item into garbage too.
    if (!(holder instanceof Y.Item) || holder.content instanceof Y.ContentDeleted) return "gc";
    if (!(holder.content instanceof Y.ContentType)) {
      return { slot: { kind: "foreign", what: "an item whose parent is not a Yjs type" }, key };
    }
    if (this.isIntegrated(holder)) {
      if (holder.deleted) return "dead";
      return { slot: this.slotOfType(holder.content.type as Y.AbstractType<unknown>), key };
    }
    const holderPlace = this.place(holder, depth + 1);
    if (typeof holderPlace === "string") return holderPlace;
    return { slot: childSlot(holderPlace.slot, holderPlace.key, holder.content.type, undefined, holder), key };
  }

  private placeOfIntegrated(item: Y.Item): Place {
    if (item.deleted && item.parent === null) return "gc";
    const parent = item.parent as Y.AbstractType<unknown> | null;
    if (parent === null) return "gc";
    if (parent._item?.deleted) return "dead";
    return { slot: this.slotOfType(parent), key: item.parentSub };
  }

  /** The slot of a type already in the document (roots, a node map, its params map, a code text). */
  private slotOfType(type: Y.AbstractType<unknown>): Slot {
    const cached = this.integratedSlots.get(type);
    if (cached) return cached;
    let slot: Slot;
    if (type === this.roots.meta) slot = { kind: "meta" };
    else if (type === this.roots.nodes) slot = { kind: "nodes" };
    else if (type === this.roots.edges) slot = { kind: "edges" };
    else if (type._item === null) slot = { kind: "foreign", what: "a root other than meta, nodes and edges" };
    else {
      const holder = type._item;
      const parent = holder.parent as Y.AbstractType<unknown> | null;
      const parentSlot: Slot =
        parent === null || parent === type
          ? { kind: "foreign", what: "a detached type" }
          : this.slotOfTypeBounded(parent);
      slot = childSlot(parentSlot, holder.parentSub, type, type, undefined);
    }
    this.integratedSlots.set(type, slot);
    return slot;
  }

  /** slotOfType for a parent: the model nests at most three levels, so deeper types are foreign at once. */
  private slotOfTypeBounded(parent: Y.AbstractType<unknown>): Slot {
    let depth = 0;
    for (
      let t: Y.AbstractType<unknown> | null = parent;
      t?._item;
      t = t._item.parent as Y.AbstractType<unknown> | null
    ) {
      if (++depth > 3) return { kind: "foreign", what: "a type nested deeper than the model allows" };
    }
    return this.slotOfType(parent);
  }

  private isIntegrated(struct: Struct): boolean {
    return struct.id.clock < Y.getState(this.store, struct.id.client);
  }

  /** The struct holding `id`: in the document if it has it, else among this update's new structs. */
  private lookup(id: Y.ID): Struct | undefined {
    if (id.clock < Y.getState(this.store, id.client)) {
      const structs = this.store.clients.get(id.client);
      return structs ? structs[Y.findIndexSS(structs, id.clock)] : undefined;
    }
    const run = this.fresh.get(id.client);
    if (!run) return undefined;
    let lo = 0;
    let hi = run.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const s = run[mid] as Struct;
      if (id.clock < s.id.clock) hi = mid - 1;
      else if (id.clock >= s.id.clock + s.length) lo = mid + 1;
      else return s;
    }
    return undefined;
  }

  // ---- the model's rules ----------------------------------------------------------------------------

  private checkItem(item: Y.Item, slot: Slot, key: string | null): void {
    const content = item.content;
    if (slot.kind === "foreign") this.fail(`it writes ${slot.what}`);
    if (slot.kind === "text") {
      if (key !== null) this.fail(`code param "${slot.param}" is text, not a map`);
      if (content instanceof Y.ContentDeleted) return;
      if (!(content instanceof Y.ContentString)) this.fail(`code param "${slot.param}" may hold only plain text`);
      this.growText(
        slot.type ?? slot.holder ?? slot,
        content.str.length,
        slot.type?.length ?? 0,
        slot.param,
        slot.nodeId,
      );
      return;
    }
    if (key === null) this.fail(`it inserts list items into the ${slotName(slot)} map`);
    if (content instanceof Y.ContentDeleted) return;
    switch (slot.kind) {
      case "meta": {
        const rule = META_RULES[key];
        if (!rule) this.fail(`meta has no field "${clip(key)}"`);
        this.checkValue(content, rule, `meta.${key}`);
        return;
      }
      case "nodes": {
        const problem = idRule(key);
        if (problem) this.fail(`node id "${clip(key)}" ${problem}`);
        if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map)) {
          this.fail(`node "${key}" must be a map`);
        }
        this.createdNodes.set(item, key);
        if (!this.isLive(this.roots.nodes, key)) this.newNodeKeys.add(key);
        return;
      }
      case "edges": {
        const problem = idRule(key);
        if (problem) this.fail(`edge id "${clip(key)}" ${problem}`);
        this.checkValue(content, edgeValueProblem, `edge "${key}"`);
        if (!this.isLive(this.roots.edges, key)) this.newEdgeKeys.add(key);
        return;
      }
      case "node": {
        if (key === "params") {
          if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map)) {
            this.fail(`node "${slot.nodeId}": params must be a map`);
          }
          return;
        }
        const rule = NODE_RULES[key];
        if (!rule) this.fail(`node "${slot.nodeId}" has no field "${clip(key)}"`);
        this.checkValue(content, rule, `node "${slot.nodeId}": ${key}`);
        if (key === "type") {
          const types = this.nodeTypes.get(slot.nodeId) ?? new Set<unknown>();
          types.add((content as Y.ContentAny).arr[0]);
          this.nodeTypes.set(slot.nodeId, types);
          if (slot.created) this.typedNodes.add(slot.created);
        }
        return;
      }
      case "params": {
        const keyProblem = paramKeyRule(key);
        if (keyProblem) this.fail(`node "${slot.nodeId}": param name "${clip(key)}" ${keyProblem}`);
        this.countParam(slot, key);
        if (content instanceof Y.ContentType) {
          if (!(content.type instanceof Y.Text)) {
            this.fail(`node "${slot.nodeId}": param "${key}" may be JSON or code text, not a nested Yjs type`);
          }
          // Text is a plain value too: it may not go into a secret param.
          const writes = this.paramWrites.get(slot.nodeId) ?? [];
          writes.push({ key, value: content.type });
          this.paramWrites.set(slot.nodeId, writes);
          return;
        }
        this.checkValue(content, paramValueProblem, `node "${slot.nodeId}": param "${key}"`);
        const writes = this.paramWrites.get(slot.nodeId) ?? [];
        writes.push({ key, value: (content as Y.ContentAny).arr[0] });
        this.paramWrites.set(slot.nodeId, writes);
        return;
      }
      default: {
        const never: never = slot;
        this.fail(`unexpected slot ${JSON.stringify(never)}`);
      }
    }
  }

  /** A map entry holds one JSON value (ContentAny of length 1) that passes `rule`. */
  private checkValue(content: Y.Item["content"], rule: (value: unknown) => string | undefined, what: string): void {
    if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) {
      this.fail(`${what} must be a plain value, got ${contentName(content)}`);
    }
    const problem = rule(content.arr[0]);
    if (problem) this.fail(`${what} ${problem}`);
  }

  private countParam(slot: Extract<Slot, { kind: "params" }>, key: string): void {
    // One count per params map: the map itself, or (created in this update) the item that holds it.
    const owner = slot.type ?? slot.holder ?? (slot as unknown as Y.Item);
    let entry = this.newParamKeys.get(owner);
    if (!entry) {
      entry = { existing: slot.type ? liveSize(slot.type) : 0, keys: new Set() };
      this.newParamKeys.set(owner, entry);
    }
    if (slot.type && this.isLive(slot.type, key)) return;
    entry.keys.add(key);
    if (entry.existing + entry.keys.size > LIMITS.maxParams) {
      this.fail(`node "${slot.nodeId}" would have more than ${LIMITS.maxParams} params`);
    }
  }

  private growText(owner: Y.Text | object, added: number, existing: number, param: string, nodeId: string): void {
    const key = owner as Y.Text;
    const entry = this.textGrowth.get(key) ?? { existing, added: 0 };
    entry.added += added;
    this.textGrowth.set(key, entry);
    if (entry.existing + entry.added > LIMITS.maxParamBytes) {
      this.fail(`node "${nodeId}": code param "${param}" would be longer than ${LIMITS.maxParamBytes} characters`);
    }
  }

  /**
   * SECRET-1: a plain value written into a param the node's type declares secret is refused, so it never
   * enters the document's history (the editor writes only references).
   */
  private checkSecrets(): void {
    // Every node whose type or params this update writes, against every type it may end up with (a new one
    // written here, even by a concurrent copy of the node, or the one it has) and every value its secret
    // params may end up holding (written here, or already there when only the type changes).
    for (const nodeId of new Set([...this.nodeTypes.keys(), ...this.paramWrites.keys()])) {
      const existing = this.roots.nodes.get(nodeId) as Y.Map<unknown> | undefined;
      const existingParams = existing instanceof Y.Map ? existing.get("params") : undefined;
      const types = new Set(this.nodeTypes.get(nodeId));
      if (existing instanceof Y.Map) types.add(existing.get("type"));
      for (const type of types) {
        const def = typeof type === "string" ? findNodeType(type) : undefined;
        for (const [key, spec] of Object.entries(def?.params ?? {})) {
          if (spec.type !== "secret") continue;
          const values = (this.paramWrites.get(nodeId) ?? []).filter((w) => w.key === key).map((w) => w.value);
          if (existingParams instanceof Y.Map) values.push(existingParams.get(key));
          if (values.some((v) => v !== undefined && v !== "" && !isSecretRef(v))) {
            this.fail(
              `node "${nodeId}": param "${key}" is a secret; store its value with PUT /api/graphs/<id>/secrets/<NAME> and set the param to {"$secret": "<NAME>"} (this edit was not applied, so the value never entered the graph)`,
            );
          }
        }
      }
    }
  }

  private checkCounts(): void {
    for (const [item, nodeId] of this.createdNodes) {
      if (!this.typedNodes.has(item) && !this.deletedHere(item)) this.fail(`new node "${nodeId}" has no type`);
    }
    if (this.newNodeKeys.size > 0) {
      const total = liveSize(this.roots.nodes) + this.newNodeKeys.size - this.removedLive(this.roots.nodes);
      if (total > LIMITS.maxNodes) {
        throw new Refusal("too_many_nodes", `the graph would have ${total} nodes; the limit is ${LIMITS.maxNodes}`);
      }
    }
    if (this.newEdgeKeys.size > 0) {
      const total = liveSize(this.roots.edges) + this.newEdgeKeys.size - this.removedLive(this.roots.edges);
      if (total > LIMITS.maxEdges) {
        throw new Refusal("too_many_edges", `the graph would have ${total} edges; the limit is ${LIMITS.maxEdges}`);
      }
    }
  }

  // ---- deletions ------------------------------------------------------------------------------------

  private deletesAnythingNew(): boolean {
    for (const [client, ranges] of this.deletes) {
      const structs = this.store.clients.get(client);
      for (const { clock, len } of ranges) {
        if (clock + len > Y.getState(this.store, client)) return true;
        if (!structs) continue;
        for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
          const s = structs[i] as Struct;
          if (s.id.clock >= clock + len) break;
          if (s instanceof Y.Item && !s.deleted) return true;
        }
      }
    }
    return false;
  }

  /** Deletions of items neither the document nor this update has (Yjs would keep them pending). */
  private deletesMissing(): boolean {
    for (const [client, ranges] of this.deletes) {
      const known = Y.getState(this.store, client);
      const run = this.fresh.get(client);
      const end = run ? lastClock(run) : known;
      for (const { clock, len } of ranges) if (clock + len > Math.max(known, end)) return true;
    }
    return false;
  }

  private deletedHere(item: Y.Item): boolean {
    const ranges = this.deletes.get(item.id.client) ?? [];
    return ranges.some((r) => item.id.clock >= r.clock && item.id.clock < r.clock + r.len);
  }

  /** Live entries of `map` this update deletes (so a replace-all stays within the limit). */
  private removedLive(map: Y.Map<unknown>): number {
    let removed = 0;
    for (const [client, ranges] of this.deletes) {
      const structs = this.store.clients.get(client);
      if (!structs) continue;
      for (const { clock, len } of ranges) {
        const limit = Math.min(clock + len, Y.getState(this.store, client));
        if (clock >= limit) continue;
        for (let i = Y.findIndexSS(structs, clock); i < structs.length; i++) {
          const s = structs[i] as Struct;
          if (s.id.clock >= limit) break;
          if (s instanceof Y.Item && !s.deleted && s.parent === map && s.parentSub !== null) {
            if (map._map.get(s.parentSub) === s) removed++;
          }
        }
      }
    }
    return removed;
  }

  private isLive(map: Y.Map<unknown>, key: string): boolean {
    const item = map._map.get(key);
    return item !== undefined && !item.deleted;
  }

  private fail(reason: string): never {
    throw new Refusal("invalid_update", reason);
  }
}

function rootSlot(name: string): Slot {
  if (name === "meta") return { kind: "meta" };
  if (name === "nodes") return { kind: "nodes" };
  if (name === "edges") return { kind: "edges" };
  return { kind: "foreign", what: `the root "${clip(name)}" (the document has only meta, nodes and edges)` };
}

/** The slot of a type held under `key` of a parent slot: a node map, its params map, or a code text. */
function childSlot(
  parent: Slot,
  key: string | null,
  type: unknown,
  integrated: Y.AbstractType<unknown> | undefined,
  created: Y.Item | undefined,
): Slot {
  if (parent.kind === "nodes" && key !== null && type instanceof Y.Map) {
    return { kind: "node", nodeId: key, type: integrated as Y.Map<unknown> | undefined, created };
  }
  if (parent.kind === "node" && key === "params" && type instanceof Y.Map) {
    return { kind: "params", nodeId: parent.nodeId, type: integrated as Y.Map<unknown> | undefined, holder: created };
  }
  if (parent.kind === "params" && key !== null && type instanceof Y.Text) {
    return { kind: "text", nodeId: parent.nodeId, param: key, type: integrated as Y.Text | undefined, holder: created };
  }
  if (parent.kind === "foreign") return parent;
  return {
    kind: "foreign",
    what: `a ${typeName(type)} inside ${slotName(parent)}${key === null ? "" : ` at "${clip(key)}"`}`,
  };
}

function slotName(slot: Slot): string {
  switch (slot.kind) {
    case "meta":
    case "nodes":
    case "edges":
      return slot.kind;
    case "node":
      return `node "${slot.nodeId}"`;
    case "params":
      return `the params of node "${slot.nodeId}"`;
    case "text":
      return `code param "${slot.param}" of node "${slot.nodeId}"`;
    case "foreign":
      return slot.what;
    default: {
      const never: never = slot;
      return String(never);
    }
  }
}

function typeName(type: unknown): string {
  if (type instanceof Y.Map) return "map";
  if (type instanceof Y.Text) return "text";
  if (type instanceof Y.Array) return "array";
  return "Yjs type";
}

function contentName(content: Y.Item["content"]): string {
  if (content instanceof Y.ContentAny) return `${content.arr.length} values`;
  if (content instanceof Y.ContentType) return `a ${typeName(content.type)}`;
  if (content instanceof Y.ContentString) return "text";
  if (content instanceof Y.ContentBinary) return "binary data";
  if (content instanceof Y.ContentJSON) return "legacy JSON content";
  if (content instanceof Y.ContentEmbed || content instanceof Y.ContentFormat) return "rich-text content";
  if (content instanceof Y.ContentDoc) return "a subdocument";
  return "unknown content";
}

function liveSize(map: Y.Map<unknown>): number {
  let n = 0;
  for (const item of map._map.values()) if (!item.deleted) n++;
  return n;
}

function lastClock(run: Struct[]): number {
  const last = run[run.length - 1] as Struct;
  return last.id.clock + last.length;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 200) : describe(error);
}
