// The first-cut room storage and its one-time migration, checked on real Durable Object SQLite.

import { describe, expect, it } from "vitest";
import { SqlLeaderStore } from "../../edge/room/leaderStore.ts";
import { SqlQueueStore } from "../../edge/room/queueStore.ts";

/** Drops tables (sqlite_sequence cannot be dropped: it is emptied). */
export function dropTables(storage: DurableObjectStorage, tables: string[]): void {
  for (const table of tables) {
    if (table === "sqlite_sequence") {
      const exists =
        storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").toArray().length > 0;
      if (exists) storage.sql.exec("DELETE FROM sqlite_sequence");
    } else storage.sql.exec(`DROP TABLE IF EXISTS ${table}`);
  }
}

/** The first-cut room's tables migrate to the leader and queue stores' layout (run on real DO SQLite). */
export function firstCutMigration(getStorage: () => DurableObjectStorage, tables: string[]): void {
  describe("first-cut room storage", () => {
    it("migrates once: assignments and stops become node runs, connId links, queued messages dead letters", () => {
      const storage = getStorage();
      dropTables(storage, [...tables, "assignments", "stopping", "queue"]);
      const sql = storage.sql;
      sql.exec(`CREATE TABLE workers (id TEXT PRIMARY KEY, conn_id TEXT NOT NULL, record TEXT NOT NULL);
      CREATE TABLE assignments (node_id TEXT PRIMARY KEY, worker_id TEXT NOT NULL, epoch INTEGER NOT NULL,
        type TEXT NOT NULL, params_json TEXT NOT NULL);
      CREATE TABLE stopping (node_id TEXT PRIMARY KEY, record TEXT NOT NULL);
      CREATE TABLE queue (d INTEGER PRIMARY KEY AUTOINCREMENT, node_id TEXT NOT NULL, port TEXT NOT NULL,
        msg TEXT NOT NULL, inflight INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0);`);
      sql.exec(
        "INSERT INTO workers VALUES ('w1', '', ?)",
        JSON.stringify({ id: "w1", connId: "", lastSeen: 5, labels: [] }),
      );
      sql.exec("INSERT INTO assignments VALUES ('a', 'w1', 3, 'random', '{}')");
      sql.exec(
        "INSERT INTO stopping VALUES ('b', ?)",
        JSON.stringify({ nodeId: "b", workerId: "w1", epoch: 2, since: 9 }),
      );
      sql.exec("INSERT INTO queue (node_id, port, msg) VALUES ('c', 'in', '{\"id\":\"m1\"}')");
      const leader = new SqlLeaderStore(storage);
      const queue = new SqlQueueStore(storage);
      expect(leader.runs().map((r) => [r.kind, r.nodeId, r.workerId, r.epoch])).toEqual([
        ["assigned", "a", "w1", 3],
        ["stopping", "b", "w1", 2],
      ]);
      expect(leader.workers().map((w) => w.link)).toEqual([{ kind: "awaited", since: 5 }]);
      expect(queue.deadLetters(undefined, 0, 10).map((d) => [d.edge, d.msg, d.error])).toEqual([
        ["", '{"id":"m1"}', "queued for c.in before channels were per edge"],
      ]);
      // A second start changes nothing.
      new SqlLeaderStore(storage);
      new SqlQueueStore(storage);
      expect(leader.runs()).toHaveLength(2);
      expect(queue.deadLetters(undefined, 0, 10)).toHaveLength(1);
    });
  });
}
