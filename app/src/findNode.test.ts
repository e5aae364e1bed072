// The find-node box's matching and ranking: name, type or type title; prefix before substring; at most 8.
import { describe, expect, it } from "vitest";
import { fuzzSeeds, prng } from "../../shared/testing/seeds.ts";
import { FIND_LIMIT, findNodes } from "./findNode.ts";

const titles: Record<string, string> = { tick: "Tick", "http-get": "HTTP request", filter: "Filter messages" };
const titleOf = (type: string) => titles[type];

const node = (id: string, name: string, type: string) => ({ id, name, type });
const nodes = [
  node("n1", "Poll prices", "http-get"),
  node("n2", "Clock", "tick"),
  node("n3", "Drop bad rows", "filter"),
  node("n4", "filter EU", "filter"),
  node("n5", "Refilter", "tick"),
  node("n6", "", "plugin-only"),
];

describe("find node", () => {
  it("matches the name, the type or the type's title, ignoring case and surrounding spaces", () => {
    expect(findNodes(nodes, titleOf, "  POLL ")).toEqual(["n1"]);
    expect(findNodes(nodes, titleOf, "http-g")).toEqual(["n1"]);
    expect(findNodes(nodes, titleOf, "request")).toEqual(["n1"]);
    expect(findNodes(nodes, titleOf, "plugin")).toEqual(["n6"]);
  });

  it("ranks prefix matches before substring matches, a name before a type or title, then by name", () => {
    // n4's name starts with "filter"; n3's type does; n5's name only contains it.
    expect(findNodes(nodes, titleOf, "filter")).toEqual(["n4", "n3", "n5"]);
    // Both ticks match by type prefix ("tick"); the name sorts them.
    expect(findNodes(nodes, titleOf, "ti")).toEqual(["n2", "n5"]);
  });

  it("lists nothing for an empty query or no match", () => {
    expect(findNodes(nodes, titleOf, "   ")).toEqual([]);
    expect(findNodes(nodes, titleOf, "zzz")).toEqual([]);
  });

  it(`shows at most ${FIND_LIMIT}, the best ones`, () => {
    const many = Array.from({ length: 20 }, (_, i) => node(`m${String(i).padStart(2, "0")}`, `x stage ${i}`, "tick"));
    const best = node("best", "stage one", "tick");
    const found = findNodes([...many, best], titleOf, "stage");
    expect(found).toHaveLength(FIND_LIMIT);
    expect(found[0]).toBe("best");
  });

  it.each(fuzzSeeds([20260517, 3]))("seed %i: results are exactly the best-ranked matches, in order", (seed) => {
    const rand = prng(seed);
    const letters = "abcAB -";
    const word = (n: number) =>
      Array.from({ length: n }, () => letters[Math.floor(rand() * letters.length)] ?? "a").join("");
    for (let run = 0; run < 200; run++) {
      const graph = Array.from({ length: 1 + Math.floor(rand() * 30) }, (_, i) =>
        node(`id${i}`, word(Math.floor(rand() * 6)), ["tick", "filter", "http-get", word(3)][i % 4] ?? "tick"),
      );
      const query = word(1 + Math.floor(rand() * 2));
      const why = `seed ${seed} run ${run}: ${JSON.stringify({ graph, query })}`;
      const q = query.trim().toLowerCase();
      const texts = (n: (typeof graph)[number]) => [n.name, n.type, titleOf(n.type) ?? ""].map((t) => t.toLowerCase());
      const prefix = (n: (typeof graph)[number]) => texts(n).some((t) => t.startsWith(q));
      const matching = q === "" ? [] : graph.filter((n) => texts(n).some((t) => t.includes(q)));
      const found = findNodes(graph, titleOf, query);
      expect(found.length, why).toBe(Math.min(FIND_LIMIT, matching.length));
      expect(new Set(found).size, why).toBe(found.length);
      const byId = new Map(graph.map((n) => [n.id, n]));
      const ranks = found.map((id) => (prefix(byId.get(id) ?? graph[0]!) ? 0 : 1));
      expect(ranks, why).toEqual([...ranks].sort());
      // Nothing left out ranks better than the last one shown.
      const shown = new Set(found);
      const worst = ranks.at(-1) ?? 1;
      const betterLeftOut = matching.filter((n) => !shown.has(n.id) && (prefix(n) ? 0 : 1) < worst);
      expect(betterLeftOut, why).toEqual([]);
    }
  });
});
