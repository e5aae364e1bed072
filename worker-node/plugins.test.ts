// Tests for the plugin loader: paths, folders and npm packages; every export shape; each failure a problem
// naming the plugin (logged), the plugin skipped and the others loaded; and the template plugin run as a node.
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ERROR_PORT } from "../shared/nodeTypes.ts";
import { isPathSpec, loadPlugins } from "./plugins.ts";
import { startNode } from "./testing/context.ts";
import { captureLogger } from "./testing/logs.ts";

const template = fileURLToPath(new URL("../examples/plugin-template", import.meta.url));
const sdk = pathToFileURL(fileURLToPath(new URL("../shared/sdk.ts", import.meta.url))).href;
let dir = "";

/** A plain spec as a plugin outside Weft writes it, as module source. */
function spec(type: string, extra = ""): string {
  return `{ type: "${type}", version: "1.0.0", title: "T ${type}", category: "processing",
    description: "Test type ${type}.", ports: { in: ["in"], out: ["out"] }, ${extra}
    create: () => ({ start() {}, onMessage() {} }) }`;
}

async function write(path: string, text: string): Promise<string> {
  const file = join(dir, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
  return file;
}

async function load(specs: string[], cwd = dir) {
  const { log, lines } = captureLogger("w1");
  const result = await loadPlugins(specs, { cwd, log });
  return { ...result, lines, types: result.impls.map(({ impl, source }) => `${source}:${impl.def.type}`) };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-plugins-"));
  await write("plain.mjs", `export default [${spec("plain-a")}, ${spec("plain-b")}];`);
  await write("single.mjs", `export default ${spec("single")};`);
  await write("named.mjs", `export const one = ${spec("named-one")};\nexport const helper = { greet: () => "hi" };`);
  await write("list.mjs", `export const nodes = [${spec("listed")}];`);
  await write(
    "sdk.mjs",
    `import { defineNode } from ${JSON.stringify(sdk)};\nconst impl = defineNode(${spec("made")});\n` +
      "export const made = impl;\nexport default [impl];",
  );
  await write("empty.mjs", "export const version = 3;");
  await write("throws.mjs", 'const x = 1;\nthrow new Error("no GPU here");');
  await write("syntax.mjs", "export default [;\n");
  await write("bad-version.mjs", `export default [${spec("okay")}, { ...${spec("bad")}, version: "one" }];`);
  await write("typo.mjs", `export default [{ ...${spec("typo")}, inputs: ["in"] }];`);
  await write("ports-string.mjs", `export default [{ ...${spec("stringy")}, ports: { in: "in" } }];`);
  await write("no-create.mjs", `export default [{ ...${spec("lazy")}, create: undefined }];`);
  await write("number.mjs", "export default [42];");
  await write("cjs.cjs", `module.exports = [${spec("common")}];`);
  await write("folder/package.json", JSON.stringify({ type: "module", main: "lib/main.mjs" }));
  await write("folder/lib/main.mjs", `export default [${spec("in-folder")}];`);
  await write("bare/readme.txt", "no package.json");
  await write("node_modules/weft-plugin-demo/package.json", JSON.stringify({ name: "weft-plugin-demo", main: "x" }));
  await write("node_modules/weft-plugin-demo/x.mjs", `export default [${spec("from-package")}];`);
  await write(
    "node_modules/@acme/nodes/package.json",
    JSON.stringify({ name: "@acme/nodes", exports: { ".": { require: "./no.cjs", import: "./esm.mjs" } } }),
  );
  await write("node_modules/@acme/nodes/esm.mjs", `export default [${spec("acme/esm")}];`);
  await write("node_modules/@acme/nodes/extra.mjs", `export default [${spec("acme/extra")}];`);
  await write("node_modules/broken-json/package.json", "{ nope");
  await write("sub/deeper/.keep", "");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadPlugins: finding a plugin", () => {
  it("loads a file relative to cwd, an absolute path, and a folder through its package.json main", async () => {
    const { types, problems } = await load(["./plain.mjs", join(dir, "single.mjs"), "./folder"]);
    expect(problems).toEqual([]);
    expect(types).toEqual([
      "./plain.mjs:plain-a",
      "./plain.mjs:plain-b",
      `${join(dir, "single.mjs")}:single`,
      "./folder:in-folder",
    ]);
  });

  it("resolves an npm package from cwd's node_modules, also from a folder below it", async () => {
    const { types, problems } = await load(["weft-plugin-demo", "@acme/nodes"], join(dir, "sub", "deeper"));
    expect(problems).toEqual([]);
    // @acme/nodes has only an `exports` map: its import condition is used, not require.
    expect(types).toEqual(["weft-plugin-demo:from-package", "@acme/nodes:acme/esm"]);
  });

  it("loads a package subpath that is not in its exports map only when the map allows it", async () => {
    const { types, problems } = await load(["@acme/nodes/extra.mjs"]);
    expect(types).toEqual([]);
    expect(problems).toEqual([
      expect.stringMatching(/^plugin "@acme\/nodes\/extra.mjs": .*"exports" has no ESM entry/),
    ]);
  });

  it("reports a missing path or package with where it looked, and skips only that plugin", async () => {
    const { types, problems, lines } = await load(["./nope.mjs", "weft-no-such-plugin", "./plain.mjs"]);
    expect(types).toEqual(["./plain.mjs:plain-a", "./plain.mjs:plain-b"]);
    expect(problems).toEqual([
      `plugin "./nope.mjs": not found (looked in ${join(dir, "nope.mjs")})`,
      `plugin "weft-no-such-plugin": not found (looked for package "weft-no-such-plugin" in ${join(dir, "node_modules")} and its parents)`,
    ]);
    // Each problem is logged as an error carrying the plugin spec.
    const errors = lines.filter((line) => line.level === 50);
    expect(errors.map((line) => [line.plugin, line.msg])).toEqual([
      ["./nope.mjs", problems[0]],
      ["weft-no-such-plugin", problems[1]],
    ]);
  });

  it("hints at ./ when a bare name is a file in cwd, and refuses a folder without package.json", async () => {
    const { problems } = await load(["plain.mjs", "./bare", "broken-json"]);
    expect(problems[0]).toMatch(
      /^plugin "plain.mjs": not found .*; to load the file .*plain\.mjs, write \.\/plain\.mjs$/,
    );
    expect(problems[1]).toMatch(/^plugin "\.\/bare": .*bare is a folder without a package.json/);
    expect(problems[2]).toMatch(/^plugin "broken-json": cannot read .*package\.json: /);
  });

  it("tells paths from package names", () => {
    expect(["./a.mjs", "../a", "/abs/a.mjs", "C:\\a.mjs", "."].map(isPathSpec)).toEqual([true, true, true, true, true]);
    expect(["weft-plugin", "@acme/nodes", "pkg/sub"].map(isPathSpec)).toEqual([false, false, false]);
  });
});

describe("loadPlugins: what a plugin exports", () => {
  it("accepts a default array, one default node, named nodes, a nodes array and defineNode results", async () => {
    const { types, problems } = await load(["./single.mjs", "./named.mjs", "./list.mjs", "./sdk.mjs", "./cjs.cjs"]);
    expect(problems).toEqual([]);
    // sdk.mjs exports one impl twice (default and named): it counts once; helper exports are ignored.
    expect(types).toEqual([
      "./single.mjs:single",
      "./named.mjs:named-one",
      "./list.mjs:listed",
      "./sdk.mjs:made",
      "./cjs.cjs:common",
    ]);
  });

  it("defines plain specs as defineNode does: outputs end with error, labels and params default", async () => {
    const { impls } = await load(["./plain.mjs"]);
    expect(impls[0]?.impl.def).toEqual({
      type: "plain-a",
      version: "1.0.0",
      title: "T plain-a",
      category: "processing",
      description: "Test type plain-a.",
      inputs: ["in"],
      outputs: ["out", ERROR_PORT],
      params: {},
      labels: [],
    });
  });

  it.each([
    ["./empty.mjs", /^plugin "\.\/empty\.mjs": exports no node types \(export default an array/],
    [
      "./throws.mjs",
      /^plugin "\.\/throws\.mjs": failed to load .*throws\.mjs: Error: no GPU here \(at .*throws\.mjs:2/,
    ],
    // Node says SyntaxError; under vitest, vite's transform reports it first (the binary test sees Node's).
    [
      "./syntax.mjs",
      /^plugin "\.\/syntax\.mjs": failed to load .*syntax\.mjs: (SyntaxError: |Error: .*invalid JS syntax)/,
    ],
    [
      "./bad-version.mjs",
      /^plugin "\.\/bad-version\.mjs": node type "bad": version: must be a semantic version.*; plugin skipped$/,
    ],
    ["./typo.mjs", /^plugin "\.\/typo\.mjs": node type "typo": unknown field\(s\) "inputs" \(a spec has type, version/],
    ["./ports-string.mjs", /^plugin "\.\/ports-string\.mjs": node type "stringy": ports\.in: must be an array/],
    ["./no-create.mjs", /^plugin "\.\/no-create\.mjs": node type "lazy": create must be a function/],
    ["./number.mjs", /^plugin "\.\/number\.mjs": exports number 42 where a node spec .* was expected/],
  ])("refuses %s with a problem naming it, and loads none of its types", async (plugin, message) => {
    const { types, problems } = await load([plugin, "./single.mjs"]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
    expect(types).toEqual(["./single.mjs:single"]);
  });
});

describe("the plugin template", () => {
  it("loads examples/plugin-template as a folder and runs its uppercase node", async () => {
    const { impls, problems } = await load([template]);
    expect(problems).toEqual([]);
    const uppercase = impls.find(({ impl }) => impl.def.type === "uppercase")?.impl;
    if (!uppercase) throw new Error("the template exports no uppercase type");
    expect(uppercase.def).toMatchObject({ inputs: ["in"], outputs: ["out", ERROR_PORT] });
    const whole = await startNode(uppercase);
    await whole.send("weft");
    const field = await startNode(uppercase, { field: "name" });
    await field.send({ name: "ada", n: 1 }, "in", { key: "k" });
    await expect(field.send({ name: 3 })).rejects.toThrow(/field "name" must hold a string, got 3/);
    expect(whole.ctx.emitted).toEqual([["out", "WEFT"]]);
    expect(field.ctx.emitted).toEqual([["out", { name: "ADA", n: 1 }, { key: "k" }]]);
    // The schema the worker checks params with comes from the plugin.
    await expect(startNode(uppercase, { field: 5 })).rejects.toThrow(/param "field" must be a string/);
    await whole.stop();
    await field.stop();
  });
});

describe("examples/ml/plugin.mjs (sentiment)", () => {
  const mlPlugin = fileURLToPath(new URL("../examples/ml/plugin.mjs", import.meta.url));
  /** A stand-in model run by node instead of python: echoes, refuses "bad", hangs on "slow", dies on "die". */
  const fakeModel = `
    import { createInterface } from "node:readline";
    createInterface({ input: process.stdin }).on("line", (line) => {
      const { id, value } = JSON.parse(line);
      if (value === "slow") return;
      if (value === "die") { process.stderr.write("out of memory\\n"); process.exit(3); }
      console.log("loading weights...");
      const answer = value === "bad" ? { id, error: "no text in 5" } : { id, value: { echo: value } };
      console.log(JSON.stringify({ id: "other", value: 1 }));
      console.log(JSON.stringify(answer));
    });`;

  async function sentiment() {
    const { impls, problems } = await load([mlPlugin]);
    expect(problems).toEqual([]);
    const impl = impls[0]?.impl;
    if (!impl) throw new Error("the ml plugin exports no type");
    return impl;
  }

  it("defines sentiment for ml workers, its script defaulting to sentiment.py beside the plugin", async () => {
    const impl = await sentiment();
    expect(impl.def).toMatchObject({ type: "sentiment", category: "ml", labels: ["ml"], inputs: ["in"] });
    expect(impl.def.outputs).toEqual(["out", ERROR_PORT]);
    // Relative, so every machine announces the same definition wherever the plugin is installed.
    expect(impl.def.params.script?.default).toBe("sentiment.py");
  });

  it("answers one message at a time over NDJSON, skipping other lines; a refusal or an exit fails the message", async () => {
    const script = await write("fake-model.mjs", fakeModel);
    const node = await startNode(await sentiment(), { script, python: process.execPath });
    await node.send("hello", "in", { key: "k1" });
    await node.send({ text: "again" });
    await expect(node.send("bad")).rejects.toThrow(/^sentiment: no text in 5$/);
    await expect(node.send("die")).rejects.toThrow(/exited with code 3: out of memory$/);
    // The next message starts the model again.
    await node.send("back");
    expect(node.ctx.emitted).toEqual([
      ["out", { echo: "hello" }, { key: "k1" }],
      ["out", { echo: { text: "again" } }],
      ["out", { echo: "back" }],
    ]);
    await node.stop();
  });

  it("fails a message the model does not answer within the timeout, and restarts the model", async () => {
    const script = await write("fake-model.mjs", fakeModel);
    const node = await startNode(await sentiment(), { script, python: process.execPath, timeout: "1s" });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      const slow = node.send("slow");
      vi.advanceTimersByTime(1000);
      await expect(slow).rejects.toThrow(/^sentiment: no answer for message m1 within 1000 ms \(param "timeout"\)$/);
    } finally {
      vi.useRealTimers();
    }
    await node.send("after");
    expect(node.ctx.emitted).toEqual([["out", { echo: "after" }]]);
    await node.stop();
  });

  it("crashes at start when the script does not exist, naming the param", async () => {
    await expect(startNode(await sentiment(), { script: join(dir, "missing.py") })).rejects.toThrow(
      /^sentiment: param "script": .*missing\.py does not exist$/,
    );
  });

  it("fails a message naming the python param when the interpreter cannot run", async () => {
    const script = await write("fake-model.mjs", fakeModel);
    const node = await startNode(await sentiment(), { script, python: join(dir, "no-python") });
    await expect(node.send("x")).rejects.toThrow(/^sentiment: cannot run .*no-python \(param "python"\): .*ENOENT/);
    await node.stop();
  });

  it.skipIf(!hasPython())("scores text with the real examples/ml/sentiment.py", async () => {
    const node = await startNode(await sentiment());
    await node.send("great service, not bad at all");
    expect(node.ctx.emitted).toEqual([["out", { label: "positive", score: expect.any(Number), words: 2 }]]);
    await node.stop();
  });
});

function hasPython(): boolean {
  return spawnSync("python3", ["--version"]).status === 0;
}
