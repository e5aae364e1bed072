// The graph list's words for each graph's activity, its name check, and its refresh cycle (a hand-driven clock).
import { describe, expect, it } from "vitest";
import type { GraphSummary } from "./api.ts";
import {
  checkName,
  ListRefresher,
  MIN_REFRESH_GAP_MS,
  nodesText,
  presenceText,
  REFRESH_MS,
  type RefreshPorts,
  runText,
} from "./graphListModel.ts";

const graph = (fields: Partial<GraphSummary> = {}): GraphSummary => ({ id: "g", name: "G", updatedAt: 0, ...fields });
const counts = (c: Partial<NonNullable<GraphSummary["processes"]>> = {}) => ({
  running: 0,
  starting: 0,
  pending: 0,
  failed: 0,
  stopping: 0,
  ...c,
});

describe("runText", () => {
  it("says the state in words, with pending and failed counts while running", () => {
    expect(runText(graph({ state: "stopped", processes: counts() }))).toMatchObject({
      state: "stopped",
      label: "Stopped",
    });
    expect(runText(graph({ state: "running", processes: counts({ running: 3 }) }))).toMatchObject({
      state: "running",
      label: "Running",
      title: "graph running; processes: 3 running",
    });
    expect(runText(graph({ state: "degraded", processes: counts({ running: 1, pending: 2, failed: 1 }) })).label).toBe(
      "Running · 2 pending · 1 failed",
    );
    expect(runText(graph({ state: "starting", processes: counts({ starting: 2 }) })).label).toBe(
      "Starting · 2 starting",
    );
  });

  it("is unknown (not stopped) before the room has reported, or from an older hub", () => {
    expect(runText(graph())).toMatchObject({ state: "unknown", label: "State unknown" });
    expect(runText(graph({ state: null, processes: null })).state).toBe("unknown");
  });
});

describe("nodesText and presenceText", () => {
  it("counts nodes, singular and plural, and says nothing when unknown", () => {
    expect(nodesText(1)).toBe("1 node");
    expect(nodesText(0)).toBe("0 nodes");
    expect(nodesText(null)).toBe("");
  });

  it("names up to three editors, then counts the others; viewers by count", () => {
    expect(presenceText(graph())).toBe("");
    expect(presenceText(graph({ editors: ["Ada"], editorCount: 1 }))).toBe("Ada editing");
    expect(presenceText(graph({ editors: ["Ada", "Bob"], editorCount: 2, viewers: 1 }))).toBe(
      "Ada and Bob editing · 1 viewing",
    );
    expect(presenceText(graph({ editors: ["A", "B", "C", "D"], editorCount: 25 }))).toBe(
      "A, B, C and 22 others editing",
    );
    expect(presenceText(graph({ viewers: 2 }))).toBe("2 viewing");
  });
});

describe("checkName", () => {
  it("trims, refuses empty and over-long names in words, and sees an unchanged name", () => {
    expect(checkName("  New  ", "Old")).toEqual({ ok: true, name: "New" });
    expect(checkName("   ", "Old")).toMatchObject({ ok: false, error: expect.stringContaining("cannot be empty") });
    expect(checkName("x".repeat(201), "Old")).toMatchObject({ ok: false, error: expect.stringContaining("200") });
    expect(checkName(" Old ", "Old")).toEqual({ ok: "unchanged" });
  });
});

describe("ListRefresher", () => {
  function harness() {
    let now = 0;
    let visible = true;
    let refreshes = 0;
    let release: (() => void) | undefined;
    const timers = new Map<number, { at: number; fn: () => void }>();
    let nextId = 1;
    const ports: RefreshPorts = {
      refresh: () => {
        refreshes++;
        return new Promise<void>((done) => (release = done));
      },
      visible: () => visible,
      now: () => now,
      setTimer: (fn, ms) => {
        const id = nextId++;
        timers.set(id, { at: now + ms, fn });
        return id;
      },
      clearTimer: (id) => timers.delete(id as number),
    };
    const refresher = new ListRefresher(ports);
    return {
      refresher,
      get refreshes() {
        return refreshes;
      },
      get timers() {
        return timers.size;
      },
      setVisible: (v: boolean) => (visible = v),
      /** Moves the clock, firing due timers in order. */
      advance(ms: number) {
        const end = now + ms;
        for (;;) {
          const due = [...timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
          if (!due) break;
          timers.delete(due[0]);
          now = due[1].at;
          due[1].fn();
        }
        now = end;
      },
      async finish() {
        release?.();
        release = undefined;
        await Promise.resolve();
        await Promise.resolve();
      },
    };
  }

  it("refreshes every 10 s after the last one ended, one at a time", async () => {
    const h = harness();
    h.refresher.start();
    h.advance(REFRESH_MS - 1);
    expect(h.refreshes).toBe(0);
    h.advance(1);
    expect(h.refreshes).toBe(1);
    // A slow answer: no second request meanwhile, and no timer.
    h.advance(REFRESH_MS * 3);
    expect(h.refreshes).toBe(1);
    h.refresher.wake();
    expect(h.refreshes).toBe(1);
    await h.finish();
    h.advance(REFRESH_MS);
    expect(h.refreshes).toBe(2);
  });

  it("a focus just after a cycle's refresh still refreshes (the change may be newer than that answer)", async () => {
    const h = harness();
    h.refresher.start();
    h.advance(REFRESH_MS);
    expect(h.refreshes).toBe(1);
    await h.finish();
    h.advance(10);
    h.refresher.wake();
    expect(h.refreshes).toBe(2);
  });

  it("stops while hidden, refreshes at once on coming back, and a focus right after costs nothing", async () => {
    const h = harness();
    h.refresher.start();
    h.setVisible(false);
    h.refresher.sleep();
    expect(h.timers).toBe(0);
    h.advance(REFRESH_MS * 5);
    expect(h.refreshes).toBe(0);
    h.setVisible(true);
    h.refresher.wake();
    expect(h.refreshes).toBe(1);
    await h.finish();
    h.advance(MIN_REFRESH_GAP_MS - 1);
    h.refresher.wake();
    expect(h.refreshes).toBe(1);
    h.advance(REFRESH_MS);
    expect(h.refreshes).toBe(2);
    await h.finish();
    h.refresher.stop();
    expect(h.timers).toBe(0);
    h.refresher.wake();
    expect(h.refreshes).toBe(2);
  });
});
