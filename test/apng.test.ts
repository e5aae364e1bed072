// The README animation's assembler: frames keep their image data, numbered in order, and unequal frames are refused.
import { deflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { animatedPng, readChunks } from "./apng.ts";

/** A tiny truecolour PNG of one colour (filter byte 0 per row). */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  const parts: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  const add = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    parts.push(length, Buffer.from(type, "latin1"), data, Buffer.alloc(4));
  };
  add("IHDR", header);
  add("IDAT", deflateSync(raw));
  add("IEND", Buffer.alloc(0));
  return Buffer.concat(parts);
}

describe("animatedPng", () => {
  it("holds every frame once, in order, with one sequence across fcTL and fdAT", () => {
    const frames = [png(3, 2, [255, 0, 0]), png(3, 2, [0, 255, 0]), png(3, 2, [0, 0, 255])];
    const chunks = readChunks(animatedPng(frames, 200));
    expect(chunks.map((c) => c.type)).toEqual(["IHDR", "acTL", "fcTL", "IDAT", "fcTL", "fdAT", "fcTL", "fdAT", "IEND"]);
    expect(chunks[1]?.data.readUInt32BE(0)).toBe(3);
    const sequence = chunks.filter((c) => c.type === "fcTL" || c.type === "fdAT").map((c) => c.data.readUInt32BE(0));
    expect(sequence).toEqual([0, 1, 2, 3, 4]);
    expect(chunks[2]?.data.readUInt16BE(20)).toBe(200);
    // The last frame's image data is the last PNG's, behind its sequence number.
    const blue = readChunks(frames[2] as Buffer).find((c) => c.type === "IDAT")?.data;
    expect(chunks[7]?.data.subarray(4).equals(blue as Buffer)).toBe(true);
  });

  it("refuses frames of different sizes", () => {
    expect(() => animatedPng([png(3, 2, [0, 0, 0]), png(4, 2, [0, 0, 0])], 100)).toThrow(/frame 1 differs/);
  });
});
