// Loads `weft worker --plugin` modules: resolves each spec (a path or an npm package), imports it and turns
// what it exports into NodeImpls. A plugin that fails is a problem (sent in hello, PLUGIN-2) and is skipped.
import { existsSync, readFileSync, statSync } from "node:fs";
// Not named createRequire: the bundle's banner (worker-node/build.mjs) declares that name at top level.
import { createRequire as requireFrom } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { isPlainObject } from "../shared/docModel.ts";
import { nodeTypeProblem } from "../shared/nodeTypeDef.ts";
import type { NodeTypeDef } from "../shared/nodeTypes.ts";
import { defineNode, NodeDefinitionError, type NodeImpl } from "../shared/sdk.ts";
import type { Logger } from "./log.ts";

/** A node type a plugin gave, and the plugin spec it came from (as the user wrote it). */
export interface PluginImpl {
  impl: NodeImpl;
  source: string;
}

export interface PluginLoad {
  impls: PluginImpl[];
  /** One sentence per plugin that failed, naming it; those plugins gave no node type. */
  problems: string[];
}

export interface PluginLoadOptions {
  /** Relative paths and package names resolve from here. */
  cwd: string;
  log: Pick<Logger, "error">;
}

/** The fields of a plain spec object (shared/sdk.ts NodeSpec); anything else is a typo worth refusing. */
const SPEC_FIELDS = new Set(["type", "version", "title", "category", "description", "ports", "params", "labels"]);
const SPEC_FIELDS_TEXT = `${[...SPEC_FIELDS].join(", ")}, create`;

/** Whether `spec` names a file or folder (./x, ../x, /x, C:\x) rather than an npm package. */
export function isPathSpec(spec: string): boolean {
  return spec.startsWith(".") || isAbsolute(spec) || /^[A-Za-z]:[\\/]/.test(spec);
}

/** Loads every plugin in order; never throws: each failure is a problem (logged with the spec) and skipped. */
export async function loadPlugins(specs: readonly string[], options: PluginLoadOptions): Promise<PluginLoad> {
  const impls: PluginImpl[] = [];
  const problems: string[] = [];
  for (const spec of specs) {
    const loaded = await loadPlugin(spec, options.cwd);
    if (typeof loaded === "string") {
      const problem = `plugin ${JSON.stringify(spec)}: ${loaded}`;
      options.log.error({ plugin: spec }, problem);
      problems.push(problem);
      continue;
    }
    for (const impl of loaded) impls.push({ impl, source: spec });
  }
  return { impls, problems };
}

/** The plugin's node types, or why it cannot be used. */
async function loadPlugin(spec: string, cwd: string): Promise<NodeImpl[] | string> {
  const file = isPathSpec(spec) ? resolvePath(resolve(cwd, spec)) : resolvePackage(spec, cwd);
  if (typeof file !== "string") return file.problem;
  let module: Record<string, unknown>;
  let timer: NodeJS.Timeout | undefined;
  try {
    // A plugin whose import never settles (a top-level await) would hold up the worker's start for good.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new PluginTimeout()), PLUGIN_LOAD_TIMEOUT_MS);
    });
    module = (await Promise.race([import(pathToFileURL(file).href), timeout])) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof PluginTimeout) {
      return `${file} did not finish loading within ${PLUGIN_LOAD_TIMEOUT_MS / 1000} s (a top-level await that never settles?); skipped`;
    }
    return `failed to load ${file}: ${describeError(error, file)}`;
  } finally {
    clearTimeout(timer);
  }
  return nodesOf(module);
}

type Resolved = string | { problem: string };

/** How long one plugin may take to import before it is reported and skipped. */
export const PLUGIN_LOAD_TIMEOUT_MS = 10_000;

class PluginTimeout extends Error {}

/** A file, or a folder's package entry. */
function resolvePath(path: string): Resolved {
  if (!existsSync(path)) return { problem: `not found (looked in ${path})` };
  if (!statSync(path).isDirectory()) return path;
  if (!existsSync(join(path, "package.json"))) {
    return { problem: `${path} is a folder without a package.json; point at the plugin's .mjs file instead` };
  }
  return packageEntry(path, ".");
}

/** An npm package (`name`, `@scope/name`, optionally with a subpath) installed in a node_modules above `cwd`. */
function resolvePackage(spec: string, cwd: string): Resolved {
  const match = /^((?:@[^/]+\/)?[^/@][^/]*)(\/.*)?$/.exec(spec);
  if (!match) return { problem: "not a path (start it with ./ or /) nor an npm package name" };
  const [, name = "", subpath] = match;
  // The folders Node itself would look in, nearest first (node_modules of cwd and its parents, NODE_PATH, …).
  const folders = requireFrom(join(cwd, "noop.js")).resolve.paths(name) ?? [];
  for (const folder of folders) {
    const dir = join(folder, name);
    if (existsSync(join(dir, "package.json"))) return packageEntry(dir, subpath ? `.${subpath}` : ".");
  }
  const hint = existsSync(join(cwd, spec)) ? `; to load the file ${join(cwd, spec)}, write ./${spec}` : "";
  return { problem: `not found (looked for package "${name}" in ${folders[0] ?? cwd} and its parents)${hint}` };
}

/** The ESM entry of a package: `exports` (conditions import, node, default), else `main`, else index.js. */
function packageEntry(dir: string, subpath: string): Resolved {
  const manifest = join(dir, "package.json");
  let pkg: unknown;
  try {
    pkg = JSON.parse(readFileSync(manifest, "utf8"));
  } catch (error) {
    return { problem: `cannot read ${manifest}: ${(error as Error).message}` };
  }
  if (!isPlainObject(pkg)) return { problem: `${manifest} must hold a JSON object` };
  let target: string | undefined;
  if (pkg.exports !== undefined) {
    target = exportTarget(pkg.exports, subpath);
    if (target === undefined) return { problem: `${manifest} "exports" has no ESM entry for "${subpath}"` };
  } else if (subpath !== ".") {
    target = subpath;
  } else {
    target = typeof pkg.main === "string" ? pkg.main : ["index.mjs", "index.js"].find((f) => existsSync(join(dir, f)));
    if (target === undefined) return { problem: `${manifest} has no "main" and the folder no index.js` };
  }
  const file = resolve(dir, target);
  const found = [file, `${file}.mjs`, `${file}.js`, join(file, "index.js")].find(
    (f) => existsSync(f) && !statSync(f).isDirectory(),
  );
  return found ?? { problem: `not found (looked in ${file}, the entry ${manifest} names)` };
}

const CONDITIONS = ["import", "node", "default"];

/** Resolves package.json `exports` for `subpath` as Node does for import (no patterns). */
function exportTarget(exports: unknown, subpath: string): string | undefined {
  if (isPlainObject(exports) && Object.keys(exports).some((k) => k.startsWith("."))) {
    return conditionTarget(exports[subpath]);
  }
  return subpath === "." ? conditionTarget(exports) : undefined;
}

function conditionTarget(target: unknown): string | undefined {
  if (typeof target === "string") return target;
  if (Array.isArray(target)) {
    for (const entry of target) {
      const found = conditionTarget(entry);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isPlainObject(target)) return undefined;
  for (const [key, value] of Object.entries(target)) {
    if (!CONDITIONS.includes(key)) continue;
    const found = conditionTarget(value);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** An error as one line: its message and the first stack line pointing into the plugin (else outside Node). */
function describeError(error: unknown, file: string): string {
  if (!(error instanceof Error)) return `threw ${String(error).slice(0, 200)}`;
  const lines = (error.stack ?? "").split("\n").map((line) => line.trim());
  const url = pathToFileURL(file).href;
  // Node's own frames (node:internal/…) say nothing about the plugin: leave them out.
  const at =
    lines.find((line) => line.startsWith("at ") && (line.includes(url) || line.includes(file))) ??
    lines.find((line) => line.startsWith("at ") && !line.includes("node:"));
  return `${error.name}: ${error.message}${at ? ` (${at})` : ""}`;
}

/**
 * The node types a module exports: `export default [...]` or one node, `export const nodes = [...]`, or named
 * exports that are nodes. A node is a NodeImpl (defineNode's result) or a plain spec object, defined here.
 */
function nodesOf(module: Record<string, unknown>): NodeImpl[] | string {
  const candidates = new Set<unknown>();
  const add = (value: unknown) => {
    if (Array.isArray(value)) for (const entry of value) candidates.add(entry);
    else candidates.add(value);
  };
  const main = module.default;
  if (isPlainObject(main) && Array.isArray(main.nodes)) add(main.nodes);
  else if (Array.isArray(main) || looksLikeNode(main)) add(main);
  if (Array.isArray(module.nodes)) add(module.nodes);
  for (const [name, value] of Object.entries(module)) {
    if (name !== "default" && name !== "nodes" && looksLikeNode(value)) add(value);
  }
  if (candidates.size === 0) {
    return "exports no node types (export default an array of node specs, or export them by name; see docs/plugins.md)";
  }
  const impls: NodeImpl[] = [];
  for (const candidate of candidates) {
    const impl = toImpl(candidate);
    if (typeof impl === "string") return `${impl}; plugin skipped`;
    impls.push(impl);
  }
  return impls;
}

/** A named export counts as a node when it has a definition and a create (other exports are helpers). */
function looksLikeNode(value: unknown): boolean {
  return typeof value === "object" && value !== null && "create" in value && ("def" in value || "type" in value);
}

function toImpl(value: unknown): NodeImpl | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return `exports ${describe(value)} where a node spec ({ type, version, title, …, create }) was expected`;
  }
  const v = value as Record<string, unknown>;
  if ("def" in v && !("type" in v)) return implProblem(v) ?? (v as unknown as NodeImpl);
  const shape = specShapeProblem(v);
  if (shape) return shape;
  try {
    return defineNode(v as unknown as Parameters<typeof defineNode>[0]);
  } catch (error) {
    if (error instanceof NodeDefinitionError) return error.message;
    return `node type ${JSON.stringify(v.type)}: ${(error as Error).message}`;
  }
}

/** What defineNode would not see: a typo'd field or ports/labels that are not arrays (a string would spread). */
function specShapeProblem(spec: Record<string, unknown>): string | undefined {
  const name = typeof spec.type === "string" ? `node type "${spec.type.slice(0, 64)}"` : "node type";
  const unknown = Object.keys(spec).filter((key) => !SPEC_FIELDS.has(key) && key !== "create");
  if (unknown.length > 0) {
    return `${name}: unknown field(s) ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(", ")} (a spec has ${SPEC_FIELDS_TEXT})`;
  }
  if (spec.ports !== undefined) {
    if (!isPlainObject(spec.ports)) return `${name}: ports must be an object { in: [...], out: [...] }`;
    for (const key of Object.keys(spec.ports)) {
      if (key !== "in" && key !== "out") return `${name}: ports.${key.slice(0, 40)}: ports has only "in" and "out"`;
      if (!Array.isArray(spec.ports[key])) return `${name}: ports.${key}: must be an array of port names`;
    }
  }
  if (spec.labels !== undefined && !Array.isArray(spec.labels)) return `${name}: labels: must be an array of labels`;
  return undefined;
}

/** A hand-made NodeImpl ({ def, create }): its definition is checked as the hub will check it. */
function implProblem(impl: Record<string, unknown>): string | undefined {
  if (typeof impl.create !== "function") return "a node's create must be a function returning a process";
  const problem = nodeTypeProblem(impl.def);
  if (problem) return problem;
  const def = impl.def as NodeTypeDef;
  return def.runsOn === "hub" ? `node type "${def.type}": runsOn "hub" is for the hub's own types` : undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "function") return "a function";
  return `${typeof value} ${String(JSON.stringify(value)).slice(0, 40)}`;
}
