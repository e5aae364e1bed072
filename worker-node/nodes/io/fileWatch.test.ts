// Tests for file-watch: the tail polled by hand (new lines, truncation, rotation, a late file, credit), then the node.
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MAX_LINE_BYTES } from "../../../shared/builtins/io.ts";
import { captureLogger } from "../../testing/logs.ts";
import { waitFor } from "../../testing/waitFor.ts";
import { FileTail } from "./fileTail.ts";
import { fileWatchNode } from "./fileWatch.ts";
import { loggedNode, messages } from "./logged.ts";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempPath(): string {
  const dir = mkdtempSync(join(tmpdir(), "weft-file-watch-"));
  dirs.push(dir);
  return join(dir, "app.log");
}

/** A tail whose credit a test switches; `emitted` holds the lines. */
function tail(path: string, fromStart = false) {
  const { log, lines: logs } = captureLogger("w");
  const emitted: string[] = [];
  let credit = true;
  let waiting: Array<(ok: boolean) => void> = [];
  let waits = 0;
  const sink = {
    log,
    emit: (line: string) => void emitted.push(line),
    credit: () => {
      if (credit) return Promise.resolve(true);
      waits += 1;
      return new Promise<boolean>((resolve) => waiting.push(resolve));
    },
  };
  return {
    tail: new FileTail(path, fromStart, sink),
    emitted,
    logs,
    get waits() {
      return waits;
    },
    setCredit(on: boolean) {
      credit = on;
      if (!on) return;
      for (const resolve of waiting.splice(0)) resolve(true);
    },
    stopWaiting() {
      for (const resolve of waiting.splice(0)) resolve(false);
      waiting = [];
    },
  };
}

describe("FileTail", () => {
  it("emits only lines appended after it opened, and holds a partial line until its break arrives", async () => {
    const path = tempPath();
    writeFileSync(path, "old 1\nold 2\n");
    const t = tail(path);
    await t.tail.prepare();
    appendFileSync(path, "new 1\nnew 2\nhal");
    await t.tail.poll();
    expect(t.emitted).toEqual(["new 1", "new 2"]);
    appendFileSync(path, "f\n");
    await t.tail.poll();
    expect(t.emitted).toEqual(["new 1", "new 2", "half"]);
    await t.tail.poll();
    expect(t.emitted).toHaveLength(3);
    await t.tail.close();
  });

  it("with fromStart, emits the lines already there first", async () => {
    const path = tempPath();
    writeFileSync(path, "old 1\nold 2\n");
    const t = tail(path, true);
    await t.tail.prepare();
    appendFileSync(path, "new\n");
    await t.tail.poll();
    expect(t.emitted).toEqual(["old 1", "old 2", "new"]);
    await t.tail.close();
  });

  it("a truncated file is read again from its start", async () => {
    const path = tempPath();
    writeFileSync(path, "");
    const t = tail(path);
    await t.tail.prepare();
    appendFileSync(path, "a long first line\n");
    await t.tail.poll();
    truncateSync(path, 0);
    appendFileSync(path, "b\n");
    await t.tail.poll();
    expect(t.emitted).toEqual(["a long first line", "b"]);
    expect(messages(t.logs)).toEqual([expect.stringMatching(/was truncated; reading it again from its start/)]);
    await t.tail.close();
  });

  it("a rotated file: the rest of the old one, its unterminated last line, then the new file from its start", async () => {
    const path = tempPath();
    writeFileSync(path, "");
    const t = tail(path);
    await t.tail.prepare();
    appendFileSync(path, "one\n");
    await t.tail.poll();
    appendFileSync(path, "two\nthr");
    renameSync(path, `${path}.1`);
    writeFileSync(path, "new 1\nnew 2\n");
    await t.tail.poll();
    expect(t.emitted).toEqual(["one", "two", "thr", "new 1", "new 2"]);
    expect(messages(t.logs)).toEqual([expect.stringMatching(/was replaced; reading the new file from its start/)]);
    await t.tail.close();
  });

  it("a missing file is waited for (logged once) and read from its start once it appears", async () => {
    const path = tempPath();
    const t = tail(path);
    await t.tail.prepare();
    await t.tail.poll();
    await t.tail.poll();
    expect(messages(t.logs)).toEqual([`file-watch: ${path} does not exist yet; waiting for it to appear`]);
    writeFileSync(path, "first\nsecond\n");
    await t.tail.poll();
    expect(t.emitted).toEqual(["first", "second"]);
    rmSync(path);
    await t.tail.poll();
    expect(messages(t.logs).at(-1)).toMatch(/was removed; waiting for it to appear again/);
    writeFileSync(path, "back\n");
    await t.tail.poll();
    expect(t.emitted).toEqual(["first", "second", "back"]);
    await t.tail.close();
  });

  it("without credit it stops reading, keeps its place, and goes on in order once credit returns", async () => {
    const path = tempPath();
    writeFileSync(path, "");
    const t = tail(path);
    await t.tail.prepare();
    appendFileSync(path, "a\nb\n");
    t.setCredit(false);
    const polling = t.tail.poll();
    await waitFor(() => t.waits === 1, "the tail waiting for credit");
    appendFileSync(path, "c\n");
    expect(t.emitted).toEqual([]);
    t.setCredit(true);
    await polling;
    expect(t.emitted).toEqual(["a", "b", "c"]);
    await t.tail.close();
  });

  it("a stop while waiting for credit ends the poll without emitting", async () => {
    const path = tempPath();
    writeFileSync(path, "");
    const t = tail(path);
    await t.tail.prepare();
    appendFileSync(path, "a\n");
    t.setCredit(false);
    const polling = t.tail.poll();
    await waitFor(() => t.waits === 1, "the tail waiting for credit");
    t.stopWaiting();
    await polling;
    expect(t.emitted).toEqual([]);
    await t.tail.close();
  });

  it("a line over 200 KiB is emitted cut, with a warning, and the next line is whole", async () => {
    const path = tempPath();
    writeFileSync(path, "");
    const t = tail(path);
    await t.tail.prepare();
    appendFileSync(path, `${"z".repeat(MAX_LINE_BYTES * 2)}\nnext\n`);
    await t.tail.poll();
    expect(t.emitted.map((l) => l.length)).toEqual([MAX_LINE_BYTES, 4]);
    expect(messages(t.logs, 40)).toEqual([expect.stringMatching(/longer than 204800 bytes; emitted cut/)]);
    await t.tail.close();
  });
});

describe("file-watch node", () => {
  it("polls every pollInterval and emits appended lines on out; stop ends its loop", async () => {
    const path = tempPath();
    writeFileSync(path, "before\n");
    const node = await loggedNode(fileWatchNode, { path, pollInterval: "50ms" }).start();
    appendFileSync(path, "after 1\nafter 2\n");
    await waitFor(() => node.ctx.emitted.length >= 2 || undefined, "two lines");
    expect(node.ctx.emitted).toEqual([
      ["out", "after 1"],
      ["out", "after 2"],
    ]);
    await node.stop();
    expect(messages(node.lines)).toEqual([]);
  });

  it("refuses a poll interval under 50ms and a missing path by its schema", () => {
    expect(() => loggedNode(fileWatchNode, { path: "/x", pollInterval: "10ms" })).toThrow(
      /param "pollInterval" must be at least 50ms/,
    );
    expect(() => loggedNode(fileWatchNode, {})).toThrow(/param "path" is required/);
  });
});
