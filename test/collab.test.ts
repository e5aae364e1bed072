// End to end, several browser contexts on one graph (wrangler dev + Debian's Chromium): concurrent drags, per-user
// undo, select all / delete / undo, box selection, and copy/paste of nodes between two graphs.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { animatedPng } from "./apng.ts";
import { accessToken, CHROMIUM_FLAGS, type Hub, jsonRequest, ROOT, startHub, waitFor } from "./harness.ts";

let hub: Hub;
let browser: Browser;

interface Placed {
  id: string;
  name: string;
  x: number;
  y: number;
  params: Record<string, unknown>;
}
interface Exported {
  nodes: Placed[];
  edges: Array<{ id: string; from: string; to: string }>;
}

/** Four nodes far enough apart to drag, two edges; stopped, so no worker is needed. */
function team(): object {
  const node = (id: string, type: string, x: number, y: number) => ({ id, type, name: id, x, y, params: {} });
  return {
    name: "Team",
    running: false,
    nodes: [
      node("src", "random", 40, 40),
      node("mid", "json", 360, 40),
      node("a", "log", 680, 40),
      node("b", "log", 680, 300),
    ],
    edges: [
      { id: "e1", from: "src", fromPort: "out", to: "mid", toPort: "in" },
      { id: "e2", from: "mid", fromPort: "out", to: "a", toPort: "in" },
    ],
  };
}

beforeAll(async () => {
  hub = await startHub();
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_FLAGS, headless: true });
});
afterAll(async () => {
  await browser?.close();
  await hub?.stop();
});

async function putGraph(id: string, graph = team()): Promise<void> {
  const put = await hub.api(`/api/graphs/${id}`, jsonRequest("PUT", graph));
  expect(put.status).toBeLessThan(300);
}

async function openEditor(graphId: string, page?: Page, token = hub.adminToken): Promise<Page> {
  const p = page ?? (await (await browser.newContext({ viewport: { width: 1440, height: 820 } })).newPage());
  p.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  await p.goto(`${hub.url}/g/${graphId}?token=${token}`);
  await p.locator('[data-connection="connected"]').waitFor();
  await p.locator("[data-node-id]").first().waitFor();
  return p;
}

const exported = async (id: string) => (await hub.api<Exported>(`/api/graphs/${id}`)).body;
const nodeIn = async (graphId: string, nodeId: string) => (await exported(graphId)).nodes.find((n) => n.id === nodeId);

/** Drags a node by its title bar by (dx, dy) screen pixels, in small steps like a hand. */
async function drag(page: Page, nodeId: string, dx: number, dy: number): Promise<void> {
  const box = await page.locator(`[data-node-id="${nodeId}"] .node-head`).boundingBox();
  if (!box) throw new Error(`node ${nodeId} is not on screen`);
  const x = box.x + 20;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x + dx, y + dy, { steps: 8 });
  await page.mouse.up();
}

/** The zoom the editor framed the graph at (drags move by screen pixels / zoom). */
const zoom = async (page: Page) => Number((await page.locator(".zoom-level").textContent())?.replace("%", "")) / 100;

describe("editing one graph together", () => {
  it("two people drag different nodes at once: both moves land, in both browsers and in the graph", async () => {
    await putGraph("drags");
    const a = await openEditor("drags");
    const b = await openEditor("drags");
    const before = await exported("drags");
    await Promise.all([drag(a, "src", 0, 160), drag(b, "b", -200, 0)]);
    const z = await zoom(a);
    await waitFor(async () => {
      const now = await exported("drags");
      const src = now.nodes.find((n) => n.id === "src");
      const moved = now.nodes.find((n) => n.id === "b");
      const src0 = before.nodes.find((n) => n.id === "src");
      const b0 = before.nodes.find((n) => n.id === "b");
      return (
        src &&
        moved &&
        src0 &&
        b0 &&
        Math.abs(src.y - src0.y - 160 / z) < 4 &&
        Math.abs(moved.x - b0.x + 200 / (z || 1)) < 40
      );
    }, "both drags in the graph");
    // Each browser shows the other's move.
    const srcNow = await nodeIn("drags", "src");
    await waitFor(
      async () => (await b.locator('[data-node-id="src"]').getAttribute("style"))?.includes(`${srcNow?.y}px`),
      "A's drag in B",
    );
    await a.context().close();
    await b.context().close();
  });

  it("undo in one browser reverts only its own edit; the other's rename stays", async () => {
    await putGraph("undo");
    const a = await openEditor("undo");
    const b = await openEditor("undo");
    expect(await a.locator('[data-action="undo"]').isDisabled()).toBe(true);
    const start = await nodeIn("undo", "src");
    await drag(a, "src", 0, 200);
    await waitFor(async () => (await nodeIn("undo", "src"))?.y !== start?.y, "A's move stored");
    await b.locator('[data-node-id="mid"] .node-head').click();
    await b.locator("#name-mid").fill("Parsed by B");
    await b.locator("#name-mid").press("Tab");
    await waitFor(async () => (await nodeIn("undo", "mid"))?.name === "Parsed by B", "B's rename stored");

    await a.locator('[data-node-id="a"] .node-head').click(); // focus the canvas, not a field
    await a.keyboard.press("Control+z");
    await waitFor(async () => (await nodeIn("undo", "src"))?.y === start?.y, "A's move undone");
    expect((await nodeIn("undo", "mid"))?.name).toBe("Parsed by B");
    await waitFor(
      async () => (await a.locator('[data-node-id="mid"] .node-name').textContent()) === "Parsed by B",
      "B's rename still shown in A",
    );
    // Redo from the toolbar puts A's move back.
    await a.locator('[data-action="redo"]').click();
    await waitFor(async () => (await nodeIn("undo", "src"))?.y !== start?.y, "A's move redone");
    // B's undo takes back B's rename only.
    await b.locator('[data-action="undo"]').click();
    await waitFor(async () => (await nodeIn("undo", "mid"))?.name === "mid", "B's rename undone");
    expect((await nodeIn("undo", "src"))?.y).not.toBe(start?.y);
    await a.context().close();
    await b.context().close();
  });

  it("Ctrl+A selects everything, Delete removes it for both, and one Ctrl+Z brings it all back", async () => {
    await putGraph("all");
    const a = await openEditor("all");
    const b = await openEditor("all");
    await a.locator('[data-node-id="src"] .node-head').click();
    await a.keyboard.press("Control+a");
    await waitFor(async () => (await a.locator(".node.selected").count()) === 4, "all four selected");
    await a.keyboard.press("Delete");
    await waitFor(async () => (await b.locator("[data-node-id]").count()) === 0, "everything gone in B");
    expect((await exported("all")).nodes).toHaveLength(0);
    await a.keyboard.press("Control+z");
    await waitFor(async () => (await b.locator("[data-node-id]").count()) === 4, "everything back in B");
    await waitFor(async () => (await b.locator("[data-edge-id]").count()) === 2, "edges back in B");
    await a.context().close();
    await b.context().close();
  });

  it("shift-drag on the background box-selects the nodes it touches; shift-click adds one", async () => {
    await putGraph("box");
    const a = await openEditor("box");
    const src = await a.locator('[data-node-id="src"]').boundingBox();
    const mid = await a.locator('[data-node-id="mid"]').boundingBox();
    if (!src || !mid) throw new Error("nodes not on screen");
    // From above-left of src to the middle of mid, on empty canvas.
    await a.keyboard.down("Shift");
    await a.mouse.move(src.x - 20, src.y - 20);
    await a.mouse.down();
    await a.mouse.move(mid.x + 10, mid.y + mid.height / 2, { steps: 6 });
    await a.locator("[data-select-band]").waitFor();
    await a.mouse.up();
    await a.keyboard.up("Shift");
    await waitFor(async () => (await a.locator(".node.selected").count()) === 2, "two nodes in the band");
    expect(await a.locator('.node.selected[data-node-id="src"]').count()).toBe(1);
    await a.locator('[data-node-id="b"] .node-head').click({ modifiers: ["Shift"] });
    await waitFor(async () => (await a.locator(".node.selected").count()) === 3, "shift-click added b");
    await a.context().close();
  });

  it("drawing an edge says what it would do before letting go; the keyboard connects ports too", async () => {
    await putGraph("links");
    const page = await openEditor("links");
    const port = (node: string, dir: "in" | "out", name: string) =>
      page.locator(`[data-node-id="${node}"] [data-port="${name}"][data-port-dir="${dir}"]`);
    const centre = async (node: string, dir: "in" | "out", name: string) => {
      const box = await port(node, dir, name).boundingBox();
      if (!box) throw new Error(`port ${node}.${name} is not on screen`);
      return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    };
    /** Presses on `from`, moves over `to` and reads what the canvas says there, then lets go. */
    const drawTo = async (from: [string, "in" | "out", string], to: [string, "in" | "out", string]) => {
      const a = await centre(...from);
      const b = await centre(...to);
      await page.mouse.move(a.x, a.y);
      await page.mouse.down();
      await page.mouse.move(b.x, b.y, { steps: 6 });
      const hint = page.locator("[data-link-hint]");
      await hint.waitFor();
      const seen = {
        kind: await hint.getAttribute("data-link-hint"),
        text: await hint.textContent(),
        port: await port(...to).getAttribute("data-link"),
      };
      await page.mouse.up();
      return seen;
    };

    // mid → a exists: a's error output → mid.in closes a loop, which is allowed and named.
    expect(await drawTo(["a", "out", "error"], ["mid", "in", "in"])).toEqual({
      kind: "loop",
      port: "loop",
      text: expect.stringContaining("closes a loop (mid → a → mid)"),
    });
    await hasEdges(page, 3);
    // The same edge again, and an output onto an output, are refused before anything is written.
    expect(await drawTo(["src", "out", "out"], ["mid", "in", "in"])).toEqual({
      kind: "bad",
      port: "bad",
      text: "Cannot connect: these ports are already connected",
    });
    expect((await drawTo(["src", "out", "out"], ["mid", "out", "out"])).text).toMatch(/^Both are outputs/);
    await hasEdges(page, 3);
    expect((await exported("links")).edges).toHaveLength(3);

    // Keyboard: mid, Enter into its ports, down to its output, Enter picks it; Alt+→ to a, Alt+↓ to b, Enter
    // into b's ports (its input first), Enter joins them.
    await page.locator('[data-node-id="mid"]').focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute("data-port"))).toBe("out");
    await page.keyboard.press("Enter");
    await expect.poll(() => port("mid", "out", "out").getAttribute("data-link")).toBe("picked");
    expect(await page.locator("[data-link-status]").textContent()).toContain("Connecting from mid.out");
    await page.keyboard.press("Alt+ArrowRight");
    await page.keyboard.press("Alt+ArrowDown");
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.closest("[data-node-id]")?.getAttribute("data-node-id")))
      .toBe("b");
    await page.keyboard.press("Enter");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.locator("[data-link-status]").textContent()).toBe("Connected mid.out and b.in");
    await waitFor(async () => (await exported("links")).edges.some((e) => e.from === "mid" && e.to === "b"), "mid → b");

    // Snap to grid (off by default): a drag then lands the node on the 24-unit grid.
    await page.locator('[data-action="snap"]').click();
    expect(await page.locator('[data-action="snap"]').getAttribute("aria-pressed")).toBe("true");
    await drag(page, "b", 37, 29);
    await waitFor(async () => {
      const b = await nodeIn("links", "b");
      return b !== undefined && b.y !== 300 && b.x % 24 === 0 && b.y % 24 === 0;
    }, "b dragged onto the grid");
    // The keyboard connection's outcome was read out, then went.
    // (The status region stays; only its data-link-status attribute goes with the text.)
    await expect.poll(() => page.locator(".link-status").textContent(), { timeout: 10_000 }).toBe("");
    await page.context().close();
  });

  it("copies two nodes and their edge in one graph and pastes them into another, with new ids", async () => {
    await putGraph("copy-from");
    await putGraph("copy-to", { name: "Empty", running: false, nodes: [], edges: [] });
    const context = await browser.newContext({ viewport: { width: 1440, height: 820 } });
    const from = await openEditor("copy-from", await context.newPage());
    await from.locator('[data-node-id="src"] .node-head').click();
    await from.locator('[data-node-id="mid"] .node-head').click({ modifiers: ["Shift"] });
    await from.keyboard.press("Control+c");

    const to = await context.newPage();
    to.on("pageerror", (error) => console.error(`page error: ${error.message}`));
    await to.goto(`${hub.url}/g/copy-to?token=${hub.adminToken}`);
    await to.locator('[data-connection="connected"]').waitFor();
    await to.locator(".canvas").hover({ position: { x: 400, y: 300 } });
    await to.keyboard.press("Control+v");
    await waitFor(async () => (await exported("copy-to")).nodes.length === 2, "two nodes pasted");
    const pasted = await exported("copy-to");
    expect(pasted.nodes.map((n) => n.id)).not.toContain("src");
    expect(pasted.nodes.map((n) => n.name).sort()).toEqual(["mid", "src"]);
    expect(pasted.edges).toHaveLength(1);
    expect(pasted.edges[0]).toMatchObject({
      from: pasted.nodes.find((n) => n.name === "src")?.id,
      to: pasted.nodes.find((n) => n.name === "mid")?.id,
    });
    await waitFor(async () => (await to.locator(".node.selected").count()) === 2, "the pasted nodes selected");
    // The source graph is untouched.
    expect((await exported("copy-from")).nodes).toHaveLength(4);
    await context.close();
  });

  it("two people typing in one transform's code both keep their keystrokes; different params of one node both land", async () => {
    const code = "return { ...msg, value: msg.value };";
    await putGraph("code", {
      name: "Code",
      running: false,
      nodes: [{ id: "t", type: "transform", name: "t", x: 40, y: 40, params: { code, timeout: "1s" } }],
      edges: [],
    });
    const a = await openEditor("code");
    const b = await openEditor("code");
    for (const page of [a, b]) {
      await page.locator('[data-node-id="t"] .node-head').click();
      await page.locator('[data-code-editor="code"] .cm-content').waitFor();
    }
    // A types at the start, B at the end, at the same time.
    const typeAt = async (page: Page, where: "Home" | "End", text: string) => {
      await page.locator('[data-code-editor="code"] .cm-content').click();
      await page.keyboard.press(where === "Home" ? "Control+Home" : "Control+End");
      await page.keyboard.type(text, { delay: 15 });
    };
    await Promise.all([typeAt(a, "Home", "// by A\n"), typeAt(b, "End", "\n// by B")]);
    const want = `// by A\n${code}\n// by B`;
    const stored = async () => (await nodeIn("code", "t"))?.params.code;
    await waitFor(async () => (await stored()) === want, "both keystroke runs in the stored code");
    for (const page of [a, b]) {
      await waitFor(async () => (await editorText(page)) === want, "both runs in each editor");
    }
    // Different fields of one node: A changes the timeout, B the memory limit; both stay.
    await a.locator('[data-param="timeout"] input').fill("2500ms");
    await a.locator('[data-param="timeout"] input').press("Enter");
    await b.locator('[data-param="memoryMb"] input').fill("128");
    await b.locator('[data-param="memoryMb"] input').press("Enter");
    await waitFor(async () => {
      const params = (await nodeIn("code", "t"))?.params;
      return params?.memoryMb === 128 && params?.timeout === "2500ms";
    }, "both params stored");
    expect((await nodeIn("code", "t"))?.params.code).toBe(want);
    await a.context().close();
    await b.context().close();
  });

  it("axe-core finds no serious accessibility violations in the graph list or the editor with a code param open", async () => {
    await putGraph("a11y", {
      ...team(),
      nodes: [
        ...(team() as { nodes: object[] }).nodes,
        { id: "t", type: "transform", name: "t", x: 40, y: 400, params: { code: "return msg;" } },
      ],
    });
    const page = await openEditor("a11y");
    await page.locator('[data-node-id="t"] .node-head').click();
    await page.locator('[data-code-editor="code"] .cm-content').waitFor();
    const axe = readFileSync(join(ROOT, "node_modules/axe-core/axe.min.js"), "utf8");
    const scan = async () => {
      await page.addScriptTag({ content: axe });
      const found = await page.evaluate(async () => {
        const result = await (window as unknown as { axe: { run(): Promise<{ violations: Violation[] }> } }).axe.run();
        return result.violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map(
            (v) =>
              `${v.id} (${v.impact}): ${v.help} — ${v.nodes
                .map((n) => n.target.join(" "))
                .slice(0, 5)
                .join(", ")}`,
          );
      });
      return found;
    };
    expect(await scan()).toEqual([]);
    await page.goto(`${hub.url}/`);
    await page.locator("[data-graph-id]").first().waitFor();
    expect(await scan()).toEqual([]);
    await page.context().close();
  });

  it("a big graph opens as tiles with its edges as bare lines; zooming in builds the bodies and edges near the view", async () => {
    // 300 nodes in 30 columns, each row a chain: framed whole, the zoom is far below the level of detail.
    const nodes = Array.from({ length: 300 }, (_, i) => ({
      id: `n${i}`,
      type: "json",
      name: `n${i}`,
      x: (i % 30) * 260,
      y: Math.floor(i / 30) * 150,
      params: {},
    }));
    const edges = nodes
      .filter((_, i) => i % 30 !== 29)
      .map((n, i) => ({ id: `e${i}`, from: n.id, fromPort: "out", to: `n${Number(n.id.slice(1)) + 1}`, toPort: "in" }));
    await putGraph("big", { name: "Big", running: false, nodes, edges });
    const page = await openEditor("big");
    await page.locator(".canvas.far.tiny").waitFor();
    expect(await page.locator("[data-node-id]").count()).toBe(300);
    expect(await page.locator(".node-sub").count()).toBe(0);
    expect(await page.locator("[data-edge-id]").count()).toBe(0);
    expect(await page.locator(".edge-lines path").count()).toBe(edges.length);
    expect(await page.locator(".node-name").first().isVisible()).toBe(false);

    // Zoomed in to about 100% (the level of detail moves when the zoom rests): only what is near the view is built.
    const zoom = async () => Number.parseInt((await page.locator(".zoom-level").textContent()) ?? "0", 10);
    for (let i = 0; i < 20 && (await zoom()) < 80; i++) await page.getByRole("button", { name: "Zoom in" }).click();
    expect(await zoom()).toBeGreaterThanOrEqual(80);
    await page.locator(".canvas:not(.far)").waitFor();
    await page.locator(".node-sub").first().waitFor();
    // While the zoom changes the world is drawn at each step's scale (no layer) and the grid is hidden; once it
    // rests the world is a layer again, for cheap pans.
    const layer = () => page.evaluate(() => getComputedStyle(document.querySelector(".world") as Element).willChange);
    await page.locator(".canvas:not(.zooming)").waitFor();
    expect(await layer()).toBe("transform");
    const during = await page.evaluate(() => {
      (document.querySelector('[aria-label="Zoom out"]') as HTMLButtonElement).click();
      const grid = document.querySelector(".canvas-grid") as Element;
      return {
        zooming: document.querySelector(".canvas")?.classList.contains("zooming"),
        layer: getComputedStyle(document.querySelector(".world") as Element).willChange,
        grid: getComputedStyle(grid).visibility,
      };
    });
    expect(during).toEqual({ zooming: true, layer: "auto", grid: "hidden" });
    await page.locator(".canvas:not(.zooming)").waitFor();
    expect(await layer()).toBe("transform");
    const built = await page.locator("[data-edge-id]").count();
    const bodies = await page.locator(".node-sub").count();
    expect(built).toBeGreaterThan(0);
    expect(built).toBeLessThan(edges.length);
    expect(bodies).toBeGreaterThan(0);
    expect(bodies).toBeLessThan(300);
    expect(await page.locator(".edge-lines path").count()).toBe(edges.length - built);
    // A built edge is a full one: it has its label and can be selected.
    const edge = page.locator("[data-edge-id]").first();
    expect(await edge.getAttribute("aria-label")).toMatch(/^edge from n\d+\.out to n\d+\.in/);
    await page.close();
  });

  it("find (Ctrl+K) selects a node by name; auto-layout moves the nodes as one undo step; the minimap moves the view", async () => {
    await putGraph("tools");
    const page = await openEditor("tools");
    await page.locator('[data-node-id="a"] .node-head').click();
    await page.keyboard.press("Control+k");
    await page.locator("[data-find-input]").fill("mid");
    await page.locator('[data-find-result="mid"]').waitFor();
    await page.keyboard.press("Enter");
    await page.locator('.node.selected[data-node-id="mid"]').waitFor();
    expect(await page.locator(".node.selected").count()).toBe(1);

    const before = await exported("tools");
    // ELK runs in a Web Worker: the page stays responsive while a big graph is laid out.
    const worker = page.waitForEvent("worker");
    await page.locator('[data-action="layout"]').click();
    expect((await worker).url()).toMatch(/elk-worker/);
    await waitFor(
      async () => {
        const now = await exported("tools");
        return now.nodes.some((n) => {
          const old = before.nodes.find((o) => o.id === n.id);
          return old && (old.x !== n.x || old.y !== n.y);
        });
      },
      "the layout stored",
      30_000,
    );
    await page.locator('[data-node-id="a"] .node-head').click();
    await page.keyboard.press("Control+z");
    await waitFor(async () => {
      const now = await exported("tools");
      return now.nodes.every((n) => {
        const old = before.nodes.find((o) => o.id === n.id);
        return old && old.x === n.x && old.y === n.y;
      });
    }, "one undo restores every position");

    const zoomText = await page.locator(".zoom-level").textContent();
    const style = () => page.locator(".world").getAttribute("style");
    const view = await style();
    const map = await page.locator("[data-minimap]").boundingBox();
    if (!map) throw new Error("no minimap");
    await page.mouse.click(map.x + 8, map.y + 8);
    await waitFor(async () => (await style()) !== view, "the view moved");
    expect(await page.locator(".zoom-level").textContent()).toBe(zoomText);
    await page.context().close();
  });

  it("presence: A's cursor, name and selection show in B; B follows A's view; all of it goes when A leaves", async () => {
    await putGraph("presence");
    const a = await openEditor("presence", undefined, await accessToken({ user: "ada", name: "Ada", role: "admin" }));
    const b = await openEditor("presence", undefined, await accessToken({ user: "bo", name: "Bo", role: "admin" }));
    await b.locator('[data-presence-user="Ada"]').waitFor();
    await a.locator('[data-presence-user="Bo"]').waitFor();
    expect(await b.locator('[data-presence-me="Bo"]').count()).toBe(1);

    await a.locator(".canvas").hover({ position: { x: 700, y: 500 } });
    await a.mouse.move(720, 520, { steps: 4 });
    const cursor = b.locator('[data-presence-cursor="Ada"]');
    await cursor.waitFor();
    await a.locator('[data-node-id="mid"] .node-head').click();
    await b.locator('[data-node-id="mid"][data-peer-selected="Ada"]').waitFor();
    await b.screenshot({ path: join(ROOT, "docs/presence.png") });
    await recordTogether(a, b);

    // B follows A; A zooms out twice; B's zoom follows.
    await b.locator('[data-presence-user="Ada"]').click();
    expect(await b.locator('[data-presence-user="Ada"]').getAttribute("aria-pressed")).toBe("true");
    await a.locator('[aria-label="Zoom out"]').click();
    await a.locator('[aria-label="Zoom out"]').click();
    const aZoom = await a.locator(".zoom-level").textContent();
    await waitFor(async () => (await b.locator(".zoom-level").textContent()) === aZoom, `B's zoom at A's ${aZoom}`);

    await a.context().close();
    await waitFor(async () => (await b.locator('[data-presence-cursor="Ada"]').count()) === 0, "A's cursor gone");
    await waitFor(async () => (await b.locator('[data-presence-user="Ada"]').count()) === 0, "A gone from the list");
    expect(await b.locator("[data-peer-selected]").count()).toBe(0);
    await b.context().close();
  });

  it("offline edits merge on reconnect; an edge drawn offline to a node deleted meanwhile is dropped and explained", async () => {
    await putGraph("offline");
    const a = await openEditor("offline");
    const b = await openEditor("offline");
    await b.context().setOffline(true);
    await b.locator('[data-connection="offline"]').waitFor();
    // Online, A deletes node b. Offline, B renames src and draws an edge to b, which B still sees.
    await a.locator('[data-node-id="b"] .node-head').click();
    await a.keyboard.press("Delete");
    await waitFor(async () => !(await exported("offline")).nodes.some((n) => n.id === "b"), "A's deletion stored");
    await b.locator('[data-node-id="src"] .node-head').click();
    await b.locator("#name-src").fill("Renamed offline");
    await b.locator("#name-src").press("Tab");
    await b
      .locator('[data-node-id="mid"] [data-port="out"][data-port-dir="out"]')
      .dragTo(b.locator('[data-node-id="b"] [data-port="in"][data-port-dir="in"]'));
    await waitFor(async () => (await b.locator("[data-edge-id]").count()) === 3, "B's new edge drawn offline");
    expect(Number(await b.locator("[data-unsynced]").getAttribute("data-unsynced"))).toBeGreaterThanOrEqual(2);

    await b.context().setOffline(false);
    await b.locator('[data-connection="connected"]').waitFor({ timeout: 30_000 });
    await waitFor(
      async () => (await nodeIn("offline", "src"))?.name === "Renamed offline",
      "B's offline rename merged",
    );
    await waitFor(async () => (await b.locator('[data-node-id="b"]').count()) === 0, "A's deletion reached B");
    await b.locator('[data-notice]:has-text("that edge was dropped")').waitFor();
    // Both show the same live edges; the dangling one is never shown or exported.
    await hasEdges(a, 2);
    await hasEdges(b, 2);
    expect((await exported("offline")).edges.map((e) => e.id).sort()).toEqual(["e1", "e2"]);
    await a.context().close();
    await b.context().close();
  });
});

describe("graph list", () => {
  it("imports a gofi graph file, finds it by search, duplicates it stopped, and exports it as JSON", async () => {
    const context = await browser.newContext({ viewport: { width: 1440, height: 820 }, acceptDownloads: true });
    const page = await context.newPage();
    page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
    await page.goto(`${hub.url}/?token=${hub.adminToken}`);
    await page.locator("[data-import-file]").setInputFiles(join(ROOT, "examples/gofi-graph.json"));
    await page.locator('[data-connection="connected"]').waitFor();
    const graphId = decodeURIComponent(new URL(page.url()).pathname.split("/")[2] ?? "");
    const imported = await exported(graphId);
    expect(imported.nodes.length).toBeGreaterThan(1);
    const name = (await hub.api<{ name: string }>(`/api/graphs/${graphId}`)).body.name;

    await page.goto(`${hub.url}/`);
    await page.locator("[data-graph-search]").fill(name);
    await waitFor(async () => (await page.locator(`[data-graph-id="${graphId}"]`).count()) === 1, "found by search");
    await page.locator("[data-graph-search]").fill("no graph is called this");
    await page.locator(".empty", { hasText: "No graph matches" }).waitFor();
    await page.locator("[data-graph-search]").fill("");

    await page.locator(`[data-graph-id="${graphId}"] [data-action="duplicate-graph"]`).click();
    const copy = await waitFor(async () => {
      const list = (await hub.api<Array<{ id: string; name: string }>>("/api/graphs")).body;
      return list.find((g) => g.name === `${name} (copy)`);
    }, "the copy in the catalogue");
    // The copy is created, then filled: wait for its nodes.
    const copied = await waitFor(async (): Promise<Exported | undefined> => {
      const graph = await exported(copy.id);
      return graph.nodes.length === imported.nodes.length ? graph : undefined;
    }, "the copy's nodes");
    expect(copied.nodes.map((n) => n.id).sort()).toEqual(imported.nodes.map((n) => n.id).sort());
    expect((await hub.api<{ running: boolean }>(`/api/graphs/${copy.id}`)).body.running).toBe(false);
    await page.locator(`[data-graph-id="${copy.id}"]`).waitFor();

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator(`[data-graph-id="${graphId}"] [data-action="export-graph"]`).click(),
    ]);
    const file = await download.path();
    const saved = JSON.parse(readFileSync(file, "utf8")) as Exported;
    expect(saved.nodes.length).toBe(imported.nodes.length);
    await context.close();
  });

  it("a file that is not a graph is refused with the reason, and no empty graph is left behind", async () => {
    const before = (await hub.api<unknown[]>("/api/graphs")).body.length;
    const context = await browser.newContext({ viewport: { width: 1440, height: 820 } });
    const page = await context.newPage();
    await page.goto(`${hub.url}/?token=${hub.adminToken}`);
    await page.locator("[data-import-file]").setInputFiles({
      name: "broken.json",
      mimeType: "application/json",
      buffer: Buffer.from('{"name":"x","nodes":[{"id":"a"}],"edges":[]}'),
    });
    await page.locator('[data-notice="error"]', { hasText: "Could not import broken.json" }).waitFor();
    expect((await hub.api<unknown[]>("/api/graphs")).body.length).toBe(before);
    await context.close();
  });
});
/**
 * docs/together.png, the README's animation: a third person (a viewer) watches Ada and Bo drag two nodes at once,
 * each frame taken once both pointers have moved on the watcher's screen. Both drags land.
 */
async function recordTogether(a: Page, b: Page): Promise<void> {
  const watcher = await (await browser.newContext({ viewport: { width: 1100, height: 640 } })).newPage();
  await watcher.goto(`${hub.url}/g/presence?token=${await accessToken({ user: "cy", name: "Cy", role: "viewer" })}`);
  await watcher.locator('[data-connection="connected"]').waitFor();
  const grab = async (page: Page, node: string) => {
    const box = await page.locator(`[data-node-id="${node}"] .node-head`).boundingBox();
    if (!box) throw new Error(`node ${node} is not on screen`);
    await page.mouse.move(box.x + 30, box.y + box.height / 2, { steps: 2 });
    await page.mouse.down();
    return { x: box.x + 30, y: box.y + box.height / 2 };
  };
  const cursors = () =>
    watcher.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>("[data-presence-cursor]")].map((el) => el.style.transform).join("|"),
    );
  const before = { b: await nodeIn("presence", "b"), src: await nodeIn("presence", "src") };
  const pa = await grab(a, "b");
  const pb = await grab(b, "src");
  const frames: Buffer[] = [];
  const canvas = await watcher.locator(".canvas").boundingBox();
  if (!canvas) throw new Error("the watcher shows no canvas");
  for (let i = 1; i <= 14; i++) {
    const seen = await cursors();
    await a.mouse.move(pa.x + i * 14, pa.y + i * 6);
    await b.mouse.move(pb.x + i * 10, pb.y + i * 12);
    await watcher.waitForFunction(
      (last) =>
        [...document.querySelectorAll<HTMLElement>("[data-presence-cursor]")]
          .map((el) => el.style.transform)
          .join("|") !== last && document.querySelectorAll("[data-presence-cursor]").length === 2,
      seen,
    );
    frames.push(await watcher.screenshot({ clip: canvas }));
  }
  await a.mouse.up();
  await b.mouse.up();
  writeFileSync(join(ROOT, "docs/together.png"), animatedPng(frames, 160));
  await waitFor(async () => {
    const [nb, ns] = [await nodeIn("presence", "b"), await nodeIn("presence", "src")];
    return nb !== undefined && ns !== undefined && nb.x > (before.b?.x ?? 0) && ns.y > (before.src?.y ?? 0);
  }, "both drags in the graph");
  await watcher.context().close();
}

async function hasEdges(page: Page, n: number): Promise<void> {
  await waitFor(async () => (await page.locator("[data-edge-id]").count()) === n, `${n} edges`);
}

/** The code editor's text as shown, without the other person's caret and name label (y-codemirror.next widgets). */
function editorText(page: Page): Promise<string> {
  return page.locator('[data-code-editor="code"] .cm-line').evaluateAll((lines) =>
    lines
      .map((line) => {
        const copy = line.cloneNode(true) as HTMLElement;
        for (const caret of copy.querySelectorAll(".cm-ySelectionCaret")) caret.remove();
        return (copy.textContent ?? "").replaceAll("\u2060", "");
      })
      .join("\n"),
  );
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[] }>;
}
