// Runtime status pushed by the room (EDITOR-1), kept in a store keyed by node id for fine-grained reads.
import { createStore, reconcile } from "solid-js/store";
import type { GraphStatus, ProcessStatus, WorkerStatus } from "../../shared/status.ts";

export interface RuntimeState {
  /** False until the first status push arrives. */
  received: boolean;
  running: boolean;
  workers: WorkerStatus[];
  processes: Record<string, ProcessStatus>;
}

export interface RuntimeStore {
  readonly state: RuntimeState;
  apply(status: GraphStatus): void;
}

export function createRuntimeStore(): RuntimeStore {
  const [state, setState] = createStore<RuntimeState>({ received: false, running: false, workers: [], processes: {} });
  return {
    state,
    apply(status) {
      const processes: Record<string, ProcessStatus> = {};
      for (const process of status.processes) processes[process.nodeId] = process;
      setState(
        reconcile({ received: true, running: status.running, workers: status.workers, processes }, { key: "id" }),
      );
    },
  };
}
