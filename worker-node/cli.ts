// Entry point of the `weft` CLI (bundled to dist/weft.mjs by worker-node/build.mjs).
import { runCli } from "./main.ts";

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`weft: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
