// Tests for the exec type's definition (valid, with the schema refusing what it can) and the examples that
// use it: examples/gofi-demo.json imports cleanly and points at a script that exists.
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EXEC_TYPES } from "../../../shared/builtins/exec.ts";
import { validateGraph } from "../../../shared/graph.ts";
import { nodeTypeProblem } from "../../../shared/nodeTypeDef.ts";
import { builtinType, checkParams } from "../../../shared/nodeTypes.ts";
import { execNode } from "./exec.ts";
import { EXEC_IMPLS } from "./index.ts";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));

describe("exec definition", () => {
  it("is a valid node type: in → out (and error), processing, version 1.0.0, known to hub and worker", () => {
    const def = builtinType("exec");
    expect(nodeTypeProblem(def)).toBeUndefined();
    expect(EXEC_TYPES).toEqual([def]);
    expect(def).toMatchObject({ category: "processing", version: "1.0.0", inputs: ["in"], outputs: ["out", "error"] });
    expect(EXEC_IMPLS).toContain(execNode);
    expect(execNode.def).toBe(def);
    for (const [name, spec] of Object.entries(def.params)) {
      expect(spec.title, name).toBeTruthy();
      expect(spec.description?.length ?? 0, name).toBeGreaterThan(20);
    }
  });

  it("fills defaults (timeout in ms for a process) and refuses a missing command or maxInFlight out of 1..1000", () => {
    const def = builtinType("exec");
    expect(checkParams(def, { command: "python3" }, "runtime")).toEqual({
      ok: true,
      params: { command: "python3", args: [], cwd: "", env: {}, maxInFlight: 16, timeout: 30_000 },
    });
    expect(checkParams(def, {})).toEqual({ ok: false, error: 'param "command" is required' });
    expect(checkParams(def, { command: "x", maxInFlight: 0 })).toMatchObject({ ok: false, error: /maxInFlight/ });
    expect(checkParams(def, { command: "x", maxInFlight: 1001 })).toMatchObject({ ok: false, error: /maxInFlight/ });
    expect(checkParams(def, { command: "x", timeout: "soon" })).toMatchObject({ ok: false, error: /timeout/ });
  });
});

describe("examples/gofi-demo.json", () => {
  it("imports without warnings: random → exec(python3 examples/factorize.py) → log", () => {
    const graph = JSON.parse(readFileSync(`${REPO}examples/gofi-demo.json`, "utf8"));
    const check = validateGraph(graph, "gofi-demo");
    expect(check).toMatchObject({ ok: true, warnings: [] });
    const exec = graph.nodes.find((n: { type: string }) => n.type === "exec");
    expect(exec.params).toMatchObject({ command: "python3", args: ["examples/factorize.py"] });
    expect(existsSync(`${REPO}${exec.params.args[0]}`)).toBe(true);
    const chain = graph.edges.map((e: { from: string; to: string }) => `${e.from}→${e.to}`);
    expect(chain).toEqual(["random→factorize", "factorize→log"]);
  });
});
