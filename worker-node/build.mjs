// Bundles the weft CLI (worker-node/cli.ts with ws, zod and pino) into one ESM file: dist/weft.mjs
// (or the path after --outfile, which the CLI tests use).
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const { values } = parseArgs({ options: { outfile: { type: "string" } } });
const outfile = values.outfile ? resolve(values.outfile) : `${root}dist/weft.mjs`;

await build({
  absWorkingDir: root,
  entryPoints: ["worker-node/cli.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  // ws loads these optional native helpers inside try/catch; absent, it uses its JS fallbacks.
  external: ["bufferutil", "utf-8-validate"],
  banner: {
    js: 'import { createRequire } from "module"; const require = createRequire(import.meta.url);',
  },
  logLevel: "warning",
});

const { size } = await stat(outfile);
console.log(`built ${outfile} (${(size / 1024).toFixed(0)} KiB)`);
