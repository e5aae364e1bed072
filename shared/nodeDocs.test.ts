// Tests for the node docs: docs/node-library.md matches the built-in definitions, the renderer writes valid
// Markdown for any definition, and the worked example in docs/nodes.md loads as a plugin and works as shown.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it, vi } from "vitest";
import { loadPlugins } from "../worker-node/plugins.ts";
import { builtin } from "./builtins/define.ts";
import type { JsonValue } from "./graph.ts";
import { renderNodeLibrary, renderType, Slugger } from "./nodeDocsRender.ts";
import { BUILTIN_NODE_TYPES, checkParams } from "./nodeTypes.ts";
import type { EmitOptions, NodeContext, NodeImpl } from "./sdk.ts";

const ROOT = resolve(import.meta.dirname, "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

describe("docs/node-library.md", () => {
  it("is what the built-in definitions render to (run npm run docs:nodes after changing one)", () => {
    const rendered = renderNodeLibrary(BUILTIN_NODE_TYPES);
    const onDisk = read("docs/node-library.md");
    if (onDisk !== rendered) {
      const a = onDisk.split("\n");
      const b = rendered.split("\n");
      const line = a.findIndex((text, i) => text !== b[i]);
      const at = line === -1 ? b.length : line;
      throw new Error(
        `docs/node-library.md is out of date: run npm run docs:nodes\n` +
          `first difference at line ${at + 1}:\n  file:     ${a[at] ?? "(end of file)"}\n  expected: ${b[at] ?? "(end of file)"}`,
      );
    }
  });

  it("has one section per built-in type, naming type@version, under its category", () => {
    const text = renderNodeLibrary(BUILTIN_NODE_TYPES);
    for (const def of BUILTIN_NODE_TYPES) {
      expect(text, def.type).toContain(`\`${def.type}@${def.version}\` · category \`${def.category}\``);
    }
    const headings = text.split("\n").filter((line) => line.startsWith("## ") || line.startsWith("### "));
    expect(headings.filter((h) => h.startsWith("### "))).toHaveLength(BUILTIN_NODE_TYPES.length);
    expect(headings.filter((h) => h.startsWith("## ")).slice(0, 4)).toEqual([
      "## Contents",
      "## Sources",
      "## Processing",
      "## Sinks",
    ]);
  });

  it("links every type from the contents to its heading's anchor", () => {
    const text = renderNodeLibrary(BUILTIN_NODE_TYPES);
    const contents = text.slice(text.indexOf("## Contents"), text.indexOf("## Sources"));
    const anchors = [...contents.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]);
    expect(anchors).toContain("http-in-webhook");
    expect(anchors).toContain("grpc-gofi");
    expect(new Set(anchors).size).toBe(anchors.length);
    expect(anchors).toHaveLength(BUILTIN_NODE_TYPES.length + 3);
  });

  it("says which types run on the hub, and only those", () => {
    for (const def of BUILTIN_NODE_TYPES) {
      expect(renderType(def).includes("**Runs on the hub:**"), def.type).toBe(def.runsOn === "hub");
    }
  });
});

describe("renderType", () => {
  const def = builtin({
    type: "acme/sample",
    version: "2.1.0",
    title: "Sample <b>",
    category: "ml",
    description: "Emits a | b on `out|x` for *each* <message> [1].",
    inputs: ["in"],
    outputs: ["out", "skipped"],
    labels: ["gpu"],
    params: {
      wait: { type: "duration", title: "Wait", description: "How long.", default: "5s", min: 50, max: 3_600_000 },
      mode: { type: "select", title: "Mode", default: "a", choices: ["a", "b|c"], required: true },
      script: { type: "code", title: "Script", default: "", language: "python", maxLength: 65_536 },
      size: { type: "integer", title: "Size", description: "Bytes.", default: 1024, min: 1 },
      token: { type: "secret", title: "Token", description: "A key.", default: "" },
    },
  });
  const text = renderType(def);
  const rows = text.split("\n").filter((line) => line.startsWith("| `"));

  it("gives each param one table row of five cells, escaping | even inside code spans", () => {
    expect(rows).toHaveLength(5);
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length - 2, row).toBe(5);
    expect(text).toContain("one of `a`, `b\\|c`; required");
  });

  it("writes limits in the param's own units: durations as durations, big numbers grouped", () => {
    expect(rows[0]).toContain('| `"5s"` | 50ms to 1h |');
    expect(rows[2]).toContain("| empty | at most 65,536 characters; language `python` |");
    expect(rows[3]).toContain("| `1024` | at least 1 |");
    expect(rows[4]).toContain("| `secret` | unset | — |");
  });

  it("escapes Markdown in prose but keeps the description's own code spans", () => {
    expect(text).toContain("### Sample \\<b\\>");
    expect(text).toContain("Emits a \\| b on `out|x` for \\*each\\* \\<message\\> \\[1\\].");
  });

  it("lists ports with the error output last, and the labels a worker needs", () => {
    expect(text).toContain("- **Inputs:** `in`");
    expect(text).toContain(
      "- **Outputs:** `out`, `skipped`, `error` (a message this node fails on goes here when wired)",
    );
    expect(text).toContain("- **Needs worker labels:** `gpu`");
  });

  it("names the capability a worker must grant (--allow) when the type needs one", () => {
    expect(renderType({ ...def, capability: "exec" } as typeof def)).toContain(
      "- **Needs:** a worker started with `--allow exec`",
    );
    expect(text).not.toContain("--allow");
  });

  it("puts a category of its own after the known ones, titled as the palette titles it", () => {
    const library = renderNodeLibrary([def, ...BUILTIN_NODE_TYPES.filter((d) => d.category === "sink")]);
    expect(library).toContain("## ML\n");
    expect(library.indexOf("## Sinks")).toBeLessThan(library.indexOf("## ML"));
  });
});

/** The fenced block of docs/nodes.md whose info string is "js <name>". */
function docsBlock(name: string): string {
  const docs = read("docs/nodes.md");
  const match = new RegExp(`\`\`\`js ${name.replace(/\./g, "\\.")}\\n([\\s\\S]*?)\`\`\``).exec(docs);
  if (!match?.[1]) throw new Error(`docs/nodes.md has no \`\`\`js ${name} block`);
  return match[1];
}

describe("the worked example in docs/nodes.md", () => {
  const dir = mkdtempSync(join(tmpdir(), "weft-nodes-doc-"));
  writeFileSync(join(dir, "moving-average.mjs"), docsBlock("moving-average.mjs"));
  writeFileSync(join(dir, "moving-average.test.mjs"), docsBlock("moving-average.test.mjs"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function loadExample(): Promise<NodeImpl> {
    const errors: string[] = [];
    const loaded = await loadPlugins(["./moving-average.mjs"], {
      cwd: dir,
      log: { error: (_obj: object | string, msg?: string) => errors.push(msg ?? "") },
    });
    expect(loaded.problems).toEqual([]);
    expect(errors).toEqual([]);
    expect(loaded.impls).toHaveLength(1);
    return (loaded.impls[0] as { impl: NodeImpl }).impl;
  }

  /** Starts a process as the worker would: params checked with the type's schema, a context recording emits. */
  async function run(impl: NodeImpl, params: Record<string, unknown>) {
    const checked = checkParams(impl.def, params, "runtime");
    if (!checked.ok) throw new Error(checked.error);
    const emitted: Array<[string, JsonValue, EmitOptions | undefined]> = [];
    const ctx: NodeContext = {
      graphId: "g",
      nodeId: "n",
      params: checked.params,
      log: { debug() {}, info() {}, warn() {}, error() {} },
      signal: new AbortController().signal,
      emit: (port, value, options) => {
        if (!impl.def.outputs.includes(port)) return false;
        emitted.push([port, value, options]);
        return true;
      },
      credit: () => true,
      waitForCredit: async () => {},
    };
    const process = impl.create();
    await process.start(ctx);
    let n = 0;
    const send = async (value: JsonValue, extra: { key?: string; headers?: Record<string, string> } = {}) => {
      n += 1;
      await process.onMessage?.({ id: `m${n}`, value, ts: 0, ...extra }, "in");
    };
    return { emitted, send };
  }

  it("loads through the worker's plugin loader as acme/moving-average@1.0.0 with in, out and error", async () => {
    const { def } = await loadExample();
    expect(`${def.type}@${def.version}`).toBe("acme/moving-average@1.0.0");
    expect(def.inputs).toEqual(["in"]);
    expect(def.outputs).toEqual(["out", "error"]);
    expect(Object.keys(def.params)).toEqual(["window", "field"]);
  });

  it("emits the moving average on out, keeping the key and headers", async () => {
    const node = await run(await loadExample(), { window: 2, field: "t" });
    await node.send({ t: 4 }, { key: "room-1", headers: { unit: "C" } });
    await node.send({ t: 8 });
    await node.send({ t: 20 });
    expect(node.emitted).toEqual([
      ["out", { average: 4, count: 1 }, { key: "room-1", headers: { unit: "C" } }],
      ["out", { average: 6, count: 2 }, { key: undefined, headers: undefined }],
      ["out", { average: 14, count: 2 }, { key: undefined, headers: undefined }],
    ]);
  });

  it("fails a message without a number, naming the type and the field, and emits nothing for it", async () => {
    const node = await run(await loadExample(), { field: "t" });
    await expect(node.send("warm")).rejects.toThrow('acme/moving-average: field "t" must be a number, got nothing');
    const whole = await run(await loadExample(), {});
    await expect(whole.send({ t: 1 })).rejects.toThrow('acme/moving-average: the value must be a number, got {"t":1}');
    expect([...node.emitted, ...whole.emitted]).toEqual([]);
  });

  it("has a schema that refuses a window below 1 before the process runs", async () => {
    const impl = await loadExample();
    expect(checkParams(impl.def, { window: 0 }, "runtime")).toEqual({
      ok: false,
      error: 'param "window" must be at least 1, got 0',
    });
  });

  it("comes with a test that passes under node --test", () => {
    const result = spawnSync(process.execPath, ["--test", "moving-average.test.mjs"], {
      cwd: dir,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.stdout, result.stderr).toMatch(/# pass 3\n# fail 0/);
    expect(result.status).toBe(0);
  });
});

describe("the source loop in docs/nodes.md", () => {
  it("emits while there is credit, waits without it, and ends when the process stops", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-nodes-loop-"));
    try {
      const file = join(dir, "loop.mjs");
      writeFileSync(file, `export default {\n${docsBlock("source-loop")}};\n`);
      const { default: process } = (await import(pathToFileURL(file).href)) as {
        default: { start(ctx: NodeContext): void };
      };
      const controller = new AbortController();
      const emitted: JsonValue[] = [];
      let credit = true;
      let wake: (() => void) | undefined;
      let calls = 0;
      const ctx: NodeContext = {
        graphId: "g",
        nodeId: "n",
        params: {},
        log: { debug() {}, info() {}, warn() {}, error() {} },
        signal: controller.signal,
        emit: (_port, value) => {
          calls += 1;
          if (controller.signal.aborted) return false;
          emitted.push(value);
          if (emitted.length === 3) credit = false;
          return true;
        },
        credit: () => credit,
        waitForCredit: () => (credit ? Promise.resolve() : new Promise<void>((resolve) => (wake = resolve))),
      };
      process.start(ctx);
      await vi.waitFor(() => expect(wake).toBeDefined());
      expect(emitted).toEqual([0, 1, 2]);
      credit = true;
      wake?.();
      await vi.waitFor(() => expect(emitted.length).toBeGreaterThan(5));
      controller.abort();
      const callsAtStop = calls;
      for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(calls - callsAtStop, "emits after the process stopped").toBeLessThanOrEqual(1);
      expect(emitted.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("links in the node docs", () => {
  it.each(["docs/nodes.md", "docs/node-library.md"])("%s links only to files and headings that exist", (doc) => {
    const text = read(doc);
    const broken: string[] = [];
    for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/.test(target)) continue;
      const [path = "", anchor] = target.split("#");
      const file = path === "" ? join(ROOT, doc) : resolve(dirname(join(ROOT, doc)), path);
      if (!existsSync(file)) {
        broken.push(`${target}: no file ${relative(ROOT, file)}`);
        continue;
      }
      if (anchor !== undefined && file.endsWith(".md") && !headingAnchors(readFileSync(file, "utf8")).has(anchor)) {
        broken.push(`${target}: no heading #${anchor} in ${relative(ROOT, file)}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** The anchors GitHub gives a Markdown file's headings (fenced code blocks left out). */
function headingAnchors(markdown: string): Set<string> {
  const slugs = new Slugger();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (line.startsWith("```")) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6} (.+)$/.exec(line);
    if (heading?.[1]) anchors.add(slugs.slug(heading[1].replace(/\\(.)/g, "$1").replace(/`/g, "")));
  }
  return anchors;
}
