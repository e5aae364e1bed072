// Tests for parsing `weft token create` and `weft worker-token …`: every flag, every error naming its flag,
// and the signing secret's lookup order (--secret-file, $WEFT_AUTH_SECRET, ./.dev.vars) through a fake file reader.
import { describe, expect, it } from "vitest";
import { type CliCommand, type CliEnvironment, parseCli } from "./args.ts";

const SECRET = "test-secret-0123456789-abcdefghijklmnopq";
const OTHER_SECRET = "other-secret-0123456789-abcdefghijklmno";

function environment(
  env: Record<string, string | undefined> = { WEFT_AUTH_SECRET: SECRET, WEFT_TOKEN: "admin-jwt" },
  files: Record<string, string> = {},
): CliEnvironment {
  return { env, hostname: "h", version: "9.9.9", cwd: "/srv/weft", readFile: (path) => files[path] };
}

function tokenCreate(command: CliCommand) {
  if (command.kind !== "token-create") throw new Error(`expected token options, got ${JSON.stringify(command)}`);
  return command.options;
}

function workerToken(command: CliCommand) {
  if (command.kind !== "worker-token") throw new Error(`expected worker-token options, got ${JSON.stringify(command)}`);
  return command.options;
}

function error(argv: string[], env = environment()): { message: string; hint: string } {
  const command = parseCli(argv, env);
  if (command.kind !== "error") throw new Error(`expected an error for ${argv.join(" ")}, got ${command.kind}`);
  return command;
}

const create = ["token", "create", "--user", "ann", "--role", "editor"];
const ROLE_TTL_CASES: Array<[string, string, number]> = [
  ["viewer", "30m", 1800],
  ["editor", "3600s", 3600],
  ["admin", "7d", 7 * 86400],
  ["admin", "366d", 366 * 86400],
  ["viewer", "never", 0],
];

describe("weft token create", () => {
  it("fills in the defaults", () => {
    expect(tokenCreate(parseCli(create, environment()))).toEqual({
      user: "ann",
      name: "ann",
      role: "editor",
      graphs: [],
      ttlSeconds: 30 * 86400,
      secret: SECRET,
      secretSource: "$WEFT_AUTH_SECRET",
    });
  });

  it("takes every flag", () => {
    const argv = [...create, "--name", "Ann Lee", "--graph", "demo", "--graph", "other", "--graph", "demo"];
    const options = tokenCreate(
      parseCli([...argv, "--ttl", "12h", "--secret-file", "s.txt"], fileEnv("s.txt", SECRET)),
    );
    expect(options).toMatchObject({ name: "Ann Lee", graphs: ["demo", "other"], ttlSeconds: 12 * 3600 });
    expect(options).toMatchObject({ secret: SECRET, secretSource: "--secret-file s.txt" });
  });

  it.each(ROLE_TTL_CASES)("takes --role %s --ttl %s", (role, ttl, seconds) => {
    const options = tokenCreate(
      parseCli(["token", "create", "--user", "a.b@c-d_e", "--role", role, "--ttl", ttl], environment()),
    );
    expect(options).toMatchObject({ user: "a.b@c-d_e", role, ttlSeconds: seconds });
  });

  it.each([
    [["token", "create", "--role", "viewer"], /^--user is required/],
    [
      ["token", "create", "--user", "ann bob", "--role", "viewer"],
      /^--user must be 1-64 letters, digits or \. _ @ -, got "ann bob"$/,
    ],
    [["token", "create", "--user", "a".repeat(65), "--role", "viewer"], /^--user must be/],
    [["token", "create", "--user", "ann"], /^--role is required: one of viewer, editor, admin$/],
    [
      ["token", "create", "--user", "ann", "--role", "owner"],
      /^--role must be one of viewer, editor, admin, got "owner"$/,
    ],
    [[...create, "--name", ""], /^--name must be 1-200 characters, got 0$/],
    [[...create, "--name", "x".repeat(201)], /^--name must be 1-200 characters, got 201$/],
    [[...create, "--graph", "no/slash"], /^--graph must be 1-64 letters, digits, _ or -, got "no\/slash"$/],
    [[...create, "--ttl", "7w"], /^--ttl must be a count with s, m, h or d .* or never, got "7w"$/],
    [[...create, "--ttl", "0d"], /^--ttl must be/],
    [[...create, "--ttl", "367d"], /^--ttl must be/],
    [[...create, "--ttl"], /^--ttl needs a value$/],
    [[...create, "--secret-file"], /^--secret-file needs a value$/],
    [[...create, "--help=yes"], /^--help takes no value$/],
    [[...create, "--hub", "http://x"], /^unknown flag --hub$/],
    [[...create, "stray"], /^unexpected argument "stray"/],
    [["token"], /^missing subcommand: "weft token create"$/],
    [["token", "delete"], /^unknown token subcommand "delete"; the only one is "create"$/],
    [["token", "--user", "ann"], /^unknown flag --user before the subcommand; the only one is "create"$/],
  ])("refuses %j", (argv, message) => {
    const refused = error(argv);
    expect(refused.message).toMatch(message);
    expect(refused.hint).toBe('Run "weft token --help" for the flags.');
  });

  it("prints help", () => {
    for (const argv of [
      ["token", "--help"],
      ["token", "-h"],
      ["token", "help"],
      [...create, "--help"],
    ]) {
      const help = parseCli(argv, environment());
      expect(help.kind === "help" && help.text).toMatch(/^Usage: weft token create/);
    }
    const help = parseCli(["token", "--help"], environment());
    const text = help.kind === "help" ? help.text : "";
    for (const flag of ["--user <id>", "--role <role>", "--name <name>", "--graph <id>", "--ttl <lifetime>"]) {
      expect(text).toContain(flag);
    }
    expect(text).toContain("--secret-file <path>");
    expect(text).toMatch(
      /1\. --secret-file[\s\S]*2\. the WEFT_AUTH_SECRET environment variable[\s\S]*3\. .*\.dev\.vars/,
    );
    expect(text).toMatch(/viewer +reads[\s\S]*editor +also edits, starts, stops and imports[\s\S]*admin +also deletes/);
    expect(text).toMatch(/Without --graph the role is hub-wide/);
    expect(text).toContain('weft token create --user ann --name "Ann" --role editor --graph demo --ttl 7d');
    expect(text).toContain("http://127.0.0.1:8787/g/demo?token=$TOKEN");
  });
});

describe("the signing secret", () => {
  it("reads WEFT_AUTH_SECRET from a --secret-file in .dev.vars form, relative to cwd", () => {
    const devVars = `# local\nWEFT_WORKER_TOKEN=abc\nWEFT_AUTH_SECRET="${OTHER_SECRET}"\n`;
    const options = tokenCreate(
      parseCli([...create, "--secret-file", "conf/.dev.vars"], fileEnv("conf/.dev.vars", devVars)),
    );
    expect(options).toMatchObject({ secret: OTHER_SECRET, secretSource: "WEFT_AUTH_SECRET in conf/.dev.vars" });
  });

  it("takes a --secret-file's whole content, trimmed, when it has no variables (even base64 with = padding)", () => {
    const base64 = "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWY=";
    expect(
      tokenCreate(parseCli([...create, "--secret-file", "/abs/s"], fileEnv("/abs/s", `\n${base64}\n`))).secret,
    ).toBe(base64);
  });

  it("prefers --secret-file to $WEFT_AUTH_SECRET, and $WEFT_AUTH_SECRET to ./.dev.vars", () => {
    const files = { "/srv/weft/s": OTHER_SECRET, "/srv/weft/.dev.vars": `WEFT_AUTH_SECRET=${OTHER_SECRET}\n` };
    const both = environment({ WEFT_AUTH_SECRET: SECRET }, files);
    expect(tokenCreate(parseCli([...create, "--secret-file", "s"], both)).secret).toBe(OTHER_SECRET);
    expect(tokenCreate(parseCli(create, both)).secret).toBe(SECRET);
  });

  it("falls back to WEFT_AUTH_SECRET in ./.dev.vars (what npm start writes)", () => {
    const files = { "/srv/weft/.dev.vars": `WEFT_WORKER_TOKEN=abc\r\nWEFT_AUTH_SECRET=${OTHER_SECRET}\r\n` };
    const options = tokenCreate(parseCli(create, environment({ WEFT_AUTH_SECRET: "" }, files)));
    expect(options).toMatchObject({ secret: OTHER_SECRET, secretSource: "WEFT_AUTH_SECRET in /srv/weft/.dev.vars" });
  });

  it.each([
    [
      "no secret anywhere",
      [],
      {},
      /^no signing secret: looked for --secret-file \(not given\), \$WEFT_AUTH_SECRET \(not set\) and \/srv\/weft\/\.dev\.vars \(not found\); set WEFT_AUTH_SECRET to the hub's secret, or pass --secret-file \.dev\.vars$/,
    ],
    [
      "a .dev.vars without the line",
      [],
      { "/srv/weft/.dev.vars": "WEFT_WORKER_TOKEN=abc\n" },
      /\/srv\/weft\/\.dev\.vars \(no WEFT_AUTH_SECRET line\); set WEFT_AUTH_SECRET/,
    ],
    ["an unreadable --secret-file", ["--secret-file", "gone"], {}, /^cannot read --secret-file gone$/],
    [
      "a --secret-file with other variables only",
      ["--secret-file", ".dev.vars"],
      { "/srv/weft/.dev.vars": "WEFT_WORKER_TOKEN=abc\n" },
      /^--secret-file \.dev\.vars sets variables but no WEFT_AUTH_SECRET; add a line WEFT_AUTH_SECRET=<secret>$/,
    ],
    [
      "a short secret in a file",
      ["--secret-file", "s"],
      { "/srv/weft/s": "short\n" },
      /^the secret from --secret-file s will not do \(WEFT_AUTH_SECRET must be at least 32 bytes\); set WEFT_AUTH_SECRET to the hub's secret, or pass --secret-file \.dev\.vars$/,
    ],
    [
      "an empty line in .dev.vars",
      [],
      { "/srv/weft/.dev.vars": "WEFT_AUTH_SECRET=\n" },
      /^the secret from WEFT_AUTH_SECRET in \/srv\/weft\/\.dev\.vars will not do \(WEFT_AUTH_SECRET is not set\)/,
    ],
  ])("refuses %s", (_what, flags, files, message) => {
    expect(error([...create, ...flags], environment({}, files)).message).toMatch(message);
  });

  it("refuses a short $WEFT_AUTH_SECRET, naming it", () => {
    expect(error(create, environment({ WEFT_AUTH_SECRET: "x".repeat(31) })).message).toMatch(
      /^the secret from \$WEFT_AUTH_SECRET will not do \(WEFT_AUTH_SECRET must be at least 32 bytes\)/,
    );
  });
});

const list = ["worker-token", "list", "--hub", "http://127.0.0.1:8787"];

describe("weft worker-token", () => {
  it("parses list, create and revoke, taking the token from WEFT_TOKEN", () => {
    const options = workerToken(parseCli(list, environment()));
    expect(options.hub.href).toBe("http://127.0.0.1:8787/");
    expect(options).toMatchObject({ token: "admin-jwt", action: { kind: "list" } });
    const created = workerToken(
      parseCli(
        ["worker-token", "create", "--name", " gpu box ", "--hub", "wss://h.example/base/", "--token", "t"],
        environment(),
      ),
    );
    expect(created).toMatchObject({ token: "t", action: { kind: "create", name: "gpu box" } });
    expect(created.hub.href).toBe("https://h.example/base");
    const revoked = workerToken(
      parseCli(["worker-token", "revoke", "--hub", "http://h", "3f9a0c1b2d4e"], environment()),
    );
    expect(revoked.action).toEqual({ kind: "revoke", id: "3f9a0c1b2d4e" });
  });

  it.each([
    [["worker-token"], /^missing subcommand: create, list or revoke/],
    [["worker-token", "delete"], /^unknown worker-token subcommand "delete"; they are create, list and revoke$/],
    [["worker-token", "--hub", "http://x", "list"], /^unknown flag --hub before the subcommand/],
    [["worker-token", "list"], /^--hub is required/],
    [
      ["worker-token", "list", "--hub", "ftp://x"],
      /^--hub must be an http, https, ws or wss URL without query, got "ftp:\/\/x"$/,
    ],
    [["worker-token", "list", "--hub", "http://x?a=1"], /^--hub must be/],
    [["worker-token", "list", "--hub"], /^--hub needs a value$/],
    [[...list, "--token", ""], /^--token must not be empty$/],
    [[...list, "--name", "x"], /^--name is only for "weft worker-token create"$/],
    [[...list, "extra"], /^unexpected argument "extra"/],
    [[...list, "--bogus"], /^unknown flag --bogus$/],
    [["worker-token", "create", "--hub", "http://x"], /^--name is required/],
    [["worker-token", "create", "--hub", "http://x", "--name", "  "], /^--name must be 1-200 characters, got 2$/],
    [["worker-token", "create", "--hub", "http://x", "--name", "x".repeat(201)], /^--name must be 1-200 characters/],
    [["worker-token", "revoke", "--hub", "http://x"], /^revoke needs the token id/],
    [["worker-token", "revoke", "a", "b", "--hub", "http://x"], /^revoke takes one token id, got 2$/],
    [
      ["worker-token", "revoke", "../graphs", "--hub", "http://x"],
      /^the token id must be 1-64 letters, digits, _ or -/,
    ],
    [["worker-token", "revoke", "a", "--hub", "http://x", "--name", "n"], /^--name is only for/],
  ])("refuses %j", (argv, message) => {
    const refused = error(argv);
    expect(refused.message).toMatch(message);
    expect(refused.hint).toBe('Run "weft worker-token --help" for the flags.');
  });

  it("needs an access token from --token or WEFT_TOKEN", () => {
    expect(error(list, environment({ WEFT_WORKER_TOKEN: "worker" })).message).toBe(
      'no access token: pass --token <admin access token> or set WEFT_TOKEN (see "weft token create")',
    );
    expect(workerToken(parseCli([...list, "--token", "flag"], environment({}))).token).toBe("flag");
  });

  it("prints help", () => {
    for (const argv of [
      ["worker-token", "--help"],
      ["worker-token", "help"],
      [...list, "-h"],
    ]) {
      const help = parseCli(argv, environment({}));
      expect(help.kind === "help" && help.text).toMatch(/^Usage:\n {2}weft worker-token create/);
    }
    const help = parseCli(["worker-token", "--help"], environment());
    const text = help.kind === "help" ? help.text : "";
    for (const flag of ["--hub <url>", "--token <token>", "--name <name>", "WEFT_TOKEN", "revoke <id>", "Examples"]) {
      expect(text).toContain(flag);
    }
  });
});

function fileEnv(path: string, text: string): CliEnvironment {
  const absolute = path.startsWith("/") ? path : `/srv/weft/${path}`;
  return environment({}, { [absolute]: text });
}
