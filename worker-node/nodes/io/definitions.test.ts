// The io group's definitions: each is a valid node type, documented for the editor, with an implementation.
import { describe, expect, it } from "vitest";
import { IO_TYPES } from "../../../shared/builtins/io.ts";
import { nodeTypeProblem } from "../../../shared/nodeTypeDef.ts";
import { IO_IMPLS } from "./index.ts";

describe("io node types", () => {
  it("are cron, file-read, file-watch and debug, at version 1.0.0", () => {
    expect(IO_TYPES.map((d) => [d.type, d.version])).toEqual([
      ["cron", "1.0.0"],
      ["file-read", "1.0.0"],
      ["file-watch", "1.0.0"],
      ["debug", "1.0.0"],
    ]);
  });

  for (const def of IO_TYPES) {
    it(`${def.type}: passes nodeTypeProblem, every param has a title and a description, and it has an implementation`, () => {
      expect(nodeTypeProblem(def)).toBeUndefined();
      expect(def.outputs.at(-1)).toBe("error");
      for (const [key, spec] of Object.entries(def.params)) {
        expect(spec.title.trim(), key).not.toBe("");
        expect(spec.description?.trim() ?? "", key).not.toBe("");
      }
      expect(IO_IMPLS.find((impl) => impl.def.type === def.type)?.def).toBe(def);
    });
  }
});
