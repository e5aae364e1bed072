// A Worker that runs the graph table checks (graphTableContract.ts) on real Durable Object SQLite, for
// test/graphList.test.ts.
import { DurableObject } from "cloudflare:workers";
import { graphTableChecks } from "./graphTableContract.ts";
import { tests } from "./shim.ts";

let storage: DurableObjectStorage | undefined;

graphTableChecks(() => {
  if (!storage) throw new Error("no storage: tests run inside Runner.run()");
  return storage.sql;
});

export class Runner extends DurableObject {
  async run(): Promise<Array<{ name: string; error?: string }>> {
    storage = this.ctx.storage;
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
  async fetch(_request: Request, env: { RUNNER: DurableObjectNamespace<Runner> }): Promise<Response> {
    return Response.json(await env.RUNNER.getByName("graph-table").run());
  },
};
