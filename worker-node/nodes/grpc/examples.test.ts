// The example gofi services in examples/grpc (Node, and Python when python3 has grpcio) answer the grpc node
// as gofi's demo does: { n, factors } under the same key, and { error } for a value that is no integer; the
// graph in examples/grpc/README.md imports as it is.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { validateGraph } from "../../../shared/graph.ts";
import { startNode } from "../../testing/context.ts";
import { grpcNode } from "./grpc.ts";

const EXAMPLES = fileURLToPath(new URL("../../../examples/grpc/", import.meta.url));
/** The Python to try server.py with (GOFI_PYTHON, else python3); its test is skipped without grpcio. */
const PYTHON = process.env.GOFI_PYTHON ?? "python3";
const pythonHasGrpc = spawnSync(PYTHON, ["-c", "import grpc"], { stdio: "ignore" }).status === 0;

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
});

/** Starts an example server on port 0 and resolves with the address it printed. */
function startExample(command: string, args: string[]): Promise<string> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, HOST: "127.0.0.1" } });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`${args[0]} printed no address in 10 s:\n${out}`)), 10_000);
    const read = (chunk: Buffer) => {
      out += chunk.toString();
      const address = /listening on (\S+:\d+)/.exec(out)?.[1];
      if (address) {
        clearTimeout(timer);
        resolve(address);
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", read);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args[0]} exited with ${code}:\n${out}`));
    });
  });
}

async function factorizeThrough(address: string) {
  const node = await startNode(grpcNode, { address, connectTimeout: "5s" });
  try {
    await node.send(360, "in", { key: "a" });
    await node.send(97);
    await node.send("twelve", "in", { key: "bad" });
    return node.ctx.emitted;
  } finally {
    await node.stop();
  }
}

const EXPECTED = [
  ["out", { n: 360, factors: [2, 2, 2, 3, 3, 5] }, { key: "a", headers: { "grpc.encoding": "json" } }],
  ["out", { n: 97, factors: [97] }, { key: "m2", headers: { "grpc.encoding": "json" } }],
];

describe("example gofi services", () => {
  it("server.mjs factorizes each integer under the same key and answers { error } for a non-integer", async () => {
    const address = await startExample(process.execPath, [`${EXAMPLES}server.mjs`, "0"]);
    const emitted = await factorizeThrough(address);
    expect(emitted.slice(0, 2)).toEqual(EXPECTED);
    expect(emitted[2]?.[1]).toMatchObject({ error: expect.stringMatching(/non-negative integer/) });
  }, 20_000);

  it.skipIf(!pythonHasGrpc)(
    "server.py (grpcio, hand-written wire format) answers the same",
    async () => {
      const address = await startExample(PYTHON, [`${EXAMPLES}server.py`, "0"]);
      const emitted = await factorizeThrough(address);
      expect(emitted.slice(0, 2)).toEqual(EXPECTED);
      expect(emitted[2]?.[1]).toMatchObject({ error: expect.stringMatching(/non-negative integer/) });
    },
    20_000,
  );
});

describe("examples/grpc/README.md", () => {
  it("its graph (random → grpc → log, error → log) imports with no warning", () => {
    const readme = readFileSync(`${EXAMPLES}README.md`, "utf8");
    const json = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(json, "a ```json block").toBeDefined();
    const check = validateGraph(JSON.parse(json ?? "null"), "gofi-demo");
    expect(check).toMatchObject({ ok: true, warnings: [] });
    expect(check.ok && check.graph.nodes.find((n) => n.type === "grpc")?.params.address).toBe("127.0.0.1:50051");
  });
});
