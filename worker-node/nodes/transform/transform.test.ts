// Tests for the transform node with real sandbox threads: what code returns becomes messages; syntax errors,
// throws, timeouts and running out of memory fail clearly and the next message still runs.
import { afterEach, describe, expect, it, vi } from "vitest";
import { nodeTypeProblem } from "../../../shared/nodeTypeDef.ts";
import { checkParams, findNodeType } from "../../../shared/nodeTypes.ts";
import { type StartedNode, startNode } from "../../testing/context.ts";
import { TRANSFORM_IMPLS } from "./index.ts";
import { transformNode } from "./transform.ts";

const started: StartedNode[] = [];
afterEach(async () => {
  for (const node of started.splice(0)) await node.stop();
});

async function transform(code: string, params: Record<string, unknown> = {}): Promise<StartedNode> {
  const node = await startNode(transformNode, { code, ...params });
  started.push(node);
  return node;
}

/** Sends `value` and returns the error it failed with (fails the test when it did not fail). */
async function failure(node: StartedNode, value: unknown): Promise<string> {
  try {
    await node.send(value as never);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`message ${JSON.stringify(value)} did not fail`);
}

describe("transform definition", () => {
  it("is a valid node type with in, out and error, registered as the shared built-in definition", () => {
    expect(nodeTypeProblem(transformNode.def)).toBeUndefined();
    expect(findNodeType("transform")).toBe(transformNode.def);
    expect(TRANSFORM_IMPLS).toContain(transformNode);
    expect(transformNode.def).toMatchObject({ type: "transform", category: "processing", inputs: ["in"] });
    expect(transformNode.def.outputs).toEqual(["out", "error"]);
  });

  it("fills in defaults and refuses a timeout, memory limit or code outside its bounds", () => {
    const def = transformNode.def;
    expect(checkParams(def, {}, "runtime")).toEqual({
      ok: true,
      params: { code: "return { ...msg, value: msg.value };", timeout: 1000, memoryMb: 64 },
    });
    expect(checkParams(def, { timeout: "61s" })).toMatchObject({
      ok: false,
      error: expect.stringContaining("timeout"),
    });
    expect(checkParams(def, { timeout: "0ms" })).toMatchObject({ ok: false });
    expect(checkParams(def, { memoryMb: 8 })).toMatchObject({ ok: false, error: expect.stringContaining("memoryMb") });
    expect(checkParams(def, { memoryMb: 2048 })).toMatchObject({ ok: false });
    expect(checkParams(def, { code: "x".repeat(100_001) })).toMatchObject({ ok: false });
  });
});

describe("transform node", () => {
  it("the default code passes each message through with its key and headers", async () => {
    const node = await startNode(transformNode, {});
    started.push(node);
    await node.send({ a: 1 }, "in", { key: "k", headers: { trace: "t1" } });
    await node.send(2);
    expect(node.ctx.emitted).toEqual([
      ["out", { a: 1 }, { key: "k", headers: { trace: "t1" } }],
      ["out", 2],
    ]);
  });

  it("maps each value with the code", async () => {
    const node = await transform("return { ...msg, value: { n: msg.value, square: msg.value * msg.value } };");
    await node.send(3);
    await node.send(4);
    expect(node.ctx.emitted).toEqual([
      ["out", { n: 3, square: 9 }],
      ["out", { n: 4, square: 16 }],
    ]);
  });

  it("sees msg as exactly { id, key, value, headers, ts }, without a delivery's own fields", async () => {
    const node = await transform("return { value: msg };");
    await node.send(7, "in", { id: "m9", key: "k", headers: { h: "v" }, ts: 123, d: 4, attempt: 2 } as never);
    expect(node.ctx.emitted).toEqual([["out", { id: "m9", key: "k", value: 7, headers: { h: "v" }, ts: 123 }]]);
  });

  it("keeps key and headers when spread from msg, changes them when set, and drops them from a bare { value }", async () => {
    const node = await transform(
      [
        "if (msg.value === 'keep') return { ...msg, value: 1 };",
        "if (msg.value === 'change') return { ...msg, key: 'new', headers: { ...msg.headers, extra: 'x' }, value: 2 };",
        "return { value: 3 };",
      ].join("\n"),
    );
    for (const value of ["keep", "change", "drop"]) await node.send(value, "in", { key: "old", headers: { h: "v" } });
    expect(node.ctx.emitted).toEqual([
      ["out", 1, { key: "old", headers: { h: "v" } }],
      ["out", 2, { key: "new", headers: { h: "v", extra: "x" } }],
      ["out", 3],
    ]);
  });

  it("an array emits several messages in order; null, undefined or no return emits none", async () => {
    const node = await transform(
      [
        "if (msg.value === 'many') return [{ value: 1 }, null, { value: 2, key: 'b' }];",
        "if (msg.value === 'null') return null;",
        "if (msg.value === 'undefined') return undefined;",
      ].join("\n"),
    );
    for (const value of ["many", "null", "undefined", "nothing"]) await node.send(value);
    expect(node.ctx.emitted).toEqual([
      ["out", 1],
      ["out", 2, { key: "b" }],
    ]);
  });

  it("runs async code: awaits inside the body and returns what it resolves", async () => {
    const node = await transform(
      "const double = async (n) => { await null; return n * 2; };\nreturn { value: await double(await Promise.resolve(msg.value)) };",
    );
    await node.send(21);
    expect(node.ctx.emitted).toEqual([["out", 42]]);
  });

  it("refuses code with a syntax error at start, naming its line and column", async () => {
    await expect(startNode(transformNode, { code: "const a = 1;\nconst b = ;" })).rejects.toThrow(
      "transform code has a syntax error at line 2, column 11: Unexpected token ';'",
    );
    await expect(startNode(transformNode, { code: "if (msg.value) {" })).rejects.toThrow(
      "transform code has a syntax error at the end of the code",
    );
    await expect(startNode(transformNode, { code: "}); (function () {" })).rejects.toThrow(
      "an unmatched '}' closes the function body early",
    );
  });

  it("a throw fails that message with its text and line; the next message runs", async () => {
    const node = await transform("if (msg.value < 0) {\n  throw new Error('negative: ' + msg.value);\n}\nreturn msg;");
    expect(await failure(node, -1)).toBe("transform threw: negative: -1 (line 2)");
    await node.send(5);
    expect(node.ctx.emitted).toEqual([["out", 5]]);
    const other = await transform("return { value: msg.value.missing.field };");
    expect(await failure(other, {})).toMatch(/^transform threw: TypeError: Cannot read properties of undefined/);
    const rejecting = await transform("await null; throw 'plain text';");
    expect(await failure(rejecting, 1)).toBe("transform threw: plain text");
  });

  it("a synchronous endless loop is killed at the timeout while the worker's event loop runs on; the next message runs in a fresh sandbox", async () => {
    const node = await transform(
      "globalThis.runs = (globalThis.runs ?? 0) + 1;\nif (msg.value === 'spin') while (true) {}\nreturn { value: globalThis.runs };",
      { timeout: "200ms" },
    );
    await node.send("first");
    await node.send("second");
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks += 1;
    }, 10);
    try {
      expect(await failure(node, "spin")).toBe("transform timed out after 200ms (the sandbox was restarted)");
    } finally {
      clearInterval(ticker);
    }
    expect(ticks).toBeGreaterThan(3);
    await node.send("after");
    // runs counts per sandbox: the fresh one starts again at 1.
    expect(node.ctx.emitted).toEqual([
      ["out", 1],
      ["out", 2],
      ["out", 1],
    ]);
  });

  it("a loop after an await and a promise that never settles are killed at the timeout too", async () => {
    const node = await transform(
      "if (msg.value === 'spin') { await null; while (true) {} }\nif (msg.value === 'wait') await new Promise(() => {});\nreturn msg;",
      { timeout: "150ms" },
    );
    expect(await failure(node, "spin")).toBe("transform timed out after 150ms (the sandbox was restarted)");
    await node.send("after spin");
    expect(await failure(node, "wait")).toBe("transform timed out after 150ms (the sandbox was restarted)");
    await node.send("after wait");
    expect(node.ctx.emitted).toEqual([
      ["out", "after spin"],
      ["out", "after wait"],
    ]);
  });

  it("code that allocates past memoryMb fails with out of memory; the next message runs in a fresh sandbox", async () => {
    const node = await transform(
      "if (msg.value === 'grow') { const a = []; for (;;) a.push(new Array(1e6).fill(1)); }\nreturn msg;",
      { memoryMb: 16, timeout: "10s" },
    );
    expect(await failure(node, "grow")).toBe("transform ran out of memory (limit 16 MB); the sandbox was restarted");
    await node.send("small");
    expect(node.ctx.emitted).toEqual([["out", "small"]]);
  });

  it("has no require, process, import or timers, and its objects do not lead out of the sandbox", async () => {
    const node = await transform(
      [
        "const escape = (from) => { try { return from.constructor.constructor('return typeof process')(); } catch (e) { return 'blocked'; } };",
        "let viaImport;",
        "try { await import('node:fs'); viaImport = 'imported'; } catch (e) { viaImport = escape(e); }",
        "return { value: {",
        "  require: typeof require, process: typeof process, globalProcess: typeof globalThis.process,",
        "  module: typeof module, setTimeout: typeof setTimeout, fetch: typeof fetch, Buffer: typeof Buffer,",
        "  viaCtx: escape(ctx.log), viaMsg: escape(msg), viaConsole: escape(console.log), viaImport,",
        "} };",
      ].join("\n"),
    );
    await node.send({});
    const undef = "undefined";
    expect(node.ctx.emitted).toEqual([
      [
        "out",
        {
          require: undef,
          process: undef,
          globalProcess: undef,
          module: undef,
          setTimeout: undef,
          fetch: undef,
          Buffer: undef,
          viaCtx: undef,
          viaMsg: undef,
          viaConsole: undef,
          viaImport: "blocked",
        },
      ],
    ]);
  });

  it.each([
    ["a function", "return { value: { f() {} } };", "result.value.f is a function"],
    ["a BigInt", "return { value: [1n] };", "result.value[0] is a BigInt (1n)"],
    ["a cycle", "const a = {}; a.self = a; return { value: a };", "result.value.self is a cycle"],
    ["a Date", "return { value: new Date(0) };", "result.value is a Date (use .toISOString())"],
    ["a Map", "return { value: new Map() };", "result.value is a Map"],
    ["NaN", "return { value: { 'a b': 0 / 0 } };", 'result.value["a b"] is NaN'],
    ["a symbol", "return [{ value: Symbol('s') }];", "result[0].value is a symbol"],
  ])("a result holding %s fails, naming where it is", async (_what, code, where) => {
    const node = await transform(code);
    expect(await failure(node, 1)).toContain(`transform returned something that is not JSON: ${where}`);
  });

  it("a result that is not a message fails with the rule for what to return", async () => {
    const node = await transform("if (msg.value === 'bare') return 42;\nreturn { result: msg.value };");
    expect(await failure(node, "bare")).toBe(
      "transform returned 42 as result, not a message: a message is { value, key?, headers? }, e.g. return { ...msg, value: 42 }",
    );
    expect(await failure(node, 1)).toMatch(/^transform returned result without a value field \(it has "result"\)/);
  });

  it("ctx.log and console write to the worker log with the message id, at most 100 lines per message", async () => {
    const node = await transform(
      "ctx.log('got', msg.value, { a: 1 });\nconsole.warn('careful');\nif (msg.value === 'chatty') for (let i = 0; i < 150; i++) ctx.log(i);\nreturn null;",
    );
    const info = vi.spyOn(node.ctx.log, "info");
    const warn = vi.spyOn(node.ctx.log, "warn");
    await node.send(5, "in", { id: "m-log" });
    expect(info.mock.calls).toEqual([[{ messageId: "m-log" }, 'got 5 {"a":1}']]);
    expect(warn.mock.calls).toEqual([[{ messageId: "m-log" }, "careful"]]);
    info.mockClear();
    warn.mockClear();
    await node.send("chatty");
    expect(info).toHaveBeenCalledTimes(99);
    expect(warn.mock.calls.at(-1)?.[1]).toBe("more log lines of this message dropped (at most 100 per message)");
  });

  it("offers JavaScript's own globals and structuredClone", async () => {
    const node = await transform(
      [
        "const copy = structuredClone({ list: [1, { b: 2 }], when: new Date(5), map: new Map([[1, 2]]) });",
        "return { value: {",
        "  list: copy.list, when: copy.when.getTime(), map: [...copy.map], max: Math.max(1, 3),",
        "  json: JSON.parse('[1]'), upper: 'abc'.toUpperCase(), node: ctx.nodeId, graph: ctx.graphId,",
        "} };",
      ].join("\n"),
    );
    await node.send(null);
    expect(node.ctx.emitted).toEqual([
      ["out", { list: [1, { b: 2 }], when: 5, map: [[1, 2]], max: 3, json: [1], upper: "ABC", node: "n", graph: "g" }],
    ]);
  });

  it("stop ends the sandbox: a message running then fails, and later ones are refused", async () => {
    const node = await startNode(transformNode, { code: "await new Promise(() => {});", timeout: "10s" });
    const running = expect(node.send(1)).rejects.toThrow("transform was stopped while the message ran");
    await node.stop();
    await running;
    await expect(node.send(2)).rejects.toThrow("transform is stopped");
  });
});
