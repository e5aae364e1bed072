// Tests for the exec node with real child processes (python3): answers, errors, ordering, the in-flight bound,
// timeouts, crashes and their backoff, start failures, stderr, stray lines, over-long lines and stop.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import type { JsonValue } from "../../../shared/graph.ts";
import { checkParams } from "../../../shared/nodeTypes.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { NodeProcess } from "../../../shared/sdk.ts";
import { type TestContext, testContext } from "../../testing/context.ts";
import { captureLogger, type LogLine } from "../../testing/logs.ts";
import { waitFor } from "../../testing/waitFor.ts";
import { ManualClock } from "../timing/manualClock.ts";
import { createExecNode, type ExecNodeOptions, execNode } from "./exec.ts";

const FACTORIZE = fileURLToPath(new URL("../../../examples/factorize.py", import.meta.url));
const SENTIMENT = fileURLToPath(new URL("../../../examples/ml/sentiment.py", import.meta.url));

/** A test program: what it does with a line depends on the message's value (see the branches). */
const PROGRAM = String.raw`
import json, signal, sys, time
if "--ignore-term" in sys.argv:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
trace = "--trace" in sys.argv
held = None
def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()
for line in sys.stdin:
    req = json.loads(line)
    i, v = req["id"], req["value"]
    if trace:
        print("got " + i, file=sys.stderr, flush=True)
    cmd = v if isinstance(v, dict) else {}
    if "echo" in cmd:
        out({"id": i, "value": req})
    elif "many" in cmd:
        out({"id": i, "values": list(range(cmd["many"]))})
    elif "fail" in cmd:
        out({"id": i, "error": cmd["fail"]})
    elif "hang" in cmd:
        pass
    elif "exit" in cmd:
        print("dying as asked", file=sys.stderr, flush=True)
        sys.exit(cmd["exit"])
    elif "stderr" in cmd:
        print(cmd["stderr"], file=sys.stderr, flush=True)
        out({"id": i, "value": None})
    elif "flood" in cmd:
        for k in range(cmd["flood"]):
            print("flood %d" % k, file=sys.stderr)
        sys.stderr.flush()
        out({"id": i, "value": None})
    elif "junk" in cmd:
        sys.stdout.write("not json\n[1, 2]\n" + json.dumps({"id": "nope", "value": 1}) + "\n")
        out({"id": i, "value": "ok"})
    elif "bad" in cmd:
        out({"id": i, "values": 3})
    elif "big" in cmd:
        out({"id": i, "value": "x" * (2 * 1024 * 1024)})
    elif "hold" in cmd:
        held = i
    else:
        out({"id": i, "value": v})
        if held is not None:
            out({"id": held, "value": "held"})
            held = None
if "--linger" in sys.argv:
    while True:
        time.sleep(1)
`;

interface Harness {
  node: NodeProcess;
  ctx: TestContext;
  logs: LogLine[];
  send(value: JsonValue, extra?: Partial<Message>): Promise<void>;
  stop(): Promise<void>;
  /** The pid of the program started last (from the node's log). */
  pid(): number;
}

/** Real programs start slower on a loaded machine: room for that, not a wait (tests wait for conditions). */
const REAL_PROCESS_TIMEOUT_MS = 20_000;

const harnesses: Harness[] = [];

afterEach(async () => {
  // Never leave a child running, whatever a test did.
  await Promise.all(harnesses.splice(0).map((h) => h.stop().catch(() => {})));
});

/** Creates and starts an exec process as the worker would (params checked with the type's schema). */
async function run(params: Record<string, unknown>, options?: ExecNodeOptions): Promise<Harness> {
  const harness = create(params, options);
  await harness.node.start(harness.ctx);
  return harness;
}

/** Without options: the exec node the worker runs (system clock, default windows). */
function create(params: Record<string, unknown>, options?: ExecNodeOptions): Harness {
  const impl = options ? createExecNode(options) : execNode;
  const checked = checkParams(impl.def, params, "runtime");
  if (!checked.ok) throw new Error(checked.error);
  const { log, lines } = captureLogger("w");
  const ctx = Object.assign(testContext(checked.params), { log });
  const node = impl.create();
  let n = 0;
  const harness: Harness = {
    node,
    ctx,
    logs: lines,
    async send(value, extra = {}) {
      n += 1;
      await node.onMessage?.({ id: `m${n}`, value, ts: 0, ...extra }, "in");
    },
    async stop() {
      ctx.abort();
      await node.stop?.();
    },
    pid() {
      const started = lines.filter((l) => /^exec: (re)?started/.test(l.msg));
      const pid = started.at(-1)?.pid;
      if (typeof pid !== "number") throw new Error("no program started yet");
      return pid;
    },
  };
  harnesses.push(harness);
  return harness;
}

const program = (...flags: string[]) => ({ command: "python3", args: ["-c", PROGRAM, ...flags] });

/** Whether a process exists and is not a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const messages = (logs: LogLine[], pattern: RegExp) => logs.filter((l) => pattern.test(l.msg));

describe("exec node: answers", { timeout: REAL_PROCESS_TIMEOUT_MS }, () => {
  it("runs examples/factorize.py: emits { n, factors } per message, in order, and fails a non-integer", async () => {
    const h = await run({ command: "python3", args: [FACTORIZE] });
    await h.send(360);
    await h.send(97);
    await h.send(1);
    expect(h.ctx.emitted).toEqual([
      ["out", { n: 360, factors: [2, 2, 2, 3, 3, 5] }],
      ["out", { n: 97, factors: [97] }],
      ["out", { n: 1, factors: [] }],
    ]);
    await expect(h.send("12")).rejects.toThrow('exec (python3): factorize needs an integer, got "12"');
    await expect(h.send(2.5)).rejects.toThrow("factorize needs an integer");
    await h.send(1001);
    expect(h.ctx.emitted.at(-1)).toEqual(["out", { n: 1001, factors: [7, 11, 13] }]);
    expect(h.ctx.emitted).toHaveLength(4);
  });

  it("runs examples/ml/sentiment.py: labels text positive, negative or neutral", async () => {
    const h = await run({ command: "python3", args: [SENTIMENT] });
    await h.send("great service, not bad at all");
    await h.send({ text: "the worst, slow and broken" });
    await h.send("the sky is blue");
    await expect(h.send(3)).rejects.toThrow("sentiment needs text");
    const labels = h.ctx.emitted.map(([, value]) => (value as { label: string }).label);
    expect(labels).toEqual(["positive", "negative", "neutral"]);
    const scores = h.ctx.emitted.map(([, value]) => (value as { score: number }).score);
    expect(scores[0]).toBeGreaterThan(0.65);
    expect(scores[1]).toBeLessThan(0.35);
  });

  it("writes id, key, value and headers on one line, and keeps key and headers on what it emits", async () => {
    const h = await run(program());
    await h.send({ echo: true }, { key: "k1", headers: { trace: "t-9" } });
    await h.send({ echo: true });
    expect(h.ctx.emitted).toEqual([
      [
        "out",
        { id: "m1", key: "k1", value: { echo: true }, headers: { trace: "t-9" } },
        { key: "k1", headers: { trace: "t-9" } },
      ],
      ["out", { id: "m2", value: { echo: true } }],
    ]);
  });

  it('emits each of "values", and nothing for "values": []', async () => {
    const h = await run(program());
    await h.send({ many: 3 });
    await h.send({ many: 0 });
    expect(h.ctx.emitted).toEqual([
      ["out", 0],
      ["out", 1],
      ["out", 2],
    ]);
  });

  it("matches answers that come out of order to their messages by id", async () => {
    const h = await run({ ...program(), maxInFlight: 2 });
    const held = h.send({ hold: true });
    const second = h.send(5);
    await Promise.all([held, second]);
    // The program answered m2 first, then m1 ("held").
    expect(h.ctx.emitted).toEqual([
      ["out", 5],
      ["out", "held"],
    ]);
  });

  it("fails a message whose answer is malformed, naming why", async () => {
    const h = await run(program());
    await expect(h.send({ bad: true })).rejects.toThrow(
      `exec: the program's answer to message m1 is not valid: "values" must be an array`,
    );
    await h.send(4);
    expect(h.ctx.emitted).toEqual([["out", 4]]);
  });

  it("logs and skips lines that are not JSON, not answers, or name an unknown id", async () => {
    const h = await run(program());
    await h.send({ junk: true });
    expect(h.ctx.emitted).toEqual([["out", "ok"]]);
    expect(messages(h.logs, /^exec: skipped/).map((l) => l.msg)).toEqual([
      "exec: skipped a line from the program that is not an answer (not JSON): not json",
      "exec: skipped a line from the program that is not an answer (not a JSON object): [1, 2]",
      'exec: skipped an answer for unknown message id "nope": {"id": "nope", "value": 1}',
    ]);
    expect(messages(h.logs, /^exec: skipped/).every((l) => l.level === 40)).toBe(true);
  });
});

describe("exec node: the in-flight bound", { timeout: REAL_PROCESS_TIMEOUT_MS }, () => {
  it("with maxInFlight 1 the next line is written only once the one before it was settled", async () => {
    const clock = new ManualClock();
    const h = await run({ ...program("--trace"), maxInFlight: 1, timeout: "5s" }, { clock, startWindowMs: 0 });
    const first = h.pid();
    const held = h.send({ hold: true });
    const heldFailed = expect(held).rejects.toThrow("did not answer message m1 within 5s");
    const next = h.send(2);
    await waitFor(() => messages(h.logs, /^exec stderr: got m1$/).length === 1, "m1 to reach the program");
    // The program holds m1 until it sees another line; with one slot, m2 waits for m1's timeout.
    await clock.advance(5000);
    await heldFailed;
    await clock.advance(100);
    await next;
    expect(h.ctx.emitted).toEqual([["out", 2]]);
    const got = messages(h.logs, /^exec stderr: got/).map((l) => [l.msg, l.pid]);
    expect(got).toEqual([
      ["exec stderr: got m1", first],
      ["exec stderr: got m2", h.pid()],
    ]);
    expect(h.pid()).not.toBe(first);
  });
});

describe("exec node: timeouts and crashes", { timeout: REAL_PROCESS_TIMEOUT_MS }, () => {
  it("fails a message not answered within timeout and restarts the program; the next message works", async () => {
    const clock = new ManualClock();
    const h = await run({ ...program(), timeout: "5s" }, { clock, startWindowMs: 0 });
    const first = h.pid();
    await h.send(1);
    const hung = h.send({ hang: true });
    const failed = expect(hung).rejects.toThrow(
      "exec: the program did not answer message m2 within 5s; restarting it in 100 ms",
    );
    await waitFor(() => clock.pending > 0, "the timeout to be set");
    await clock.advance(4999);
    expect(alive(first)).toBe(true);
    await clock.advance(1);
    await failed;
    await waitFor(() => !alive(first), "the hung program to be gone");
    const next = h.send(7);
    await clock.advance(100);
    await next;
    expect(h.ctx.emitted).toEqual([
      ["out", 1],
      ["out", 7],
    ]);
    expect(h.pid()).not.toBe(first);
  });

  it("fails the message in hand when the program exits, restarts it with doubling backoff, reset after 30 s up", async () => {
    const clock = new ManualClock();
    const h = await run(program(), { clock, startWindowMs: 0 });
    await h.send(1);
    await expect(h.send({ exit: 3 })).rejects.toThrow(
      "exec: program exited with code 3 (signal none); restarting in 100 ms; its last stderr line: dying as asked",
    );
    // A message arriving meanwhile waits for the restart, then goes to the new program.
    const next = h.send(2);
    await clock.advance(100);
    await next;
    await expect(h.send({ exit: 4 })).rejects.toThrow("exited with code 4 (signal none); restarting in 200 ms");
    const again = h.send(3);
    await clock.advance(199);
    expect(h.ctx.emitted).toHaveLength(2);
    await clock.advance(1);
    await again;
    // Up for 30 s: the next crash counts as the first again.
    await clock.advance(30_000);
    await expect(h.send({ exit: 5 })).rejects.toThrow("exited with code 5 (signal none); restarting in 100 ms");
    expect(h.ctx.emitted).toEqual([
      ["out", 1],
      ["out", 2],
      ["out", 3],
    ]);
    expect(messages(h.logs, /^exec: program exited/).every((l) => l.level === 40)).toBe(true);
  });

  it("fails the message and restarts the program when it writes a line over 1 MiB", async () => {
    const clock = new ManualClock();
    const h = await run(program(), { clock, startWindowMs: 0 });
    const first = h.pid();
    await expect(h.send({ big: true })).rejects.toThrow(
      "exec: the program wrote a line over 1 MiB (an answer may be at most 1 MiB); restarting it in 100 ms",
    );
    const next = h.send(8);
    await clock.advance(100);
    await next;
    expect(h.ctx.emitted).toEqual([["out", 8]]);
    await waitFor(() => !alive(first), "the first program to be gone");
  });
});

describe("exec node: start", { timeout: REAL_PROCESS_TIMEOUT_MS }, () => {
  it('throws "exec: command "…" not found" for a command that does not exist', async () => {
    await expect(run({ command: "weft-no-such-command-4711" })).rejects.toThrow(
      'exec: command "weft-no-such-command-4711" not found',
    );
  });

  it("throws when the program exits right after starting, with its exit code and last stderr line", async () => {
    const clock = new ManualClock();
    await expect(
      run({ command: "python3", args: ["/nonexistent/weft-missing.py"] }, { clock, startWindowMs: 200 }),
    ).rejects.toThrow(
      /^exec: "python3 \/nonexistent\/weft-missing.py" exited with code 2 \(signal none\) right after starting; its last stderr line: .*weft-missing\.py/,
    );
  });

  it("starts once the start window passed without an exit", async () => {
    const clock = new ManualClock();
    const h = create(program(), { clock, startWindowMs: 200 });
    const started = h.node.start(h.ctx);
    await waitFor(() => clock.pending > 0, "the start window");
    await clock.advance(200);
    await started;
    await h.send(6);
    expect(h.ctx.emitted).toEqual([["out", 6]]);
  });

  it("refuses args that are not an array of strings, env values that are not strings, and a missing cwd", async () => {
    await expect(run({ command: "python3", args: "x.py" })).rejects.toThrow(
      'exec: param "args" must be a JSON array of strings, got "x.py"',
    );
    await expect(run({ command: "python3", env: { N: 1 } })).rejects.toThrow(
      'exec: param "env": variable "N" must be a string, got 1',
    );
    await expect(run({ command: "python3", cwd: "/nonexistent/weft" })).rejects.toThrow(
      'exec: param "cwd": the directory "/nonexistent/weft" does not exist on this worker',
    );
  });

  it("runs the program in cwd with env added to the worker's environment", async () => {
    const script =
      'import json, os, sys\nfor l in sys.stdin:\n    r = json.loads(l)\n    print(json.dumps({"id": r["id"], "value": [os.getcwd(), os.environ.get("WEFT_T"), "PATH" in os.environ]}), flush=True)';
    const h = await run({ command: "python3", args: ["-c", script], cwd: "/tmp", env: { WEFT_T: "yes" } });
    await h.send(0);
    expect(h.ctx.emitted).toEqual([["out", ["/tmp", "yes", true]]]);
  });
});

describe("exec node: stderr", { timeout: REAL_PROCESS_TIMEOUT_MS }, () => {
  it("logs each stderr line as a warning with the program's pid, long lines cut", async () => {
    const h = await run(program());
    await h.send({ stderr: "hello from the program" });
    await h.send({ stderr: "y".repeat(5000) });
    await waitFor(() => messages(h.logs, /^exec stderr: y/).length === 1, "the long line");
    const [hello] = messages(h.logs, /^exec stderr: hello/);
    expect(hello).toMatchObject({
      level: 40,
      pid: h.pid(),
      stream: "stderr",
      msg: "exec stderr: hello from the program",
    });
    const [long] = messages(h.logs, /^exec stderr: y/);
    expect(long?.msg.length).toBeLessThanOrEqual(1000 + "exec stderr: ".length);
    expect(long?.msg.endsWith("…")).toBe(true);
  });

  it("logs at most 50 stderr lines per 10 s, then says how many it left out", async () => {
    const clock = new ManualClock();
    const h = await run(program(), { clock, startWindowMs: 0 });
    await h.send({ flood: 200 });
    await waitFor(() => messages(h.logs, /^exec stderr: flood/).length === 50, "the first 50 lines");
    await clock.advance(10_000);
    await h.send({ stderr: "after the flood" });
    await waitFor(() => messages(h.logs, /^exec stderr: after/).length === 1, "the next line");
    expect(messages(h.logs, /^exec stderr: flood/)).toHaveLength(50);
    expect(messages(h.logs, /were not logged/).map((l) => l.msg)).toEqual([
      "exec: 150 stderr line(s) were not logged (more than 50 in 10 s)",
    ]);
  });
});

describe("exec node: stop", { timeout: REAL_PROCESS_TIMEOUT_MS }, () => {
  it("stops the program: its pid is gone once stop() returns, and later messages fail", async () => {
    const h = await run({ command: "python3", args: [FACTORIZE] });
    const pid = h.pid();
    await h.send(12);
    expect(alive(pid)).toBe(true);
    await h.stop();
    expect(alive(pid)).toBe(false);
    await expect(h.send(3)).rejects.toThrow("exec: the node is stopping");
  });

  it("fails the message in hand when stopped before the program answered", async () => {
    const h = await run(program("--trace"));
    const hung = h.send({ hang: true });
    const failed = expect(hung).rejects.toThrow("exec: the node stopped before the program answered message m1");
    await waitFor(() => messages(h.logs, /^exec stderr: got m1$/).length === 1, "m1 to reach the program");
    await h.stop();
    await failed;
  });

  it("kills a program that ignores SIGTERM and stdin's end with SIGKILL after the grace period", async () => {
    const clock = new ManualClock();
    const h = await run(program("--ignore-term", "--linger"), { clock, startWindowMs: 0, killGraceMs: 2000 });
    const pid = h.pid();
    // Answered: the program has set SIGTERM aside by now.
    await h.send(1);
    let stopped = false;
    const stopping = h.stop().then(() => {
      stopped = true;
    });
    await waitFor(() => clock.pending > 0, "the SIGKILL timer");
    await clock.advance(1999);
    expect(stopped).toBe(false);
    expect(alive(pid)).toBe(true);
    await clock.advance(1);
    await stopping;
    expect(alive(pid)).toBe(false);
    expect(messages(h.logs, /^exec: stopped the program/)).toMatchObject([{ pid, signal: "SIGKILL" }]);
  });

  it("stops with SIGTERM what the program started too (its process group), before any SIGKILL", async () => {
    // A hand-driven clock that is never advanced: the SIGKILL after the grace period never comes.
    const clock = new ManualClock();
    const h = await run({ command: "sh", args: ["-c", "sleep 300 & echo $! >&2; wait"] }, { clock, startWindowMs: 0 });
    const line = await waitFor(() => messages(h.logs, /^exec stderr: \d+$/)[0], "the sleep's pid");
    const sleepPid = Number(line.msg.slice("exec stderr: ".length));
    expect(alive(sleepPid)).toBe(true);
    await h.stop();
    expect(messages(h.logs, /^exec: stopped the program/)).toMatchObject([{ signal: "SIGTERM" }]);
    await waitFor(() => !alive(sleepPid), "the grandchild to be gone");
  });
});
