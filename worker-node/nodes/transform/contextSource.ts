// The JavaScript that sets up the vm context user code runs in: ctx, console, structuredClone and the run entry.
//
// It is evaluated inside the context, so every function and object the user code can reach belongs to the
// context's own realm: walking `.constructor.constructor` from any of them gives the context's Function, whose
// global has no process or require. The thread's functions it gets (take, settle, post) stay in closures and
// are only ever called with primitives or context values; none is handed to user code.

/**
 * A function expression `(take, settle, post, transform, info) => void`. It installs `console`,
 * `structuredClone` and a fixed `__weftRun`, which runs the next message: `take()` gives its JSON
 * `{ seq, msg }`, `settle(seq, failed, value)` reports how it ended, `post(seq, level, text)` logs.
 */
// biome-ignore lint/complexity/noUselessStringRaw: raw, so an escape added to the source stays as written
export const SANDBOX_CONTEXT_SOURCE = String.raw`(function (take, settle, post, transform, info) {
  "use strict";
  const parse = JSON.parse;
  const stringify = JSON.stringify;
  const apply = Reflect.apply;
  const then = Promise.prototype.then;
  const defineProperty = Object.defineProperty;
  const keys = Object.keys;
  const isArray = Array.isArray;
  const ErrorType = Error;
  const MapType = Map;
  const SetType = Set;
  const DateType = Date;
  const RegExpType = RegExp;
  const toText = String;
  const maxChars = info.logChars;
  let running = 0;

  function format(args) {
    let text = "";
    for (let i = 0; i < args.length && text.length <= maxChars; i++) {
      const arg = args[i];
      let part;
      try {
        if (typeof arg === "string") part = arg;
        else if (arg instanceof ErrorType) part = toText(arg.stack || arg);
        else {
          part = stringify(arg);
          if (part === undefined) part = toText(arg);
        }
      } catch (error) {
        part = "[" + typeof arg + " that could not be printed]";
      }
      text += (i > 0 ? " " : "") + part;
    }
    return "" + text;
  }

  function logger(seq, level) {
    return function log(...args) {
      post(seq === 0 ? running : seq, level, format(args));
    };
  }

  function clone(value, seen) {
    if (typeof value === "function" || typeof value === "symbol") {
      throw new TypeError(toText(value) + " could not be cloned");
    }
    if (typeof value !== "object" || value === null) return value;
    if (seen.has(value)) return seen.get(value);
    let copy;
    if (value instanceof DateType) copy = new DateType(value.getTime());
    else if (value instanceof RegExpType) copy = new RegExpType(value.source, value.flags);
    else if (value instanceof MapType) {
      copy = new MapType();
      seen.set(value, copy);
      value.forEach((item, key) => copy.set(clone(key, seen), clone(item, seen)));
      return copy;
    } else if (value instanceof SetType) {
      copy = new SetType();
      seen.set(value, copy);
      value.forEach((item) => copy.add(clone(item, seen)));
      return copy;
    } else if (isArray(value)) {
      copy = new Array(value.length);
      seen.set(value, copy);
      for (let i = 0; i < value.length; i++) copy[i] = clone(value[i], seen);
      return copy;
    } else {
      copy = {};
      seen.set(value, copy);
      for (const key of keys(value)) {
        defineProperty(copy, key, { value: clone(value[key], seen), enumerable: true, writable: true, configurable: true });
      }
      return copy;
    }
    seen.set(value, copy);
    return copy;
  }

  function structuredClone(value) {
    return clone(value, new MapType());
  }

  function run() {
    const input = parse(take());
    const seq = input.seq;
    running = seq;
    const ctx = { log: logger(seq, "info"), graphId: info.graphId, nodeId: info.nodeId };
    let result;
    try {
      result = transform(input.msg, ctx);
    } catch (error) {
      settle(seq, true, error);
      return;
    }
    apply(then, result, [(value) => settle(seq, false, value), (error) => settle(seq, true, error)]);
  }

  const hidden = (value) => ({ value, writable: true, configurable: true, enumerable: false });
  defineProperty(globalThis, "console", hidden({
    log: logger(0, "info"),
    info: logger(0, "info"),
    debug: logger(0, "debug"),
    warn: logger(0, "warn"),
    error: logger(0, "error"),
  }));
  defineProperty(globalThis, "structuredClone", hidden(structuredClone));
  defineProperty(globalThis, "__weftRun", { value: run, writable: false, configurable: false, enumerable: false });
})`;
