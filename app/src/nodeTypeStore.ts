// The graph's node-type registry (TYPES-1) as the room pushes it: the built-ins until the first push, then the room's list.
import { createStore, reconcile, unwrap } from "solid-js/store";
import { BUILTIN_NODE_TYPES } from "../../shared/nodeTypes.ts";
import type { NodeTypeInfo } from "../../shared/status.ts";

/** Finds a type in the registry, or undefined when neither the hub nor any worker knows it. */
export type TypeInfoLookup = (type: string) => NodeTypeInfo | undefined;

export interface NodeTypeStore {
  /** Every known type, in the registry's order. */
  list(): NodeTypeInfo[];
  /** Reactive per type: a reader of one type re-runs only when that type changes. */
  lookup: TypeInfoLookup;
  /** False until the room's first list arrived (until then the list is the built-ins). */
  received(): boolean;
  /** Replaces the list with the room's (a checked push, see statusPush.ts parseNodeTypes). */
  apply(types: readonly NodeTypeInfo[]): void;
}

interface TypeState {
  received: boolean;
  byType: Record<string, NodeTypeInfo>;
  order: string[];
}

/**
 * The built-in types as the editor knows them before the room said anything: assumed available (the room's
 * first push, right after `watch`, tells which ones a worker can run).
 */
export function builtinInfos(): NodeTypeInfo[] {
  return BUILTIN_NODE_TYPES.map((def) => ({ ...def, source: "builtin", available: true, workers: [] }));
}

export function createNodeTypeStore(initial: readonly NodeTypeInfo[] = builtinInfos()): NodeTypeStore {
  const [state, setState] = createStore<TypeState>({ received: false, ...indexed(initial) });
  return {
    list: () => state.order.flatMap((type) => state.byType[type] ?? []),
    lookup: (type) => {
      // The read subscribes to this type (also before it exists); hasOwn keeps "constructor" from the prototype out.
      const info = state.byType[type];
      // Asked of the plain object: through the store's proxy, hasOwn costs a property descriptor per call.
      return info !== undefined && Object.hasOwn(unwrap(state.byType), type) ? info : undefined;
    },
    received: () => state.received,
    apply(types) {
      setState(reconcile({ received: true, ...indexed(types) }, { merge: false }));
    },
  };
}

function indexed(types: readonly NodeTypeInfo[]): Pick<TypeState, "byType" | "order"> {
  const byType: Record<string, NodeTypeInfo> = {};
  const order: string[] = [];
  for (const info of types) {
    if (Object.hasOwn(byType, info.type)) continue;
    byType[info.type] = info;
    order.push(info.type);
  }
  return { byType, order };
}
