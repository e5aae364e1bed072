// The DocLog contract: one suite every implementation must pass (MemoryDocLog in Node, SqlDocLog on real
// Durable Object SQLite via test/sqlContract).
import { describe, expect, it } from "vitest";
import type { DocLog } from "./docLog.ts";

/** `fail` makes the log's next append or compaction fail part-way, as a full disk or a row over the limit would. */
export type MakeDocLog = (fail?: "append" | "compact") => DocLog;

const MiB = 1024 * 1024;

export function docLogContract(name: string, make: MakeDocLog): void {
  const test = (title: string, body: () => void) => it(title, body);

  describe(`DocLog contract: ${name}`, () => {
    test("starts empty", () => {
      const log = make();
      expect(log.entries()).toEqual([]);
      expect(log.stats()).toEqual({ snapshotBytes: 0, updateRows: 0, updateBytes: 0 });
      expect(log.retired()).toBeUndefined();
    });

    test("appends in order and counts rows and bytes", () => {
      const log = make();
      const a = log.append(bytes(3, 1));
      const b = log.append(bytes(5, 2));
      expect(b).toBeGreaterThan(a);
      expect(log.entries()).toEqual([bytes(3, 1), bytes(5, 2)]);
      expect(log.stats()).toEqual({ snapshotBytes: 0, updateRows: 2, updateBytes: 8 });
    });

    test("an update of 5 MiB (over the 2 MB row limit) comes back byte for byte", () => {
      const log = make();
      const big = bytes(5 * MiB + 7, 3);
      log.append(big);
      const [back] = log.entries();
      expect(back?.length).toBe(big.length);
      expect(equal(back, big)).toBe(true);
    });

    test("compaction replaces everything with the snapshot; a 20 MiB snapshot survives", () => {
      const log = make();
      log.append(bytes(10, 1));
      log.append(bytes(10, 2));
      const snapshot = bytes(20 * MiB + 1, 9);
      log.compact(snapshot);
      log.append(bytes(4, 4));
      const entries = log.entries();
      expect(entries).toHaveLength(2);
      expect(equal(entries[0], snapshot)).toBe(true);
      expect(entries[1]).toEqual(bytes(4, 4));
      expect(log.stats()).toEqual({ snapshotBytes: snapshot.length, updateRows: 1, updateBytes: 4 });
    });

    test("remove forgets one update and keeps the others", () => {
      const log = make();
      log.append(bytes(2, 1));
      const id = log.append(bytes(2, 2));
      log.append(bytes(2, 3));
      log.remove(id);
      log.remove(12345);
      expect(log.entries()).toEqual([bytes(2, 1), bytes(2, 3)]);
    });

    test("clear forgets the document but keeps the retired state vector", () => {
      const log = make();
      log.append(bytes(2, 1));
      log.setRetired(bytes(6, 5));
      log.clear();
      expect(log.entries()).toEqual([]);
      expect(log.retired()).toEqual(bytes(6, 5));
      log.setRetired(bytes(2, 6));
      expect(log.retired()).toEqual(bytes(2, 6));
    });

    test("an append that fails part-way stores nothing", () => {
      const log = make("append");
      log.append(bytes(3, 1));
      expect(() => log.append(bytes(3 * MiB, 2))).toThrow();
      expect(log.entries()).toEqual([bytes(3, 1)]);
      expect(log.stats()).toEqual({ snapshotBytes: 0, updateRows: 1, updateBytes: 3 });
    });

    test("a compaction that fails part-way leaves every entry as it was", () => {
      const log = make("compact");
      log.append(bytes(3, 1));
      log.append(bytes(3, 2));
      expect(() => log.compact(bytes(3 * MiB, 9))).toThrow();
      expect(log.entries()).toEqual([bytes(3, 1), bytes(3, 2)]);
    });
  });
}

/** `n` bytes of a pattern seeded by `seed`, so different entries differ. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed * 17) & 0xff;
  return out;
}

function equal(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
