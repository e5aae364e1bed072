// A Worker that runs the graph table checks (graphTableContract.ts) on real Durable Object SQLite, for
// test/graphList.test.ts.
import { DurableObject } from "cloudflare:workers";
import { graphTableChecks } from "./graphTableContract.ts";
import { runTests } from "./shim.ts";

let storage: DurableObjectStorage | undefined;

graphTableChecks(() => {
  if (!storage) throw new Error("no storage: tests run inside Runner.run()");
  return storage.sql;
});

export class Runner extends DurableObject {
  run(): Promise<Array<{ name: string; error?: string }>> {
    storage = this.ctx.storage;
    return runTests();
  }
}

export default {
  async fetch(_request: Request, env: { RUNNER: DurableObjectNamespace<Runner> }): Promise<Response> {
    return Response.json(await env.RUNNER.getByName("graph-table").run());
  },
};
