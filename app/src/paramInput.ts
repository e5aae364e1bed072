// Turns what a user typed into a param value, checked against its ParamSpec (type, integer, min, max).
import { type ParamSpec, type ParamValue, paramProblem } from "../../shared/nodeTypes.ts";

export type ParsedParam = { ok: true; value: ParamValue } | { ok: false; error: string };

export function parseParamInput(spec: ParamSpec, raw: string | boolean): ParsedParam {
  switch (spec.type) {
    case "boolean":
      return { ok: true, value: raw === true };
    case "text":
    case "code":
    case "select":
    case "duration": {
      const value = String(raw);
      const problem = paramProblem(spec, value);
      return problem ? { ok: false, error: `${sentence(problem)}.` } : { ok: true, value };
    }
    case "json": {
      try {
        return { ok: true, value: JSON.parse(String(raw)) as ParamValue };
      } catch (error) {
        return { ok: false, error: `Not JSON: ${(error as Error).message}` };
      }
    }
    case "integer":
    case "number": {
      const text = String(raw).trim();
      if (text === "") return { ok: false, error: "Enter a number." };
      const value = Number(text);
      if (!Number.isFinite(value)) return { ok: false, error: "Enter a number." };
      if (spec.type === "integer" && !Number.isInteger(value)) return { ok: false, error: "Enter a whole number." };
      if (spec.min !== undefined && value < spec.min) return { ok: false, error: `At least ${spec.min}.` };
      if (spec.max !== undefined && value > spec.max) return { ok: false, error: `At most ${spec.max}.` };
      return { ok: true, value };
    }
    case "secret":
      return { ok: false, error: "A secret is set with its own field; the graph keeps only its name." };
    default: {
      const never: never = spec.type;
      return { ok: false, error: `Unknown param type ${String(never)}.` };
    }
  }
}

function sentence(problem: string): string {
  return `${problem.charAt(0).toUpperCase()}${problem.slice(1)}`;
}
