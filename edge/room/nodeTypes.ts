// The graph's node-type registry (PROTOCOL.md TYPES-*): the hub's built-in types plus the types its workers
// announce in hello (plugins). Pure: it reads worker records and remembers the definitions it has seen.
import { definitionKey, nodeTypeProblem } from "../../shared/nodeTypeDef.ts";
import { BUILTIN_NODE_TYPES, findNodeType, type NodeTypeDef } from "../../shared/nodeTypes.ts";
import type { NodeTypeInfo } from "../../shared/status.ts";
import type { WorkerRecord } from "./leaderStore.ts";

/** What the room takes from one hello: the types it accepted, and why it refused the others. */
export interface Announcement {
  /** Accepted type names (built-in and plugin). */
  nodeTypes: string[];
  /** The version of each accepted type. */
  versions: Record<string, string>;
  /** Accepted definitions of types the hub does not have built in. */
  defs: NodeTypeDef[];
  problems: string[];
}

/** Where the registry keeps the definitions it has seen, so a plugin type stays known while no worker runs it. */
export interface KnownTypes {
  knownTypes(): NodeTypeDef[];
  putKnownType(def: NodeTypeDef): void;
  removeKnownType(type: string): void;
}

/** Definitions remembered at most (beyond it, the longest unseen that no worker announces are forgotten). */
export const MAX_KNOWN_TYPES = 300;

const MAX_PROBLEMS = 20;

/**
 * Checks a hello's node types (TYPES-2): each is a full definition, or `{ type, version }` naming a built-in.
 * A malformed definition, a built-in announced with another definition or version, or a plugin type/version
 * another worker announced differently, is refused alone, with a reason naming both sides.
 */
export function checkAnnouncement(
  workerId: string,
  announced: readonly Record<string, unknown>[],
  others: readonly WorkerRecord[],
): Announcement {
  const out: Announcement = { nodeTypes: [], versions: {}, defs: [], problems: [] };
  const refuse = (problem: string) => {
    if (out.problems.length < MAX_PROBLEMS) out.problems.push(problem);
  };
  for (const entry of announced) {
    const name = typeof entry.type === "string" ? entry.type.slice(0, 64) : "?";
    if (Object.hasOwn(out.versions, name)) {
      refuse(`node type "${name}" is announced twice; the first is kept`);
      continue;
    }
    const builtin = findNodeType(name);
    const keys = Object.keys(entry);
    if (keys.length === 2 && keys.includes("type") && keys.includes("version")) {
      if (!builtin) refuse(`node type "${name}" came without a definition, and it is not built into this hub`);
      else if (entry.version !== builtin.version) refuse(versionProblem(name, String(entry.version), builtin));
      else accept(out, builtin, false);
      continue;
    }
    const problem = nodeTypeProblem(entry);
    if (problem) {
      refuse(problem);
      continue;
    }
    const def = entry as unknown as NodeTypeDef;
    if (builtin) {
      if (def.version !== builtin.version) refuse(versionProblem(name, def.version, builtin));
      else if (definitionKey(def) !== definitionKey(builtin)) {
        refuse(
          `node type "${name}@${def.version}" from worker ${workerId} differs from the hub's built-in definition; a plugin must not redefine a built-in type`,
        );
      } else accept(out, builtin, false);
      continue;
    }
    const clash = others.find((w) =>
      (w.defs ?? []).some(
        (d) => d.type === def.type && d.version === def.version && definitionKey(d) !== definitionKey(def),
      ),
    );
    if (clash) {
      refuse(
        `node type "${name}@${def.version}" from worker ${workerId} differs from the one worker ${clash.id} announced; refused here (give the changed definition a new version)`,
      );
      continue;
    }
    accept(out, def, true);
  }
  return out;
}

function accept(out: Announcement, def: NodeTypeDef, plugin: boolean): void {
  out.nodeTypes.push(def.type);
  out.versions[def.type] = def.version;
  if (plugin) out.defs.push(def);
}

function versionProblem(name: string, version: string, builtin: NodeTypeDef): string {
  return `node type "${name}": the worker runs version ${version}, this hub has ${builtin.version} built in; run the same Weft release on both`;
}

/** The registry: which definition of each type the room uses, and which workers can run it. */
export class NodeTypeRegistry {
  private readonly known = new Map<string, NodeTypeDef>();
  private chosen: Map<string, NodeTypeDef> | undefined;
  /** Bumped whenever what infos() returns may have changed (the shell pushes the palette again). */
  version = 0;

  constructor(
    private readonly store: KnownTypes,
    private readonly workers: () => Iterable<WorkerRecord>,
  ) {
    for (const def of store.knownTypes()) this.known.set(def.type, def);
  }

  /** Workers changed (a hello, a removal): the chosen definitions are worked out again on next use. */
  invalidate(): void {
    this.chosen = undefined;
    this.version += 1;
  }

  /** Remembers the plugin definitions a worker announced (stored only when new or changed). */
  remember(defs: readonly NodeTypeDef[]): void {
    for (const def of defs) {
      const before = this.known.get(def.type);
      // Re-inserted, so the map's order is from longest unseen to most recently seen.
      this.known.delete(def.type);
      this.known.set(def.type, def);
      if (before && definitionKey(before) === definitionKey(def)) continue;
      this.store.putKnownType(def);
    }
    this.forgetBeyondCap();
    this.invalidate();
  }

  /** Keeps at most MAX_KNOWN_TYPES remembered: forgets the longest unseen that no worker announces now. */
  private forgetBeyondCap(): void {
    if (this.known.size <= MAX_KNOWN_TYPES) return;
    const announced = new Set<string>();
    for (const worker of this.workers()) for (const def of worker.defs ?? []) announced.add(def.type);
    for (const type of [...this.known.keys()]) {
      if (this.known.size <= MAX_KNOWN_TYPES) break;
      if (announced.has(type)) continue;
      this.known.delete(type);
      this.store.removeKnownType(type);
    }
  }

  /**
   * The definition the room uses for `type`: the built-in; else the highest version a worker announces;
   * else the last one seen (the type is then unavailable); else undefined (nobody ever announced it).
   */
  lookup = (type: string): NodeTypeDef | undefined =>
    findNodeType(type) ?? this.live().get(type) ?? this.known.get(type);

  /** The types a worker can run now: those it announced at the version the room uses. */
  runnable(worker: WorkerRecord): string[] {
    const live = this.live();
    return worker.nodeTypes.filter((type) => {
      const version = worker.versions?.[type];
      const def = findNodeType(type) ?? live.get(type);
      return def !== undefined && (version === undefined || version === def.version);
    });
  }

  /** Whether `worker` can run `type` now. */
  canRun(worker: WorkerRecord, type: string): boolean {
    return this.runnable(worker).includes(type);
  }

  /** Every type, with whether a connected worker can run it: the palette (TYPES-3). */
  infos(): NodeTypeInfo[] {
    const connected = this.serving();
    const runners = new Map<string, string[]>();
    for (const worker of connected) {
      for (const type of this.runnable(worker)) runners.set(type, [...(runners.get(type) ?? []), worker.id]);
    }
    const defs = new Map<string, NodeTypeDef>(this.known);
    for (const [type, def] of this.live()) defs.set(type, def);
    for (const def of BUILTIN_NODE_TYPES) defs.set(def.type, def);
    return [...defs.values()]
      .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0))
      .map((def) => {
        const source = findNodeType(def.type) ? ("builtin" as const) : ("worker" as const);
        const workers = runners.get(def.type) ?? [];
        const available = def.runsOn === "hub" || workers.length > 0;
        const info: NodeTypeInfo = { ...def, source, available, workers };
        if (!available) info.reason = unavailableReason(def, connected.length);
        return info;
      });
  }

  /** Why no worker runs `type` (for pending nodes), in words a user can act on. */
  unavailableReason(type: string): string {
    const def = this.lookup(type);
    const connected = this.serving().length;
    return def ? unavailableReason(def, connected) : `no live worker announces node type "${type}" (a plugin?)`;
  }

  /** Connected workers that take work (not draining). */
  private serving(): WorkerRecord[] {
    return [...this.workers()].filter((w) => w.link.kind === "connected" && !w.draining);
  }

  /** Highest announced version of each plugin type among the workers the room knows. */
  private live(): Map<string, NodeTypeDef> {
    if (this.chosen) return this.chosen;
    const chosen = new Map<string, NodeTypeDef>();
    for (const worker of this.workers()) {
      for (const def of worker.defs ?? []) {
        const best = chosen.get(def.type);
        if (!best || compareVersions(def.version, best.version) > 0) chosen.set(def.type, def);
      }
    }
    this.chosen = chosen;
    return chosen;
  }
}

function unavailableReason(def: NodeTypeDef, connected: number): string {
  if (def.capability) {
    const what = def.capability === "exec" ? "run programs and code" : "read and write files on its machine";
    return `no live worker allows ${def.capability} (node type "${def.type}" lets this graph's editors ${what}); start one with \`weft worker --allow ${def.capability}\``;
  }
  const labels =
    def.labels.length > 0 ? ` with label${def.labels.length === 1 ? "" : "s"} ${def.labels.join(", ")}` : "";
  if (connected === 0)
    return `no worker is connected; start one with \`weft worker\`${labels ? ` (--labels ${def.labels.join(",")})` : ""}`;
  return `no live worker runs node type "${def.type}@${def.version}"${labels ? ` (it needs a worker${labels})` : " (start a worker with the plugin that provides it)"}`;
}

/** Compares semantic versions by major, minor, patch; a pre-release sorts before its release. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [core = "", pre] = v.split(/[-+]/, 2);
    return { nums: core.split(".").map((n) => Number(n) || 0), pre: v.includes("-") ? (pre ?? "") : undefined };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === undefined) return 1;
  if (y.pre === undefined) return -1;
  return x.pre < y.pre ? -1 : 1;
}
