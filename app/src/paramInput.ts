// Turns what a user typed into a param value, checked with the room's own schema check (paramProblem) and the
// document's size rule, so the editor never writes a value the room would refuse; plus the fields' small helpers.
import { paramValueProblem } from "../../shared/docModel.ts";
import { type ParamSpec, type ParamValue, paramProblem, parseDuration } from "../../shared/nodeTypes.ts";

export type ParsedParam = { ok: true; value: ParamValue } | { ok: false; error: string };

/** A duration typed as a bare number is that many milliseconds. */
const MILLISECONDS = /^\d+(?:\.\d+)?$/;

/** Parses `raw` (a field's text, or a checkbox's state) as a value of `spec`, or says why it is not one. */
export function parseParamInput(spec: ParamSpec, raw: string | boolean): ParsedParam {
  switch (spec.type) {
    case "boolean":
      return checked(spec, raw === true || raw === "true");
    case "text":
    case "code":
    case "select":
      return checked(spec, String(raw));
    case "duration": {
      const text = String(raw).trim();
      if (text === "") return { ok: false, error: 'Enter a duration such as "500ms", "5s", "2m" or "1h30m".' };
      return checked(spec, MILLISECONDS.test(text) ? Number(text) : text);
    }
    case "json": {
      const text = String(raw).trim();
      if (text === "") return { ok: false, error: "Enter a JSON value, for example {} or [] or null." };
      try {
        return checked(spec, JSON.parse(text) as ParamValue);
      } catch (error) {
        return { ok: false, error: `Not JSON: ${(error as Error).message}.` };
      }
    }
    case "integer":
    case "number": {
      const text = String(raw).trim();
      if (text === "") return { ok: false, error: "Enter a number." };
      const value = Number(text);
      if (!Number.isFinite(value)) return { ok: false, error: "Enter a number." };
      if (spec.type === "integer" && !Number.isInteger(value)) return { ok: false, error: "Enter a whole number." };
      return checked(spec, value);
    }
    case "secret":
      return { ok: false, error: "A secret is set with its own field; the graph keeps only its name." };
    default: {
      const never: never = spec.type;
      return { ok: false, error: `Unknown param type ${String(never)}.` };
    }
  }
}

/** Why the value the document holds does not fit `spec` (set by a peer, an import or an older type), or undefined. */
export function storedValueProblem(spec: ParamSpec, value: unknown): string | undefined {
  if (spec.type === "secret") return undefined;
  const problem = paramProblem(spec, value);
  if (problem === "is required") return "Required: the node cannot run until this is set.";
  return problem ? `The stored value ${problem}.` : undefined;
}

/** The text a field shows for a value: JSON pretty-printed for json params, the value itself otherwise. */
export function inputText(spec: ParamSpec, value: unknown): string {
  if (spec.type === "json") return JSON.stringify(value, null, 2) ?? "";
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : String(value);
}

/** Whether two param values are the same JSON (so an unchanged field writes nothing). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What a duration field's text means, for its hint ("1 hour 30 minutes"), or undefined when it is no duration. */
export function durationHint(raw: string): string | undefined {
  const text = raw.trim();
  const ms = parseDuration(MILLISECONDS.test(text) ? Number(text) : text);
  return ms === undefined ? undefined : durationInWords(ms);
}

const WORD_UNITS = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
] as const;

/** Milliseconds in words: 250 → "250 milliseconds", 1500 → "1.5 seconds", 5_400_000 → "1 hour 30 minutes". */
export function durationInWords(ms: number): string {
  if (ms < 1000) return plural(ms, "millisecond");
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of WORD_UNITS) {
    if (rest >= size) {
      parts.push(plural(Math.floor(rest / size), unit));
      rest %= size;
    }
  }
  if (rest > 0) parts.push(plural(Number((rest / 1000).toFixed(3)), "second"));
  return parts.join(" ");
}

function checked(spec: ParamSpec, value: ParamValue): ParsedParam {
  const problem = paramProblem(spec, value) ?? paramValueProblem(value);
  return problem ? { ok: false, error: `${sentence(problem)}.` } : { ok: true, value };
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}

function sentence(problem: string): string {
  return `${problem.charAt(0).toUpperCase()}${problem.slice(1)}`;
}
