// Tests for the processing group's definitions: each is a valid node type, documented for users, and has
// exactly one implementation on the worker.
import { describe, expect, it } from "vitest";
import { PROCESSING_TYPES } from "../../../shared/builtins/processing.ts";
import { nodeTypeProblem } from "../../../shared/nodeTypeDef.ts";
import { checkParams, findNodeType } from "../../../shared/nodeTypes.ts";
import { OPS } from "./condition.ts";
import { PROCESSING_IMPLS } from "./index.ts";
import { CASE_PORTS } from "./switch.ts";

describe("processing definitions", () => {
  it("define filter, switch, split, json, template and dedupe", () => {
    expect(PROCESSING_TYPES.map((def) => def.type)).toEqual([
      "filter",
      "switch",
      "split",
      "json",
      "template",
      "dedupe",
    ]);
  });

  it.each(PROCESSING_TYPES.map((def) => [def.type, def] as const))("%s passes nodeTypeProblem", (_, def) => {
    expect(nodeTypeProblem(def)).toBeUndefined();
  });

  it.each(PROCESSING_TYPES.map((def) => [def.type, def] as const))(
    "%s is a processing node with input in, the error output, and a title and description on every param",
    (_, def) => {
      expect(def.category).toBe("processing");
      expect(def.version).toBe("1.0.0");
      expect(def.inputs).toEqual(["in"]);
      expect(def.outputs.at(-1)).toBe("error");
      for (const [name, spec] of Object.entries(def.params)) {
        expect(spec.title.length, `${def.type}.${name} title`).toBeGreaterThan(0);
        expect(spec.description?.length ?? 0, `${def.type}.${name} description`).toBeGreaterThan(20);
      }
    },
  );

  it.each(PROCESSING_TYPES.map((def) => [def.type, def] as const))("%s accepts its own defaults", (_, def) => {
    expect(checkParams(def, {}, "runtime").ok).toBe(true);
  });

  it("each definition is a built-in the hub finds and has one implementation with that definition", () => {
    for (const def of PROCESSING_TYPES) {
      expect(findNodeType(def.type)).toBe(def);
      const impls = PROCESSING_IMPLS.filter((impl) => impl.def.type === def.type);
      expect(impls).toHaveLength(1);
      expect(impls[0]?.def).toBe(def);
    }
    expect(PROCESSING_IMPLS).toHaveLength(PROCESSING_TYPES.length);
  });

  it("offers filter exactly the ops the conditions implement, and switch one case port per rule", () => {
    expect(findNodeType("filter")?.params.op?.choices).toEqual([...OPS]);
    expect(findNodeType("switch")?.outputs).toEqual([...CASE_PORTS, "otherwise", "error"]);
  });
});
