// How the messages a sink keeps (its process status `recent`, oldest first) read in the side panel: the log node
// keeps values, the debug node keeps samples { at, id, value }.
import type { JsonValue } from "../../shared/graph.ts";

/** How a node type keeps its `recent` entries: log keeps values, debug keeps samples; others keep none. */
export function recentKind(type: string): "values" | "samples" | undefined {
  if (type === "log") return "values";
  if (type === "debug") return "samples";
  return undefined;
}

/** The largest time a Date can hold, in milliseconds either side of the epoch. */
const MAX_TIME = 8.64e15;

/** A kept JSON longer than this was cut by the worker, which keeps it as a string ending in "…". */
const KEPT_JSON_CHARS = 1000;

export interface DebugSample {
  /** Milliseconds since the epoch (the message's ts), when the entry has one. */
  at: number | undefined;
  /** The message id, "" when the entry has none. */
  id: string;
  value: JsonValue;
}

/** The debug node's samples, newest first; an entry not shaped { at, id, value } shows whole as its value. */
export function debugSamples(recent: readonly JsonValue[]): DebugSample[] {
  return recent
    .map((entry): DebugSample => {
      if (typeof entry === "object" && entry !== null && !Array.isArray(entry) && "value" in entry) {
        const at = typeof entry.at === "number" && Math.abs(entry.at) <= MAX_TIME ? entry.at : undefined;
        const id = typeof entry.id === "string" ? entry.id : "";
        return { at, id, value: entry.value ?? null };
      }
      return { at: undefined, id: "", value: entry };
    })
    .reverse();
}

/** Local wall-clock time with milliseconds: "09:05:07.042". */
export function clockTime(at: number): string {
  const d = new Date(at);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, "0")}`;
}

/** A value for reading: JSON indented by two spaces; a value the worker cut shows as its cut JSON text. */
export function prettyValue(value: JsonValue): { text: string; cut: boolean } {
  if (typeof value === "string" && value.length > KEPT_JSON_CHARS && value.endsWith("…")) {
    return { text: value, cut: true };
  }
  return { text: JSON.stringify(value, null, 2) ?? "null", cut: false };
}
