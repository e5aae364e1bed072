// The `filter` node: a message whose value at path matches one condition goes to out, any other to rejected.
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { type Condition, compileCondition } from "./condition.ts";
import { emitOrThrow, keepMeta } from "./emit.ts";
import { type MessagePath, parsePath, resolvePath } from "./path.ts";

export const filterNode: NodeImpl = {
  def: builtinType("filter"),
  create() {
    let ctx: NodeContext | undefined;
    let path: MessagePath | undefined;
    let condition: Condition | undefined;
    return {
      start(context) {
        path = startParam("path", () => parsePath(String(context.params.path)));
        condition = startParam("value", () => compileCondition(context.params.op, context.params.value as JsonValue));
        ctx = context;
      },
      onMessage(message) {
        if (!ctx || !path || !condition) throw new Error("filter: a message arrived before start()");
        const port = condition(resolvePath(message, path)) ? "out" : "rejected";
        emitOrThrow(ctx, "filter", port, message.value, keepMeta(message));
      },
    };
  },
};

function startParam<T>(param: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    throw new Error(`filter: param "${param}": ${(error as Error).message}`);
  }
}
