// End to end: wrangler dev + a scripted raw worker + Debian's Chromium. An edge's queue shows on the canvas, its
// limits are edited in the inspector (checked inline with the room's rule), it samples queued messages, and its
// dead letters are listed, replayed and purged.
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RoomFrameOf } from "../shared/protocol.ts";
import type { GraphStatus } from "../shared/status.ts";
import { CHROMIUM_FLAGS, jsonRequest, waitFor } from "./harness.ts";
import { hubWithRawWorkers, type RawWorker } from "./rawWorker.ts";

const env = hubWithRawWorkers();
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
});

async function openEditor(graphId: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${env.hub.url}/g/${graphId}?token=${env.hub.adminToken}`);
  await page.locator('[data-connection="connected"]').waitFor();
  return page;
}

type Exported = { edges: Array<{ id: string; maxDepth?: number }> };
const exportedEdge = async (graphId: string, edgeId: string) =>
  (await env.hub.api<Exported>(`/api/graphs/${graphId}`)).body.edges.find((e) => e.id === edgeId);

/** random → log with the log node disabled: nothing consumes, so what random publishes stays queued on e1. */
const GRAPH = {
  name: "Queued",
  running: true,
  nodes: [
    { id: "random", type: "random", name: "Random", x: 80, y: 140, params: { intervalMs: 1000 } },
    { id: "log", type: "log", name: "Log", x: 520, y: 140, params: { prefix: "" }, disabled: true },
  ],
  edges: [{ id: "e1", from: "random", fromPort: "out", to: "log", toPort: "in" }],
};
const MESSAGES = 30;
const messageId = (i: number) => `m-${String(i).padStart(2, "0")}`;

/** Connects a raw worker for `graphId` that runs random and publishes `count` messages m-01... within its credit. */
async function publishFromRandom(graphId: string, count: number): Promise<RawWorker> {
  const worker = env.worker(graphId);
  await worker.hello(`w-${graphId}`);
  const assign = await worker.next<RoomFrameOf<"assign">>((f) => f.type === "assign" && f.nodeId === "random");
  // Every node the room gives this worker reports running, so nothing is presumed dead or unconfirmed.
  worker.keepAlive(() =>
    [...worker.assigned().values()].map((a) => ({
      nodeId: a.nodeId,
      epoch: a.epoch,
      state: "running",
      in: 0,
      out: a.nodeId === "random" ? count : 0,
      errors: 0,
      lastError: null,
    })),
  );
  const credit = await worker.next<RoomFrameOf<"credit">>(
    (f) => f.type === "credit" && f.nodeId === "random" && f.port === "out",
    0,
    "credit for random.out",
  );
  expect(credit.messages).toBeGreaterThanOrEqual(count);
  const messages = Array.from({ length: count }, (_, i) => ({
    id: messageId(i + 1),
    value: { n: i + 1 },
    ts: Date.now(),
  }));
  worker.send({ type: "publish", seq: 1, nodeId: "random", epoch: assign.epoch, port: "out", messages });
  await worker.next((f) => f.type === "published" && f.seq === 1, 0, "published 1");
  return worker;
}

describe("edge queue in the editor", () => {
  it("shows depth 30 on the edge; maxDepth 20 set in the inspector back-pressures it; sampling shows the messages", async () => {
    const put = await env.hub.api("/api/graphs/queued", jsonRequest("PUT", GRAPH));
    expect(put.status).toBeLessThan(300);

    // A raw worker runs random and publishes 30 messages within its credit (DELIVERY-7).
    await publishFromRandom("queued", MESSAGES);

    const page = await openEditor("queued");
    // DELIVERY-9: the depth is pushed live to the canvas.
    const edge = page.locator('[data-edge-id="e1"]');
    await page.locator('[data-edge-id="e1"][data-edge-depth="30"]').waitFor({ state: "attached", timeout: 10_000 });
    expect(await edge.getAttribute("data-edge-paused")).toBe("false");
    expect(await edge.locator(".edge-depth text").textContent()).toBe("30");

    await edge.click();
    const inspector = page.locator('[data-inspector="edge"][data-inspector-edge="e1"]');
    await inspector.waitFor();
    await inspector.locator('[data-edge-stat="depth"][data-value="30"]').waitFor();
    const maxDepth = inspector.locator("#edge-e1-maxDepth");
    expect(await maxDepth.getAttribute("placeholder")).toBe("10000");

    // An invalid value gets the room's own reason beside the field, and nothing is written.
    await maxDepth.fill("0");
    await maxDepth.press("Tab");
    const error = inspector.locator('[data-edge-setting="maxDepth"] [data-field-error]');
    await error.waitFor({ timeout: 5000 });
    expect(await error.textContent()).toBe("Must be from 1 to 1000000, got 0.");
    expect(await maxDepth.getAttribute("aria-invalid")).toBe("true");
    expect((await exportedEdge("queued", "e1"))?.maxDepth).toBeUndefined();

    // A valid one is written to the document; the room applies it at once and pauses the producer.
    await maxDepth.fill("20");
    await maxDepth.press("Tab");
    await waitFor(async () => (await exportedEdge("queued", "e1"))?.maxDepth === 20, "maxDepth 20 in the document");
    expect(await error.count()).toBe(0);
    await page.locator('[data-edge-id="e1"][data-edge-paused="true"]').waitFor({ state: "attached", timeout: 10_000 });
    expect(await edge.getAttribute("class")).toContain("back-pressured");
    expect(await edge.getAttribute("aria-label")).toContain("back-pressured");
    await inspector.locator('[data-edge-stat="paused"][data-value="true"]').waitFor();
    const status = (await env.hub.api<GraphStatus>("/api/graphs/queued/status")).body;
    expect(status.edges.find((e) => e.id === "e1")).toMatchObject({ depth: MESSAGES, maxDepth: 20, paused: true });
    // No invalid update reached the room (it would have closed the socket with 4011 and reloaded the editor).
    expect(await page.locator("[data-connection]").getAttribute("data-connection-detail")).toBe("connected");

    // The debug panel samples the first ten queued messages, oldest first.
    await page.locator('[data-edge-debug="e1"] [data-action="sample-messages"]').click();
    const samples = page.locator("[data-samples] [data-message-id]");
    await samples.first().waitFor({ timeout: 5000 });
    await waitFor(async () => (await samples.count()) === 10, "ten sampled messages");
    const ids = await samples.evaluateAll((items) => items.map((li) => li.getAttribute("data-message-id")));
    expect(ids).toEqual(Array.from({ length: 10 }, (_, i) => messageId(i + 1)));
    expect(await samples.first().getAttribute("data-inflight")).toBe("false");
    expect(await samples.first().locator(".value-preview").textContent()).toBe('{"n":1}');
    await page.locator('[data-edge-debug="e1"] [data-action="sample-messages"][aria-pressed="true"]').click();
    await page.locator("[data-samples]").waitFor({ state: "detached" });
    await page.context().close();
  });

  it("DELIVERY-6: dead letters are listed with their error, replayed one by one and purged after a confirm", async () => {
    // maxAttempts 1: the first nack moves a message to the edge's dead letters.
    const graph = {
      ...GRAPH,
      name: "Failing",
      nodes: GRAPH.nodes.map((n) => ({ ...n, disabled: false })),
      edges: [{ ...GRAPH.edges[0]!, maxAttempts: 1 }],
    };
    const put = await env.hub.api("/api/graphs/failing", jsonRequest("PUT", graph));
    expect(put.status).toBeLessThan(300);
    const worker = await publishFromRandom("failing", 3);
    const log = await worker.next<RoomFrameOf<"assign">>((f) => f.type === "assign" && f.nodeId === "log");
    const deliver = await worker.next<RoomFrameOf<"deliver">>((f) => f.type === "deliver" && f.nodeId === "log");
    expect(deliver.messages.map((m) => m.id)).toEqual([messageId(1), messageId(2), messageId(3)]);
    const mark = worker.frames.length;
    const deliveries = deliver.messages.map((m) => m.d);
    worker.send({ type: "nack", nodeId: "log", epoch: log.epoch, deliveries, error: "boom: cannot log" });

    const page = await openEditor("failing");
    const edge = page.locator('[data-edge-id="e1"]');
    await page
      .locator('[data-edge-id="e1"][data-edge-dead-letters="3"]')
      .waitFor({ state: "attached", timeout: 10_000 });
    expect(await edge.getAttribute("class")).toContain("dead-lettered");
    await edge.click();
    const panel = page.locator('[data-dead-letters="e1"]');
    await panel.locator("[data-dead-letter-id]").nth(2).waitFor({ timeout: 5000 });
    // Newest first, each with its last error.
    const rows = panel.locator("[data-dead-letter-id]");
    const listed = await rows.evaluateAll((items) => items.map((li) => li.getAttribute("data-message-id")));
    expect(listed).toEqual([messageId(3), messageId(2), messageId(1)]);
    expect(await panel.locator("[data-newest-dead-letter-error]").textContent()).toContain("boom: cannot log");

    // Replaying one puts it back on the edge: the consumer gets it again.
    await panel.locator(`[data-message-id="${messageId(2)}"] [data-action="replay-dead-letter"]`).click();
    const again = await worker.next<RoomFrameOf<"deliver">>(
      (f) => f.type === "deliver" && f.nodeId === "log",
      mark,
      "the replayed message delivered again",
    );
    expect(again.messages.map((m) => m.id)).toEqual([messageId(2)]);
    worker.send({ type: "ack", nodeId: "log", epoch: log.epoch, deliveries: again.messages.map((m) => m.d) });
    await page
      .locator('[data-edge-id="e1"][data-edge-dead-letters="2"]')
      .waitFor({ state: "attached", timeout: 10_000 });
    await waitFor(async () => (await rows.count()) === 2, "two dead letters listed");

    // Purge all asks first; dismissing the dialog purges nothing, accepting it purges everything.
    page.once("dialog", (dialog) => void dialog.dismiss());
    await panel.locator('[data-action="purge-dead-letters"]').click();
    expect(
      (await env.hub.api<{ deadLetters: unknown[] }>("/api/graphs/failing/edges/e1/dead-letters")).body.deadLetters,
    ).toHaveLength(2);
    page.once("dialog", (dialog) => void dialog.accept());
    await panel.locator('[data-action="purge-dead-letters"]').click();
    await page
      .locator('[data-edge-id="e1"][data-edge-dead-letters="0"]')
      .waitFor({ state: "attached", timeout: 10_000 });
    expect(
      (await env.hub.api<{ deadLetters: unknown[] }>("/api/graphs/failing/edges/e1/dead-letters")).body.deadLetters,
    ).toEqual([]);
    await panel.getByText("No dead letters.").waitFor();
    await page.context().close();
  });
});
