// `npm test`: static checks, builds, unit tests, then integration and end-to-end tests; prints one summary line.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const started = Date.now();
const reports = mkdtempSync(join(tmpdir(), "weft-test-"));
const totals = { passed: 0, failed: 0, skipped: 0 };

function step(title, command, args) {
  const t = Date.now();
  console.log(`\n▶ ${title}: ${command} ${args.join(" ")}`);
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
  });
  const seconds = ((Date.now() - t) / 1000).toFixed(1);
  if (result.status !== 0) {
    console.error(`✗ ${title} failed after ${seconds} s (exit ${result.status ?? result.signal})`);
    return false;
  }
  console.log(`✓ ${title} (${seconds} s)`);
  return true;
}

function vitest(title, config) {
  const file = join(reports, `${config.replaceAll("/", "_")}.json`);
  const ok = step(title, "npx", [
    "vitest",
    "run",
    "--config",
    config,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${file}`,
  ]);
  try {
    const report = JSON.parse(readFileSync(file, "utf8"));
    totals.passed += report.numPassedTests;
    totals.failed += report.numFailedTests;
    totals.skipped += report.numPendingTests + report.numTodoTests;
  } catch {
    totals.failed += 1;
  }
  return ok;
}

/** The end-to-end tests drive Debian's Chromium: install it when we may (root with apt), else say how, at once. */
const CHROMIUM = "/usr/bin/chromium";
function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  const install = "apt-get install -y chromium";
  if (process.getuid?.() === 0 && existsSync("/usr/bin/apt-get")) {
    console.log(`${CHROMIUM} is missing: the end-to-end tests need it; installing (${install})`);
    const ok =
      step("apt-get update", "apt-get", ["update", "-qq"]) &&
      step("install chromium", "apt-get", ["install", "-y", "-qq", "chromium"]) &&
      existsSync(CHROMIUM);
    if (ok) return true;
  }
  console.error(
    `✗ ${CHROMIUM} is missing and the end-to-end tests need it. Install it, then run npm test again:\n` +
      `    sudo ${install}        (Debian/Ubuntu; as root without sudo)`,
  );
  return false;
}

const ok =
  ensureChromium() &&
  step("type check (Node, app)", "npx", ["tsc", "-p", "tsconfig.json"]) &&
  step("type check (edge)", "npx", ["tsc", "-p", "edge/tsconfig.json"]) &&
  step("lint and format (biome)", "npx", ["biome", "check", "."]) &&
  step("import cycles (dpdm)", "npx", [
    "dpdm",
    "--no-warning",
    "--no-tree",
    "-T",
    "--exit-code",
    "circular:1",
    "shared/*.ts",
    "edge/index.ts",
    "worker-node/cli.ts",
    "app/src/main.tsx",
  ]) &&
  step("build", "npm", ["run", "build"]) &&
  vitest("unit tests", "vitest.unit.config.ts") &&
  vitest("editor unit tests", "app/vitest.config.ts") &&
  vitest("integration and end-to-end tests", "vitest.int.config.ts");

const minutes = ((Date.now() - started) / 60000).toFixed(1);
console.log(`\nnpm test took ${minutes} min`);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(ok && totals.failed === 0 ? 0 : 1);
