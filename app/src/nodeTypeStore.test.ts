// The node-type store: built-ins before the first push, then exactly the room's list, read per type (TYPES-1).
import { createEffect, createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { BUILTIN_NODE_TYPES } from "../../shared/nodeTypes.ts";
import type { NodeTypeInfo } from "../../shared/status.ts";
import { builtinInfos, createNodeTypeStore, type NodeTypeStore } from "./nodeTypeStore.ts";

const plugin = (type: string, fields: Partial<NodeTypeInfo> = {}): NodeTypeInfo => ({
  type,
  version: "1.0.0",
  title: `Plugin ${type}`,
  category: "ml",
  description: "A plugin type.",
  inputs: ["in"],
  outputs: ["out", "error"],
  params: {},
  labels: [],
  source: "worker",
  available: true,
  workers: ["w1"],
  ...fields,
});

function withStore(run: (store: NodeTypeStore) => void): void {
  const { store, dispose } = createRoot((dispose) => ({ store: createNodeTypeStore(), dispose }));
  try {
    run(store);
  } finally {
    dispose();
  }
}

describe("node-type store", () => {
  it("knows every built-in, available, before the room's first push", () => {
    withStore((store) => {
      expect(store.received()).toBe(false);
      expect(store.list().map((t) => t.type)).toEqual(BUILTIN_NODE_TYPES.map((d) => d.type));
      expect(store.lookup("log")).toMatchObject({ title: "Log", source: "builtin", available: true });
      expect(store.lookup("acme-ocr")).toBeUndefined();
    });
  });

  it("takes the room's list whole: a plugin appears, availability changes, a type left out is gone", () => {
    withStore((store) => {
      const log = builtinInfos().find((t) => t.type === "log") as NodeTypeInfo;
      store.apply([{ ...log, available: false, reason: "no worker" }, plugin("ocr")]);
      expect(store.received()).toBe(true);
      expect(store.list().map((t) => t.type)).toEqual(["log", "ocr"]);
      expect(store.lookup("log")).toMatchObject({ available: false, reason: "no worker" });
      expect(store.lookup("ocr")?.title).toBe("Plugin ocr");
      expect(store.lookup("random")).toBeUndefined();
      store.apply([{ ...log, available: true }]);
      expect(store.lookup("log")?.available).toBe(true);
      expect(store.lookup("log")?.reason).toBeUndefined();
      expect(store.lookup("ocr")).toBeUndefined();
    });
  });

  it("never takes a name on Object.prototype for a type", () => {
    withStore((store) => {
      expect(store.lookup("constructor")).toBeUndefined();
      expect(store.lookup("__proto__")).toBeUndefined();
    });
  });

  it("re-runs a reader of one type only when that type changes, also one that appears later", () => {
    withStore((store) => {
      let ocrRuns = 0;
      let logRuns = 0;
      const seen: (string | undefined)[] = [];
      const dispose = createRoot((dispose) => {
        createEffect(() => {
          seen.push(store.lookup("ocr")?.title);
          ocrRuns++;
        });
        createEffect(() => {
          void store.lookup("log")?.available;
          logRuns++;
        });
        return dispose;
      });
      expect({ ocrRuns, logRuns }).toEqual({ ocrRuns: 1, logRuns: 1 });
      store.apply([...builtinInfos(), plugin("ocr")]);
      expect(seen).toEqual([undefined, "Plugin ocr"]);
      expect(logRuns).toBe(1);
      store.apply([...builtinInfos(), plugin("ocr", { title: "OCR" })]);
      expect(seen).toEqual([undefined, "Plugin ocr", "OCR"]);
      expect(logRuns).toBe(1);
      dispose();
    });
  });
});
