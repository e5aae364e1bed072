// The JavaScript a transform's worker thread runs (started with `eval: true`, so it works from the TypeScript
// sources and from the one-file bundle alike): it compiles the user code in a vm context and runs one message
// at a time, answering the parent with plain JSON frames (see ThreadFrame in thread.ts).
//
// Frames from the parent: { type: "run", seq, input } (input: the JSON text of { seq, msg }).
// Frames to the parent: { type: "ready" } | { type: "compile-error", error } | { type: "log", seq, level, text }
// | { type: "result", seq, ok: true, result } | { type: "result", seq, ok: false, error }.
//
// The thread sets no time limit itself: vm's per-run timeout starts a watchdog thread on every run, which cut
// throughput about four times (2,500 instead of 10,000 messages per second); the parent kills a thread that
// does not answer in time instead.

/** Source of the thread; its workerData is ThreadData (thread.ts). Plain strict JavaScript, no template literals. */
export const SANDBOX_THREAD_SOURCE = String.raw`"use strict";
const { parentPort, workerData } = require("node:worker_threads");
const vm = require("node:vm");
const { code, contextSource, graphId, nodeId, limits } = workerData;

// Defence in depth: an object of this thread's realm that reaches the code (an error Node throws for import(),
// say) must not lead to this realm's Function constructor, which could evaluate "return process".
for (const fn of [function () {}, async function () {}, function* () {}, async function* () {}]) {
  Object.defineProperty(Object.getPrototypeOf(fn), "constructor", { value: undefined, writable: false, configurable: false });
}

const FILENAME = "transform.js";
const HEADER = "(async function transform(msg, ctx) {\n";

const context = vm.createContext(Object.create(null), {
  name: "weft transform",
  codeGeneration: { strings: true, wasm: false },
});

let current = 0;
let input = "";
let logged = 0;

class NotJson extends Error {}

function truncate(text, max) {
  return text.length > max ? text.slice(0, max) + "…" : text;
}

/** Where the syntax error is, from compiling the code wrapped as vm.Script does (V8's own function check gives none). */
function syntaxError(message) {
  let script;
  try {
    script = new vm.Script(HEADER + code + "\n})", { filename: FILENAME, lineOffset: -1 });
  } catch (error) {
    const lines = String(error && error.stack).split("\n");
    const at = /^transform\.js:(\d+)/.exec(lines[0] || "");
    const caret = (lines[2] || "").indexOf("^");
    const line = at ? Number(at[1]) : 0;
    const where =
      line >= 1 && line <= code.split("\n").length
        ? " at line " + line + (caret >= 0 ? ", column " + (caret + 1) : "")
        : " at the end of the code (a missing closing bracket?)";
    return "transform code has a syntax error" + where + ": " + message;
  }
  const early = script && message === "Single function literal required";
  return "transform code has a syntax error: " + (early ? "an unmatched '}' closes the function body early" : message);
}

function compile() {
  const AsyncFunction = vm.runInContext("(async function () {}).constructor", context);
  try {
    new AsyncFunction("msg", "ctx", code);
  } catch (error) {
    return { error: syntaxError(String(error && error.message)) };
  }
  const script = new vm.Script(HEADER + code + "\n})", { filename: FILENAME, lineOffset: -1 });
  return { transform: script.runInContext(context) };
}

function describeThrown(value) {
  let text;
  let stack = "";
  try {
    if (value !== null && typeof value === "object" && typeof value.message === "string") {
      const name = typeof value.name === "string" ? value.name : "";
      text = (name && name !== "Error" ? name + ": " : "") + value.message;
      if (typeof value.stack === "string") stack = value.stack;
    } else if (typeof value === "string") {
      text = value;
    } else {
      text = typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
    }
  } catch (error) {
    text = "a " + typeof value + " that could not be read";
  }
  const at = /transform\.js:(\d+):\d+/.exec(stack);
  return truncate(String(text), limits.errorChars) + (at ? " (line " + at[1] + ")" : "");
}

function pathOf(path, key) {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? path + "." + key : path + "[" + JSON.stringify(key) + "]";
}

const HINTS = { Date: " (use .toISOString())", Map: " (use Object.fromEntries(map))", Set: " (use [...set])" };

/** A plain JSON copy of a context value, or a NotJson error naming the first part that is not JSON. */
function toJson(root) {
  const ancestors = [];
  let size = 0;
  const grow = (path, n) => {
    size += n;
    if (size > limits.resultChars) {
      throw new NotJson(path + " makes the result larger than " + limits.resultChars + " characters of JSON");
    }
  };
  const walk = (value, path, depth) => {
    switch (typeof value) {
      case "string":
        grow(path, value.length + 2);
        return value;
      case "boolean":
        grow(path, 5);
        return value;
      case "number":
        if (!Number.isFinite(value)) throw new NotJson(path + " is " + String(value) + ", which JSON cannot hold");
        grow(path, 8);
        return value;
      case "undefined":
        return undefined;
      case "bigint":
        throw new NotJson(path + " is a BigInt (" + String(value) + "n); convert it with Number() or String()");
      case "symbol":
        throw new NotJson(path + " is a symbol");
      case "function":
        throw new NotJson(path + " is a function");
    }
    if (value === null) {
      grow(path, 4);
      return null;
    }
    if (depth >= limits.depth) throw new NotJson(path + " nests deeper than " + limits.depth + " levels");
    if (ancestors.includes(value)) throw new NotJson(path + " is a cycle (it contains itself)");
    ancestors.push(value);
    let copy;
    if (Array.isArray(value)) {
      copy = [];
      const length = value.length;
      for (let i = 0; i < length; i++) {
        const item = walk(value[i], path + "[" + i + "]", depth + 1);
        grow(path, 1);
        copy.push(item === undefined ? null : item);
      }
    } else {
      const proto = Object.getPrototypeOf(value);
      if (proto !== null && Object.getPrototypeOf(proto) !== null) {
        const tag = Object.prototype.toString.call(value).slice(8, -1);
        const ctor = proto.constructor;
        const name = typeof ctor === "function" && typeof ctor.name === "string" && ctor.name ? ctor.name : tag;
        throw new NotJson(path + " is a " + name + (Object.hasOwn(HINTS, name) ? HINTS[name] : ", not a plain object or array"));
      }
      copy = {};
      for (const key of Object.keys(value)) {
        const item = walk(value[key], pathOf(path, key), depth + 1);
        if (item === undefined) continue;
        grow(path, key.length + 4);
        Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
      }
    }
    ancestors.pop();
    return copy;
  };
  const json = walk(root, "result", 0);
  return json === undefined ? null : json;
}

/** The running message's JSON, once: a second call (user code calling __weftRun) gets "". */
function take() {
  const text = input;
  input = "";
  return text;
}

function settle(seq, failed, value) {
  if (seq !== current) return;
  current = 0;
  let frame;
  try {
    frame = failed
      ? { type: "result", seq, ok: false, error: "transform threw: " + describeThrown(value) }
      : { type: "result", seq, ok: true, result: toJson(value) };
  } catch (error) {
    frame =
      error instanceof NotJson
        ? { type: "result", seq, ok: false, error: "transform returned something that is not JSON: " + error.message }
        : { type: "result", seq, ok: false, error: "transform threw while its result was read: " + describeThrown(error) };
  }
  parentPort.postMessage(frame);
}

function post(seq, level, text) {
  if (seq !== current) return;
  logged += 1;
  if (logged > limits.logLines) {
    if (logged === limits.logLines + 1) {
      parentPort.postMessage({ type: "log", seq, level: "warn", text: "more log lines of this message dropped (at most " + limits.logLines + " per message)" });
    }
    return;
  }
  parentPort.postMessage({ type: "log", seq, level, text: truncate(String(text), limits.logChars) });
}

const compiled = compile();
if (compiled.error) {
  parentPort.postMessage({ type: "compile-error", error: compiled.error });
} else {
  const setup = vm.runInContext(contextSource, context, { filename: "weft-sandbox.js" });
  setup(take, settle, post, compiled.transform, { graphId, nodeId, logChars: limits.logChars });
  const runScript = new vm.Script("__weftRun()", { filename: "weft-run.js" });
  parentPort.on("message", (frame) => {
    if (!frame || frame.type !== "run") return;
    current = frame.seq;
    input = frame.input;
    logged = 0;
    try {
      runScript.runInContext(context);
    } catch (error) {
      if (current !== frame.seq) return;
      current = 0;
      parentPort.postMessage({ type: "result", seq: frame.seq, ok: false, error: "transform threw: " + describeThrown(error) });
    } finally {
      input = "";
    }
  });
  parentPort.postMessage({ type: "ready" });
}
`;
