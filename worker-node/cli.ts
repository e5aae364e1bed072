// Entry point of the `weft` CLI (bundled to dist/weft.mjs by worker-node/build.mjs).
import { escapeControl } from "./log.ts";
import { runCli } from "./main.ts";

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    // Escaped line by line, so a stack trace keeps its lines but no line can carry escape sequences.
    process.stderr.write(`weft: ${text.split("\n").map(escapeControl).join("\n")}\n`);
    process.exit(1);
  },
);
