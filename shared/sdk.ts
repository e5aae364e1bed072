// The node SDK: how a node type is written (docs/nodes.md). defineNode checks the definition once, at load,
// and gives the worker what it announces in hello (`def`) and what it runs (`create`).
import type { JsonValue } from "./graph.ts";
import { nodeTypeProblem, normalizeOutputs } from "./nodeTypeDef.ts";
import type { Capability, NodeTypeDef, ParamSpec, ParamValue } from "./nodeTypes.ts";
import type { Message } from "./protocol.ts";

/** What a process logs through: structured (the worker adds its id, the graph and the node). */
export interface NodeLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface EmitOptions {
  /** A key for the message (at most 256 characters): dedupe and join nodes group by it. */
  key?: string;
  /** String headers carried with the message (a trace id, a content type, …). */
  headers?: Record<string, string>;
}

export interface NodeContext {
  readonly graphId: string;
  readonly nodeId: string;
  /** Checked params with defaults filled in: durations in milliseconds, secrets as their values. */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Structured logger carrying the worker id, graph id and node id. */
  readonly log: NodeLogger;
  /** Aborted when the process is stopped. */
  readonly signal: AbortSignal;
  /**
   * Queues `value` on output `port`. Never throws, so it is safe from timers: a refused value
   * (unknown port, not JSON, too large, publish buffer full) counts as an error of the process
   * and returns false. After stop it returns false and does nothing.
   */
  emit(port: string, value: JsonValue, options?: EmitOptions): boolean;
  /**
   * Whether `port` may emit now: the room grants credit from the free room downstream (DELIVERY-7). A
   * source checks it before generating, so a slow consumer slows the source instead of filling queues.
   */
  credit(port: string): boolean;
  /** Resolves once `port` has credit, or the process is stopping (check `signal`). */
  waitForCredit(port: string): Promise<void>;
}

/**
 * One running instance of a node type. An exception in start crashes it (it is restarted with backoff); one
 * in onMessage fails that message: it goes to the node's `error` output if wired, else it is retried and at
 * last dead-lettered (ERROR-1).
 */
export interface NodeProcess {
  start(ctx: NodeContext): void | Promise<void>;
  /** One message on input `port`; the message is acknowledged once this returns and its emits are stored. */
  onMessage?(message: Message, port: string): void | Promise<void>;
  stop?(): void | Promise<void>;
  /**
   * Makes what onMessage did so far durable (a sink that buffers writes). The worker calls it before it
   * acknowledges a delivery batch; an exception fails every message of that batch (they are nacked).
   */
  flush?(): void | Promise<void>;
  /** Last values kept for status (sink nodes), newest last, at most 100. */
  recent?(): JsonValue[];
}

/** A node type a worker can run: its definition (announced in hello) and how to make a process of it. */
export interface NodeImpl {
  readonly def: NodeTypeDef;
  create(): NodeProcess;
}

/** What defineNode takes: the definition, with ports as `{ in, out }`, and `create`. */
export interface NodeSpec {
  type: string;
  version: string;
  title: string;
  category: string;
  description: string;
  /** Input and output port names; every node also has the output `error`. Default: none. */
  ports?: { in?: readonly string[]; out?: readonly string[] };
  /** The param schema: one entry per param (see ParamSpec). */
  params?: Record<string, ParamSpec>;
  /** Worker labels a worker needs to run this type (`weft worker --labels ml`). */
  labels?: readonly string[];
  /** Offered only by workers started with `--allow <capability>` (a type that runs editors' code or files). */
  capability?: Capability;
  create(): NodeProcess;
}

/** Thrown by defineNode for a definition that cannot be announced; the message names what is wrong. */
export class NodeDefinitionError extends Error {
  override readonly name = "NodeDefinitionError";
}

/**
 * Defines a node type. Throws NodeDefinitionError, naming the field, when the definition is malformed
 * (a bad type name or version, a port named twice, a param whose default breaks its own schema, …).
 */
export function defineNode(spec: NodeSpec): NodeImpl {
  if (typeof spec !== "object" || spec === null) throw new NodeDefinitionError("defineNode needs an object");
  if (typeof spec.create !== "function") {
    throw new NodeDefinitionError(`node type "${String(spec.type)}": create must be a function returning a process`);
  }
  const def: NodeTypeDef = {
    type: spec.type,
    version: spec.version,
    title: spec.title,
    category: spec.category,
    description: spec.description,
    inputs: [...(spec.ports?.in ?? [])],
    outputs: normalizeOutputs(spec.ports?.out ?? []),
    params: structuredCloneSafe(spec.params ?? {}),
    labels: [...(spec.labels ?? [])],
    ...(spec.capability !== undefined ? { capability: spec.capability } : {}),
  };
  const problem = nodeTypeProblem(def);
  if (problem) throw new NodeDefinitionError(problem);
  const create = spec.create;
  return { def, create: () => create() };
}

/** Implements a built-in type from its shared definition (the hub knows it without any worker). */
export function implement(def: NodeTypeDef, create: () => NodeProcess): NodeImpl {
  return { def, create };
}

function structuredCloneSafe<T>(value: T): T {
  try {
    return JSON.parse(JSON.stringify(value)) as T;
  } catch {
    throw new NodeDefinitionError("params must be plain JSON");
  }
}
