// Tests for the line splitter shared by file-read and file-watch: line breaks, chunk boundaries and cutting.
import { describe, expect, it } from "vitest";
import { LineSplitter, utf8Prefix } from "./lines.ts";

const text = (lines: { bytes: Buffer; cut: boolean }[]) => lines.map((l) => [l.bytes.toString("utf8"), l.cut]);

describe("LineSplitter", () => {
  it("splits on \\n and \\r\\n, keeps empty lines, and holds a partial line until its break arrives", () => {
    const splitter = new LineSplitter(100);
    expect(text(splitter.push(Buffer.from("a\r\nb\n\nc")))).toEqual([
      ["a", false],
      ["b", false],
      ["", false],
    ]);
    expect(splitter.pending).toBe(1);
    expect(text(splitter.push(Buffer.from("d\ne")))).toEqual([["cd", false]]);
    expect(splitter.end()?.bytes.toString()).toBe("e");
    expect(splitter.end()).toBeUndefined();
  });

  it("joins a multi-byte character split across two chunks", () => {
    const bytes = Buffer.from("é€\n");
    const splitter = new LineSplitter(100);
    expect(splitter.push(bytes.subarray(0, 3))).toEqual([]);
    expect(text(splitter.push(bytes.subarray(3)))).toEqual([["é€", false]]);
  });

  it("cuts a line over the limit as soon as it passes it, on a character boundary, and drops the rest of it", () => {
    const splitter = new LineSplitter(5);
    // "ab€" is 5 bytes; "ab€€" passes the limit inside the second €, so the cut keeps "ab€".
    expect(text(splitter.push(Buffer.from("ab€€")))).toEqual([["ab€", true]]);
    expect(text(splitter.push(Buffer.from("more and more\nnext\n")))).toEqual([["next", false]]);
  });

  it("reset forgets a partial line", () => {
    const splitter = new LineSplitter(10);
    splitter.push(Buffer.from("half"));
    splitter.reset();
    expect(text(splitter.push(Buffer.from("new\n")))).toEqual([["new", false]]);
  });
});

describe("utf8Prefix", () => {
  it("never ends inside a character", () => {
    const bytes = Buffer.from("a€b");
    expect(utf8Prefix(bytes, 1).toString()).toBe("a");
    expect(utf8Prefix(bytes, 2).toString()).toBe("a");
    expect(utf8Prefix(bytes, 3).toString()).toBe("a");
    expect(utf8Prefix(bytes, 4).toString()).toBe("a€");
    expect(utf8Prefix(bytes, 9).toString()).toBe("a€b");
  });
});
