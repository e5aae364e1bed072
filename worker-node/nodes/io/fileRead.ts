// The `file-read` source: reads a file once at start and emits its lines, its NDJSON values or its whole text.
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { MAX_LINE_BYTES, MAX_WHOLE_JSON_BYTES } from "../../../shared/builtins/io.ts";
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { awaitCredit } from "./credit.ts";
import { type Line, LineSplitter } from "./lines.ts";

/** Warnings logged one by one for bad or cut lines; past this they are only counted. */
export const MAX_LINE_WARNINGS = 20;

type Mode = "lines" | "whole" | "ndjson";
type Encoding = "utf8" | "base64";

interface Settings {
  path: string;
  mode: Mode;
  encoding: Encoding;
  maxBytes: number;
}

function settings(params: NodeContext["params"]): Settings {
  const s: Settings = {
    path: String(params.path ?? ""),
    mode: String(params.mode ?? "lines") as Mode,
    encoding: String(params.encoding ?? "utf8") as Encoding,
    maxBytes: Number(params.maxBytes),
  };
  if (s.mode === "ndjson" && s.encoding === "base64") {
    throw new Error('file-read: param "encoding" base64 does not go with mode ndjson (NDJSON is text); use utf8');
  }
  return s;
}

/** The file's size; throws naming the path when it is missing, not a file, or over maxBytes. */
async function fileSize({ path, maxBytes }: Settings): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(
      `file-read: cannot read ${path}: ${code === "ENOENT" ? "no such file" : (code ?? (error as Error).message)}`,
    );
  }
  if (!info.isFile()) throw new Error(`file-read: cannot read ${path}: it is not a regular file`);
  const size = info.size;
  if (size > maxBytes) {
    throw new Error(`file-read: ${path} is ${size} bytes, more than param "maxBytes" allows (${maxBytes})`);
  }
  return size;
}

function tooBigForWhole(path: string, jsonBytes: number): Error {
  return new Error(
    `file-read: ${path} makes ${jsonBytes} bytes of JSON in mode "whole", but one message holds at most 256 KiB of JSON (this node allows ${MAX_WHOLE_JSON_BYTES} bytes); use mode "lines" or "ndjson" to emit it line by line`,
  );
}

/** The file as one JSON string (utf8 or base64), checked against the message limit before and after reading. */
async function readWhole(s: Settings, size: number): Promise<string> {
  const estimate = s.encoding === "base64" ? Math.ceil(size / 3) * 4 + 2 : size + 2;
  if (estimate > MAX_WHOLE_JSON_BYTES) throw tooBigForWhole(s.path, estimate);
  const bytes = await readFile(s.path);
  if (bytes.length > s.maxBytes) {
    throw new Error(`file-read: ${s.path} is ${bytes.length} bytes, more than param "maxBytes" allows (${s.maxBytes})`);
  }
  const text = bytes.toString(s.encoding);
  const jsonBytes = Buffer.byteLength(JSON.stringify(text));
  if (jsonBytes > MAX_WHOLE_JSON_BYTES) throw tooBigForWhole(s.path, jsonBytes);
  return text;
}

interface Counts {
  line: number;
  emitted: number;
  skipped: number;
  cut: number;
  warned: number;
}

/** The value a line emits, or undefined when it is skipped (a blank or bad NDJSON line, which it logs). */
function lineValue(ctx: NodeContext, s: Settings, line: Line, counts: Counts): JsonValue | undefined {
  const warn = (why: string) => {
    counts.warned += 1;
    if (counts.warned <= MAX_LINE_WARNINGS) ctx.log.warn({ path: s.path, line: counts.line }, why);
    if (counts.warned === MAX_LINE_WARNINGS + 1) {
      ctx.log.warn({ path: s.path }, `file-read: more than ${MAX_LINE_WARNINGS} problem lines; counting the rest`);
    }
  };
  if (s.mode === "ndjson") {
    if (line.cut) {
      counts.skipped += 1;
      warn(`file-read: ${s.path} line ${counts.line} is longer than ${MAX_LINE_BYTES} bytes; skipped`);
      return undefined;
    }
    const text = line.bytes.toString("utf8");
    if (text.trim() === "") return undefined;
    try {
      return JSON.parse(text) as JsonValue;
    } catch (error) {
      counts.skipped += 1;
      warn(`file-read: ${s.path} line ${counts.line} is not JSON (${(error as Error).message}); skipped`);
      return undefined;
    }
  }
  if (line.cut) {
    counts.cut += 1;
    warn(`file-read: ${s.path} line ${counts.line} is longer than ${MAX_LINE_BYTES} bytes; cut to fit one message`);
  }
  return line.bytes.toString(s.encoding);
}

/** Streams the file line by line, one message per line, waiting for credit; logs the counts at the end. */
async function emitLines(ctx: NodeContext, s: Settings, stopping: AbortSignal): Promise<void> {
  // base64 grows bytes by 4/3: cut raw lines so the encoded string still fits.
  const splitter = new LineSplitter(s.encoding === "base64" ? Math.floor((MAX_LINE_BYTES * 3) / 4) : MAX_LINE_BYTES);
  const stream = createReadStream(s.path, { start: 0, end: s.maxBytes - 1, highWaterMark: 64 * 1024 });
  const counts: Counts = { line: 0, emitted: 0, skipped: 0, cut: 0, warned: 0 };
  const handle = async (line: Line): Promise<boolean> => {
    counts.line += 1;
    const value = lineValue(ctx, s, line, counts);
    if (value === undefined) return true;
    if (!(await awaitCredit(ctx, stopping))) return false;
    if (ctx.emit("out", value)) counts.emitted += 1;
    return true;
  };
  try {
    reading: for await (const chunk of stream) {
      for (const line of splitter.push(chunk as Buffer)) if (!(await handle(line))) break reading;
    }
    const last = splitter.end();
    if (last && !(ctx.signal.aborted || stopping.aborted)) await handle(last);
  } finally {
    stream.destroy();
  }
  if (ctx.signal.aborted || stopping.aborted) return;
  const unit = s.mode === "ndjson" ? "values" : "lines";
  ctx.log.info(
    { path: s.path, lines: counts.line, emitted: counts.emitted, skipped: counts.skipped, cut: counts.cut },
    `file-read: emitted ${counts.emitted} ${unit} from ${s.path}${counts.skipped ? ` (${counts.skipped} bad lines skipped)` : ""}${counts.cut ? ` (${counts.cut} long lines cut)` : ""}; idle until restarted`,
  );
}

export const fileReadNode: NodeImpl = {
  def: builtinType("file-read"),
  create() {
    const stopping = new AbortController();
    let reading: Promise<void> | undefined;
    return {
      async start(ctx) {
        const s = settings(ctx.params);
        const size = await fileSize(s);
        if (s.mode === "whole") {
          const text = await readWhole(s, size);
          reading = (async () => {
            if (!(await awaitCredit(ctx, stopping.signal))) return;
            const sent = ctx.emit("out", text);
            ctx.log.info(
              { path: s.path, bytes: size },
              `file-read: emitted ${s.path} whole (${size} bytes${sent ? "" : ", refused"}); idle until restarted`,
            );
          })();
          return;
        }
        reading = emitLines(ctx, s, stopping.signal).catch((error: unknown) => {
          // A source has no message to fail: the error is reported in the worker's log, naming the file.
          ctx.log.error(
            { path: s.path, error: (error as Error).message },
            `file-read: reading ${s.path} failed: ${(error as Error).message}`,
          );
        });
      },
      async stop() {
        stopping.abort();
        await reading;
      },
    };
  },
};
