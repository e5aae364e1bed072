// The Worker's bindings, as declared in wrangler.toml.
import type { Catalogue } from "./catalogue.ts";
import type { GraphRoom } from "./graphRoom.ts";

export interface Env {
  Graph: DurableObjectNamespace<GraphRoom>;
  Catalogue: DurableObjectNamespace<Catalogue>;
  ASSETS: Fetcher;
  /** Signs and verifies access tokens (at least 32 bytes); unset means only /api/health answers. */
  WEFT_AUTH_SECRET?: string;
  /** Worker tokens from configuration (comma or space separated, so a rotation accepts old and new). */
  WEFT_WORKER_TOKEN?: string;
  /** Encrypts secret params at rest (AES-GCM key material, at least 32 bytes); defaults to one derived from WEFT_AUTH_SECRET. */
  WEFT_SECRETS_KEY?: string;
  /** Other origins whose pages may call the API and open rooms (comma separated), e.g. a separate editor host. */
  WEFT_ALLOWED_ORIGINS?: string;
  /** Connection caps (defaults in shared/limits.ts CONNECTIONS). */
  WEFT_MAX_ROOM_CONNECTIONS?: string;
  WEFT_MAX_USER_CONNECTIONS?: string;
  /** Processes moved per rebalance period (default 1; 0 turns rebalancing off). */
  WEFT_REBALANCE_MOVES?: string;
  /** Milliseconds between rebalances (default 30000). */
  WEFT_REBALANCE_INTERVAL_MS?: string;
  /** Messages per second one graph's room takes in (credit is paced to it); 0: unlimited. Default 10,000. */
  WEFT_ROOM_MAX_RATE?: string;
}
