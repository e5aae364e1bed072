// A Worker that runs the RoomStore contract (edge/room/storeContract.ts) against SqlRoomStore on real DO SQLite.
import { DurableObject } from "cloudflare:workers";
import { SqlRoomStore } from "../../edge/room/store.ts";
import { storeContract } from "../../edge/room/storeContract.ts";
import { tests } from "./shim.ts";

const TABLES = ["room_kv", "workers", "assignments", "reports", "stopping", "crashes", "queue", "sqlite_sequence"];
let sql: SqlStorage | undefined;

storeContract("SqlRoomStore", () => {
  if (!sql) throw new Error("no SQLite: tests run inside ContractRunner.run()");
  const store = new SqlRoomStore(sql);
  // Every test starts from an empty database, as the contract requires.
  for (const table of TABLES) sql.exec(`DELETE FROM ${table}`);
  return store;
});

export class ContractRunner extends DurableObject {
  async run(): Promise<Array<{ name: string; error?: string }>> {
    sql = this.ctx.storage.sql;
    const results: Array<{ name: string; error?: string }> = [];
    for (const test of tests) {
      try {
        await test.fn();
        results.push({ name: test.name });
      } catch (error) {
        results.push({ name: test.name, error: String((error as Error).message ?? error).slice(0, 2000) });
      }
    }
    return results;
  }
}

export default {
  async fetch(_request: Request, env: { RUNNER: DurableObjectNamespace<ContractRunner> }): Promise<Response> {
    return Response.json(await env.RUNNER.getByName("contract").run());
  },
};
