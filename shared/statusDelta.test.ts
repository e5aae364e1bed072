// Status deltas: applied to their base they give the status they were made from (seeded random statuses), and
// nothing changed means no delta.
import { describe, expect, it } from "vitest";
import type { EdgeStatus, GraphStatus, ProcessStatus } from "./status.ts";
import { applyStatusDelta, snapshotStatus, statusDelta } from "./statusDelta.ts";
import { fuzzSeeds, prng } from "./testing/seeds.ts";
import { edgeStatus } from "./testing/status.ts";

const STATES = ["stopped", "pending", "running", "crashed"] as const;

function randomStatus(random: () => number, size: number): GraphStatus {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T;
  const processes: ProcessStatus[] = [];
  const edges: EdgeStatus[] = [];
  for (let i = 0; i < size; i++) {
    if (random() < 0.2) continue; // some ids come and go
    processes.push({
      nodeId: `n${i}`,
      type: "log",
      state: pick(STATES),
      workerId: random() < 0.5 ? "w1" : null,
      in: Math.floor(random() * 3),
      out: 0,
      errors: 0,
      lastError: random() < 0.1 ? "boom" : null,
      ...(random() < 0.3 ? { recent: [{ n: Math.floor(random() * 2) }] } : {}),
    });
    if (random() < 0.7) {
      edges.push(
        edgeStatus(`e${i}`, {
          from: `n${i}`,
          to: `n${i + 1}`,
          depth: Math.floor(random() * 2),
          paused: random() < 0.1,
        }),
      );
    }
  }
  const workers =
    random() < 0.5
      ? []
      : [
          {
            id: "w1",
            name: "w1",
            labels: [],
            capacity: 4,
            load: Math.floor(random() * 4),
            version: "1",
            lastHeartbeat: 0,
            processes: 1,
            draining: false,
          },
        ];
  return { running: random() < 0.5, workers, processes, edges, storageBytes: Math.floor(random() * 3) };
}

const byId = (s: GraphStatus) => ({
  ...s,
  processes: [...s.processes].sort((a, b) => a.nodeId.localeCompare(b.nodeId)),
  edges: [...s.edges].sort((a, b) => a.id.localeCompare(b.id)),
});

describe("status deltas", () => {
  for (const seed of fuzzSeeds([1, 2, 20_261_203])) {
    it(`a chain of deltas, each applied to its base, follows the statuses exactly (seed ${seed})`, () => {
      const random = prng(seed);
      let base = snapshotStatus(randomStatus(random, 30));
      let held = base.status;
      for (let step = 0; step < 50; step++) {
        const now = snapshotStatus(randomStatus(random, 30));
        const delta = statusDelta(base, now);
        if (delta) held = applyStatusDelta(held, delta);
        expect(byId(held)).toEqual(byId(now.status));
        base = now;
      }
    });
  }

  it("sends only what changed, whole, and the ids that went; nothing when nothing changed", () => {
    const random = prng(7);
    const status = randomStatus(random, 10);
    expect(statusDelta(snapshotStatus(status), snapshotStatus(structuredClone(status)))).toBeUndefined();
    const next = structuredClone(status);
    const [first, second] = next.processes;
    if (!first || !second) throw new Error("the seed made too few processes");
    first.in += 5;
    next.processes = next.processes.filter((p) => p !== second);
    const delta = statusDelta(snapshotStatus(status), snapshotStatus(next));
    expect(delta?.processes).toEqual([first]);
    expect(delta?.removedProcesses).toEqual([second.nodeId]);
    expect(delta?.edges).toEqual([]);
    expect(statusDelta(snapshotStatus(status), snapshotStatus({ ...status, running: !status.running }))?.running).toBe(
      !status.running,
    );
  });
});
