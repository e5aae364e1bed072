// Presence: states travel between awareness instances coalesced; what a hostile peer sends is read defensively;
// someone who leaves disappears and is no longer followed.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from "y-protocols/awareness";
import * as Y from "yjs";
import { createPresence, PRESENCE_INTERVAL_MS, readPeer } from "./presence.ts";

const made: Awareness[] = [];
beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  for (const a of made.splice(0)) a.destroy();
  vi.useRealTimers();
});

/** Awareness instances joined the way the room joins them: every change reaches every other. */
function joined(n: number): Awareness[] {
  const list = Array.from({ length: n }, () => new Awareness(new Y.Doc()));
  made.push(...list);
  for (const from of list) {
    type Change = { added: number[]; updated: number[]; removed: number[] };
    from.on("update", ({ added, updated, removed }: Change, origin: unknown) => {
      if (origin === "relay") return;
      const update = encodeAwarenessUpdate(from, [...added, ...updated, ...removed]);
      for (const to of list) if (to !== from) applyAwarenessUpdate(to, update, "relay");
    });
  }
  return list;
}

describe("presence", () => {
  it("a cursor, selection and view reach the other browser, at most one write per interval", () => {
    const [a, b] = joined(2) as [Awareness, Awareness];
    const pa = createPresence(a, { name: "Ada", color: "#61afef" });
    const pb = createPresence(b, { name: "Bo", color: "#98c379" });
    expect(pb.peers().map((p) => p.name)).toEqual(["Ada"]);
    let writes = 0;
    a.on("update", () => writes++);
    vi.advanceTimersByTime(PRESENCE_INTERVAL_MS);
    writes = 0;
    for (let i = 0; i < 50; i++) pa.setCursor({ x: i, y: i * 2 });
    pa.setSelection(["n1", "n2"]);
    pa.setView({ center: { x: 10.4, y: 20.6 }, zoom: 0.5 });
    vi.advanceTimersByTime(PRESENCE_INTERVAL_MS);
    expect(writes).toBe(1);
    expect(pb.peers()[0]).toMatchObject({
      name: "Ada",
      cursor: { x: 49, y: 98 },
      selection: ["n1", "n2"],
      view: { center: { x: 10, y: 21 }, zoom: 0.5 },
    });
    expect(pb.selectedBy().get("n1")?.name).toBe("Ada");
    // A pointer move alone leaves the selection map as it was (nodes reading it do not rerun).
    const before = pb.selectedBy();
    pa.setCursor({ x: 1, y: 1 });
    vi.advanceTimersByTime(PRESENCE_INTERVAL_MS);
    expect(pb.peers()[0]?.cursor).toEqual({ x: 1, y: 1 });
    expect(pb.selectedBy()).toBe(before);
    pa.setCursor(null);
    vi.advanceTimersByTime(PRESENCE_INTERVAL_MS);
    expect(pb.peers()[0]?.cursor).toBeUndefined();
    pa.destroy();
    pb.destroy();
  });

  it("someone who leaves is gone from the list and no longer followed", () => {
    const [a, b] = joined(2) as [Awareness, Awareness];
    const pa = createPresence(a, { name: "Ada", color: "#61afef" });
    const pb = createPresence(b, { name: "Bo", color: "#98c379" });
    pb.follow(a.clientID);
    expect(pb.following()).toBe(a.clientID);
    removeAwarenessStates(a, [a.clientID], "closed");
    expect(pb.peers()).toEqual([]);
    expect(pb.following()).toBeUndefined();
    pa.destroy();
    pb.destroy();
  });

  it("reads hostile or foreign states without trusting them", () => {
    expect(readPeer(1, null)).toBeUndefined();
    expect(readPeer(1, { user: "x" })).toBeUndefined();
    expect(readPeer(1, { user: { name: "   " } })).toBeUndefined();
    // A stock y-websocket client's state has no Weft user.
    expect(readPeer(1, { cursor: { x: 1, y: 1 } })).toBeUndefined();
    const peer = readPeer(7, {
      user: { name: "x".repeat(500), color: "red; background: url(evil)" },
      pointer: { x: Number.POSITIVE_INFINITY, y: 0 },
      selection: ["ok", 5, "y".repeat(100), ...Array.from({ length: 500 }, (_, i) => `n${i}`)],
      view: { center: { x: 0, y: 0 }, zoom: 1e9 },
    });
    expect(peer?.name).toHaveLength(40);
    expect(peer?.color).toBe("#888888");
    expect(peer?.cursor).toBeUndefined();
    expect(peer?.view).toBeUndefined();
    expect(peer?.selection[0]).toBe("ok");
    expect(peer?.selection).toHaveLength(200);
  });
});
