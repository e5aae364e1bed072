// The Worker's bindings, as declared in wrangler.toml.
import type { Catalogue } from "./catalogue.ts";
import type { GraphRoom } from "./graphRoom.ts";

export interface Env {
  Graph: DurableObjectNamespace<GraphRoom>;
  Catalogue: DurableObjectNamespace<Catalogue>;
  ASSETS: Fetcher;
  /** Shared secret workers present; unset means workers are refused. */
  WEFT_WORKER_TOKEN?: string;
  /** Processes moved per rebalance period (default 1; 0 turns rebalancing off). */
  WEFT_REBALANCE_MOVES?: string;
  /** Milliseconds between rebalances (default 30000). */
  WEFT_REBALANCE_INTERVAL_MS?: string;
}
