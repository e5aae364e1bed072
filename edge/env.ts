// The Worker's bindings, as declared in wrangler.toml.
import type { Catalogue } from "./catalogue.ts";
import type { GraphRoom } from "./graphRoom.ts";

export interface Env {
  Graph: DurableObjectNamespace<GraphRoom>;
  Catalogue: DurableObjectNamespace<Catalogue>;
  ASSETS: Fetcher;
  /** Shared secret workers present; unset means workers are refused. */
  WEFT_WORKER_TOKEN?: string;
}
