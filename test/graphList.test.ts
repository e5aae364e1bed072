// The graph list with its rooms' reports: node count, run state and who is editing, in GET /api/graphs and in
// the home page (real wrangler dev, real `weft worker`, Debian's Chromium); renaming from the list
// (PATCH /api/graphs/:id) reaches open editors. The catalogue's table is checked on DO SQLite via Miniflare.
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphEntry } from "../shared/graphActivity.ts";
import { addNode, readMeta } from "../shared/ydoc.ts";
import {
  accessToken,
  CHROMIUM_FLAGS,
  demoGraph,
  type Hub,
  jsonRequest,
  startHub,
  startWorker,
  TOKEN,
  type Worker,
  waitFor,
} from "./harness.ts";
import { type ContractResult, runOnDurableObjectSqlite } from "./sqlContract/run.ts";
import { YClients } from "./yjsClient.ts";

describe("the catalogue's graph table on Durable Object SQLite", () => {
  let results: ContractResult[] = [];
  let dispose: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    ({ results, dispose } = await runOnDurableObjectSqlite("test/sqlContract/graphTableEntry.ts", "Runner"));
  });
  afterAll(async () => {
    await dispose?.();
  });

  it("migrates a first-schema table, writes a report once, writes nothing for an equal one or a deleted graph", () => {
    expect(results.map((r) => r.name)).toHaveLength(4);
    expect(results.filter((r) => r.error)).toEqual([]);
  });
});

/** How soon a connection opening or closing shows in the list: the 2 s debounce plus slack. */
const PRESENCE_MS = 5000;

describe("the graph list", () => {
  let hub: Hub;
  let browser: Browser;
  const clients = new YClients(() => hub);
  const workers: Worker[] = [];

  beforeAll(async () => {
    hub = await startHub();
    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS, headless: true });
  });
  afterAll(async () => {
    clients.closeAll();
    await Promise.all(workers.map((w) => w.stop()));
    await browser?.close();
    await hub?.stop();
  });

  const ada = () => accessToken({ user: "ada", name: "Ada Lovelace", role: "editor" });
  const vic = () => accessToken({ user: "vic", name: "Vic Viewer", role: "viewer" });
  const grace = () => accessToken({ user: "grace", name: "Grace Hopper", role: "admin" });

  async function putGraph(id: string, running = false): Promise<void> {
    const put = await hub.api(`/api/graphs/${id}`, jsonRequest("PUT", { ...demoGraph(250), name: id, running }));
    expect(put.status).toBeLessThan(300);
  }
  async function entry(id: string, token?: string): Promise<GraphEntry | undefined> {
    const list = await hub.api<GraphEntry[]>("/api/graphs", token === undefined ? {} : { token });
    return list.body.find((g) => g.id === id);
  }
  /** Waits until the listed entry of `id` passes `check`, and returns it. */
  async function listed(
    id: string,
    what: string,
    check: (g: GraphEntry) => boolean,
    timeoutMs = 20_000,
  ): Promise<GraphEntry> {
    let last: GraphEntry | undefined;
    return waitFor(
      async () => {
        last = await entry(id);
        return last && check(last) ? last : undefined;
      },
      `${what} in GET /api/graphs`,
      timeoutMs,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last entry ${JSON.stringify(last)}`);
    });
  }
  async function page(path: string, token: string): Promise<Page> {
    const p = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    p.on("pageerror", (error) => console.error(`page error: ${error.message}`));
    await p.goto(`${hub.url}${path}${path.includes("?") ? "&" : "?"}token=${token}`);
    return p;
  }
  const row = (p: Page, id: string) => p.locator(`[data-graph-id="${id}"]`);

  it("GET /api/graphs: node count, state, editors by name and viewers by count, as connections open and close", async () => {
    await putGraph("activity");
    const first = await listed(
      "activity",
      "3 nodes, stopped, nobody in",
      (g) => g.nodes === 3 && g.state === "stopped",
    );
    expect(first).toMatchObject({ name: "activity", editors: [], editorCount: 0, viewers: 0 });
    expect(first.activityAt).toEqual(expect.any(String));

    const editor = await clients.synced("activity", { token: await ada() });
    const viewer = await clients.synced("activity", { token: await vic() });
    // Reports are at most 2 s apart and end with the latest state: a change is listed within a few seconds
    // (the room's next alarm would bring it too, seconds later; PRESENCE_MS keeps the test on the connection events).
    await listed(
      "activity",
      "Ada editing, one viewer",
      (g) => g.editors.join() === "Ada Lovelace" && g.viewers === 1,
      PRESENCE_MS,
    );

    addNode(editor.doc, { id: "extra", type: "log", name: "Extra", x: 900, y: 140, params: {} });
    const edited = await listed("activity", "4 nodes", (g) => g.nodes === 4);
    expect(Date.parse(edited.updatedAt)).toBeGreaterThan(Date.parse(first.updatedAt));

    clients.close(editor);
    const left = await listed("activity", "Ada gone", (g) => g.editorCount === 0 && g.viewers === 1, PRESENCE_MS);
    // Who is connected is not an edit: the listed update time stays.
    expect(left.updatedAt).toBe(edited.updatedAt);
    clients.close(viewer);
    await listed("activity", "nobody in", (g) => g.viewers === 0 && g.editorCount === 0, PRESENCE_MS);
  });

  it("run state: pending while no worker can take the processes, running once `weft worker --all` has them", async () => {
    await putGraph("runs");
    await listed("runs", "stopped", (g) => g.state === "stopped");
    expect((await hub.api("/api/graphs/runs/start", { method: "POST" })).status).toBe(200);
    const pending = await listed("runs", "3 pending", (g) => g.state === "degraded" && g.processes?.pending === 3);
    expect(pending.processes).toEqual({ running: 0, starting: 0, pending: 3, failed: 0, stopping: 0 });

    const worker = startWorker(hub, ["--all", "--name", "list-worker"]);
    workers.push(worker);
    await listed("runs", "3 running", (g) => g.state === "running" && g.processes?.running === 3);
    // A worker token lists every graph by id, name and time (what `--all` needs), not who is in them.
    const asWorker = await hub.api<Array<Record<string, unknown>>>("/api/graphs", { token: TOKEN });
    expect(asWorker.status).toBe(200);
    for (const g of asWorker.body) expect(Object.keys(g).sort()).toEqual(["id", "name", "updatedAt"]);
    expect(asWorker.body.map((g) => g.id)).toContain("runs");

    expect((await hub.api("/api/graphs/runs/stop", { method: "POST" })).status).toBe(200);
    await listed("runs", "stopped again", (g) => g.state === "stopped" && g.processes?.running === 0);
    await worker.stop();
  });

  it("PATCH /api/graphs/:id renames the graph's document (editor role), checked like other names", async () => {
    await putGraph("renamed");
    const watcher = await clients.synced("renamed", { token: await vic() });
    const patch = (body: unknown, token?: string) =>
      hub.api<{ error?: { code: string; message: string } }>("/api/graphs/renamed", {
        ...jsonRequest("PATCH", body),
        ...(token ? { token } : {}),
      });
    expect(await patch({ name: "   " })).toMatchObject({ status: 400, body: { error: { code: "invalid_name" } } });
    expect(await patch({ name: "x".repeat(201) })).toMatchObject({
      status: 400,
      body: { error: { code: "invalid_name" } },
    });
    expect(await patch({})).toMatchObject({ status: 400, body: { error: { code: "invalid_name" } } });
    const refused = await patch({ name: "By a viewer" }, await vic());
    expect(refused).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
    expect(refused.body.error?.message).toContain("editor role");
    expect(await hub.api("/api/graphs/no-such-graph", jsonRequest("PATCH", { name: "Nope" }))).toMatchObject({
      status: 404,
      body: { error: { code: "graph_not_found" } },
    });

    expect(await patch({ name: "  Renamed by API  " }, await ada())).toEqual({
      status: 200,
      body: { id: "renamed", name: "Renamed by API" },
    });
    expect((await hub.api<{ name: string }>("/api/graphs/renamed")).body.name).toBe("Renamed by API");
    expect((await entry("renamed"))?.name).toBe("Renamed by API");
    await waitFor(() => readMeta(watcher.doc).name === "Renamed by API", "the new name in an open client's document");
    clients.close(watcher);
  });

  it("the list page shows state, node count and who edits; renames inline into the editor's title; Escape cancels; a failure says why", async () => {
    await putGraph("shown");
    await putGraph("doomed");
    const editor = await page("/g/shown", await grace());
    await editor.locator('[data-connection="connected"]').waitFor();
    await editor.locator("[data-node-id]").first().waitFor();
    await listed("shown", "Grace editing", (g) => g.editors.includes("Grace Hopper"));

    const list = await page("/", await grace());
    const patches: string[] = [];
    list.on("request", (r) => {
      if (r.method() === "PATCH") patches.push(r.url());
    });
    const shown = row(list, "shown");
    await shown.waitFor();
    expect(await shown.getAttribute("data-graph-state")).toBe("stopped");
    expect(await shown.getAttribute("data-graph-nodes")).toBe("3");
    expect(await shown.getAttribute("data-graph-editors")).toBe("1");
    // In words, not colour only.
    expect(await shown.locator("[data-graph-state-label]").textContent()).toBe("Stopped");
    expect(await shown.locator(".graph-nodes").textContent()).toBe("3 nodes");
    expect(await shown.locator(".graph-presence").textContent()).toBe("Grace Hopper editing");

    // Escape cancels: nothing is sent, the name stays.
    await shown.locator('[data-action="rename-graph"]').click();
    const input = shown.locator("[data-rename-input]");
    await input.fill("Not this one");
    await input.press("Escape");
    await shown.locator(".graph-link").waitFor();
    expect(await shown.locator(".graph-name").textContent()).toBe("shown");
    // An empty name is refused in words before anything is sent.
    await shown.locator('[data-action="rename-graph"]').click();
    await input.fill("   ");
    await input.press("Enter");
    expect(await shown.locator("[data-rename-error]").textContent()).toContain("cannot be empty");
    expect(patches).toEqual([]);

    // Enter saves: the list and the open editor's title show the new name.
    await input.fill("Shown and renamed");
    await input.press("Enter");
    await waitFor(
      async () => (await shown.locator(".graph-name").textContent()) === "Shown and renamed",
      "new name in the list",
    );
    expect(patches).toHaveLength(1);
    await waitFor(
      async () => (await editor.locator("[data-graph-name]").inputValue()) === "Shown and renamed",
      "new name in the editor's title field",
    );
    await waitFor(
      async () => (await editor.title()) === "Shown and renamed · Weft",
      "new name in the editor tab's title",
    );

    // A viewer is not offered a rename (the hub would refuse it: see the PATCH test).
    const viewerList = await page("/", await vic());
    await row(viewerList, "shown").waitFor();
    expect(await row(viewerList, "shown").locator('[data-action="rename-graph"]').count()).toBe(0);
    expect(await row(viewerList, "shown").getAttribute("data-graph-state")).toBe("stopped");
    await viewerList.context().close();

    // A refused rename (the graph was deleted meanwhile) says why under the field, which keeps the draft.
    const doomed = row(list, "doomed");
    await doomed.locator('[data-action="rename-graph"]').click();
    await doomed.locator("[data-rename-input]").fill("Too late");
    expect((await hub.api("/api/graphs/doomed", { method: "DELETE" })).status).toBe(200);
    await doomed.locator("[data-rename-input]").press("Enter");
    const error = doomed.locator("[data-rename-error]");
    await error.waitFor();
    expect(await error.textContent()).toBe('Could not rename the graph: no graph with id "doomed"');
    expect(await doomed.locator("[data-rename-input]").inputValue()).toBe("Too late");
    expect(await doomed.locator("[data-rename-input]").getAttribute("aria-invalid")).toBe("true");

    // Delete with confirm still works from the list.
    list.on("dialog", (dialog) => void dialog.accept());
    await shown.locator('[data-action="delete-graph"]').click();
    await waitFor(async () => (await shown.count()) === 0, "the deleted graph gone from the list");
    expect(await entry("shown")).toBeUndefined();
    await list.context().close();
    await editor.context().close();
  });

  it("the list refreshes when the page regains focus and every 10 s while visible, no more often", async () => {
    await putGraph("fresh");
    const writer = await clients.synced("fresh", { token: await ada() });
    await listed("fresh", "Ada editing", (g) => g.editorCount === 1);
    const list = await page("/", await grace());
    const started = Date.now();
    let fetches = 0;
    list.on("request", (r) => {
      if (r.method() === "GET" && new URL(r.url()).pathname === "/api/graphs") fetches++;
    });
    const fresh = row(list, "fresh");
    await fresh.waitFor();
    expect(await fresh.getAttribute("data-graph-editors")).toBe("1");

    // Regaining focus refreshes at once (well before the 10 s cycle).
    addNode(writer.doc, { id: "n4", type: "log", name: "Four", x: 900, y: 140, params: {} });
    await listed("fresh", "4 nodes", (g) => g.nodes === 4);
    const focusAt = Date.now();
    await list.evaluate(() => window.dispatchEvent(new Event("focus")));
    await waitFor(async () => (await fresh.getAttribute("data-graph-nodes")) === "4", "4 nodes after focus", 3000);
    expect(Date.now() - focusAt).toBeLessThan(3000);

    // Without focus, the 10 s cycle brings the next change.
    addNode(writer.doc, { id: "n5", type: "log", name: "Five", x: 900, y: 300, params: {} });
    await listed("fresh", "5 nodes", (g) => g.nodes === 5);
    await waitFor(async () => (await fresh.getAttribute("data-graph-nodes")) === "5", "5 nodes on the cycle", 12_000);
    // The first load, one focus, one per 10 s: no tight polling.
    const elapsed = Date.now() - started;
    expect(fetches).toBeGreaterThanOrEqual(2);
    expect(fetches).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 10_000));
    clients.close(writer);
    await list.context().close();
  });
});
