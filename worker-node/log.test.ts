import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { escapeControl, prettyLine, prettyStream } from "./log.ts";
import { runCli } from "./main.ts";
import { logNode } from "./nodes/log.ts";
import { fakeCliIo } from "./testing/cliIo.ts";

describe("prettyLine", () => {
  it("prints time, level, graph/node and extra fields", () => {
    const line = JSON.stringify({
      level: 30,
      time: Date.UTC(2026, 0, 1, 12, 0, 1),
      workerId: "w",
      graphId: "demo",
      nodeId: "log",
      msg: "hi",
      messageId: "m1",
    });
    expect(prettyLine(line)).toBe("12:00:01 INFO  [demo/log] hi messageId=m1");
  });

  it("passes through lines that are not JSON", () => {
    expect(prettyLine("plain text\n")).toBe("plain text");
  });
});

// Written out here rather than imported, so the test does not trust the code's own list.
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for raw control characters is the point.
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** [what, hostile text, how it must be shown]; the shown forms are raw strings (a `\` is one backslash). */
const HOSTILE: Array<[string, string, string]> = [
  ["OSC set-title sequence", "\u001b]0;pwned\u0007", String.raw`\u001b]0;pwned\u0007`],
  ["CSI clear screen", "\u001b[2J\u001b[H", String.raw`\u001b[2J\u001b[H`],
  [
    "newline forging a log line",
    "ok\n12:00:00 INFO  [demo/log] forged line",
    String.raw`ok\n12:00:00 INFO  [demo/log] forged line`,
  ],
  ["carriage return overwriting", "safe\rEVIL", String.raw`safe\rEVIL`],
  ["tab", "a\tb", String.raw`a\tb`],
  ["BEL", "ding\u0007", String.raw`ding\u0007`],
  ["NUL", "a\u0000b", String.raw`a\u0000b`],
  ["DEL", "a\u007fb", String.raw`a\u007fb`],
  ["C1 CSI U+009B", "\u009b2J", String.raw`\u009b2J`],
  ["C1 NEL U+0085", "a\u0085b", String.raw`a\u0085b`],
  ["line separator U+2028", "a\u2028b", String.raw`a\u2028b`],
  ["paragraph separator U+2029", "a\u2029b", String.raw`a\u2029b`],
  ["bidi override U+202E", "invoice\u202Efdp.exe", String.raw`invoice\u202efdp.exe`],
  ["bidi isolate U+2066", "\u2066x\u2069", String.raw`\u2066x\u2069`],
  ["lone backslash", "C:\\", String.raw`C:\\`],
  ["backslash-n text, not a newline", "\\n", String.raw`\\n`],
];

const SAFE: string[] = [
  "plain ASCII: 1 + 1 = 2, (ok) [x] {y} 'q' \"qq\" #%&*~^`|<>",
  "héllo wörld, Ünïcödé, ñ, ß, ø",
  "日本語のテキスト, 한국어, עברית, العربية, Ελληνικά, русский",
  "emoji 🧵🚀 and a ZWJ family 👩‍💻 👨‍👩‍👧",
  "non-breaking\u00a0space and em dash — and € ",
];

function entry(fields: Record<string, unknown>): string {
  return JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 1, 12, 0, 0), workerId: "w", ...fields });
}

describe("escapeControl", () => {
  it.each(HOSTILE)("shows %s escaped", (_what, hostile, shown) => {
    expect(escapeControl(hostile)).toBe(shown);
    expect(escapeControl(hostile)).not.toMatch(RAW_CONTROL);
  });

  it.each(SAFE)("leaves %s unchanged", (text) => {
    expect(escapeControl(text)).toBe(text);
  });

  it("escapes every C0, DEL and C1 character, and nothing printable in U+0020-U+00FF", () => {
    for (let code = 0; code <= 0xff; code++) {
      const char = String.fromCharCode(code);
      const unsafe = code < 0x20 || (code >= 0x7f && code <= 0x9f);
      if (unsafe) expect(escapeControl(char), `U+${code.toString(16)}`).toMatch(/^\\(u00[0-9a-f]{2}|[btnfr])$/);
      else if (char !== "\\") expect(escapeControl(char), `U+${code.toString(16)}`).toBe(char);
    }
  });

  it("uses the escapes JSON uses, so a string reads the same alone and inside a JSON value", () => {
    const text = "a\\b\n\t\r\b\f\u0001\u001b";
    expect(escapeControl(text)).toBe(JSON.stringify(text).slice(1, -1));
  });
});

describe("prettyLine with hostile data", () => {
  it.each(HOSTILE)("escapes %s in msg, graph/node, keys, values and nested JSON", (_what, hostile, shown) => {
    const line = prettyLine(
      entry({
        graphId: hostile,
        nodeId: hostile,
        msg: `> ${hostile}`,
        field: hostile,
        [`key${hostile}`]: 1,
        nested: { list: [hostile], [hostile]: true },
      }),
    );
    expect(line).not.toMatch(RAW_CONTROL);
    expect(line).toContain(`[${shown}/${shown}]`);
    expect(line).toContain(`> ${shown} `);
    expect(line).toContain(`field=${shown} `);
    expect(line).toContain(`key${shown}=1 `);
    const nested = line.slice(line.indexOf("nested=") + "nested=".length);
    expect(JSON.parse(nested)).toEqual({ list: [hostile], [hostile]: true });
  });

  it("shows the forged-line example on one line, with the newline visible", () => {
    const line = prettyLine(
      entry({ graphId: "demo", nodeId: "log", msg: "ok\n12:00:00 INFO  [demo/log] forged line {}" }),
    );
    expect(line).toBe(String.raw`12:00:00 INFO  [demo/log] ok\n12:00:00 INFO  [demo/log] forged line {}`);
  });

  it("escapes nested C1, separators and bidi as \\uXXXX, keeping the JSON valid", () => {
    const value = { s: "\u009b\u2028\u202e\u001b\\" };
    const line = prettyLine(entry({ msg: "m", value }));
    expect(line).toBe(String.raw`12:00:00 INFO  m value={"s":"\u009b\u2028\u202e\u001b\\"}`);
    expect(JSON.parse(line.slice(line.indexOf("=") + 1))).toEqual(value);
  });

  it("escapes a line that is not JSON, and JSON that is not an object", () => {
    expect(prettyLine("\u001b[2Jnot json\n")).toBe(String.raw`\u001b[2Jnot json`);
    expect(prettyLine("null")).toBe("null");
    expect(prettyLine('"\u009b2J"')).toBe(String.raw`"\u009b2J"`);
  });

  it.each(SAFE)("passes %s through unchanged", (text) => {
    expect(prettyLine(entry({ graphId: "g", nodeId: "n", msg: text, field: text, nested: [text] }))).toBe(
      `12:00:00 INFO  [g/n] ${text} field=${text} nested=${JSON.stringify([text])}`,
    );
  });
});

describe("log node on the pretty log", () => {
  it("prints a hostile prefix as one escaped line", () => {
    const written: string[] = [];
    const log = pino({ base: { workerId: "w" } }, prettyStream({ write: (text: string) => written.push(text) }));
    const node = logNode.create();
    node.start({
      graphId: "demo",
      nodeId: "log",
      params: { prefix: "\u001b]0;pwned\u0007\u001b[2Jok\n12:00:00 INFO  [demo/log] forged line" },
      log: log.child({ graphId: "demo", nodeId: "log" }),
      signal: new AbortController().signal,
      emit: () => true,
      credit: () => true,
      waitForCredit: async () => {},
    });
    node.onMessage?.({ id: "m1", value: { text: "a\u009bb" }, ts: 0 }, "in");
    expect(written).toHaveLength(1);
    const [line] = written;
    expect(line?.endsWith("\n")).toBe(true);
    expect(line?.slice(0, -1)).not.toMatch(RAW_CONTROL);
    expect(line).toMatch(
      /^\d\d:\d\d:\d\d INFO {2}\[demo\/log\] \\u001b\]0;pwned\\u0007\\u001b\[2Jok\\n12:00:00 INFO {2}\[demo\/log\] forged line/,
    );
    expect(line).toContain(String.raw`{"text":"a\u009bb"} messageId=m1`);
  });
});

describe("runCli errors", () => {
  it("escapes control characters from the command line", async () => {
    const io = fakeCliIo();
    expect(await runCli(["worker", "--bogus\u001b[2J"], io)).toBe(2);
    expect(io.out.stderr).toMatch(/^weft: unknown flag --bogus\\u001b\[2J\n/);
    expect(io.out.stderr.replaceAll("\n", "")).not.toMatch(RAW_CONTROL);
  });
});
