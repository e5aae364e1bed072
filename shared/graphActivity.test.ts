import { describe, expect, it } from "vitest";
import { MAX_EDITOR_NAME_CHARS, MAX_LISTED_EDITORS, presence, runSummary } from "./graphActivity.ts";
import type { ProcessState } from "./status.ts";

const procs = (...states: ProcessState[]) => states.map((state) => ({ state }));

describe("runSummary", () => {
  it("a stopped graph with nothing left is stopped; with processes still finishing it is stopping", () => {
    expect(runSummary({ running: false, processes: procs("stopped", "stopped") }).state).toBe("stopped");
    expect(runSummary({ running: false, processes: [] }).state).toBe("stopped");
    expect(runSummary({ running: false, processes: procs("stopping", "stopped") }).state).toBe("stopping");
    expect(runSummary({ running: false, processes: procs("running") }).state).toBe("stopping");
  });

  it("a running graph: running when all run, starting while assigned, degraded when any is pending or failed", () => {
    expect(runSummary({ running: true, processes: procs("running", "running", "stopped") }).state).toBe("running");
    expect(runSummary({ running: true, processes: procs("running", "assigned") }).state).toBe("starting");
    expect(runSummary({ running: true, processes: procs("running", "pending", "assigned") }).state).toBe("degraded");
    expect(runSummary({ running: true, processes: procs("crashed") }).state).toBe("degraded");
    expect(runSummary({ running: true, processes: procs("blocked", "running") }).state).toBe("degraded");
    expect(runSummary({ running: true, processes: [] }).state).toBe("running");
  });

  it("counts every state once; crashed and blocked both count as failed", () => {
    const { processes } = runSummary({
      running: true,
      processes: procs(
        "running",
        "running",
        "assigned",
        "pending",
        "pending",
        "crashed",
        "blocked",
        "stopping",
        "stopped",
      ),
    });
    expect(processes).toEqual({ running: 2, starting: 1, pending: 2, failed: 2, stopping: 1 });
  });
});

describe("presence", () => {
  it("names each editing person once, sorted; counts viewers who are not also editing", () => {
    const who = presence([
      { user: "u2", name: "Bob", access: "editor" },
      { user: "u1", name: "Ada", access: "admin" },
      { user: "u2", name: "Bob", access: "editor" },
      { user: "u3", name: "Cy", access: "viewer" },
      { user: "u3", name: "Cy", access: "viewer" },
      { user: "u1", name: "Ada", access: "viewer" },
    ]);
    expect(who).toEqual({ editors: ["Ada", "Bob"], editorCount: 2, viewers: 1 });
  });

  it("falls back to the user id for an empty name and shortens long names", () => {
    const who = presence([
      { user: "u0", name: " ", access: "editor" },
      { user: "u1", name: "x".repeat(500), access: "editor" },
    ]);
    expect(who.editors[0]).toBe("u0");
    expect(who.editors[1]).toHaveLength(MAX_EDITOR_NAME_CHARS);
  });

  it("lists at most MAX_LISTED_EDITORS names and counts them all", () => {
    const many = Array.from({ length: MAX_LISTED_EDITORS + 5 }, (_, i) => ({
      user: `u${i}`,
      name: `P${String(i).padStart(2, "0")}`,
      access: "editor" as const,
    }));
    const who = presence(many);
    expect(who.editorCount).toBe(MAX_LISTED_EDITORS + 5);
    expect(who.editors).toHaveLength(MAX_LISTED_EDITORS);
    expect(who.editors[0]).toBe("P00");
  });

  it("nobody connected: no editors, no viewers", () => {
    expect(presence([])).toEqual({ editors: [], editorCount: 0, viewers: 0 });
  });
});
