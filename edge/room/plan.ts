// The plan: which nodes of the graph should run, with which params, and why the others cannot (SCHED-1, -4).
// Pure: it reads the graph view and the secrets' presence, never sockets or storage.
import { checkParams, isSecretRef, secretRefs, type TypeLookup } from "../../shared/nodeTypes.ts";
import type { PlacementProcess } from "../../shared/scheduler.ts";
import type { RoomGraph } from "./graphView.ts";

export interface SecretSource {
  value(name: string): string | undefined;
  /** Changes with the value, so a process using it restarts. */
  version(name: string): number | undefined;
  /** Why a secret has no value: not set, no key configured, or stored under another key. */
  missing(name: string): "unset" | "no_key" | "undecryptable";
}

/** A process the plan wants: its type, the labels it needs and its params (secret references, versioned). */
export interface Desired extends PlacementProcess {
  paramsJson: string;
}

export interface Plan {
  desired: Map<string, Desired>;
  blocked: Map<string, string>;
  /** Secret names each node's params refer to (to restart it when one changes). */
  secrets: Map<string, string[]>;
  /** Nodes of hub types (http-in, catch): running whenever the graph runs, on no worker. */
  hub: Set<string>;
}

export function emptyPlan(): Plan {
  return { desired: new Map(), blocked: new Map(), secrets: new Map(), hub: new Set() };
}

export function planGraph(graph: RoomGraph, secrets: SecretSource, types: TypeLookup): Plan {
  const plan = emptyPlan();
  for (const node of graph.nodes()) planNode(plan, graph, secrets, types, node.id);
  return plan;
}

/** Decides again whether one node should run, and with which params, or why it is blocked. */
export function planNode(plan: Plan, graph: RoomGraph, secrets: SecretSource, types: TypeLookup, nodeId: string): void {
  plan.desired.delete(nodeId);
  plan.blocked.delete(nodeId);
  plan.secrets.delete(nodeId);
  plan.hub.delete(nodeId);
  const node = graph.node(nodeId);
  if (!node || !graph.running || node.disabled) return;
  if (node.problems.length > 0) {
    plan.blocked.set(nodeId, `node "${node.id}" is invalid: ${node.problems.slice(0, 3).join("; ")}`);
    return;
  }
  const def = types(node.type);
  // A type nobody announced yet (a plugin whose worker is not here): wanted, and pending until one comes (TYPES-3).
  if (!def) {
    plan.desired.set(nodeId, {
      nodeId,
      type: node.type,
      labels: [...node.labels],
      paramsJson: JSON.stringify(node.params),
    });
    return;
  }
  const params = checkParams(def, node.params);
  if (!params.ok) {
    plan.blocked.set(nodeId, `node "${nodeId}": ${params.error}`);
    return;
  }
  if (def.runsOn === "hub") {
    plan.hub.add(nodeId);
    return;
  }
  const names = secretRefs(def, params.params);
  if (names.length > 0) plan.secrets.set(nodeId, names);
  const unusable = names.find((name) => secrets.value(name) === undefined);
  if (unusable !== undefined) {
    plan.blocked.set(nodeId, secretReason(nodeId, unusable, secrets.missing(unusable)));
    return;
  }
  // The plan keeps references (with the value's version, so a new value restarts the process), never values.
  const versioned = Object.fromEntries(
    Object.entries(params.params).map(([k, v]) =>
      isSecretRef(v) ? [k, { $secret: v.$secret, v: secrets.version(v.$secret) }] : [k, v],
    ),
  );
  const labels = [...new Set([...def.labels, ...node.labels])];
  plan.desired.set(nodeId, { nodeId, type: node.type, labels, paramsJson: JSON.stringify(versioned) });
}

function secretReason(nodeId: string, name: string, why: "unset" | "no_key" | "undecryptable"): string {
  if (why === "no_key")
    return `node "${nodeId}" uses secret ${name}, but this hub has no WEFT_SECRETS_KEY (or WEFT_AUTH_SECRET)`;
  if (why === "undecryptable") return `node "${nodeId}": secret ${name} was stored under another key; set it again`;
  return `node "${nodeId}" uses secret ${name}, which is not set; set it in the graph's secrets`;
}
