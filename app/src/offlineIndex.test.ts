import { describe, expect, it } from "vitest";
import {
  copiesOf,
  localDbName,
  parseIndex,
  parseLocalDbName,
  unsyncedTotal,
  withEntry,
  withoutEntries,
} from "./offlineIndex.ts";

const hub = "http://127.0.0.1:8787";
const other = "https://weft.example";

describe("local copy database names", () => {
  it("round-trip origin, graph and user, whatever the user id holds", () => {
    for (const user of ["ada", "ada lovelace", "a:b/c%20 d", "ü"]) {
      const key = { origin: hub, graphId: "g-1_x", user };
      const name = localDbName(key);
      expect(name.split(" ")).toHaveLength(4);
      expect(parseLocalDbName(name)).toEqual(key);
    }
  });

  it("are one per hub origin, graph and user", () => {
    const names = new Set([
      localDbName({ origin: hub, graphId: "g", user: "ada" }),
      localDbName({ origin: other, graphId: "g", user: "ada" }),
      localDbName({ origin: hub, graphId: "h", user: "ada" }),
      localDbName({ origin: hub, graphId: "g", user: "bo" }),
    ]);
    expect(names.size).toBe(4);
  });

  it("refuse names that are not ours", () => {
    for (const name of [
      "",
      "weft-graph",
      "other a b c",
      "weft-graph a b",
      "weft-graph o bad/id u",
      "weft-graph %E0 g u",
    ]) {
      expect(parseLocalDbName(name)).toBeUndefined();
    }
  });

  it("select one graph's copies of one hub, for every user", () => {
    const names = [
      localDbName({ origin: hub, graphId: "g", user: "ada" }),
      localDbName({ origin: hub, graphId: "g", user: "bo" }),
      localDbName({ origin: hub, graphId: "g2", user: "ada" }),
      localDbName({ origin: other, graphId: "g", user: "ada" }),
      "unrelated",
    ];
    expect(copiesOf(names, hub, "g")).toEqual(names.slice(0, 2));
    expect(copiesOf(names, hub)).toEqual(names.slice(0, 3));
  });
});

describe("the index of local copies", () => {
  const a = localDbName({ origin: hub, graphId: "g", user: "ada" });
  const b = localDbName({ origin: hub, graphId: "h", user: "ada" });
  const far = localDbName({ origin: other, graphId: "g", user: "ada" });

  it("keeps well-formed entries and drops the rest, so a damaged index only forgets", () => {
    expect(parseIndex(null)).toEqual({});
    expect(parseIndex("not json")).toEqual({});
    expect(parseIndex("[]")).toEqual({});
    const text = JSON.stringify({
      [a]: { unsynced: 3, syncedAt: 10 },
      [b]: { unsynced: -1, syncedAt: "yesterday" },
      "not ours": { unsynced: 1, syncedAt: 1 },
      [far]: null,
    });
    expect(parseIndex(text)).toEqual({ [a]: { unsynced: 3, syncedAt: 10 }, [b]: { unsynced: 0, syncedAt: null } });
  });

  it("updates and removes entries without touching the others", () => {
    let index = withEntry({}, a, { syncedAt: 5 });
    index = withEntry(index, a, { unsynced: 2 });
    index = withEntry(index, b, { unsynced: 4 });
    expect(index[a]).toEqual({ unsynced: 2, syncedAt: 5 });
    expect(parseIndex(JSON.stringify(index))).toEqual(index);
    expect(withoutEntries(index, [a])).toEqual({ [b]: { unsynced: 4, syncedAt: null } });
  });

  it("counts this hub's pending edits only", () => {
    const index = withEntry(withEntry(withEntry({}, a, { unsynced: 2 }), b, { unsynced: 3 }), far, { unsynced: 7 });
    expect(unsyncedTotal(index, hub)).toBe(5);
    expect(unsyncedTotal(index, other)).toBe(7);
  });
});
