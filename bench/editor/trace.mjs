// Where a traced stretch of the editor spent its time: a Chromium trace (devtools.timeline events) reduced to
// the page's main-thread self time per kind of work (script, style, layout, paint, GC, …), the event names
// that cost most, the busiest other threads (compositor, raster, GPU), and from the trace's V8 CPU profile
// the script time per source file and per function (named through the bundle's source map).

export const TRACE_CATEGORIES = [
  "devtools.timeline",
  "disabled-by-default-devtools.timeline",
  "v8.execute",
  "blink.user_timing",
  "loading",
  "toplevel",
  "disabled-by-default-v8.cpu_profiler",
];

const BUCKETS = [
  // V8 interrupts: with the CPU profiler on, largely its sampling; counted apart from the page's script.
  ["v8Interrupts", /^V8\.InvokeApiInterruptCallbacks$|^V8\.HandleInterrupts$/],
  ["gc", /GC|^BlinkGC|Sweep|Mark/],
  ["parseHtmlCss", /^ParseHTML$|^ParseAuthorStyleSheet$/],
  ["style", /^UpdateLayoutTree$|RecalculateStyles|^StyleRecalc/],
  ["layout", /^Layout$|^InvalidateLayout$|^LayoutShift/],
  ["paintComposite", /Paint|^Layerize$|^UpdateLayer|^CompositeLayers$|^Commit$|Raster|^Decode|^Image/],
  [
    "script",
    /^FunctionCall$|^EvaluateScript$|^v8\.|^V8\.|^EventDispatch$|^TimerFire$|^FireAnimationFrame$|RunMicrotasks|^XHR|^Compile|^CpuProfiler/,
  ],
  ["taskOverhead", /^RunTask$|^ThreadControllerImpl::RunTask$/],
];

const bucketOf = (name) => BUCKETS.find(([, re]) => re.test(name))?.[0] ?? "other";
const ms = (us) => Math.round(us / 100) / 10;

/** Complete events of one thread, B/E pairs joined, sorted outermost first. */
function spans(events) {
  const out = [];
  const open = [];
  for (const e of events) {
    if (e.ph === "X" && typeof e.dur === "number") out.push({ name: e.name, ts: e.ts, dur: e.dur });
    else if (e.ph === "B") open.push(e);
    else if (e.ph === "E") {
      const begin = open.pop();
      if (begin) out.push({ name: begin.name, ts: begin.ts, dur: e.ts - begin.ts });
    }
  }
  return out.sort((a, b) => a.ts - b.ts || b.dur - a.dur);
}

/** Self time per event name: each span's duration less that of the spans nested directly in it. */
function selfTimes(list) {
  const self = new Map();
  const stack = [];
  for (const span of list) {
    while (stack.length > 0 && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= span.ts) stack.pop();
    const parent = stack[stack.length - 1];
    if (parent)
      self.set(parent.name, (self.get(parent.name) ?? 0) - Math.min(span.dur, parent.ts + parent.dur - span.ts));
    self.set(span.name, (self.get(span.name) ?? 0) + span.dur);
    stack.push(span);
  }
  return self;
}

/** Busy time of a thread: the union of its outermost spans. */
function busy(list) {
  let total = 0;
  let end = -Infinity;
  for (const span of list) {
    if (span.ts >= end) {
      total += span.dur;
      end = span.ts + span.dur;
    } else if (span.ts + span.dur > end) {
      total += span.ts + span.dur - end;
      end = span.ts + span.dur;
    }
  }
  return total;
}

/** V8's own pseudo-frames: not script of any file. */
const PSEUDO = new Set(["(program)", "(garbage collector)", "(root)", "(idle)"]);

/**
 * Script self time from the trace's CPU profile of process `pid` (the busiest one if it has several), per
 * source file or package, per function, and per app function that called it. `resolve(url, line, column)` maps a bundle position (0-based) to
 * { file, line, name } through the source map, or returns undefined.
 */
function profileSummary(events, pid, resolve, per) {
  const profiles = new Map();
  for (const e of events) {
    if (e.ph !== "P" || e.name !== "ProfileChunk" || e.pid !== pid) continue;
    const key = e.id;
    if (!profiles.has(key)) profiles.set(key, { nodes: new Map(), self: new Map(), total: 0 });
    const profile = profiles.get(key);
    const data = e.args?.data ?? {};
    for (const node of data.cpuProfile?.nodes ?? []) profile.nodes.set(node.id, node);
    const samples = data.cpuProfile?.samples ?? [];
    const deltas = data.timeDeltas ?? [];
    for (let i = 0; i < samples.length; i++) {
      const us = Math.max(0, deltas[i] ?? 0);
      profile.self.set(samples[i], (profile.self.get(samples[i]) ?? 0) + us);
      profile.total += us;
    }
  }
  const profile = [...profiles.values()].sort((a, b) => b.total - a.total)[0];
  if (!profile) return undefined;
  const places = new Map();
  /** Where profile node `id` is: its function's name and file (line) as the source map tells. */
  const place = (id) => {
    if (places.has(id)) return places.get(id);
    const frame = profile.nodes.get(id)?.callFrame;
    let where;
    if (frame) {
      const fn = frame.functionName || "(anonymous)";
      const at = frame.url ? resolve?.(frame.url, frame.lineNumber, frame.columnNumber) : undefined;
      const file = at?.file ?? (frame.url ? frame.url.replace(/^https?:\/\/[^/]+/, "") : "(native)");
      where = { fn, file, name: `${at?.name ?? fn} ${file}${at ? `:${at.line}` : ""}` };
    }
    places.set(id, where);
    return where;
  };
  const ownCode = (where) => where && /^(app|shared)\//.test(where.file);
  /** The innermost app/ or shared/ function on the stack of node `id`: who asked for the library's work. */
  const caller = (id) => {
    for (let at = id, depth = 0; at !== undefined && depth < 500; at = profile.nodes.get(at)?.parent, depth++) {
      if (ownCode(place(at))) return place(at).name;
    }
    return "(no app function on the stack)";
  };
  const byFile = new Map();
  const byFunction = new Map();
  const byAppFunction = new Map();
  const add = (map, key, us) => map.set(key, (map.get(key) ?? 0) + us);
  let pseudo = 0;
  for (const [id, us] of profile.self) {
    const where = place(id);
    if (!where) continue;
    if (PSEUDO.has(where.fn)) {
      if (where.fn !== "(idle)") add(byFunction, where.fn, us);
      pseudo += us;
      continue;
    }
    add(byFile, where.file, us);
    add(byFunction, where.name, us);
    add(byAppFunction, caller(id), us);
  }
  const top = (map, n) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, us]) => [k, per(us)]);
  return {
    /** Samples in script (not idle, GC or V8's "(program)": native work such as layout). */
    scriptSampled: per(profile.total - pseudo),
    bySource: top(byFile, 10),
    topFunctions: top(byFunction, 15),
    /** Script samples by the innermost app/ or shared/ function on their stack (library time charged to it). */
    byAppFunction: top(byAppFunction, 12),
  };
}

/**
 * Summarizes a trace (the Buffer `browser.stopTracing()` returns). The page's main thread is the renderer
 * main thread that was busiest. `perFrames` divides the figures by a frame count (for pan and zoom);
 * `resolve` names bundle positions (see profileSummary).
 */
export function summarizeTrace(buffer, { perFrames, resolve } = {}) {
  const parsed = JSON.parse(buffer.toString("utf8"));
  const events = Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
  const names = new Map();
  const byThread = new Map();
  let first = Infinity;
  let last = -Infinity;
  for (const e of events) {
    const key = `${e.pid}:${e.tid}`;
    if (e.ph === "M" && e.name === "thread_name") names.set(key, e.args?.name ?? "?");
    if (e.ph === "P") continue;
    if (e.ph !== "X" && e.ph !== "B" && e.ph !== "E") continue;
    if (!byThread.has(key)) byThread.set(key, []);
    byThread.get(key).push(e);
    if (e.ts > 0) {
      first = Math.min(first, e.ts);
      last = Math.max(last, e.ts + (e.dur ?? 0));
    }
  }
  const threads = [...byThread].map(([key, list]) => {
    const s = spans(list);
    return { key, pid: list[0]?.pid, name: names.get(key) ?? "?", spans: s, busy: busy(s) };
  });
  const mains = threads.filter((t) => t.name === "CrRendererMain").sort((a, b) => b.busy - a.busy);
  const main = mains[0];
  if (!main) return { error: "no renderer main thread in the trace" };
  const per = (us) => (perFrames ? Math.round((us / 1000 / perFrames) * 100) / 100 : ms(us));
  const self = selfTimes(main.spans);
  const buckets = {};
  for (const [name, us] of self) {
    const bucket = bucketOf(name);
    buckets[bucket] = (buckets[bucket] ?? 0) + Math.max(0, us);
  }
  const top = [...self]
    .filter(([, us]) => us > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 12)
    .map(([name, us]) => [name, per(us)]);
  // Other threads by name without their numbers (CompositorTileWorker1, 2, … together).
  const others = new Map();
  for (const t of threads) {
    if (t === main) continue;
    const name = t.name.replace(/\d+$/, "");
    others.set(name, (others.get(name) ?? 0) + t.busy);
  }
  return {
    unit: perFrames ? "ms per frame" : "ms",
    frames: perFrames ?? undefined,
    traceWindowMs: ms(last - first),
    mainThreadBusy: per(main.busy),
    mainThreadSelfByKind: Object.fromEntries(
      Object.entries(buckets)
        .sort((a, b) => b[1] - a[1])
        .map(([k, us]) => [k, per(us)]),
    ),
    mainThreadTopSelf: top,
    otherThreadsBusy: [...others]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([name, us]) => [name, per(us)]),
    script: profileSummary(events, main.pid, resolve, per),
  };
}
