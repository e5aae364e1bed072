// A Worker that runs the storage contracts (edge/room/storeContract.ts, docLogContract.ts) against the SQLite
// stores on real Durable Object SQLite.
import { DurableObject } from "cloudflare:workers";
import { SqlDocLog } from "../../edge/room/docLog.ts";
import { docLogContract } from "../../edge/room/docLogContract.ts";
import { SqlLeaderStore } from "../../edge/room/leaderStore.ts";
import { leaderStoreContract } from "../../edge/room/leaderStoreContract.ts";
import { SqlQueueStore } from "../../edge/room/queueStore.ts";
import { queueStoreContract } from "../../edge/room/queueStoreContract.ts";
import { dropTables, firstCutMigration } from "./migration.ts";
import { runTests } from "./shim.ts";

const LEADER_TABLES = ["room_kv", "workers", "node_runs", "reports", "crashes"];
const QUEUE_TABLES = ["broker_kv", "batches", "attempts", "dead_letters", "sqlite_sequence"];
const DOC_TABLES = ["ydoc_chunks", "ydoc_entries", "ydoc_kv"];
let storage: DurableObjectStorage | undefined;

docLogContract("SqlDocLog", (fail) => {
  if (!storage) throw new Error("no storage: tests run inside ContractRunner.run()");
  for (const table of DOC_TABLES) storage.sql.exec(`DROP TABLE IF EXISTS ${table}`);
  return new SqlDocLog(fail ? failing(storage, fail) : storage);
});

/**
 * Storage whose SQL throws part-way through a large write, as SQLITE_TOOBIG or a full disk would: the
 * second chunk of an append, or the deletion step of a compaction (after its snapshot was written).
 */
function failing(real: DurableObjectStorage, fail: "append" | "compact"): DurableObjectStorage {
  const exec = (query: string, ...bindings: unknown[]) => {
    const partWay =
      fail === "append"
        ? query.startsWith("INSERT INTO ydoc_chunks") && bindings[1] === 1
        : query.startsWith("DELETE FROM ydoc_chunks WHERE entry <");
    if (partWay) throw new Error("SQLITE_TOOBIG: injected part-way failure");
    return real.sql.exec(query, ...(bindings as SqlStorageValue[]));
  };
  const sqlProxy = new Proxy(real.sql, {
    get: (target, key) => (key === "exec" ? exec : Reflect.get(target, key)),
  });
  return new Proxy(real, {
    get: (target, key) =>
      key === "sql"
        ? sqlProxy
        : key === "transactionSync"
          ? target.transactionSync.bind(target)
          : Reflect.get(target, key),
  });
}

// Every test starts from an empty database, as the contracts require.
leaderStoreContract("SqlLeaderStore", () => {
  if (!storage) throw new Error("no storage: tests run inside ContractRunner.run()");
  dropTables(storage, LEADER_TABLES);
  return new SqlLeaderStore(storage);
});

queueStoreContract("SqlQueueStore", () => {
  if (!storage) throw new Error("no storage: tests run inside ContractRunner.run()");
  dropTables(storage, QUEUE_TABLES);
  return new SqlQueueStore(storage);
});

firstCutMigration(() => {
  if (!storage) throw new Error("no storage: tests run inside ContractRunner.run()");
  return storage;
}, [...LEADER_TABLES, ...QUEUE_TABLES]);

export class ContractRunner extends DurableObject {
  run(): Promise<Array<{ name: string; error?: string }>> {
    storage = this.ctx.storage;
    return runTests();
  }
}

export default {
  async fetch(_request: Request, env: { RUNNER: DurableObjectNamespace<ContractRunner> }): Promise<Response> {
    return Response.json(await env.RUNNER.getByName("contract").run());
  },
};
