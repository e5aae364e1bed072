// NodeRunner keeps a process's secret values out of everything it reports (SECRET-2).
import { describe, expect, it } from "vitest";
import { silentLogger } from "./log.ts";
import { NodeRunner } from "./process.ts";
import { waitFor } from "./testing/waitFor.ts";

describe("NodeRunner", () => {
  it("scrubs the process's secrets from lastError and recent", async () => {
    const secret = "Bearer sk_live_TOPSECRET";
    const runner = NodeRunner.start(
      {
        graphId: "g",
        nodeId: "post",
        epoch: 1,
        nodeType: "http-request",
        log: silentLogger(),
        params: { authorization: secret },
        secrets: [secret],
        publish: () => undefined,
        credit: () => true,
        waitForCredit: async () => {},
        create: () => ({
          start() {},
          onMessage() {
            throw new Error(`the server refused "${secret}"`);
          },
          recent: () => [{ sent: secret }, "fine"],
        }),
      },
      () => {},
    );
    await waitFor(() => runner.state === "running", "running");
    await runner.deliver({ id: "m", value: 1, ts: 1, d: 1 }, "in");
    const report = runner.report();
    expect(report.lastError).toBe('the server refused "[secret]"');
    expect(report.recent).toEqual([{ sent: "[secret]" }, "fine"]);
    expect(JSON.stringify(report)).not.toContain("TOPSECRET");
  });
});
