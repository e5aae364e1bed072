// The graph document survives a restart of `wrangler dev` and the room's hibernation (SQLite-backed Durable Object).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { moveNode, readGraph } from "../shared/ydoc.ts";
import { demoGraph, type Hub, jsonRequest, startHub, waitFor } from "./harness.ts";

const hubs: Hub[] = [];
const providers: WebsocketProvider[] = [];
afterEach(async () => {
  for (const p of providers.splice(0)) p.destroy();
  for (const h of hubs.splice(0)) await h.stop();
});

async function hubAt(persistDir: string): Promise<Hub> {
  const hub = await startHub({ persistDir });
  hubs.push(hub);
  return hub;
}

async function editor(hub: Hub, graphId: string): Promise<Y.Doc> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(`${hub.url.replace("http", "ws")}/parties/graph`, graphId, doc, {
    WebSocketPolyfill: WebSocket as never,
    disableBc: true,
    params: { token: hub.adminToken },
  });
  providers.push(provider);
  await waitFor(() => provider.synced, "sync");
  return doc;
}

type Exported = { name: string; nodes: Array<{ id: string; x: number; y: number }> };

describe("persistence", () => {
  it("keeps edits across a restart of wrangler dev", async () => {
    const dir = mkdtempSync(join(tmpdir(), "weft-persist-"));
    const first = await hubAt(dir);
    await first.api("/api/graphs/durable", jsonRequest("PUT", demoGraph()));
    const doc = await editor(first, "durable");
    moveNode(doc, "log", 123, 456);
    await waitFor(
      async () => (await first.api<Exported>("/api/graphs/durable")).body.nodes.find((n) => n.id === "log")?.x === 123,
      "edit stored",
    );
    for (const p of providers.splice(0)) p.destroy();
    await first.stop();
    hubs.splice(0);

    const second = await hubAt(dir);
    const exported = (await second.api<Exported>("/api/graphs/durable")).body;
    expect(exported.nodes.find((n) => n.id === "log")).toMatchObject({ x: 123, y: 456 });
    expect((await second.api<Array<{ id: string }>>("/api/graphs")).body.map((g) => g.id)).toContain("durable");
  });

  it("keeps the document and connections across hibernation", async () => {
    const hub = await hubAt(mkdtempSync(join(tmpdir(), "weft-hib-")));
    await hub.api("/api/graphs/sleepy", jsonRequest("PUT", { ...demoGraph(), running: false }));
    const doc = await editor(hub, "sleepy");
    const starts = () => hub.proc.output.split('"event":"room_started","graphId":"sleepy"').length - 1;
    const before = starts();
    // Hibernation can only be observed after the fact (the room logs room_started when it wakes):
    // stay idle past workerd's ~10 s eviction window, then wake it through the still-open socket.
    await new Promise((r) => setTimeout(r, 15_000));
    moveNode(doc, "random", 7, 8);
    await waitFor(() => starts() > before, "room woke from hibernation");
    await waitFor(
      async () => (await hub.api<Exported>("/api/graphs/sleepy")).body.nodes.find((n) => n.id === "random")?.x === 7,
      "edit after wake",
    );
    const other = await editor(hub, "sleepy");
    expect(readGraph(other, "sleepy").nodes).toHaveLength(3);
    expect(readGraph(other, "sleepy").nodes.find((n) => n.id === "random")).toMatchObject({ x: 7, y: 8 });
  }, 60_000);
});
