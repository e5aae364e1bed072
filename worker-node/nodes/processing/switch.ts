// The `switch` node: routes each message to the port of the first rule (or, with `all`, every rule) that
// matches the value at path; no match goes to otherwise.
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { type Condition, compileCondition } from "./condition.ts";
import { emitOrThrow, keepMeta } from "./emit.ts";
import { describeValue } from "./jsonValues.ts";
import { type MessagePath, parsePath, resolvePath } from "./path.ts";

/** The output of each rule, in order; a message no rule matches goes to OTHERWISE. */
export const CASE_PORTS = ["case1", "case2", "case3", "case4"] as const;
const OTHERWISE = "otherwise";
const RULE_FIELDS = new Set(["op", "value"]);

/**
 * Compiles the rules param: an array of at most 4 `{ op, value }` objects. Throws an Error naming the
 * rule (rules[0] is the first, sent to case1) and what is wrong with it.
 */
export function compileRules(rules: JsonValue): Condition[] {
  if (!Array.isArray(rules)) throw new Error(`must be an array of {"op", "value"} rules, got ${describeValue(rules)}`);
  if (rules.length > CASE_PORTS.length) {
    throw new Error(`has ${rules.length} rules; at most ${CASE_PORTS.length} (one per case port)`);
  }
  return rules.map((rule, i) => {
    const name = `rules[${i}] (case${i + 1})`;
    if (typeof rule !== "object" || rule === null || Array.isArray(rule)) {
      throw new Error(`${name} must be an object {"op": …, "value": …}, got ${describeValue(rule)}`);
    }
    const unknown = Object.keys(rule).filter((field) => !RULE_FIELDS.has(field));
    if (unknown.length > 0) {
      throw new Error(
        `${name} has unknown field(s) ${unknown.map((f) => JSON.stringify(f)).join(", ")}; a rule has op and value`,
      );
    }
    try {
      return compileCondition(rule.op, rule.value);
    } catch (error) {
      throw new Error(`${name}: ${(error as Error).message}`);
    }
  });
}

export const switchNode: NodeImpl = {
  def: builtinType("switch"),
  create() {
    let ctx: NodeContext | undefined;
    let path: MessagePath | undefined;
    let rules: Condition[] = [];
    let all = false;
    return {
      start(context) {
        try {
          path = parsePath(String(context.params.path));
        } catch (error) {
          throw new Error(`switch: param "path": ${(error as Error).message}`);
        }
        try {
          rules = compileRules(context.params.rules as JsonValue);
        } catch (error) {
          throw new Error(`switch: param "rules" ${(error as Error).message}`);
        }
        all = context.params.all === true;
        ctx = context;
      },
      onMessage(message) {
        if (!ctx || !path) throw new Error("switch: a message arrived before start()");
        const actual = resolvePath(message, path);
        const ports: string[] = [];
        for (const [i, rule] of rules.entries()) {
          if (!rule(actual)) continue;
          ports.push(CASE_PORTS[i] as string);
          if (!all) break;
        }
        if (ports.length === 0) ports.push(OTHERWISE);
        for (const port of ports) emitOrThrow(ctx, "switch", port, message.value, keepMeta(message));
      },
    };
  },
};
