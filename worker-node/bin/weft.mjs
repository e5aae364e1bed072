#!/usr/bin/env node
// The `weft` bin: runs the bundled CLI in dist/weft.mjs (built by `npm run build:worker`).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const bundle = new URL("../../dist/weft.mjs", import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  console.error(`weft: ${fileURLToPath(bundle)} is missing; run \`npm run build:worker\` first`);
  process.exit(1);
}
await import(bundle.href);
