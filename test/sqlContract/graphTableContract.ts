// Checks of the catalogue's graph table (edge/graphTable.ts) for real Durable Object SQLite: the migration of a
// first-schema table, and reports that write once or not at all. graphTableEntry.ts runs them in workerd.

import { describe, expect, it } from "vitest";
import { GraphTable, type RoomReport } from "../../edge/graphTable.ts";
import { emptyCounts } from "../../shared/graphActivity.ts";

const report = (fields: Partial<RoomReport["activity"]> = {}, edited = false, name = "Orders"): RoomReport => ({
  name,
  edited,
  activity: {
    nodes: 3,
    state: "running",
    processes: { ...emptyCounts(), running: 3 },
    editors: ["Ada"],
    editorCount: 1,
    viewers: 0,
    ...fields,
  },
});

export function graphTableChecks(sql: () => SqlStorage): void {
  describe("graph table", () => {
    it("migrates a first-schema table: rows are kept, report columns added once, activity unknown", () => {
      sql().exec("DROP TABLE IF EXISTS graphs");
      sql().exec("CREATE TABLE graphs (id TEXT PRIMARY KEY, name TEXT NOT NULL, updated_at INTEGER NOT NULL)");
      sql().exec("INSERT INTO graphs VALUES ('old', 'Old graph', 1000)");
      new GraphTable(sql());
      // Opening again (every start of the catalogue) adds nothing twice.
      const table = new GraphTable(sql());
      const columns = sql()
        .exec<{ name: string }>("PRAGMA table_info(graphs)")
        .toArray()
        .map((c) => c.name);
      expect(columns).toEqual([
        "id",
        "name",
        "updated_at",
        "nodes",
        "run_state",
        "processes",
        "editors",
        "editor_count",
        "viewers",
        "reported_at",
      ]);
      expect(table.list()).toEqual([
        {
          id: "old",
          name: "Old graph",
          updatedAt: new Date(1000).toISOString(),
          nodes: null,
          state: null,
          processes: null,
          editors: [],
          editorCount: 0,
          viewers: 0,
          activityAt: null,
        },
      ]);
      const plan = sql()
        .exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT * FROM graphs ORDER BY updated_at DESC, id")
        .toArray()
        .map((r) => r.detail)
        .join("; ");
      expect(plan).toContain("graphs_by_update");
    });

    it("a report writes one row; the same report again writes nothing; an edit moves the update time", () => {
      sql().exec("DROP TABLE IF EXISTS graphs");
      const table = new GraphTable(sql());
      table.upsert("g1", "Orders", 1000);
      expect(table.report("g1", report(), 2000)).toBe(true);
      expect(table.list()[0]).toMatchObject({
        nodes: 3,
        state: "running",
        processes: { running: 3, pending: 0 },
        editors: ["Ada"],
        editorCount: 1,
        updatedAt: new Date(1000).toISOString(),
        activityAt: new Date(2000).toISOString(),
      });
      expect(table.report("g1", report(), 3000)).toBe(false);
      expect(table.list()[0]?.activityAt).toBe(new Date(2000).toISOString());
      expect(table.report("g1", report({ editors: [], editorCount: 0, viewers: 2 }), 4000)).toBe(true);
      expect(table.list()[0]).toMatchObject({ editors: [], viewers: 2, updatedAt: new Date(1000).toISOString() });
      expect(table.report("g1", report({ editors: [], editorCount: 0, viewers: 2 }, true, "Renamed"), 5000)).toBe(true);
      expect(table.list()[0]).toMatchObject({ name: "Renamed", updatedAt: new Date(5000).toISOString() });
    });

    it("a report for a graph not listed (deleted) writes nothing and adds no row", () => {
      sql().exec("DROP TABLE IF EXISTS graphs");
      const table = new GraphTable(sql());
      expect(table.report("gone", report({}, true), 1000)).toBe(false);
      expect(table.list()).toEqual([]);
    });

    it("a malformed report is bounded: counts whole and not negative, names cut, unknown state read as stopped", () => {
      sql().exec("DROP TABLE IF EXISTS graphs");
      const table = new GraphTable(sql());
      table.upsert("g1", "Orders", 1000);
      const bad = report({
        nodes: -4,
        state: "exploded" as never,
        processes: { running: 1.7, pending: Number.NaN } as never,
        editors: Array.from({ length: 50 }, () => "y".repeat(300)),
        editorCount: 2,
      });
      table.report("g1", bad, 2000);
      const entry = table.list()[0];
      expect(entry).toMatchObject({ nodes: 0, state: "stopped", processes: { running: 1, pending: 0, failed: 0 } });
      expect(entry?.editors).toHaveLength(20);
      expect(entry?.editors[0]).toHaveLength(100);
      expect(entry?.editorCount).toBe(20);
    });
  });
}
