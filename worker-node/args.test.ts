// Tests for the command line: defaults, validation errors naming the flag, and exit code 2.
import { describe, expect, it } from "vitest";
import { ID_PATTERN } from "../shared/limits.ts";
import { type CliCommand, parseCli } from "./args.ts";
import { runCli } from "./main.ts";
import { fakeCliIo } from "./testing/cliIo.ts";

const environment = {
  env: { WEFT_WORKER_TOKEN: "env-token" },
  hostname: "build.box.local",
  version: "9.9.9",
  cwd: "/nowhere",
  readFile: () => undefined,
};
const base = ["worker", "--hub", "http://127.0.0.1:8787", "--graph", "demo"];

function worker(command: CliCommand) {
  if (command.kind !== "worker") throw new Error(`expected worker options, got ${JSON.stringify(command)}`);
  return command.options;
}

function error(argv: string[], env: Record<string, string | undefined> = environment.env): string {
  const command = parseCli(argv, { ...environment, env });
  if (command.kind !== "error") throw new Error(`expected an error for ${argv.join(" ")}`);
  return command.message;
}

describe("parseCli", () => {
  it("fills in the defaults", () => {
    const options = worker(parseCli(base, environment));
    expect(options.hub.href).toBe("http://127.0.0.1:8787/");
    expect(options.graphs).toEqual(["demo"]);
    expect(options.all).toBe(false);
    expect(options.labels).toEqual([]);
    expect(options.capacity).toBe(16);
    expect(options.token).toBe("env-token");
    expect(options.name).toBe("build.box.local");
    expect(options.workerId).toMatch(/^build-box-local-[a-z0-9]{6}$/);
    expect(options.workerId).toMatch(ID_PATTERN);
    expect(options.drainTimeoutMs).toBe(30_000);
    expect(options.plugins).toEqual([]);
  });

  it("takes --drain-timeout in seconds", () => {
    expect(worker(parseCli([...base, "--drain-timeout", "2.5"], environment)).drainTimeoutMs).toBe(2500);
    expect(worker(parseCli([...base, "--drain-timeout", "0"], environment)).drainTimeoutMs).toBe(0);
  });

  it("takes every flag", () => {
    const options = worker(
      parseCli(
        ["worker", "--hub", "wss://hub.example/base/", "--all", "--labels", "gpu, eu,,gpu", "--capacity", "64"].concat([
          "--token",
          "t",
          "--name",
          "Box A",
          "--id",
          "box-a",
        ]),
        environment,
      ),
    );
    expect(options).toMatchObject({ all: true, graphs: [], labels: ["gpu", "eu"], capacity: 64, token: "t" });
    expect(options).toMatchObject({ name: "Box A", workerId: "box-a" });
    expect(options.hub.href).toBe("https://hub.example/base");
  });

  it("serves several graphs when --graph repeats", () => {
    expect(worker(parseCli([...base, "--graph", "other", "--graph", "demo"], environment)).graphs).toEqual([
      "demo",
      "other",
    ]);
  });

  it.each([
    [["worker", "--graph", "demo"], /--hub is required/],
    [["worker", "--hub", "ftp://x", "--graph", "demo"], /--hub must be/],
    [["worker", "--hub", "http://x"], /--graph <id>.*or --all/],
    [[...base, "--all"], /--graph and --all exclude each other/],
    [["worker", "--hub", "http://x", "--graph", "no/slash"], /--graph must be/],
    [[...base, "--capacity", "0"], /--capacity must be an integer from 1 to 10000, got "0"/],
    [[...base, "--capacity", "1.5"], /--capacity/],
    [[...base, "--capacity", "lots"], /--capacity/],
    [[...base, "--id", "has space"], /--id must be/],
    [[...base, "--drain-timeout=-1"], /--drain-timeout must be a number of seconds from 0 to 3600, got "-1"/],
    [[...base, "--drain-timeout", "soon"], /--drain-timeout must be/],
    [[...base, "--drain-timeout", "3601"], /--drain-timeout must be/],
    [[...base, "--labels", "a b"], /--labels/],
    [[...base, "--name", ""], /--name/],
    [[...base, "--token", ""], /--token must not be empty/],
    [[...base, "--bogus"], /unknown flag --bogus/],
    [[...base, "-x"], /unknown flag -x/],
    [["worker", "--hub"], /--hub needs a value/],
    [["worker", "--hub", "--graph", "demo"], /--hub needs a value/],
    [[...base, "--all=yes"], /--all takes no value/],
    [[...base, "stray"], /unexpected argument "stray"/],
    [["deploy"], /^unknown command "deploy"; the commands are worker, token and worker-token$/],
    [["--bogus"], /^unknown flag --bogus; the commands are worker, token and worker-token$/],
    [[], /^missing command; the commands are worker, token and worker-token$/],
  ])("refuses %j", (argv, message) => {
    expect(error(argv)).toMatch(message);
  });

  it("needs a token from --token or WEFT_WORKER_TOKEN", () => {
    expect(error(base, {})).toMatch(/no worker token: pass --token <token> or set WEFT_WORKER_TOKEN/);
    expect(worker(parseCli([...base, "--token", "flag"], { ...environment, env: {} })).token).toBe("flag");
  });

  it("prints help and version", () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) expect(parseCli(argv, environment).kind).toBe("help");
    const main = parseCli(["--help"], environment);
    for (const command of ["worker", "token", "worker-token"]) {
      expect(main.kind === "help" && main.text).toMatch(new RegExp(`^  ${command} +\\S.*$`, "m"));
    }
    const help = parseCli(["worker", "--help"], environment);
    expect(help.kind === "help" && help.text).toMatch(/--capacity <n>[\s\S]*WEFT_WORKER_TOKEN[\s\S]*Example/);
    expect(help.kind === "help" && help.text).toMatch(/--drain-timeout <s>[\s\S]*Default: 30/);
    expect(help.kind === "help" && help.text).toMatch(/second SIGINT\/SIGTERM stops at once/);
    expect(parseCli(["--version"], environment)).toEqual({ kind: "version", text: "weft 9.9.9\n" });
  });
});

describe("parseCli: plugins and --config", () => {
  const files: Record<string, string> = {
    "/etc/weft/worker.json": JSON.stringify({ plugins: ["./nodes/a.mjs", "@acme/nodes", "/opt/b"], labels: ["ml"] }),
    "/nowhere/bad.json": "{ plugins: [",
    "/nowhere/list.json": "[]",
    "/nowhere/extra.json": JSON.stringify({ plugins: [], hub: "http://x" }),
    "/nowhere/types.json": JSON.stringify({ plugins: "./a.mjs" }),
    "/nowhere/comma.json": JSON.stringify({ labels: ["a,b"] }),
    "/nowhere/conf/w.json": JSON.stringify({ plugins: ["../p.mjs"] }),
  };
  const withFiles = { ...environment, readFile: (path: string) => files[path] };
  const parse = (argv: string[], env: Record<string, string | undefined> = environment.env) =>
    parseCli([...base, ...argv], { ...withFiles, env });

  it("takes --plugin repeated, in order, once each", () => {
    const options = worker(parse(["--plugin", "./a.mjs", "--plugin", "weft-x", "--plugin", "./a.mjs"]));
    expect(options.plugins).toEqual(["./a.mjs", "weft-x"]);
  });

  it("reads --config: paths relative to the file's folder, then $WEFT_PLUGINS, then --plugin; labels added", () => {
    const argv = ["--config", "/etc/weft/worker.json", "--plugin", "./mine.mjs", "--labels", "gpu,ml"];
    const options = worker(parse(argv, { ...environment.env, WEFT_PLUGINS: "env-plugin, ./env.mjs," }));
    expect(options.plugins).toEqual([
      "/etc/weft/nodes/a.mjs",
      "@acme/nodes",
      "/opt/b",
      "env-plugin",
      "./env.mjs",
      "./mine.mjs",
    ]);
    expect(options.labels).toEqual(["ml", "gpu"]);
  });

  it("--allow grants exec and files (from the flag and the config file); nothing unless listed; others refused", () => {
    expect(worker(parse([])).allow).toEqual([]);
    expect(worker(parse(["--allow", "exec, files,exec"])).allow).toEqual(["exec", "files"]);
    expect(worker(parse(["--allow", "exec", "--allow", "files"])).allow).toEqual(["exec", "files"]);
    const bad = parse(["--allow", "exec,root"]);
    expect(bad.kind === "error" && bad.message).toBe('--allow takes exec, files (comma-separated), got "root"');
  });

  it("resolves a relative --config path against cwd", () => {
    expect(worker(parse(["--config", "conf/w.json"])).plugins).toEqual(["/nowhere/p.mjs"]);
  });

  it.each([
    [["--config", "missing.json"], /^--config: cannot read "missing.json" \(looked in \/nowhere\/missing.json\)$/],
    [["--config", "bad.json"], /^--config bad.json is not valid JSON: /],
    [["--config", "list.json"], /^--config list.json must hold a JSON object/],
    [
      ["--config", "extra.json"],
      /^--config extra.json: unknown key "hub"; it may hold "plugins", "labels" and "allow"/,
    ],
    [["--config", "types.json"], /^--config types.json: "plugins" must be an array of non-empty strings$/],
    [["--config", "comma.json"], /^--config comma.json: a label must not contain ","/],
    [["--config"], /--config needs a value/],
    [["--plugin", " "], /^--plugin must not be empty/],
    [["--plugin"], /--plugin needs a value/],
  ])("refuses %j naming the option", (argv, message) => {
    const command = parse(argv);
    expect(command.kind === "error" && command.message).toMatch(message);
  });

  it("documents --plugin, --config and WEFT_PLUGINS in the help, with an example", () => {
    const help = parseCli(["worker", "--help"], environment);
    const text = help.kind === "help" ? help.text : "";
    expect(text).toMatch(/^ {2}--plugin <path\|package>$/m);
    expect(text).toMatch(/^ {2}--config <file> +JSON file/m);
    expect(text).toMatch(/^ {2}WEFT_PLUGINS /m);
    expect(text).toMatch(/^ {2}weft worker .* --plugin \.\/my-plugin/m);
    expect(text).toMatch(/docs\/plugins\.md/);
  });
});

describe("runCli", () => {
  it("exits 2 with an error naming the flag", async () => {
    const io = fakeCliIo();
    expect(await runCli(["worker", "--hub", "http://x", "--graph", "g", "--capacity", "-3"], io)).toBe(2);
    expect(io.out.stderr).toMatch(/^weft: --capacity /);
    expect(io.out.stderr).toMatch(/weft worker --help/);
    expect(io.out.stdout).toBe("");
  });

  it("exits 2 for an unreadable --config, before connecting anywhere", async () => {
    const io = fakeCliIo({ env: { WEFT_WORKER_TOKEN: "t" } });
    expect(await runCli(["worker", "--hub", "http://x", "--graph", "g", "--config", "nope.json"], io)).toBe(2);
    expect(io.out.stderr).toMatch(/^weft: --config: cannot read "nope.json" \(looked in \/work\/project\/nope.json\)/);
  });

  it("exits 0 after printing help", async () => {
    const io = fakeCliIo();
    expect(await runCli(["worker", "--help"], io)).toBe(0);
    expect(io.out.stdout).toMatch(/^Usage: weft worker/);
  });
});
