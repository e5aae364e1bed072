// The worker's version, announced in hello and printed by `weft --version`.
import pkg from "../package.json" with { type: "json" };

export const WORKER_VERSION: string = typeof pkg.version === "string" ? pkg.version : "0.1.0";
