// Tests for the plugin with Node's own test runner (`npm test`, or `node --test`): no Weft needed. The fake
// context below records what the node emits, as the worker's context would publish it.
import assert from "node:assert/strict";
import { test } from "node:test";
import nodes from "./index.mjs";

const uppercase = nodes.find((spec) => spec.type === "uppercase");

/** Starts a process of `spec` with `params` over the defaults; returns it and what it emitted. */
async function start(spec, params = {}) {
  const defaults = Object.fromEntries(Object.entries(spec.params ?? {}).map(([key, p]) => [key, p.default]));
  const emitted = [];
  const controller = new AbortController();
  const ctx = {
    graphId: "g",
    nodeId: "n",
    params: { ...defaults, ...params },
    log: { debug() {}, info() {}, warn() {}, error() {} },
    signal: controller.signal,
    emit: (port, value, options) => emitted.push(options ? [port, value, options] : [port, value]) > 0,
    credit: () => true,
    waitForCredit: async () => {},
  };
  const process = spec.create();
  await process.start(ctx);
  let n = 0;
  const send = async (value, extra = {}) => process.onMessage({ id: `m${++n}`, value, ts: 0, ...extra }, "in");
  return { process, emitted, send };
}

test("upper-cases the whole value when no field is set", async () => {
  const node = await start(uppercase);
  await node.send("hello");
  assert.deepEqual(node.emitted, [["out", "HELLO"]]);
});

test("upper-cases one field, keeping the rest and the key", async () => {
  const node = await start(uppercase, { field: "name" });
  await node.send({ name: "ada", id: 1 }, { key: "k1" });
  assert.deepEqual(node.emitted, [["out", { name: "ADA", id: 1 }, { key: "k1" }]]);
});

test("fails a message whose value does not fit, naming what was wrong", async () => {
  const whole = await start(uppercase);
  await assert.rejects(() => whole.send(42), /value must be a string when "field" is empty, got 42/);
  const field = await start(uppercase, { field: "name" });
  await assert.rejects(() => field.send({ name: 7 }), /field "name" must hold a string, got 7/);
  assert.deepEqual([...whole.emitted, ...field.emitted], []);
});
