// `npm run bench`: runs each benchmark bench/<name>/<name>.mjs in turn and prints the JSON lines it reports.
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";

const BENCH = resolve(import.meta.dirname);
const only = process.argv.slice(2);
const names = readdirSync(BENCH, { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && existsSync(join(BENCH, entry.name, `${entry.name}.mjs`)))
  .map((entry) => entry.name)
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

/** Runs one benchmark; its stdout is JSON lines (passed through), its stderr is progress. */
function runOne(name) {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(BENCH, name, `${name}.mjs`)], { stdio: ["ignore", "pipe", "inherit"] });
    let buffered = "";
    let lines = 0;
    child.stdout.on("data", (data) => {
      buffered += data.toString();
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) {
        if (line.trim() === "") continue;
        JSON.parse(line); // a benchmark prints JSON lines only
        console.log(line);
        lines++;
      }
    });
    child.on("exit", (code, signal) => done({ name, ok: code === 0 && lines > 0, code: code ?? signal }));
  });
}

let failed = 0;
for (const name of names) {
  const started = Date.now();
  const result = await runOne(name);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (!result.ok) {
    failed++;
    console.error(`bench ${name} failed after ${seconds} s (exit ${result.code})`);
  } else console.error(`bench ${name} done in ${seconds} s`);
}
if (names.length === 0) console.error("no benchmarks found under bench/");
process.exit(failed > 0 || names.length === 0 ? 1 : 0);
