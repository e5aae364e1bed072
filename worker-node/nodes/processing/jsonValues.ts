// JSON value helpers for the processing nodes: deep equality and a canonical text (sorted keys) of a value.
import type { JsonValue } from "../../../shared/graph.ts";

/** Deep JSON equality: same type, same array elements in order, same object keys in any order. */
export function deepEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => deepEqual(item, b[i]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
}

/** JSON text of `value` with object keys sorted, so equal values (deepEqual) have equal texts. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] as JsonValue)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** A short description of a value for error messages: its type and the start of its JSON. */
export function describeValue(value: JsonValue | undefined): string {
  if (value === undefined) return "nothing (undefined)";
  if (value === null) return "null";
  const kind = Array.isArray(value) ? "an array" : typeof value === "object" ? "an object" : `a ${typeof value}`;
  const json = JSON.stringify(value);
  return `${kind} ${json.length > 60 ? `${json.slice(0, 60)}…` : json}`;
}
