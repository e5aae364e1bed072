// EDITOR-1 status deltas against a real hub (wrangler dev): a watch with `deltas` gets the status in full once and
// then only what changed, and the deltas applied in order give the hub's status; a watch without gets every
// status in full, as older editors expect.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { EditorPush, GraphStatus } from "../shared/status.ts";
import { applyStatusDelta } from "../shared/statusDelta.ts";
import { setNodeField } from "../shared/ydoc.ts";
import { type Hub, jsonRequest, startHub, waitFor } from "./harness.ts";
import { YClients } from "./yjsClient.ts";

let hub: Hub;
const clients = new YClients(() => hub);

beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  clients.closeAll();
  await hub?.stop();
});

/** A raw editor connection that sends `watch` and keeps the room's pushes (and each one's size). */
async function watcher(
  graphId: string,
  request: object,
): Promise<{ pushes: EditorPush[]; bytes: number[]; close(): void }> {
  const url = `${hub.url.replace("http", "ws")}/parties/graph/${graphId}?token=${hub.adminToken}`;
  const socket = new WebSocket(url, { perMessageDeflate: false });
  const pushes: EditorPush[] = [];
  const bytes: number[] = [];
  socket.on("message", (data, binary) => {
    if (binary) return;
    const text = data.toString();
    if (!text.startsWith("__YPS:")) return;
    pushes.push(JSON.parse(text.slice(6)) as EditorPush);
    bytes.push(text.length);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
  socket.send(`__YPS:${JSON.stringify(request)}`);
  return { pushes, bytes, close: () => socket.close() };
}

/** The status a watcher holds after its pushes so far. */
function held(pushes: EditorPush[]): GraphStatus | undefined {
  let status: GraphStatus | undefined;
  for (const push of pushes) {
    if (push.type === "status") status = push.status;
    else if (push.type === "statusDelta" && status) status = applyStatusDelta(status, push.delta);
  }
  return status;
}

const sorted = (s: GraphStatus | undefined) =>
  s && {
    running: s.running,
    processes: [...s.processes].sort((a, b) => a.nodeId.localeCompare(b.nodeId)),
    edges: [...s.edges].sort((a, b) => a.id.localeCompare(b.id)),
  };

describe("status deltas (EDITOR-1)", () => {
  it("a delta watch gets the status once, then only what changed; a plain watch gets it whole every time", async () => {
    const nodes = Array.from({ length: 40 }, (_, i) => ({
      id: `n${i}`,
      type: "log",
      name: `n${i}`,
      x: i * 10,
      y: 0,
      params: {},
    }));
    const put = await hub.api(
      "/api/graphs/deltas",
      jsonRequest("PUT", { name: "Deltas", running: false, nodes, edges: [] }),
    );
    expect(put.status).toBeLessThan(300);
    const delta = await watcher("deltas", { type: "watch", deltas: true });
    const plain = await watcher("deltas", { type: "watch" });
    await waitFor(
      () => delta.pushes.some((p) => p.type === "status") && plain.pushes.some((p) => p.type === "status"),
      "the first status",
    );

    expect((await hub.api("/api/graphs/deltas/start", { method: "POST" })).status).toBe(200);
    const hubStatus = async () => sorted((await hub.api<GraphStatus>("/api/graphs/deltas/status")).body);
    await waitFor(async () => {
      const now = await hubStatus();
      return now?.running === true && JSON.stringify(sorted(held(delta.pushes))) === JSON.stringify(now);
    }, "the deltas bring the watcher to the started graph's status");
    const started = delta.pushes.length;

    // One node disabled: the next delta carries that one process, not the other 39.
    const editor = await clients.synced("deltas");
    setNodeField(editor.doc, "n7", "disabled", true);
    await waitFor(async () => {
      const now = await hubStatus();
      return (
        delta.pushes.length > started &&
        now?.processes.find((p) => p.nodeId === "n7")?.state !== "pending" &&
        JSON.stringify(sorted(held(delta.pushes))) === JSON.stringify(now)
      );
    }, "the delta for the disabled node");
    const later = delta.pushes.slice(started).flatMap((p) => (p.type === "statusDelta" ? [p.delta] : []));
    expect(later.length).toBeGreaterThan(0);
    for (const d of later) expect(d.processes.length + d.removedProcesses.length).toBeLessThanOrEqual(1);
    expect(delta.pushes.filter((p) => p.type === "status")).toHaveLength(1);

    // The plain watch saw every change as a full status, and ends in the same place.
    expect(plain.pushes.some((p) => p.type === "statusDelta")).toBe(false);
    await waitFor(
      async () => JSON.stringify(sorted(held(plain.pushes))) === JSON.stringify(await hubStatus()),
      "the plain watcher's last full status",
    );
    const sizes = (w: { pushes: EditorPush[]; bytes: number[] }, type: string, from = 0) =>
      w.bytes.filter((_, i) => i >= from && w.pushes[i]?.type === type);
    expect(Math.max(...sizes(delta, "statusDelta", started))).toBeLessThan(Math.min(...sizes(plain, "status")) / 4);
    delta.close();
    plain.close();
  });
});
