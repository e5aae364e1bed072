// Tests for the NDJSON line splitter: lines split across chunks, several per chunk, CRLF, UTF-8 split
// inside a character, a last line without newline, and a line over the limit refused without buffering it.
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../testing/waitFor.ts";
import { LineSplitter } from "./lines.ts";

const lines = (events: ReturnType<LineSplitter["push"]>) => events.map((e) => (e.kind === "line" ? e.text : "!"));

describe("LineSplitter", () => {
  it("gives each complete line once, joining chunks, and strips a CR before the newline", () => {
    const splitter = new LineSplitter(100);
    expect(lines(splitter.push(Buffer.from('{"id":"a"}\n{"id"')))).toEqual(['{"id":"a"}']);
    expect(lines(splitter.push(Buffer.from(':"b"}\r\nx\n\n')))).toEqual(['{"id":"b"}', "x", ""]);
    expect(lines(splitter.end())).toEqual([]);
  });

  it("keeps a multi-byte character split across two chunks whole", () => {
    const bytes = Buffer.from("héllo ✓\n");
    const splitter = new LineSplitter(100);
    expect(lines(splitter.push(bytes.subarray(0, 2)))).toEqual([]);
    expect(lines(splitter.push(bytes.subarray(2)))).toEqual(["héllo ✓"]);
  });

  it("gives a last line that has no newline when the stream ends", () => {
    const splitter = new LineSplitter(100);
    splitter.push(Buffer.from("a\nlast"));
    expect(lines(splitter.end())).toEqual(["last"]);
  });

  it("reports a line over the limit once, as soon as it is over, drops it and goes on after its newline", () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push(Buffer.from("0123456789"))).toEqual([]);
    expect(splitter.push(Buffer.from("ab"))).toEqual([{ kind: "overflow", maxBytes: 10 }]);
    expect(splitter.push(Buffer.from("c".repeat(1000)))).toEqual([]);
    expect(lines(splitter.push(Buffer.from("dd\nok\n")))).toEqual(["ok"]);
    // Exactly at the limit is fine.
    expect(lines(splitter.push(Buffer.from("0123456789\n")))).toEqual(["0123456789"]);
  });

  it("splits the same stream the same way whatever the chunking (seeded)", () => {
    const seed = 424242;
    const random = seededRandom(seed);
    const text = Array.from({ length: 200 }, (_, i) => `{"id":"m${i}","value":"${"é".repeat(i % 7)}"}`).join("\n");
    const bytes = Buffer.from(`${text}\n`);
    for (let round = 0; round < 50; round++) {
      const splitter = new LineSplitter(1000);
      const got: string[] = [];
      for (let at = 0; at < bytes.length; ) {
        const size = 1 + Math.floor(random() * 40);
        got.push(...lines(splitter.push(bytes.subarray(at, at + size))));
        at += size;
      }
      expect(got, `seed ${seed}, round ${round}`).toEqual(text.split("\n"));
    }
  });
});
