// What the editor benchmark runs inside the pages (serialized by playwright, so each function stands alone):
// the open probe, the frame recorder, and the observers of the remote-edit measurement. Marks are taken in
// the page (performance.now() from navigation start, or Date.now() where two pages must share a clock).

/**
 * Init script: each animation frame until the graph is painted, notes when the connection indicator says
 * connected, when "Loading the graph…" is gone, and when the first and the `want`-th [data-node-id] are in
 * the DOM; "painted" is the end of the rendering of the frame that first had them all (a message posted
 * from its requestAnimationFrame runs after that frame's style, layout and paint). Also notes when the
 * WebSocket opened and when its largest binary and text frames arrived, and buffers long tasks and long animation frames
 * (with their scripts), to say where a slow open spent its time.
 */
export function openProbe(want) {
  const longFrameScript = (s) => ({
    invoker: s.invoker,
    type: s.invokerType,
    duration: s.duration,
    forcedStyleAndLayout: s.forcedStyleAndLayoutDuration,
    source: `${s.sourceFunctionName || "?"} ${s.sourceURL?.replace(/^.*\//, "") ?? ""}:${s.sourceCharPosition}`,
  });
  const marks = {};
  const counts = {};
  const longTasks = [];
  const longFrames = [];
  const at = (name) => {
    if (marks[name] === undefined) marks[name] = performance.now();
  };
  /** Observes entries of `type`; returns a function that takes those not delivered yet. */
  const observe = (type, keep) => {
    try {
      const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) keep(entry);
      });
      observer.observe({ type, buffered: true });
      return () => {
        for (const entry of observer.takeRecords()) keep(entry);
      };
    } catch {
      return () => {}; // this Chromium does not report that entry type
    }
  };
  observe("longtask", (e) => longTasks.push({ start: e.startTime, duration: e.duration }));
  const flushLongFrames = observe("long-animation-frame", (e) =>
    longFrames.push({
      start: e.startTime,
      duration: e.duration,
      renderStart: e.renderStart,
      styleAndLayoutStart: e.styleAndLayoutStart,
      scripts: e.scripts.map(longFrameScript),
    }),
  );
  window.__benchOpen = { marks, counts, longTasks, longFrames, flushLongFrames };
  // The socket's open, and the arrival of its largest binary frame (the document's sync) and largest text
  // frame (a status push): observed, not changed.
  const Native = window.WebSocket;
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener("open", () => at("socketOpen"));
      this.addEventListener("message", (event) => {
        const text = typeof event.data === "string";
        const size = text ? event.data.length : (event.data?.byteLength ?? event.data?.size ?? 0);
        const kind = text ? "largestText" : "largestBinary";
        if (size > (counts[kind] ?? 0)) {
          counts[kind] = size;
          marks[kind] = performance.now();
        }
      });
    }
  };
  const frame = () => {
    if (document.querySelector('[data-connection="connected"]')) at("connected");
    if (document.querySelector(".canvas")) {
      at("canvas");
      const loading = [...document.querySelectorAll(".canvas-empty")].some((el) => el.textContent.includes("Loading"));
      if (!loading) at("synced");
    }
    const nodes = document.querySelectorAll("[data-node-id]").length;
    if (nodes > 0) at("firstNode");
    if (nodes >= want) {
      at("allNodes");
      counts.nodes = nodes;
      counts.edges = document.querySelectorAll("[data-edge-id]").length || document.querySelectorAll("svg path").length;
      const channel = new MessageChannel();
      channel.port1.onmessage = () => at("painted");
      channel.port2.postMessage(0);
      return;
    }
    if (performance.now() < 60_000) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/**
 * Starts recording frames: each requestAnimationFrame's timestamp and the world's transform at that frame
 * (the view it showed). At most `limit` frames. stopFrames also returns the long animation frames
 * (openProbe's) of the stretch.
 */
export function startFrames(limit) {
  const frames = [];
  const state = { frames, on: true, startedAt: performance.now() };
  window.__benchFrames = state;
  const loop = (t) => {
    if (!state.on || frames.length >= limit) return;
    frames.push({ t, view: document.querySelector(".world")?.style.transform ?? "" });
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}

export function stopFrames() {
  const state = window.__benchFrames;
  state.on = false;
  const open = window.__benchOpen;
  open.flushLongFrames();
  return { frames: state.frames, longFrames: open.longFrames.filter((f) => f.start >= state.startedAt) };
}

/** The canvas world's transform (the view), to check that the input moved it. */
export function worldTransform() {
  return document.querySelector(".world")?.style.transform ?? "";
}

/**
 * Init script for the two pages of the remote-edit measurement (both clocks are Date.now(), shared by the
 * machine): when a drag's pointermove reaches the page, and when a Yjs sync-protocol frame (first byte 0:
 * an update, not awareness) leaves or arrives on a WebSocket. Only observes; the edit itself goes through
 * the UI.
 */
export function editProbe() {
  const log = { input: [], sent: [], received: [] };
  window.__benchEdit = log;
  window.addEventListener(
    "pointermove",
    (event) => {
      if (event.buttons & 1) log.input.push(Date.now());
    },
    { capture: true },
  );
  const firstByte = (data) => {
    if (data instanceof ArrayBuffer) return data.byteLength > 0 ? new Uint8Array(data)[0] : -1;
    if (ArrayBuffer.isView(data)) return data.byteLength > 0 ? new Uint8Array(data.buffer, data.byteOffset, 1)[0] : -1;
    return -1;
  };
  const Native = window.WebSocket;
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    if (firstByte(data) === 0) log.sent.push(Date.now());
    return send.call(this, data);
  };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      // Registered before the app's own listener, so this runs first for every frame.
      this.addEventListener("message", (event) => {
        if (firstByte(event.data) === 0) log.received.push(Date.now());
      });
    }
  };
}

/** The edit probe's log entries from `since` (Date.now()) on. */
export function editLogSince(since) {
  const log = window.__benchEdit;
  const from = (list) => list.filter((t) => t >= since);
  return { input: from(log.input), sent: from(log.sent), received: from(log.received) };
}

/**
 * Watches every node's position (left/top, or a transform): each change is reported through the exposed `__benchMoved` binding with
 * its Date.now(), and with the time its frame finished rendering (requestAnimationFrame, then a message).
 */
export function watchMoves() {
  const last = new Map();
  const where = (el) => `${el.style.left} ${el.style.top} ${el.style.transform}`;
  for (const el of document.querySelectorAll("[data-node-id]")) last.set(el.dataset.nodeId, where(el));
  const observer = new MutationObserver((records) => {
    const t = Date.now();
    const moved = [];
    for (const record of records) {
      const el = record.target;
      const id = el.dataset?.nodeId;
      if (!id || last.get(id) === where(el)) continue;
      last.set(id, where(el));
      moved.push(id);
    }
    if (moved.length === 0) return;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        const painted = Date.now();
        for (const id of moved) window.__benchMoved({ id, t, painted });
      };
      channel.port2.postMessage(0);
    });
  });
  observer.observe(document.querySelector(".nodes") ?? document.body, {
    subtree: true,
    attributes: true,
    attributeFilter: ["style"],
  });
}

/** The point to press to drag node `id` (its header, not a port), if it is on screen and not covered. */
export function grabPoint(id) {
  const node = document.querySelector(`[data-node-id="${id}"]`);
  const canvas = document.querySelector(".canvas");
  if (!node || !canvas) return null;
  const box = node.getBoundingClientRect();
  const area = canvas.getBoundingClientRect();
  const x = box.left + box.width / 2;
  const y = box.top + Math.min(16, box.height / 4);
  if (x < area.left + 20 || x > area.right - 60 || y < area.top + 20 || y > area.bottom - 20) return null;
  const hit = document.elementFromPoint(x, y);
  if (hit?.closest("[data-node-id]") !== node || hit.closest("[data-port]")) return null;
  return { x, y, width: box.width };
}
