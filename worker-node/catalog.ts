// The node types one worker can run: the built-ins plus what its plugins add. It answers the runtime's
// findImpl, gives hello its definitions and problems, and refuses a type defined twice (first wins).
import { LIMITS } from "../shared/limits.ts";
import type { Capability, NodeTypeDef } from "../shared/nodeTypes.ts";
import type { NodeImpl } from "../shared/sdk.ts";
import type { Logger } from "./log.ts";
import { BUILTIN_IMPLS } from "./nodes/index.ts";
import { loadPlugins, type PluginImpl } from "./plugins.ts";

/** Where a type came from: a plugin spec, or BUILTIN for the worker's own. */
export const BUILTIN = "built-in";

/** Limits of hello (shared/protocol.ts): at most 500 definitions and 50 problems. */
const MAX_TYPES = 500;
const MAX_PROBLEMS = 50;

export class NodeCatalog {
  private readonly byType = new Map<string, { impl: NodeImpl; source: string }>();
  /** Built-ins left out because they need a capability this worker does not grant (--allow). */
  private readonly withheld = new Set<string>();
  private readonly found: string[] = [];

  /**
   * The built-ins this worker allows (a type needing a capability not in `allow` is left out), then each
   * plugin type in order; load problems (from loadPlugins) come first.
   */
  constructor(
    plugins: readonly PluginImpl[] = [],
    loadProblems: readonly string[] = [],
    builtins: readonly NodeImpl[] = BUILTIN_IMPLS,
    private readonly allow: readonly Capability[] = [],
  ) {
    this.found.push(...loadProblems);
    for (const impl of builtins) {
      const needs = impl.def.capability;
      if (needs && !allow.includes(needs)) this.withheld.add(impl.def.type);
      else this.byType.set(impl.def.type, { impl, source: BUILTIN });
    }
    for (const { impl, source } of plugins) this.add(impl, source);
  }

  /** Adds a plugin's type; returns (and keeps) the problem when it is refused. */
  add(impl: NodeImpl, source: string): string | undefined {
    const type = impl.def.type;
    const existing = this.byType.get(type);
    let problem: string | undefined;
    if (existing || this.withheld.has(type)) {
      const other = !existing || existing.source === BUILTIN ? "a built-in node type" : `plugin ${existing.source}`;
      problem = `plugin ${source}: node type "${type}" is already defined by ${other}; skipped`;
    } else if (this.byType.size >= MAX_TYPES) {
      problem = `plugin ${source}: node type "${type}" skipped: a worker announces at most ${MAX_TYPES} node types`;
    }
    if (problem) {
      this.found.push(problem);
      return problem;
    }
    if (impl.def.capability && !this.allow.includes(impl.def.capability)) {
      this.withheld.add(type);
      const needs = impl.def.capability;
      const problem = `plugin ${source}: node type "${type}" needs --allow ${needs}, which this worker does not grant; skipped`;
      this.found.push(problem);
      return problem;
    }
    this.byType.set(type, { impl, source });
    return undefined;
  }

  find(type: string): NodeImpl | undefined {
    return this.byType.get(type)?.impl;
  }

  /** Every definition, for hello. */
  defs(): NodeTypeDef[] {
    return [...this.byType.values()].map(({ impl }) => impl.def);
  }

  /** The types each plugin added, in load order (built-ins left out). */
  pluginTypes(): Map<string, NodeTypeDef[]> {
    const bySource = new Map<string, NodeTypeDef[]>();
    for (const { impl, source } of this.byType.values()) {
      if (source === BUILTIN) continue;
      bySource.set(source, [...(bySource.get(source) ?? []), impl.def]);
    }
    return bySource;
  }

  /** Load and conflict problems as hello carries them: each cut to the frame's limit, at most 50. */
  get problems(): string[] {
    const cut = this.found.map((p) =>
      p.length > LIMITS.maxErrorChars ? `${p.slice(0, LIMITS.maxErrorChars - 1)}…` : p,
    );
    if (cut.length <= MAX_PROBLEMS) return cut;
    return [...cut.slice(0, MAX_PROBLEMS - 1), `… and ${cut.length - MAX_PROBLEMS + 1} more plugin problems`];
  }
}

/**
 * Loads the plugins and builds the catalog, logging one error per problem and one info line per plugin with
 * the types it added (`plugin ./x.mjs: node types a@1.0.0, b@1.0.0`). Never throws.
 */
export async function loadCatalog(
  specs: readonly string[],
  options: { cwd: string; log: Pick<Logger, "info" | "error">; allow?: readonly Capability[] },
): Promise<NodeCatalog> {
  const { log } = options;
  const loaded = await loadPlugins(specs, options);
  const catalog = new NodeCatalog([], loaded.problems, BUILTIN_IMPLS, options.allow ?? []);
  for (const { impl, source } of loaded.impls) {
    const problem = catalog.add(impl, source);
    if (problem) log.error({ plugin: source, nodeType: impl.def.type }, problem);
  }
  for (const [source, defs] of catalog.pluginTypes()) {
    const types = defs.map((def) => `${def.type}@${def.version}`);
    log.info({ plugin: source, nodeTypes: types }, `plugin ${source}: node types ${types.join(", ")}`);
  }
  return catalog;
}
