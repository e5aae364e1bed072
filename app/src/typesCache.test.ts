// The node-type registry kept per graph on this device: stored as pushed, read back through the push's check.
import { describe, expect, it, vi } from "vitest";
import type { NodeTypeInfo } from "../../shared/status.ts";
import { builtinInfos } from "./nodeTypeStore.ts";
import { memoryStorage } from "./storageFake.ts";
import { cachedTypes, cacheTypes, forgetTypes, TYPES_PREFIX } from "./typesCache.ts";

const plugin: NodeTypeInfo = {
  ...(builtinInfos()[0] as NodeTypeInfo),
  type: "acme-score",
  title: "Score",
  source: "worker",
  available: false,
  workers: ["w1"],
  reason: "no live worker announces acme-score",
};

describe("typesCache", () => {
  it("gives back the registry last stored for a graph, plugin types included", () => {
    const storage = memoryStorage();
    expect(cachedTypes("g", storage)).toBeUndefined();
    cacheTypes("g", [...builtinInfos(), plugin], storage);
    const back = cachedTypes("g", storage);
    expect(back?.map((t) => t.type)).toContain("acme-score");
    expect(back?.find((t) => t.type === "acme-score")).toMatchObject({ source: "worker", available: false });
    expect(cachedTypes("other", storage)).toBeUndefined();
  });

  it("drops what the room's push check would drop, and ignores what is not a list", () => {
    const storage = memoryStorage();
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    storage.setItem(`${TYPES_PREFIX}g`, JSON.stringify([plugin, { type: 42 }]));
    expect(cachedTypes("g", storage)?.map((t) => t.type)).toEqual(["acme-score"]);
    storage.setItem(`${TYPES_PREFIX}g`, "{not json");
    expect(cachedTypes("g", storage)).toBeUndefined();
    storage.setItem(`${TYPES_PREFIX}g`, JSON.stringify({ types: [] }));
    expect(cachedTypes("g", storage)).toBeUndefined();
    warn.mockRestore();
  });

  it("forgets one graph's registry, or every graph's, and leaves other keys alone", () => {
    const storage = memoryStorage();
    cacheTypes("a", [plugin], storage);
    cacheTypes("b", [plugin], storage);
    storage.setItem("weft:session", "x");
    forgetTypes("a", storage);
    expect([...storage.map.keys()].sort()).toEqual(["weft:session", `${TYPES_PREFIX}b`]);
    forgetTypes(undefined, storage);
    expect([...storage.map.keys()]).toEqual(["weft:session"]);
  });

  it("a full or blocked storage only warns", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const full = {
      ...memoryStorage(),
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
    };
    expect(() => cacheTypes("g", [plugin], full)).not.toThrow();
    expect(warn).toHaveBeenCalled();
    warn.mockRestore();
  });
});
