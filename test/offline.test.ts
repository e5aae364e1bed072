// End to end, offline-first editing (wrangler dev + Debian's Chromium): after one online visit the editor reloads
// with the network off (service worker + cached session + the graph kept in IndexedDB), takes edits that survive a
// reload, and merges them with another editor's on reconnect; a graph deleted, or deleted and re-created, on the hub
// while the browser was offline never comes back from the stale copy (CLOSE-5, CLOSE-11 with UPDATE-3's
// stale_document), and the user is told their offline changes could not be kept.
import { readFileSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHROMIUM_FLAGS, type Hub, jsonRequest, startHub, waitFor } from "./harness.ts";

let hub: Hub;
let browser: Browser;

interface Placed {
  id: string;
  name: string;
  x: number;
  y: number;
}
interface Exported {
  nodes: Placed[];
}

/** Three nodes, stopped (no worker needed). */
function trio(): object {
  const node = (id: string, type: string, x: number, y: number) => ({ id, type, name: id, x, y, params: {} });
  return {
    name: "Trio",
    running: false,
    nodes: [node("src", "random", 40, 40), node("mid", "json", 360, 40), node("b", "log", 680, 300)],
    edges: [{ id: "e1", from: "src", fromPort: "out", to: "mid", toPort: "in" }],
  };
}

const fresh = {
  name: "Fresh",
  running: false,
  nodes: [{ id: "fresh", type: "log", name: "fresh", x: 100, y: 100, params: {} }],
  edges: [],
};

beforeAll(async () => {
  hub = await startHub();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

async function putGraph(id: string, graph: object = trio()): Promise<void> {
  const put = await hub.api(`/api/graphs/${id}`, jsonRequest("PUT", graph));
  expect(put.status).toBeLessThan(300);
}

const exported = async (id: string) => (await hub.api<Exported>(`/api/graphs/${id}`)).body;
const nodeIn = async (graphId: string, nodeId: string) => (await exported(graphId)).nodes.find((n) => n.id === nodeId);

/** Opens the graph online in a new browser context and waits for the service worker to control the page. */
async function openOnline(graphId: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 820 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await page.goto(`${hub.url}/g/${graphId}?token=${hub.adminToken}`);
  await page.locator('[data-connection="connected"]').waitFor();
  await page.locator("[data-node-id]").first().waitFor();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
  return page;
}

/** This browser's IndexedDB copies of the graph: how many databases, and the Yjs updates stored in them. */
function localCopies(page: Page, graphId: string): Promise<{ databases: number; updates: number; synced: boolean }> {
  return page.evaluate(async (id) => {
    const names = (await indexedDB.databases())
      .map((info) => info.name ?? "")
      .filter((name) => name.startsWith("weft-graph ") && name.split(" ")[2] === id);
    let updates = 0;
    for (const name of names) {
      updates += await new Promise<number>((resolve, reject) => {
        const request = indexedDB.open(name);
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          if (!db.objectStoreNames.contains("updates")) {
            db.close();
            return resolve(0);
          }
          const counting = db.transaction("updates", "readonly").objectStore("updates").count();
          counting.onsuccess = () => {
            db.close();
            resolve(counting.result);
          };
          counting.onerror = () => reject(counting.error);
        };
      });
    }
    const index = JSON.parse(localStorage.getItem("weft.localCopies.v1") ?? "{}") as Record<
      string,
      { syncedAt: unknown }
    >;
    const synced = Object.entries(index).some(([name, entry]) => name.split(" ")[2] === id && entry.syncedAt !== null);
    return { databases: names.length, updates, synced };
  }, graphId);
}

async function keptOnDevice(page: Page, graphId: string): Promise<void> {
  await waitFor(async () => {
    const copies = await localCopies(page, graphId);
    return copies.databases === 1 && copies.updates > 0 && copies.synced;
  }, `graph ${graphId} kept in IndexedDB`);
}

/** Selects a node and nudges it with the arrow keys (Shift: five steps each). */
async function nudge(page: Page, nodeId: string, key: "ArrowDown" | "ArrowRight", times = 3): Promise<void> {
  await page.locator(`[data-node-id="${nodeId}"] .node-head`).click();
  for (let i = 0; i < times; i++) await page.keyboard.press(`Shift+${key}`);
}

const unsynced = async (page: Page) => Number(await page.locator("[data-unsynced]").getAttribute("data-unsynced"));
const styleOf = (page: Page, nodeId: string) => page.locator(`[data-node-id="${nodeId}"]`).getAttribute("style");

describe("offline-first editing", () => {
  it("after one online visit, reloads offline with the graph, keeps offline edits across a reload, and merges them with another editor's on reconnect", async () => {
    const id = "offline-boot";
    await putGraph(id);
    const before = await exported(id);
    const src0 = before.nodes.find((n) => n.id === "src");
    const b0 = before.nodes.find((n) => n.id === "b");
    const a = await openOnline(id);
    await keptOnDevice(a, id);
    const b = await openOnline(id);

    await a.context().setOffline(true);
    // The service worker cannot reach the hub either: the page below comes from its cache.
    const [worker] = a.context().serviceWorkers();
    expect(
      await worker?.evaluate(() =>
        fetch("/api/health").then(
          () => "reached",
          () => "unreachable",
        ),
      ),
    ).toBe("unreachable");
    // The room's node-type registry is kept too (typesCache.ts): a plugin type it listed is offered offline.
    const planted = await a.evaluate((key) => {
      const types = JSON.parse(localStorage.getItem(key) ?? "[]") as Array<Record<string, unknown>>;
      if (types.length === 0) return false;
      localStorage.setItem(key, JSON.stringify([...types, { ...types[0], type: "acme-score", source: "worker" }]));
      return true;
    }, `weft:types:${id}`);
    expect(planted).toBe(true);
    await a.reload();
    await a.locator('[data-node-id="src"]').waitFor();
    await a.locator('[data-connection="offline"][data-local="device"][data-session="offline"]').waitFor();
    await a.locator('[data-palette-type="acme-score"]').waitFor();

    // Offline, A moves src; online, B moves b.
    await nudge(a, "src", "ArrowDown");
    await waitFor(async () => (await unsynced(a)) > 0, "A's offline move counted");
    await a.locator(".connection-unsynced", { hasText: "saved on this device" }).waitFor();
    await nudge(b, "b", "ArrowRight");
    await waitFor(async () => ((await nodeIn(id, "b"))?.x ?? 0) > (b0?.x ?? 0), "B's move stored on the hub");
    expect((await nodeIn(id, "src"))?.y).toBe(src0?.y);

    // A reloads, still offline: its move is still there, and still counted.
    const moved = await styleOf(a, "src");
    const pending = await unsynced(a);
    await a.reload();
    await a.locator('[data-node-id="src"]').waitFor();
    await waitFor(async () => (await styleOf(a, "src")) === moved, "A's offline move kept across the reload");
    expect(await unsynced(a)).toBe(pending);

    await a.context().setOffline(false);
    await a.locator('[data-connection="connected"][data-session="online"]').waitFor({ timeout: 30_000 });
    await waitFor(async () => ((await nodeIn(id, "src"))?.y ?? 0) > (src0?.y ?? 0), "A's offline move merged");
    const now = await exported(id);
    const srcNow = now.nodes.find((n) => n.id === "src");
    const bNow = now.nodes.find((n) => n.id === "b");
    expect(bNow?.x).toBeGreaterThan(b0?.x ?? 0);
    await waitFor(async () => (await styleOf(b, "src"))?.includes(`${srcNow?.y}px`), "A's move shown in B");
    await waitFor(async () => (await styleOf(a, "b"))?.includes(`${bNow?.x}px`), "B's move shown in A");
    expect(await unsynced(a)).toBe(0);
    await a.context().close();
    await b.context().close();
  });

  /** Reloaded online, A shows graph `id` as the hub has it now (only `fresh`'s node): nothing of a stale copy. */
  async function showsOnlyFresh(a: Page, id: string): Promise<void> {
    await a.reload();
    await a.locator('[data-connection="connected"]').waitFor();
    await a.locator('[data-node-id="fresh"]').waitFor();
    expect(await a.locator("[data-node-id]").count()).toBe(1);
    expect((await exported(id)).nodes.map((n) => n.id)).toEqual(["fresh"]);
  }

  /** Graph `id` opened online (kept on the device), then reloaded offline with one move of "src" not synced. */
  async function offlineWithAMove(id: string): Promise<Page> {
    await putGraph(id);
    const a = await openOnline(id);
    await keptOnDevice(a, id);
    await a.context().setOffline(true);
    // Reloaded offline, A has no socket left that could still hear the room's CLOSE-5 (the emulation spares them).
    await a.reload();
    await a.locator('[data-connection="offline"]').waitFor();
    await nudge(a, "src", "ArrowDown");
    await waitFor(async () => (await unsynced(a)) > 0, "A's offline move counted");
    return a;
  }

  it("a graph deleted on the hub while A was offline: A's stale copy is deleted, A is told, and the graph stays gone", async () => {
    const id = "offline-deleted";
    const a = await offlineWithAMove(id);
    expect((await hub.api(`/api/graphs/${id}`, { method: "DELETE" })).status).toBe(200);

    await a.context().setOffline(false);
    await a.locator('[data-page="graph-not-found"]').waitFor({ timeout: 30_000 });
    await a.locator("[data-notice]", { hasText: "deleted on the hub; your" }).waitFor();
    await waitFor(async () => (await localCopies(a, id)).databases === 0, "A's copy deleted from IndexedDB");
    expect((await hub.api(`/api/graphs/${id}`)).status).toBe(404);

    // Re-created under the same id, it opens with the hub's content only: nothing comes back from the old copy.
    await putGraph(id, fresh);
    await showsOnlyFresh(a, id);
    await a.context().close();
  });

  it("a graph deleted and re-created while A was offline: the room refuses A's stale copy, A drops it, shows the new graph and offers its own as a download", async () => {
    const id = "offline-replaced";
    const a = await offlineWithAMove(id);
    const movedY = await a.evaluate(() => document.querySelector('[data-node-id="src"]')?.getAttribute("style"));
    expect((await hub.api(`/api/graphs/${id}`, { method: "DELETE" })).status).toBe(200);
    await putGraph(id, fresh);

    await a.context().setOffline(false);
    await a.locator("[data-notice]", { hasText: "replaced on the hub; your" }).waitFor({ timeout: 30_000 });
    await a.locator('[data-node-id="fresh"]').waitFor();
    await a.locator('[data-connection="connected"]').waitFor();
    await waitFor(async () => (await a.locator("[data-node-id]").count()) === 1, "only the new graph's node in A");
    expect((await exported(id)).nodes.map((n) => n.id)).toEqual(["fresh"]);

    // The offline copy, as it was before the hub's version came in, is a download.
    const [download] = await Promise.all([
      a.waitForEvent("download"),
      a.locator('[data-action="download-offline-copy"]').click(),
    ]);
    const saved = JSON.parse(readFileSync(await download.path(), "utf8")) as Exported;
    expect(saved.nodes.map((n) => n.id).sort()).toEqual(["b", "mid", "src"]);
    expect(movedY).toContain(`${saved.nodes.find((n) => n.id === "src")?.y}px`);

    // A reload shows the hub's graph only: the stale copy is gone from IndexedDB too.
    await showsOnlyFresh(a, id);
    await a.context().close();
  });

  it("deleting a graph from the graph list forgets its copy on this device", async () => {
    const id = "offline-listed";
    await putGraph(id);
    const a = await openOnline(id);
    await keptOnDevice(a, id);
    await a.goto(`${hub.url}/`);
    a.on("dialog", (dialog) => void dialog.accept());
    await a.locator(`[data-graph-id="${id}"] [data-action="delete-graph"]`).click();
    await waitFor(async () => (await hub.api(`/api/graphs/${id}`)).status === 404, "the graph deleted on the hub");
    await waitFor(async () => (await localCopies(a, id)).databases === 0, "its copy deleted from IndexedDB");
    expect(await a.evaluate((key) => localStorage.getItem(key), `weft:types:${id}`)).toBeNull();
    await a.context().close();
  });
});
