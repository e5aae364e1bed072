// A Weft plugin wrapping examples/ml/sentiment.py: `weft worker --labels ml --plugin ./examples/ml/plugin.mjs`.
// Each process keeps one Python child and talks NDJSON with it, one message in flight. No Weft import needed.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

/** Relative script paths start from this plugin's folder, so the default finds sentiment.py beside it. */
const HERE = dirname(fileURLToPath(import.meta.url));
/** Lines of the child's stderr kept to explain an exit. */
const STDERR_LINES = 20;

const sentiment = {
  type: "sentiment",
  version: "1.0.0",
  title: "Sentiment",
  category: "ml",
  // Only workers started with --labels ml run it (the machine with Python and the model).
  labels: ["ml"],
  description:
    "Scores the sentiment of text with a Python model (examples/ml/sentiment.py by default). Each message " +
    'value is a string, or an object with a "text" field; `out` gets the model\'s answer, e.g. ' +
    '{"label": "positive", "score": 0.86, "words": 2} (score: the probability the text is positive). ' +
    "The model runs as one long-lived Python process per node, answering one message at a time. A value " +
    "the model refuses, a model that does not answer within the timeout, or one that exits, fails that " +
    "message (it goes to `error`); the model is started again for the next one.",
  ports: { in: ["in"], out: ["out"] },
  params: {
    script: {
      type: "text",
      title: "Model script",
      description:
        'The Python script that answers: it reads one JSON line {"id", "value"} per message on stdin and ' +
        'writes one line {"id", "value"} (or {"id", "error"}) on stdout. A relative path starts from the ' +
        "plugin's folder; the default is the example model beside it.",
      default: "sentiment.py",
      required: true,
      maxLength: 1000,
    },
    python: {
      type: "text",
      title: "Python command",
      description: "The interpreter to run the script with, e.g. python3 or the python of a virtualenv.",
      default: "python3",
      required: true,
      maxLength: 1000,
    },
    timeout: {
      type: "duration",
      title: "Answer timeout",
      description: "Longest the model may take to answer one message, e.g. 30s. Then that message fails.",
      default: "30s",
      min: 1,
      max: 3_600_000,
    },
  },
  create: () => new SentimentProcess(),
};

/** One node's process: a Python child started at start() (and again after it exits), one request at a time. */
class SentimentProcess {
  ctx;
  child;
  /** The request waiting for its answer: { id, resolve, reject, timer }. */
  pending;
  stderr = [];
  stopped = false;

  start(ctx) {
    this.ctx = ctx;
    const script = this.script();
    if (!existsSync(script)) {
      throw new Error(`sentiment: param "script": ${script} does not exist`);
    }
    this.spawn();
  }

  async onMessage(message) {
    if (!this.child) this.spawn();
    const answer = await this.ask(message.id, message.value);
    this.ctx.emit("out", answer, message.key ? { key: message.key } : undefined);
  }

  stop() {
    this.stopped = true;
    this.fail(new Error("sentiment: the node stopped before the model answered"));
    this.kill();
  }

  script() {
    const script = this.ctx.params.script;
    return isAbsolute(script) ? script : resolve(HERE, script);
  }

  spawn() {
    const command = this.ctx.params.python;
    const script = this.script();
    const child = spawn(command, [script], { stdio: ["pipe", "pipe", "pipe"] });
    this.child = child;
    this.stderr = [];
    child.stdin.on("error", () => {
      // A child that exits closes its stdin: the exit handler below reports it.
    });
    // Lines and exits of a child replaced meanwhile (after a timeout) concern no message in flight now.
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (this.child === child) this.onLine(line);
    });
    createInterface({ input: child.stderr }).on("line", (line) => {
      this.stderr = [...this.stderr.slice(1 - STDERR_LINES), line];
      this.ctx.log.warn({ script }, `sentiment model: ${line.slice(0, 500)}`);
    });
    child.on("error", (error) => {
      if (this.child !== child) return;
      this.child = undefined;
      const problem = `sentiment: cannot run ${command} (param "python"): ${error.message}`;
      this.ctx.log.error(problem);
      this.fail(new Error(problem));
    });
    child.on("exit", (code, signal) => {
      if (this.child !== child || this.stopped) return;
      this.child = undefined;
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const last = this.stderr.at(-1);
      this.fail(new Error(`sentiment: ${command} ${script} ${how}${last ? `: ${last.slice(0, 300)}` : ""}`));
    });
  }

  ask(id, value) {
    return new Promise((resolvePromise, reject) => {
      const timeoutMs = this.ctx.params.timeout;
      const timer = setTimeout(() => {
        this.fail(new Error(`sentiment: no answer for message ${id} within ${timeoutMs} ms (param "timeout")`));
        // The model may be stuck on it: start a fresh one for the next message.
        this.kill();
      }, timeoutMs);
      this.pending = { id, resolve: resolvePromise, reject, timer };
      this.child?.stdin.write(`${JSON.stringify({ id, value })}\n`);
    });
  }

  onLine(line) {
    if (line.trim() === "") return;
    let answer;
    try {
      answer = JSON.parse(line);
    } catch {
      this.ctx.log.warn(`sentiment: ignored a line from the model that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    const pending = this.pending;
    if (!pending || typeof answer !== "object" || answer === null || answer.id !== pending.id) {
      this.ctx.log.warn(`sentiment: ignored an answer for no message in flight: ${line.slice(0, 200)}`);
      return;
    }
    this.pending = undefined;
    clearTimeout(pending.timer);
    if (typeof answer.error === "string") {
      const text = answer.error.slice(0, 1000);
      pending.reject(new Error(text.startsWith("sentiment") ? text : `sentiment: ${text}`));
    } else if (!("value" in answer))
      pending.reject(new Error(`sentiment: the model's answer has no value: ${line.slice(0, 200)}`));
    else pending.resolve(answer.value);
  }

  /** Fails the request in flight, if any. */
  fail(error) {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.reject(error);
  }

  kill() {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    child.stdin.end();
    child.kill("SIGTERM");
  }
}

export default [sentiment];
