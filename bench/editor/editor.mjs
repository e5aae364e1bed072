// Editor benchmark (the issue's editor figures): a real hub (a `wrangler dev` of a snapshot of the tree, with
// the editor built fresh from app/) serving a seeded 1,000-node / 1,200-edge graph to headless Chromium.
// (1) open: navigation start → every node in the DOM with data-node-id and that frame painted, five fresh
// contexts; (2) frame intervals while panning (wheel) and zooming (ctrl+wheel) the whole graph; (3) remote
// edit latency: context A drags a node through the UI, context B sees its transform change. Each against a
// baseline measured in the same run: a static page of the same boxes and curves, driven by the same input,
// and two bare Yjs clients in Node editing the same graph through the same hub. Traces say where time goes.
// Prints one JSON line per figure; progress goes to stderr.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { dirname, join, relative, resolve as resolvePath } from "node:path";
import { chromium } from "playwright-core";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { wranglerDevArgs } from "../../scripts/wrangler.mjs";
import {
  AUTH_SECRET,
  adminToken,
  buildIfMissing,
  createProcesses,
  freePort,
  ROOT,
  sleep,
  snapshotHub,
  waitFor,
} from "../lib/procs.mjs";
import { baselineHtml, benchGraph, COLUMNS } from "./graph.mjs";
import {
  editLogSince,
  editProbe,
  grabPoint,
  openProbe,
  startFrames,
  stopFrames,
  watchMoves,
  worldTransform,
} from "./page.mjs";
import { parseSourceMap } from "./sourceMap.mjs";
import { summarizeTrace, TRACE_CATEGORIES } from "./trace.mjs";

const { start, scratch, run: runBench } = createProcesses();
const TOKEN = "bench-token-0123456789";
const GRAPH = "editor-bench";
const SEED = Number(process.env.WEFT_BENCH_EDITOR_SEED ?? 20_261_202);
const NODES = 1000;
const EDGES = 1200;
const OPEN_RUNS = Number(process.env.WEFT_BENCH_EDITOR_OPENS ?? 5);
/** Each of pan and zoom is driven this long (and half as long again under a trace). */
const PHASE_MS = 3000;
const IDLE_MS = 1000;
/** One wheel event this often (a trackpad sends about one per frame). */
const WHEEL_EVERY_MS = 16;
const WHEEL_IN_FLIGHT = 8;
const EDITS = Number(process.env.WEFT_BENCH_EDITOR_EDITS ?? 60);
/** Edits alternate with baseline edits in slices of this many, so machine noise falls on both alike. */
const EDIT_SLICE = 10;
/** Pause between edits: keeps one connection well within the room's message and awareness rates. */
const EDIT_GAP_MS = 60;
const EDIT_TIMEOUT_MS = 5000;
const OPEN_TIMEOUT_MS = 30_000;
const STARTUP_MS = 60_000;
/** The whole run must end within this, whatever happens. */
const DEADLINE_MS = Number(process.env.WEFT_BENCH_EDITOR_DEADLINE_MS ?? 300_000);
/** WEFT_BENCH_EDITOR_APP=dist serves dist/app as it is instead of building app/ into the snapshot. */
const FRESH_APP = process.env.WEFT_BENCH_EDITOR_APP !== "dist";
/** Which figures to run (comma-separated), for working on one of them. */
const FIGURES = (process.env.WEFT_BENCH_EDITOR_FIGURES ?? "open,frames,edits").split(",");
const VIEWPORT = { width: 1440, height: 820 };
/** test/harness.ts CHROMIUM_FLAGS: Debian's Chromium, no sandbox, no GPU, no network side-traffic. */
const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const RENDERING = "headless Chromium, --disable-gpu (software raster and compositing), 60 Hz begin-frames";
const FRAME_MS = 1000 / 60;
const TARGET = { openMs: 1000, frameP95Ms: 16, editP50Ms: 100, editP99Ms: 250 };

const note = (text) => process.stderr.write(`editor: ${text}\n`);
const round1 = (x) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null);
const round2 = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

function percentile(values, p) {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
const median = (values) => percentile(values, 50);

// ---- the hub -----------------------------------------------------------------------------------------------

/**
 * Builds the editor from app/ as it is now into `dir` (the snapshot's assets), leaving dist/ alone; with
 * source maps, so that profiles name the original functions (the browser fetches maps only for DevTools).
 */
function buildApp(dir) {
  const args = ["vite", "build", "--config", "app/vite.config.ts", "--outDir", dir, "--emptyOutDir", "--sourcemap"];
  args.push("--logLevel", "warn");
  const result = spawnSync("npx", args, { cwd: ROOT, stdio: ["ignore", 2, 2], timeout: 120_000 });
  if (result.status !== 0) throw new Error("building the editor (vite build) failed; app/ may be mid-edit, try again");
}

async function main() {
  buildIfMissing(note);
  const out = mkdtempSync(join(tmpdir(), "weft-bench-editor-"));
  scratch.add(out);
  note("bundling a snapshot of the hub");
  const config = snapshotHub(join(out, "hub"));
  if (FRESH_APP) {
    note("building the editor from app/ into the snapshot");
    buildApp(join(out, "hub", "app"));
  }
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  note(`starting the hub on :${port}`);
  const hub = start("npx", [
    ...wranglerDevArgs({
      port,
      persistTo: join(out, "persist"),
      inspectorPort: await freePort(),
      vars: { WEFT_WORKER_TOKEN: TOKEN, WEFT_AUTH_SECRET: AUTH_SECRET },
    }),
    "--config",
    config,
    "--no-bundle",
  ]);
  await waitFor(
    async () => hub.child.exitCode === null && (await fetch(`${url}/api/health`)).ok,
    "the hub",
    STARTUP_MS,
  ).catch((error) => {
    throw new Error(`${error.message}\n--- wrangler output ---\n${hub.output}`);
  });
  const token = adminToken();
  const api = async (path, init = {}) => {
    const response = await fetch(url + path, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(15_000),
    });
    if (!response.ok)
      throw new Error(`${init.method ?? "GET"} ${path}: HTTP ${response.status} ${await response.text()}`);
    return response;
  };
  const graph = benchGraph({ seed: SEED, nodeCount: NODES, edgeCount: EDGES });
  note(`seed ${SEED}: ${graph.nodes.length} nodes, ${graph.edges.length} edges`);
  await api(`/api/graphs/${GRAPH}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(graph),
  });

  const baseline = await serveBaseline();
  // Launched before the try whose finally closes it, but a failed launch must still close the baseline server,
  // or the process never exits.
  const browser = await chromium
    .launch({ executablePath: "/usr/bin/chromium", headless: true, args: CHROMIUM_FLAGS })
    .catch(async (error) => {
      await baseline.close();
      throw error;
    });
  const lines = [];
  try {
    const resolve = bundleResolver(join(out, "hub", "app"));
    const ctx = { browser, graph, baseline, editorUrl: `${url}/g/${GRAPH}?token=${token}`, url, token, resolve };
    // A first open, not counted: it wakes the room, and the baseline page copies the editor's canvas and framing.
    const first = await openOnce(browser, ctx.editorUrl);
    if (!first.canvas || !first.view) throw new Error("the editor shows no canvas or world transform");
    baseline.set(baselineHtml(graph, { canvas: first.canvas, view: first.view }));
    if (PROBES) await probeFigures(ctx);
    if (FIGURES.includes("open")) lines.push(await openFigure(ctx));
    if (FIGURES.includes("frames")) lines.push(...(await frameFigures(ctx)));
    if (FIGURES.includes("edits")) lines.push(await editFigure(ctx));
  } finally {
    await browser.close();
    await baseline.close();
  }
  if (hub.child.exitCode !== null) throw new Error(`the hub exited during the run:\n${hub.output}`);
  await api(`/api/graphs/${GRAPH}`, { method: "DELETE" });
  const context = { rendering: RENDERING, cores: availableParallelism(), loadAvg1m: round2(loadavg()[0] ?? 0) };
  for (const line of lines) console.log(JSON.stringify({ ...line, ...context, seed: SEED, freshAppBuild: FRESH_APP }));
}

/** A loopback server for the baseline page; its HTML is set once the editor has shown its frame. */
async function serveBaseline() {
  let html = "";
  const server = createServer((_request, response) => {
    response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    response.end(html);
  });
  await new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", done);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    set(next) {
      html = next;
    },
    close: () => new Promise((done) => server.close(() => done())),
  };
}

/**
 * Names a position in one of the editor's bundles (served from `appDir`) by its source map: the file relative
 * to the tree (a package for node_modules), the line and the original name. Maps are read once.
 */
function bundleResolver(appDir) {
  const maps = new Map();
  const lookupFor = (url) => {
    const file = new URL(url).pathname;
    if (!maps.has(file)) {
      const path = join(appDir, `${file}.map`);
      maps.set(
        file,
        existsSync(path) ? { lookup: parseSourceMap(readFileSync(path, "utf8")), dir: dirname(path) } : null,
      );
    }
    return maps.get(file);
  };
  return (url, line, column) => {
    if (!/^https?:/.test(url)) return undefined;
    const map = lookupFor(url);
    const at = map?.lookup(line, column);
    if (!at?.source) return undefined;
    const path = relative(ROOT, resolvePath(map.dir, at.source));
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    return { file: pkg ? pkg[1] : path, line: at.line, name: at.name };
  };
}

// ---- (1) open ----------------------------------------------------------------------------------------------

const parseView = (transform) => {
  const m = /translate\(([-\d.e]+)px, ([-\d.e]+)px\) scale\(([-\d.e]+)\)/.exec(transform);
  return m ? { x: Number(m[1]), y: Number(m[2]), zoom: Number(m[3]) } : undefined;
};

/** Opens `url` in a fresh context and waits for the probe's "painted"; resolves the page's own marks. */
async function openOnce(browser, url, { trace = false, save = false, keep = false, init, resolve } = {}) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  let kept = false;
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (error) => errors.push(error.message));
    if (init) await page.addInitScript(init);
    await page.addInitScript(openProbe, NODES);
    let traced;
    if (trace) await browser.startTracing(page, { categories: TRACE_CATEGORIES });
    try {
      await page.goto(url, { waitUntil: "commit", timeout: OPEN_TIMEOUT_MS });
      await page.waitForFunction(() => window.__benchOpen?.marks.painted !== undefined, undefined, {
        timeout: OPEN_TIMEOUT_MS,
        polling: 100,
      });
      // The long animation frame that put the nodes in is reported some time after it ended.
      await page
        .waitForFunction(
          () => {
            const o = window.__benchOpen;
            o.flushLongFrames();
            const t = o.marks.allNodes;
            return o.longFrames.some((f) => f.start <= t && f.start + f.duration >= t);
          },
          undefined,
          { timeout: 2000, polling: 50 },
        )
        .catch(() => {}); // that frame was short: no entry
    } finally {
      if (trace) traced = await browser.stopTracing();
      // For a closer look than the summary: the raw trace, for chrome://tracing or Perfetto.
      if (traced && save && process.env.WEFT_BENCH_EDITOR_TRACE_OUT) {
        writeFileSync(process.env.WEFT_BENCH_EDITOR_TRACE_OUT, traced);
      }
    }
    const probe = await page.evaluate(() => {
      const o = window.__benchOpen;
      const nav = performance.getEntriesByType("navigation")[0];
      const scripts = performance
        .getEntriesByType("resource")
        .filter((r) => r.initiatorType === "script" || /\.m?js(\?|$)/.test(r.name));
      return {
        marks: o.marks,
        counts: o.counts,
        longTasks: o.longTasks,
        longFrames: o.longFrames,
        nav: nav && {
          redirectEnd: nav.redirectEnd,
          responseEnd: nav.responseEnd,
          domContentLoaded: nav.domContentLoadedEventEnd,
        },
        scriptLoaded: scripts.length > 0 ? Math.max(...scripts.map((r) => r.responseEnd)) : undefined,
      };
    });
    const canvas = await page.locator(".canvas").boundingBox();
    const view = parseView(await page.evaluate(worldTransform));
    if (errors.length > 0) note(`page errors: ${errors.slice(0, 3).join(" | ")}`);
    kept = keep;
    return { ...probe, canvas, view, errors, page, context, trace: traced && summarizeTrace(traced, { resolve }) };
  } finally {
    if (!kept) await context.close();
  }
}

/** Where the open's longest animation frame went (long-animation-frame entries: script vs style/layout). */
function longestFrame(frames) {
  const f = [...frames].sort((a, b) => b.duration - a.duration)[0];
  if (!f) return null;
  const end = f.start + f.duration;
  return {
    durationMs: round1(f.duration),
    scriptsMs: round1(f.scripts.reduce((sum, s) => sum + s.duration, 0)),
    forcedStyleAndLayoutMs: round1(f.scripts.reduce((sum, s) => sum + (s.forcedStyleAndLayout ?? 0), 0)),
    renderingMs: f.renderStart > 0 ? round1(end - f.renderStart) : 0,
    styleAndLayoutMs: f.styleAndLayoutStart > 0 ? round1(end - f.styleAndLayoutStart) : 0,
    topScripts: [...f.scripts]
      .sort((a, b) => b.duration - a.duration)
      .slice(0, 4)
      .map((s) => [`${s.type} ${s.invoker} @ ${s.source}`.slice(0, 120), round1(s.duration)]),
  };
}

async function openFigure({ browser, baseline, editorUrl, resolve }) {
  const editor = [];
  const base = [];
  for (let run = 1; run <= OPEN_RUNS; run++) {
    const e = await openOnce(browser, editorUrl);
    if ((e.counts.nodes ?? 0) < NODES) throw new Error(`open ${run}: ${e.counts.nodes} nodes in the DOM`);
    editor.push(e);
    const b = await openOnce(browser, baseline.url);
    base.push(b);
    note(
      `open ${run}: editor ${round1(e.marks.painted)} ms (synced ${round1(e.marks.synced)}, all nodes ${round1(e.marks.allNodes)}), baseline ${round1(b.marks.painted)} ms`,
    );
  }
  note("open: one more, traced");
  const traced = await openOnce(browser, editorUrl, { trace: true, save: true, resolve });
  const tracedBase = await openOnce(browser, baseline.url, { trace: true });

  const painted = editor.map((e) => e.marks.painted);
  const basePainted = base.map((b) => b.marks.painted);
  const p50 = median(painted);
  const max = Math.max(...painted);
  const baseP50 = median(basePainted);
  const split = (pick) => round1(median(editor.map(pick)));
  const leg = (to, from) => split((e) => e.marks[to] - (from ? e.marks[from] : 0));
  const middle = editor[painted.indexOf(median(painted))] ?? editor[0];
  const longTasks = middle.longTasks;
  return {
    bench: "editor",
    figure: "open_1000_nodes",
    p50Ms: round1(p50),
    maxMs: round1(max),
    runsMs: painted.map(round1),
    baselineP50Ms: round1(baseP50),
    baselineMaxMs: round1(Math.max(...basePainted)),
    baselineRunsMs: basePainted.map(round1),
    ratio: round2(p50 / baseP50),
    ratioMeaning: "editor / static page time to painted (lower is better)",
    target: { ms: TARGET.openMs },
    met: p50 < TARGET.openMs,
    metEveryRun: max < TARGET.openMs,
    nodes: NODES,
    edges: EDGES,
    nodesInDom: middle.counts.nodes,
    edgesInDomWhenNodesWere: middle.counts.edges,
    documentFrameBytes: middle.counts.largestBinary,
    statusFrameChars: middle.counts.largestText,
    runs: OPEN_RUNS,
    measured: "navigation start (the login link, its 303 included) → the frame with every [data-node-id] painted",
    // Median over the runs of each mark, in ms from navigation start.
    splitP50Ms: {
      loginRedirectEnd: split((e) => e.nav?.redirectEnd),
      htmlResponseEnd: split((e) => e.nav?.responseEnd),
      scriptLoaded: split((e) => e.scriptLoaded),
      domContentLoaded: split((e) => e.nav?.domContentLoaded),
      canvasShown: split((e) => e.marks.canvas),
      socketOpen: split((e) => e.marks.socketOpen),
      documentFrameArrived: split((e) => e.marks.largestBinary),
      statusFrameArrived: split((e) => e.marks.largestText),
      connectedShown: split((e) => e.marks.connected),
      synced: split((e) => e.marks.synced),
      firstNode: split((e) => e.marks.firstNode),
      allNodes: split((e) => e.marks.allNodes),
      painted: split((e) => e.marks.painted),
    },
    // The same, as consecutive legs (median of each run's leg).
    legsP50Ms: {
      toCanvasShown: leg("canvas"),
      canvasToSocketOpen: leg("socketOpen", "canvas"),
      socketOpenToDocumentFrame: leg("largestBinary", "socketOpen"),
      documentFrameToAllNodesInDom: leg("allNodes", "largestBinary"),
      allNodesToPainted: leg("painted", "allNodes"),
    },
    baselineSplitP50Ms: {
      htmlResponseEnd: round1(median(base.map((b) => b.nav?.responseEnd))),
      allNodes: round1(median(base.map((b) => b.marks.allNodes))),
      painted: round1(baseP50),
    },
    longTasksMedianRun: {
      count: longTasks.length,
      totalMs: round1(longTasks.reduce((sum, t) => sum + t.duration, 0)),
      maxMs: round1(Math.max(0, ...longTasks.map((t) => t.duration))),
    },
    longestFrameMedianRun: longestFrame(middle.longFrames),
    tracedRunMs: round1(traced.marks.painted),
    trace: traced.trace,
    baselineTrace: tracedBase.trace,
    pageErrors: editor.reduce((n, e) => n + e.errors.length, 0),
  };
}

// ---- (2) frames while panning and zooming ------------------------------------------------------------------

/** Wheel deltas: pan in a circle (so the graph stays in view); zoom 12 steps in, 12 out, across the detail level. */
const wheel = {
  pan: (n) => [30 * Math.cos(n * 0.12), 30 * Math.sin(n * 0.12)],
  zoom: (n) => [0, n % 24 < 12 ? -20 : 20],
};

/**
 * Sends one wheel event every WHEEL_EVERY_MS for `ms` through Chromium's input pipeline (CDP
 * Input.dispatchMouseEvent, as page.mouse.wheel does), without waiting for each to be handled: each one is
 * acknowledged only after a frame, so awaiting them would send one per frame or fewer. At most
 * WHEEL_IN_FLIGHT are unacknowledged at once (a tick with that many outstanding sends none). Returns how many
 * were sent.
 */
async function drive(page, canvas, action, ms) {
  const cdp = await page.context().newCDPSession(page);
  const x = Math.round(canvas.x + canvas.width / 2);
  const y = Math.round(canvas.y + canvas.height / 2);
  const inFlight = new Set();
  let sent = 0;
  try {
    await cdp.send("Input.dispatchMouseEvent", { type: "mouseMoved", x, y });
    const startedAt = performance.now();
    for (let tick = 0; tick * WHEEL_EVERY_MS < ms; tick++) {
      const wait = startedAt + tick * WHEEL_EVERY_MS - performance.now();
      if (wait > 0) await sleep(wait);
      if (inFlight.size >= WHEEL_IN_FLIGHT) continue; // this tick's event is dropped, as a busy page would
      const [deltaX, deltaY] = wheel[action](sent);
      const modifiers = action === "zoom" ? 2 : 0; // ctrl
      const event = cdp.send("Input.dispatchMouseEvent", { type: "mouseWheel", x, y, deltaX, deltaY, modifiers });
      inFlight.add(event);
      void event.finally(() => inFlight.delete(event));
      sent++;
    }
    await Promise.all(inFlight);
  } finally {
    await cdp.detach().catch(() => {});
  }
  return sent;
}

/** Records frames in `page` while `action` runs for `ms` (idle: no input). */
async function framesDuring(page, canvas, action, ms) {
  await page.evaluate(startFrames, Math.ceil((ms / 1000) * 240));
  let sent = 0;
  if (action === "idle") await sleep(ms);
  else sent = await drive(page, canvas, action, ms);
  // Let the last frame end.
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0))));
  const { frames, longFrames } = await page.evaluate(stopFrames);
  const intervals = frames.slice(1).map((f, i) => f.t - frames[i].t);
  const missed = intervals.reduce((sum, d) => sum + Math.max(0, Math.round(d / FRAME_MS) - 1), 0);
  return {
    frames: frames.length,
    wheelEvents: sent,
    framesWithNewView: frames.filter((f, i) => i > 0 && f.view !== frames[i - 1].view).length,
    p50Ms: round1(percentile(intervals, 50)),
    p95Ms: round1(percentile(intervals, 95)),
    maxMs: round1(Math.max(0, ...intervals)),
    droppedFrames: missed,
    longFrames: longFrames.length,
    longestFrame: longestFrame(longFrames),
  };
}

/** Idle, pan and zoom on one page; then pan and zoom again under a trace, summarized per frame. */
async function framesOn(browser, page, canvas, what, resolve) {
  const idle = await framesDuring(page, canvas, "idle", IDLE_MS);
  const result = { idle };
  for (const action of ["pan", "zoom"]) {
    result[action] = await framesDuring(page, canvas, action, PHASE_MS);
    note(`${what} ${action}: ${JSON.stringify(result[action])}`);
    if (result[action].framesWithNewView === 0)
      throw new Error(`${what} ${action}: the wheel events did not move the view`);
  }
  for (const action of ["pan", "zoom"]) {
    await browser.startTracing(page, { categories: TRACE_CATEGORIES });
    let frames = 0;
    let traced;
    try {
      frames = (await framesDuring(page, canvas, action, PHASE_MS / 2)).frames;
    } finally {
      traced = await browser.stopTracing();
    }
    if (process.env.WEFT_BENCH_EDITOR_TRACE_OUT) {
      writeFileSync(`${process.env.WEFT_BENCH_EDITOR_TRACE_OUT}.${what}-${action}.json`, traced);
    }
    result[`${action}Trace`] = summarizeTrace(traced, { perFrames: Math.max(1, frames), resolve });
  }
  return result;
}

/**
 * WEFT_BENCH_EDITOR_PROBE="css|css|…": for finding what a frame costs, pans and zooms the editor once per CSS
 * variant injected into the page ("" for none), printing each variant's p95 and its busiest trace events.
 */
const PROBES = process.env.WEFT_BENCH_EDITOR_PROBE?.split("|");

async function probeFigures({ browser, editorUrl, resolve }) {
  const editor = await openOnce(browser, editorUrl, { keep: true });
  try {
    for (const css of PROBES ?? []) {
      const tag = css ? await editor.page.addStyleTag({ content: css }) : undefined;
      await sleep(300);
      for (const action of ["pan", "zoom"]) {
        const frames = await framesDuring(editor.page, editor.canvas, action, PHASE_MS);
        await browser.startTracing(editor.page, { categories: TRACE_CATEGORIES });
        let traced;
        let n = 1;
        try {
          n = (await framesDuring(editor.page, editor.canvas, action, PHASE_MS / 2)).frames;
        } finally {
          traced = await browser.stopTracing();
        }
        const top = summarizeTrace(traced, { perFrames: Math.max(1, n), resolve }).mainThreadTopSelf.slice(0, 5);
        note(
          `probe ${JSON.stringify(css)} ${action}: p95 ${frames.p95Ms} p50 ${frames.p50Ms} ms; ${JSON.stringify(top)}`,
        );
      }
      await tag?.evaluate((el) => el.remove());
    }
  } finally {
    await editor.context.close();
  }
}

async function frameFigures({ browser, baseline, editorUrl, resolve }) {
  note("frames: editor");
  const editor = await openOnce(browser, editorUrl, { keep: true });
  let e;
  try {
    e = await framesOn(browser, editor.page, editor.canvas, "editor", resolve);
  } finally {
    await editor.context.close();
  }
  note("frames: baseline");
  const base = await openOnce(browser, baseline.url, { keep: true });
  let b;
  try {
    b = await framesOn(browser, base.page, base.canvas, "baseline");
  } finally {
    await base.context.close();
  }
  return ["pan", "zoom"].map((action) => {
    const r = e[action];
    const s = b[action];
    return {
      bench: "editor",
      figure: `${action}_frames_1000_nodes`,
      p50Ms: r.p50Ms,
      p95Ms: r.p95Ms,
      maxMs: r.maxMs,
      baselineP50Ms: s.p50Ms,
      baselineP95Ms: s.p95Ms,
      ratio: round2(r.p95Ms / s.p95Ms),
      ratioMeaning: "editor / static page p95 frame interval (lower is better)",
      target: { p95Ms: TARGET.frameP95Ms },
      // Intervals come in multiples of one 60 Hz frame (16.7 ms): a p95 of one frame means none dropped.
      met: r.p95Ms <= FRAME_MS + 0.5,
      metReading: "p95 frame interval at one 60 Hz frame (16.7 ms), i.e. no dropped frame at p95",
      frames: r.frames,
      droppedFrames: r.droppedFrames,
      wheelEvents: r.wheelEvents,
      framesWithNewView: r.framesWithNewView,
      longFrames: r.longFrames,
      longestFrame: r.longestFrame,
      baselineFrames: s.frames,
      baselineDroppedFrames: s.droppedFrames,
      baselineWheelEvents: s.wheelEvents,
      baselineFramesWithNewView: s.framesWithNewView,
      idleP95Ms: e.idle.p95Ms,
      baselineIdleP95Ms: b.idle.p95Ms,
      seconds: PHASE_MS / 1000,
      input: action === "pan" ? "wheel without ctrl, one per 16 ms" : "ctrl+wheel, one per 16 ms, across zoom 0.45",
      trace: e[`${action}Trace`],
      baselineTrace: b[`${action}Trace`],
    };
  });
}

// ---- (3) remote edit latency -------------------------------------------------------------------------------

/** Two bare Yjs clients in Node on the graph, through the same hub: the room's own relay, no UI. */
async function yjsPair(url, token) {
  const options = { WebSocketPolyfill: WebSocket, disableBc: true, params: { token } };
  const serverUrl = `${url.replace("http", "ws")}/parties/graph`;
  const a = { doc: new Y.Doc() };
  const b = { doc: new Y.Doc() };
  a.provider = new WebsocketProvider(serverUrl, GRAPH, a.doc, options);
  b.provider = new WebsocketProvider(serverUrl, GRAPH, b.doc, options);
  const close = () => {
    for (const c of [a, b]) {
      c.provider.destroy();
      c.doc.destroy();
    }
  };
  try {
    await waitFor(() => a.provider.synced && b.provider.synced, "two Yjs clients synced", 20_000, 20);
  } catch (error) {
    close();
    throw error;
  }
  return { a, b, close };
}

/** One baseline edit: A moves node `id` by `dx`; resolves ms until B's document shows it (null on timeout). */
function yjsEdit(pair, id, dx) {
  const nodesA = pair.a.doc.getMap("nodes");
  const nodesB = pair.b.doc.getMap("nodes");
  const ynode = nodesA.get(id);
  if (!(ynode instanceof Y.Map)) throw new Error(`baseline: node ${id} missing`);
  const x = ynode.get("x") + dx;
  return new Promise((done) => {
    const startedAt = performance.now();
    const timer = setTimeout(() => finish(null), EDIT_TIMEOUT_MS);
    const onChange = () => {
      if (nodesB.get(id)?.get("x") === x) finish(performance.now() - startedAt);
    };
    function finish(value) {
      clearTimeout(timer);
      nodesB.unobserveDeep(onChange);
      done(value);
    }
    nodesB.observeDeep(onChange);
    pair.a.doc.transact(() => ynode.set("x", x));
  });
}

/** Zooms page A in on node `id` with ctrl+wheel at it until nodes are about `width` px wide (bounded). */
async function zoomInOn(page, id, width) {
  for (let step = 0; step < 40; step++) {
    const box = await page.locator(`[data-node-id="${id}"]`).boundingBox();
    if (!box) throw new Error(`node ${id} not on A's screen`);
    if (box.width >= width) return;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.down("Control");
    await page.mouse.wheel(0, -40);
    await page.keyboard.up("Control");
  }
  throw new Error(`could not zoom A in on ${id}`);
}

async function editFigure({ browser, editorUrl, url, token }) {
  note("edits: opening A and B");
  const a = await openOnce(browser, editorUrl, { keep: true, init: editProbe });
  let b;
  let pair;
  try {
    b = await openOnce(browser, editorUrl, { keep: true, init: editProbe });
    const moves = [];
    const waiters = new Set();
    await b.page.exposeFunction("__benchMoved", (move) => {
      moves.push(move);
      for (const w of waiters) if (w.id === move.id && move.t >= w.since) w.done(move);
    });
    await b.page.evaluate(watchMoves);
    const seenByB = (id, since) =>
      new Promise((done) => {
        const waiter = {
          id,
          since,
          done(move) {
            clearTimeout(timer);
            waiters.delete(waiter);
            done(move);
          },
        };
        const timer = setTimeout(() => waiter.done(null), EDIT_TIMEOUT_MS);
        waiters.add(waiter);
      });

    // A looks at the middle of the graph at a readable zoom; the nodes there are dragged in turn.
    const rows = Math.ceil(NODES / COLUMNS);
    const centre = Math.floor(rows / 2) * COLUMNS + COLUMNS / 2;
    await zoomInOn(a.page, `n${centre}`, 150);
    // While the view moves the world takes no pointer (and the level of detail waits for the zoom to rest).
    await a.page.waitForFunction(
      () => !document.querySelector(".canvas.moving") && document.querySelector("[data-port]"),
    );
    const near = [0, 1, -1, COLUMNS, -COLUMNS, COLUMNS + 1].map((d) => `n${centre + d}`);
    const picks = [];
    for (const id of near) if (await a.page.evaluate(grabPoint, id)) picks.push(id);
    if (picks.length === 0) throw new Error("no node of A's view can be grabbed");
    note(`edits: A drags ${picks.join(", ")}; baseline: two Yjs clients in Node`);

    pair = await yjsPair(url, token);
    const samples = [];
    const baseSamples = [];
    let missed = 0;
    let baseMissed = 0;
    for (let i = 0; i < EDITS; i++) {
      const id = picks[i % picks.length];
      const dx = Math.floor(i / picks.length) % 2 === 0 ? 12 : -12;
      const p = await a.page.evaluate(grabPoint, id);
      if (!p) throw new Error(`edit ${i}: node ${id} cannot be grabbed on A any more`);
      const since = Date.now();
      const seen = seenByB(id, since);
      await a.page.mouse.move(p.x, p.y);
      await a.page.mouse.down();
      await a.page.mouse.move(p.x + dx, p.y);
      await a.page.mouse.up();
      const move = await seen;
      const logA = await a.page.evaluate(editLogSince, since);
      const logB = await b.page.evaluate(editLogSince, since);
      const input = logA.input[0];
      if (!move || input === undefined) {
        missed++;
        note(`edit ${i}: ${move ? "no pointermove logged on A" : `B did not see ${id} move`}`);
      } else {
        const sent = logA.sent.find((t) => t >= input);
        const received = sent === undefined ? undefined : logB.received.find((t) => t >= sent);
        samples.push({
          total: move.t - input,
          painted: move.painted - input,
          inputToSend: sent === undefined ? undefined : sent - input,
          sendToReceive: received === undefined ? undefined : received - sent,
          receiveToDom: received === undefined ? undefined : move.t - received,
          domToPaint: move.painted - move.t,
        });
      }
      await sleep(EDIT_GAP_MS);
      // After each slice of browser edits, as many baseline edits on nodes far from A's view.
      if ((i + 1) % EDIT_SLICE === 0 || i === EDITS - 1) {
        const count = (i % EDIT_SLICE) + 1;
        for (let k = 0; k < count; k++) {
          const j = baseSamples.length + baseMissed;
          const ms = await yjsEdit(pair, `n${j % 10}`, Math.floor(j / 10) % 2 === 0 ? 5 : -5);
          if (ms === null) baseMissed++;
          else baseSamples.push(ms);
          await sleep(EDIT_GAP_MS);
        }
        note(`edits: ${samples.length + missed} of ${EDITS} (B saw ${samples.length}), baseline ${baseSamples.length}`);
      }
    }
    const pick = (key, p) =>
      round1(
        percentile(
          samples.map((s) => s[key]).filter((v) => v !== undefined),
          p,
        ),
      );
    const totals = samples.map((s) => s.total);
    const p50 = percentile(totals, 50);
    const p99 = percentile(totals, 99);
    const baseP50 = percentile(baseSamples, 50);
    const baseP99 = percentile(baseSamples, 99);
    return {
      bench: "editor",
      figure: "remote_edit_latency",
      p50Ms: round1(p50),
      p99Ms: round1(p99),
      maxMs: round1(Math.max(0, ...totals)),
      baselineP50Ms: round1(baseP50),
      baselineP99Ms: round1(baseP99),
      ratio: round2(p50 / baseP50),
      ratioP99: round2(p99 / baseP99),
      ratioMeaning: "editor-to-editor / bare Yjs client-to-client latency (lower is better)",
      target: { p50Ms: TARGET.editP50Ms, p99Ms: TARGET.editP99Ms },
      met: samples.length >= 50 && p50 < TARGET.editP50Ms && p99 < TARGET.editP99Ms,
      edits: EDITS,
      seen: samples.length,
      missed,
      baselineEdits: baseSamples.length,
      baselineMissed: baseMissed,
      measured:
        "A: a 12 px node drag through the UI; from A's pointermove reaching the page to B's MutationObserver seeing that node's position change (Date.now() in both pages)",
      baseline: "two y-websocket clients in Node setting a node's x on the same graph through the same hub",
      paintedP50Ms: pick("painted", 50),
      paintedP99Ms: pick("painted", 99),
      // Where the time goes, p50 of each leg (A batches a drag's moves to its next animation frame). A leg ends
      // when the page's main thread handles the event: a frame B is busy rendering delays its message.
      splitP50Ms: {
        inputToSendOnA: pick("inputToSend", 50),
        sendToReceiveOnB: pick("sendToReceive", 50),
        receiveToDomOnB: pick("receiveToDom", 50),
        domToPaintOnB: pick("domToPaint", 50),
      },
      splitP99Ms: {
        inputToSendOnA: pick("inputToSend", 99),
        sendToReceiveOnB: pick("sendToReceive", 99),
        receiveToDomOnB: pick("receiveToDom", 99),
        domToPaintOnB: pick("domToPaint", 99),
      },
      draggedNodes: picks.length,
      // B shows the whole graph (every node painted each frame); A looks at a few nodes, zoomed in.
      zoomB: round2(b.view?.zoom),
      zoomA: round2(parseView(await a.page.evaluate(worldTransform))?.zoom),
      pageErrors: a.errors.length + b.errors.length,
    };
  } finally {
    pair?.close();
    await b?.context.close();
    await a.context.close();
  }
}

await runBench(main, { deadlineMs: DEADLINE_MS, note });
