// Tests for the node catalog: built-ins plus plugin types, a type defined twice refused naming both sources
// (first wins), hello's limits, the startup log; and a plugin that throws at run time failing only its own process.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LIMITS } from "../shared/limits.ts";
import type { Capability } from "../shared/nodeTypes.ts";
import type { RoomFrame } from "../shared/protocol.ts";
import { defineNode, type NodeImpl, type NodeProcess } from "../shared/sdk.ts";
import { loadCatalog, NodeCatalog } from "./catalog.ts";
import { BUILTIN_IMPLS } from "./nodes/index.ts";
import { GraphRuntime } from "./runtime.ts";
import { RecordingLink } from "./testing/frames.ts";
import { captureLogger } from "./testing/logs.ts";
import { waitFor } from "./testing/waitFor.ts";

function node(type: string, create: () => NodeProcess = () => ({ start() {} }), version = "1.0.0"): NodeImpl {
  return defineNode({
    type,
    version,
    title: `Test ${type}`,
    category: "processing",
    description: `Test type ${type}.`,
    ports: { in: ["in"], out: ["out"] },
    create,
  });
}

describe("NodeCatalog", () => {
  it("finds built-ins and plugin types, and announces both", () => {
    const shout = node("shout");
    const catalog = new NodeCatalog([{ impl: shout, source: "./shout.mjs" }]);
    expect(catalog.find("shout")).toBe(shout);
    expect(catalog.find("counter")).toBe(BUILTIN_IMPLS.find((impl) => impl.def.type === "counter"));
    expect(catalog.find("teleport")).toBeUndefined();
    // Types that need a capability (--allow) are withheld unless granted.
    const ungated = BUILTIN_IMPLS.filter((impl) => !impl.def.capability).map((impl) => impl.def.type);
    expect(catalog.defs().map((def) => def.type)).toEqual([...ungated, "shout"]);
    expect(catalog.problems).toEqual([]);
  });

  it("offers exec and transform only with --allow exec, the file nodes only with --allow files", () => {
    const types = (allow: Capability[]) => new NodeCatalog([], [], BUILTIN_IMPLS, allow).defs().map((d) => d.type);
    expect(types([])).not.toEqual(expect.arrayContaining(["exec"]));
    for (const type of ["exec", "transform", "file-read", "file-watch", "file-write"])
      expect(types([])).not.toContain(type);
    expect(types(["exec"])).toEqual(expect.arrayContaining(["exec", "transform"]));
    expect(types(["exec"])).not.toContain("file-read");
    expect(types(["files"])).toEqual(expect.arrayContaining(["file-read", "file-watch", "file-write"]));
    // A plugin cannot take a withheld built-in's name.
    const sneaky = new NodeCatalog([{ impl: node("exec"), source: "./x.mjs" }]);
    expect(sneaky.find("exec")).toBeUndefined();
    expect(sneaky.problems).toEqual([
      'plugin ./x.mjs: node type "exec" is already defined by a built-in node type; skipped',
    ]);
  });

  it("refuses a plugin type that duplicates a built-in or another plugin's type, naming both; first wins", () => {
    const first = node("dup");
    const catalog = new NodeCatalog(
      [
        { impl: first, source: "./b.mjs" },
        { impl: node("dup", undefined, "2.0.0"), source: "./a.mjs" },
        { impl: node("log"), source: "./a.mjs" },
      ],
      ['plugin "./c.mjs": not found (looked in /x/c.mjs)'],
    );
    expect(catalog.find("dup")).toBe(first);
    expect(catalog.find("log")?.def.title).not.toBe("Test log");
    expect(catalog.problems).toEqual([
      'plugin "./c.mjs": not found (looked in /x/c.mjs)',
      'plugin ./a.mjs: node type "dup" is already defined by plugin ./b.mjs; skipped',
      'plugin ./a.mjs: node type "log" is already defined by a built-in node type; skipped',
    ]);
    expect(catalog.defs().filter((def) => def.type === "dup")).toEqual([first.def]);
    expect(catalog.pluginTypes()).toEqual(new Map([["./b.mjs", [first.def]]]));
  });

  it("keeps problems within hello's limits: each at most maxErrorChars, at most 50", () => {
    const many = Array.from({ length: 60 }, (_, i) => `plugin "./p${i}.mjs": ${"x".repeat(i === 0 ? 5000 : 10)}`);
    const { problems } = new NodeCatalog([], many);
    expect(problems).toHaveLength(50);
    expect(problems[0]).toHaveLength(LIMITS.maxErrorChars);
    expect(problems[49]).toBe("… and 11 more plugin problems");
  });

  it("refuses types beyond the 500 a hello may announce", () => {
    const builtins = Array.from({ length: 500 }, (_, i) => node(`b${i}`));
    const catalog = new NodeCatalog([{ impl: node("extra"), source: "./x.mjs" }], [], builtins);
    expect(catalog.find("extra")).toBeUndefined();
    expect(catalog.problems).toEqual([
      'plugin ./x.mjs: node type "extra" skipped: a worker announces at most 500 node types',
    ]);
  });
});

describe("loadCatalog", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "weft-catalog-"));
    const spec = (type: string) =>
      `{ type: "${type}", version: "1.2.0", title: "T", category: "ml", description: "D.", create: () => ({ start() {} }) }`;
    await writeFile(join(dir, "x.mjs"), `export default [${spec("a")}, ${spec("b")}];`);
    await writeFile(join(dir, "y.mjs"), `export default [${spec("a")}];`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("logs one info line per plugin with its types and an error per problem", async () => {
    const { log, lines } = captureLogger("w1");
    const catalog = await loadCatalog(["./x.mjs", "./y.mjs", "./z.mjs"], { cwd: dir, log });
    expect(catalog.find("a")?.def.version).toBe("1.2.0");
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [50, `plugin "./z.mjs": not found (looked in ${join(dir, "z.mjs")})`],
      [50, 'plugin ./y.mjs: node type "a" is already defined by plugin ./x.mjs; skipped'],
      [30, "plugin ./x.mjs: node types a@1.2.0, b@1.2.0"],
    ]);
    expect(lines[2]).toMatchObject({ plugin: "./x.mjs", nodeTypes: ["a@1.2.0", "b@1.2.0"] });
    expect(catalog.problems).toHaveLength(2);
  });
});

describe("a plugin throwing at run time", () => {
  const runtimes: GraphRuntime[] = [];
  afterEach(async () => {
    for (const runtime of runtimes.splice(0)) {
      await runtime.stopAll();
      runtime.close();
    }
  });

  function assign(nodeId: string, nodeType: string): RoomFrame {
    return { type: "assign", nodeId, epoch: 1, nodeType, params: {}, inputs: ["in"], outputs: ["out"] };
  }

  it("fails only its own process: create crashes it, onMessage nacks the message, the others run", async () => {
    const catalog = new NodeCatalog([
      {
        impl: node("bad-create", () => {
          throw new Error("model file missing");
        }),
        source: "./bad.mjs",
      },
      {
        impl: node("bad-message", () => ({
          start() {},
          onMessage() {
            throw new Error("cannot score 7");
          },
        })),
        source: "./bad.mjs",
      },
    ]);
    const { log } = captureLogger("w1");
    const runtime = new GraphRuntime({ graphId: "g", workerId: "w1", log, findImpl: (t) => catalog.find(t) });
    runtimes.push(runtime);
    const link = new RecordingLink();
    runtime.attach(link, 60_000);
    for (const frame of [assign("c", "bad-create"), assign("m", "bad-message"), assign("f", "factorize")]) {
      runtime.handle(frame);
      if (frame.type !== "assign") continue;
      runtime.handle({ type: "credit", nodeId: frame.nodeId, epoch: 1, port: "out", messages: 1e9, bytes: 1e15 });
    }
    const stateOf = (nodeId: string) =>
      link
        .of("state")
        .filter((f) => f.process.nodeId === nodeId)
        .at(-1)?.process;
    await waitFor(() => stateOf("c")?.state === "crashed" && stateOf("m")?.state === "running", "c crashed, m running");
    expect(stateOf("c")).toMatchObject({ state: "crashed", lastError: "model file missing" });
    await waitFor(() => stateOf("f")?.state === "running", "f running");
    const messages = [{ id: "m1", value: 7, ts: 1, d: 1 }];
    runtime.handle({ type: "deliver", nodeId: "m", epoch: 1, port: "in", edge: "e1", messages });
    runtime.handle({
      type: "deliver",
      nodeId: "f",
      epoch: 1,
      port: "in",
      edge: "e2",
      messages: [{ ...messages[0]!, value: 12 }],
    });
    const nack = await waitFor(() => link.of("nack")[0], "a nack");
    expect(nack).toEqual({ type: "nack", nodeId: "m", epoch: 1, deliveries: [1], error: "cannot score 7" });
    const publish = await waitFor(() => link.of("publish")[0], "factorize's publish");
    expect(publish).toMatchObject({ nodeId: "f", messages: [{ value: { n: 12, factors: [2, 2, 3] } }] });
    expect(stateOf("m")?.state).toBe("running");
  });
});
