// Conditions of the filter and switch nodes: an op and a compared value, checked once at start() and then
// tested against the value a path resolves to in each message.
import type { JsonValue } from "../../../shared/graph.ts";
import { deepEqual, describeValue } from "./jsonValues.ts";

/** The comparisons a condition can make (the `op` param of filter, the `op` of a switch rule). */
export const OPS = ["eq", "ne", "gt", "gte", "lt", "lte", "contains", "matches", "exists", "truthy"] as const;
export type Op = (typeof OPS)[number];

/** A compiled condition: whether the resolved value (undefined when the path found nothing) matches. */
export type Condition = (actual: JsonValue | undefined) => boolean;

export function isOp(op: unknown): op is Op {
  return typeof op === "string" && (OPS as readonly string[]).includes(op);
}

/**
 * Compiles `op` with its compared `value`. Throws an Error saying what is wrong: an unknown op, a gt..lte
 * value that is neither a number nor a string, a matches value that is not a valid regular expression.
 */
export function compileCondition(op: unknown, value: JsonValue | undefined): Condition {
  if (!isOp(op)) {
    throw new Error(`op ${JSON.stringify(op)} is not one of ${OPS.join(", ")}`);
  }
  switch (op) {
    case "eq": {
      const expected = needValue(op, value);
      return (actual) => deepEqual(actual, expected);
    }
    case "ne": {
      const expected = needValue(op, value);
      return (actual) => !deepEqual(actual, expected);
    }
    case "gt":
    case "gte":
    case "lt":
    case "lte":
      return ordered(op, value);
    case "contains": {
      const expected = needValue(op, value);
      return (actual) => {
        if (typeof actual === "string") return typeof expected === "string" && actual.includes(expected);
        return Array.isArray(actual) && actual.some((item) => deepEqual(item, expected));
      };
    }
    case "matches": {
      const regex = compileRegex(value);
      return (actual) => typeof actual === "string" && regex.test(actual);
    }
    case "exists":
      return (actual) => actual !== undefined;
    case "truthy":
      return (actual) => Boolean(actual);
    default: {
      const never: never = op;
      throw new Error(`unknown op ${String(never)}`);
    }
  }
}

function needValue(op: Op, value: JsonValue | undefined): JsonValue {
  if (value === undefined) throw new Error(`op ${op} needs a value to compare with`);
  return value;
}

function ordered(op: "gt" | "gte" | "lt" | "lte", value: JsonValue | undefined): Condition {
  if (typeof value !== "number" && typeof value !== "string") {
    throw new Error(`op ${op} needs a number or a string to compare with, got ${describeValue(value)}`);
  }
  const compare = (actual: number | string): boolean => {
    switch (op) {
      case "gt":
        return actual > value;
      case "gte":
        return actual >= value;
      case "lt":
        return actual < value;
      case "lte":
        return actual <= value;
    }
  };
  return (actual) => (typeof actual === typeof value ? compare(actual as number | string) : false);
}

function compileRegex(value: JsonValue | undefined): RegExp {
  if (typeof value !== "string") {
    throw new Error(`op matches needs a regular expression as a string, got ${describeValue(value)}`);
  }
  try {
    return new RegExp(value);
  } catch (error) {
    throw new Error(
      `op matches: ${JSON.stringify(value.slice(0, 80))} is not a valid regular expression: ${(error as Error).message}`,
    );
  }
}
