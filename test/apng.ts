// Animated PNG from same-sized PNG screenshots (no encoder needed: each frame's compressed image data is reused as
// is), for the README's animation of people editing together. APNG plays in every current browser and on GitHub.
import { crc32 } from "node:zlib";

interface Chunk {
  type: string;
  data: Buffer;
}

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readChunks(png: Buffer): Chunk[] {
  if (!png.subarray(0, 8).equals(SIGNATURE)) throw new Error("not a PNG: the signature is wrong");
  const chunks: Chunk[] = [];
  for (let at = 8; at + 12 <= png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** One APNG of `frames` (PNG files of one size and colour type), each shown `delayMs`, looping for ever. */
export function animatedPng(frames: Buffer[], delayMs: number): Buffer {
  const parsed = frames.map(readChunks);
  const header = parsed[0]?.find((c) => c.type === "IHDR")?.data;
  if (!header) throw new Error("no frames, or the first has no IHDR");
  parsed.forEach((chunks, i) => {
    const own = chunks.find((c) => c.type === "IHDR")?.data;
    if (!own?.equals(header)) throw new Error(`frame ${i} differs in size or colour type from frame 0`);
  });
  const control = Buffer.alloc(8);
  control.writeUInt32BE(frames.length, 0); // frames; then plays: 0, for ever
  const out = [SIGNATURE, chunk("IHDR", header), chunk("acTL", control)];
  let sequence = 0;
  parsed.forEach((chunks, i) => {
    const fc = Buffer.alloc(26);
    fc.writeUInt32BE(sequence++, 0);
    header.copy(fc, 4, 0, 8); // width, height
    fc.writeUInt16BE(Math.round(delayMs), 20); // delay numerator / denominator (ms)
    fc.writeUInt16BE(1000, 22);
    out.push(chunk("fcTL", fc));
    for (const c of chunks.filter((c) => c.type === "IDAT")) {
      if (i === 0) out.push(chunk("IDAT", c.data));
      else {
        const seq = Buffer.alloc(4);
        seq.writeUInt32BE(sequence++, 0);
        out.push(chunk("fdAT", Buffer.concat([seq, c.data])));
      }
    }
  });
  out.push(chunk("IEND", Buffer.alloc(0)));
  return Buffer.concat(out);
}
