// End to end: wrangler dev + a real `weft worker` + Debian's Chromium. Two browsers edit one graph and see each other.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  accessToken,
  CHROMIUM_FLAGS,
  demoGraph,
  type Hub,
  jsonRequest,
  ROOT,
  startHub,
  startWorker,
  type Worker,
  waitFor,
} from "./harness.ts";

let hub: Hub;
let worker: Worker;
let browser: Browser;

beforeAll(async () => {
  hub = await startHub();
  await hub.api("/api/graphs/demo", jsonRequest("PUT", demoGraph(300)));
  worker = startWorker(hub, ["--all", "--name", "e2e", "--id", "e2e-worker"]);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
  await worker?.stop();
  await hub?.stop();
});

async function openEditor(graphId: string, token = hub.adminToken): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 820 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  // The login link: the token becomes a session cookie and leaves the address bar.
  await page.goto(`${hub.url}/g/${graphId}?token=${token}`);
  expect(page.url()).toBe(`${hub.url}/g/${graphId}`);
  await page.locator('[data-connection="connected"]').waitFor();
  return page;
}

/** Waits until `locator` matches exactly `n` elements. */
async function hasCount(locator: Locator, n: number): Promise<void> {
  await waitFor(async () => (await locator.count()) === n, `${n} × ${locator}`);
}

const counter = (page: Page, nodeId: string, attr: "data-in" | "data-out") =>
  page.locator(`[data-node-id="${nodeId}"] [${attr}]`).getAttribute(attr).then(Number);

describe("editor", () => {
  it("shows the running demo with the log node's count rising, pushed live", async () => {
    const page = await openEditor("demo");
    await hasCount(page.locator("[data-node-id]"), 3);
    await hasCount(page.locator("[data-edge-id]"), 2);
    await waitFor(async () => (await counter(page, "log", "data-in")) > 0, "log count above zero", 30_000);
    for (const id of ["random", "factorize", "log"]) {
      await page.locator(`[data-node-id="${id}"] [data-state="running"]`).waitFor();
    }
    const first = await counter(page, "log", "data-in");
    await waitFor(async () => (await counter(page, "log", "data-in")) > first, "log count rising", 15_000);
    // While messages flow the node shows its rate, worked out from the pushed counters.
    await waitFor(
      async () =>
        (await page.evaluate(() =>
          Number(document.querySelector('[data-node-id="log"] [data-rate-in]')?.getAttribute("data-rate-in") ?? 0),
        )) > 0,
      "a rate on the log node",
      15_000,
    );
    await page.locator('[data-node-id="log"]').click();
    await page.locator("[data-recent] li").first().waitFor();
    mkdirSync(join(ROOT, "docs"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "docs/editor.png") });
    await page.context().close();
  });

  it("a node added in one browser appears in the other, and a deletion there comes back", async () => {
    const a = await openEditor("demo");
    const b = await openEditor("demo");
    await hasCount(a.locator("[data-node-id]"), 3);
    await b.locator('[data-palette-type="log"]').click();
    await waitFor(async () => (await a.locator("[data-node-id]").count()) === 4, "node added by the other browser");
    const added = await waitFor(
      () => a.locator('[data-node-type="log"]:not([data-node-id="log"])').getAttribute("data-node-id"),
      "id of the new node",
    );
    const exported = await hub.api<{ nodes: Array<{ id: string }> }>("/api/graphs/demo");
    expect(exported.body.nodes.map((n) => n.id)).toContain(added);

    // Browser A connects factorize.out → the new log node's input by dragging; B sees the edge.
    const from = a.locator('[data-node-id="factorize"] [data-port="out"][data-port-dir="out"]');
    const to = a.locator(`[data-node-id="${added}"] [data-port="in"][data-port-dir="in"]`);
    await from.dragTo(to);
    await waitFor(async () => (await b.locator("[data-edge-id]").count()) === 3, "edge drawn in the other browser");

    // A renames the node in its side panel; B sees the new name.
    await a.locator(`[data-node-id="${added}"]`).click();
    await a.locator(`#name-${added}`).fill("Second sink");
    await a.locator(`#name-${added}`).press("Tab");
    await waitFor(
      async () => (await b.locator(`[data-node-id="${added}"] .node-name`).textContent()) === "Second sink",
      "node rename in B",
    );

    // A deletes the node with the keyboard; B sees it and its edge go.
    await a.locator(`[data-node-id="${added}"]`).click();
    await a.keyboard.press("Delete");
    await waitFor(async () => (await b.locator("[data-node-id]").count()) === 3, "deletion seen by the other browser");
    await hasCount(b.locator("[data-edge-id]"), 2);

    // A renames the graph: B's toolbar and the catalogue follow.
    await a.locator("[data-graph-name]").fill("Primes");
    await a.locator("[data-graph-name]").press("Enter");
    await waitFor(async () => (await b.locator("[data-graph-name]").inputValue()) === "Primes", "rename in B");
    await waitFor(async () => {
      const list = await hub.api<Array<{ id: string; name: string }>>("/api/graphs");
      return list.body.find((g) => g.id === "demo")?.name === "Primes";
    }, "rename in the catalogue");
    await a.context().close();
    await b.context().close();
  });

  it("stop and start from the toolbar change the runtime state everywhere", async () => {
    const a = await openEditor("demo");
    const b = await openEditor("demo");
    await a.locator('[data-action="stop"]').click();
    await b.locator('[data-node-id="random"] [data-state="stopped"]').waitFor();
    expect((await hub.api<{ running: boolean }>("/api/graphs/demo")).body.running).toBe(false);
    await b.locator('[data-action="start"]').click();
    await a.locator('[data-node-id="random"] [data-state="running"]').waitFor({ timeout: 15_000 });
    await a.context().close();
    await b.context().close();
  });

  it("a viewer sees the graph and its runtime live, read-only: no palette, no start/stop, no edits land", async () => {
    const viewer = await accessToken({ user: "vera", name: "Vera", role: "viewer", graphs: ["demo"] });
    const page = await openEditor("demo", viewer);
    await page.locator("[data-read-only]").waitFor();
    expect(await page.locator('[data-user="vera"] [data-role="viewer"]').count()).toBe(1);
    expect(await page.locator("[data-action=stop], [data-action=start]").first().isDisabled()).toBe(true);
    await page.locator('[data-node-id="log"] [data-state="running"]').waitFor({ timeout: 15_000 });
    const before = (await hub.api<{ nodes: Array<{ id: string; x: number }> }>("/api/graphs/demo")).body;
    const box = await page.locator('[data-node-id="log"]').boundingBox();
    if (!box) throw new Error("log node not on screen");
    await page.mouse.move(box.x + 20, box.y + 10);
    await page.mouse.down();
    await page.mouse.move(box.x + 220, box.y + 110, { steps: 5 });
    await page.mouse.up();
    // An editor's later edit lands; the viewer's drag did not.
    const editor = await openEditor("demo");
    await editor.locator('[data-node-id="random"]').waitFor();
    await hub.api("/api/graphs/demo/stop", { method: "POST" });
    await hub.api("/api/graphs/demo/start", { method: "POST" });
    const after = (await hub.api<{ nodes: Array<{ id: string; x: number }> }>("/api/graphs/demo")).body;
    expect(after.nodes.find((n) => n.id === "log")?.x).toBe(before.nodes.find((n) => n.id === "log")?.x);
    await page.context().close();
    await editor.context().close();
  });

  it("signing in with a pasted token; the graph list opens a graph; an unknown graph gets a not-found page", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(hub.url);
    // Without a session the editor asks for a token; pasting one signs the browser in (a session cookie).
    await page.locator('[data-page="sign-in"]').waitFor();
    await page.locator("[data-sign-in-token]").fill(hub.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator('[data-graph-id="demo"]').waitFor();
    expect(page.url()).toBe(`${hub.url}/`);
    expect((await context.cookies()).find((c) => c.name === "weft_session")).toMatchObject({
      httpOnly: true,
      sameSite: "Strict",
    });
    await page.locator('[data-graph-id="demo"] a').first().click();
    await page.locator('[data-node-id="random"]').waitFor();
    expect(new URL(page.url()).pathname).toBe("/g/demo");
    // A link to a graph that does not exist says so and leads back to the list.
    await page.goto(`${hub.url}/g/no-such-graph`);
    await page.locator('[data-page="graph-not-found"]').waitFor();
    await page.getByRole("link", { name: "Back to the graphs" }).click();
    await page.locator('[data-graph-id="demo"]').waitFor();
    await context.close();
  });
});
