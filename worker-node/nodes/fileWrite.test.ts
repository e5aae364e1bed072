// Tests for the file-write sink: NDJSON lines appended on flush, in order; a file it cannot open crashes it.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { testContext } from "../testing/context.ts";
import { fileWriteNode } from "./fileWrite.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-file-write-"));
  dirs.push(dir);
  return join(dir, "out.ndjson");
}

describe("file-write node", () => {
  it("appends one NDJSON line per message, written on flush, and keeps appending after a restart", async () => {
    const path = tempFile();
    for (const round of [0, 1]) {
      const process = fileWriteNode.create();
      await process.start(testContext({ path, fsync: "always" }));
      for (let i = 0; i < 3; i++) {
        const n = round * 3 + i;
        await process.onMessage?.({ id: `m${n}`, value: n, ts: n }, "in");
      }
      if (round === 0) expect(readFileSync(path, "utf8")).toBe("");
      await process.flush?.();
      await process.stop?.();
    }
    const lines = readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([0, 1, 2, 3, 4, 5].map((n) => ({ id: `m${n}`, value: n, ts: n })));
  });

  it("a file it cannot open fails start with the path and the reason", async () => {
    const process = fileWriteNode.create();
    await expect(process.start(testContext({ path: "/nonexistent-dir/x.ndjson", fsync: "never" }))).rejects.toThrow(
      /cannot open \/nonexistent-dir\/x.ndjson for appending: ENOENT/,
    );
  });
});
