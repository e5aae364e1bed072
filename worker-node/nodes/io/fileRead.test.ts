// Tests for the file-read source: lines, ndjson and whole modes, credit, limits and missing files.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_LINE_BYTES } from "../../../shared/builtins/io.ts";
import { waitFor } from "../../testing/waitFor.ts";
import { fileReadNode } from "./fileRead.ts";
import { loggedNode, messages } from "./logged.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempFile(content: string | Buffer, name = "in.txt"): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-file-read-"));
  dirs.push(dir);
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Starts file-read on `path` and waits for its closing info line ("emitted …"). */
async function readAll(params: Record<string, unknown>) {
  const node = await loggedNode(fileReadNode, params).start();
  await waitFor(() => messages(node.lines).some((m) => m.startsWith("file-read: emitted")), "the closing log line");
  return node;
}

describe("file-read node", () => {
  it("lines: emits one string per line in order (\\r\\n and a last line without a break too), then logs the count", async () => {
    const path = tempFile("one\r\ntwo\n\nfour");
    const node = await readAll({ path });
    expect(node.ctx.emitted).toEqual([
      ["out", "one"],
      ["out", "two"],
      ["out", ""],
      ["out", "four"],
    ]);
    expect(messages(node.lines)).toEqual([`file-read: emitted 4 lines from ${path}; idle until restarted`]);
    await node.stop();
  });

  it("lines: stops emitting when credit runs out, waits for it, and resumes where it was", async () => {
    const path = tempFile(`${Array.from({ length: 50 }, (_, i) => `line ${i}`).join("\n")}\n`);
    const started = loggedNode(fileReadNode, { path });
    const { ctx } = started;
    const emit = ctx.emit;
    ctx.emit = (port, value, options) => {
      const sent = emit(port, value, options);
      if (ctx.emitted.length === 3) ctx.setCredit(false);
      return sent;
    };
    const waitForCredit = ctx.waitForCredit;
    let waits = 0;
    ctx.waitForCredit = (port) => {
      waits += 1;
      return waitForCredit(port);
    };
    const node = await started.start();
    await waitFor(() => waits === 1, "the node waiting for credit");
    expect(ctx.emitted).toHaveLength(3);
    ctx.setCredit(true);
    await waitFor(() => messages(node.lines).some((m) => m.startsWith("file-read: emitted 50 lines")), "the end");
    expect(ctx.emitted.map(([, v]) => v)).toEqual(Array.from({ length: 50 }, (_, i) => `line ${i}`));
    await node.stop();
  });

  it("stop while waiting for credit ends the read: nothing more is emitted and no count is logged", async () => {
    const path = tempFile("a\nb\nc\n");
    const started = loggedNode(fileReadNode, { path }, { credit: false });
    let waits = 0;
    const waitForCredit = started.ctx.waitForCredit;
    started.ctx.waitForCredit = (port) => {
      waits += 1;
      return waitForCredit(port);
    };
    const node = await started.start();
    await waitFor(() => waits === 1, "the node waiting for credit");
    await node.stop();
    expect(node.ctx.emitted).toEqual([]);
    expect(messages(node.lines)).toEqual([]);
  });

  it("ndjson: emits each line's value; a bad line is skipped with a warning naming its number, and counted", async () => {
    const path = tempFile('{"a":1}\n\nnot json\n[2,3]\n"x"\n');
    const node = await readAll({ path, mode: "ndjson" });
    expect(node.ctx.emitted).toEqual([
      ["out", { a: 1 }],
      ["out", [2, 3]],
      ["out", "x"],
    ]);
    const warnings = node.lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ line: 3, msg: expect.stringMatching(/line 3 is not JSON .*skipped/) });
    expect(messages(node.lines, 30).at(-1)).toMatch(/emitted 3 values from .* \(1 bad lines skipped\)/);
    await node.stop();
  });

  it("lines: a line over 200 KiB is cut to fit one message, with a warning", async () => {
    const path = tempFile(`${"x".repeat(MAX_LINE_BYTES + 10)}\nshort\n`);
    const node = await readAll({ path });
    expect(node.ctx.emitted.map(([, v]) => (v as string).length)).toEqual([MAX_LINE_BYTES, 5]);
    expect(messages(node.lines, 40)).toEqual([expect.stringMatching(/line 1 is longer than 204800 bytes; cut/)]);
    await node.stop();
  });

  it("whole: emits the file as one string; with base64, binary bytes as base64", async () => {
    const text = tempFile("héllo\nworld\n");
    const node = await readAll({ path: text, mode: "whole" });
    expect(node.ctx.emitted).toEqual([["out", "héllo\nworld\n"]]);
    await node.stop();
    const bytes = Buffer.from([0, 255, 10, 128, 7]);
    const binary = await readAll({ path: tempFile(bytes, "b.bin"), mode: "whole", encoding: "base64" });
    expect(binary.ctx.emitted).toEqual([["out", bytes.toString("base64")]]);
    await binary.stop();
  });

  it("lines with base64: each line's bytes as base64", async () => {
    const node = await readAll({ path: tempFile(Buffer.from([1, 2, 10, 255])), encoding: "base64" });
    expect(node.ctx.emitted).toEqual([
      ["out", Buffer.from([1, 2]).toString("base64")],
      ["out", Buffer.from([255]).toString("base64")],
    ]);
    await node.stop();
  });

  it("whole: a file over 200 KiB fails start naming the limit and suggesting lines mode", async () => {
    const path = tempFile("y".repeat(210 * 1024));
    await expect(loggedNode(fileReadNode, { path, mode: "whole" }).start()).rejects.toThrow(
      /in mode "whole", but one message holds at most 256 KiB of JSON .* use mode "lines"/,
    );
    // Escaping counts: 150 KiB of quotes is 300 KiB of JSON.
    const quotes = tempFile('"'.repeat(150 * 1024), "q.txt");
    await expect(loggedNode(fileReadNode, { path: quotes, mode: "whole" }).start()).rejects.toThrow(/256 KiB/);
  });

  it("a missing file, a directory, or a file over maxBytes fails start naming the path", async () => {
    const path = tempFile("12345");
    const missing = join(path, "..", "nope.txt");
    await expect(loggedNode(fileReadNode, { path: missing }).start()).rejects.toThrow(
      `file-read: cannot read ${missing}: no such file`,
    );
    await expect(loggedNode(fileReadNode, { path: join(path, "..") }).start()).rejects.toThrow(/not a regular file/);
    await expect(loggedNode(fileReadNode, { path, maxBytes: 4 }).start()).rejects.toThrow(
      `file-read: ${path} is 5 bytes, more than param "maxBytes" allows (4)`,
    );
  });

  it("refuses base64 with ndjson, and a missing path by its schema", async () => {
    const path = tempFile("{}");
    await expect(loggedNode(fileReadNode, { path, mode: "ndjson", encoding: "base64" }).start()).rejects.toThrow(
      /param "encoding" base64 does not go with mode ndjson/,
    );
    expect(() => loggedNode(fileReadNode, {})).toThrow(/param "path" is required/);
  });
});
