// Parses `weft token create …` and `weft worker-token create|list|revoke …`; pure, like args.ts.
import { parseArgs } from "node:util";
import { ID_PATTERN, LIMITS } from "../shared/limits.ts";
import { parseTtl, ROLES, type Role, USER_PATTERN } from "../shared/tokens.ts";
import { DEFAULT_TTL, tokenHelp, workerTokenHelp } from "./help.ts";
import { describeParseError } from "./parseError.ts";
import { findSecret } from "./secret.ts";
import { parseHubUrl } from "./urls.ts";

export interface TokenCreateOptions {
  user: string;
  name: string;
  role: Role;
  /** Graphs the role applies to; empty: every graph (a hub-wide role). */
  graphs: string[];
  /** Lifetime in seconds; 0: never expires. */
  ttlSeconds: number;
  secret: string;
  /** Where the secret came from, e.g. `$WEFT_AUTH_SECRET`. */
  secretSource: string;
}

export type WorkerTokenAction = { kind: "create"; name: string } | { kind: "list" } | { kind: "revoke"; id: string };

export interface WorkerTokenOptions {
  hub: URL;
  /** An admin access token, sent as `Authorization: Bearer`. */
  token: string;
  action: WorkerTokenAction;
}

export type TokenCommand =
  | { kind: "help"; text: string }
  | { kind: "token-create"; options: TokenCreateOptions }
  | { kind: "worker-token"; options: WorkerTokenOptions }
  | { kind: "error"; message: string; hint: string };

export interface TokenEnvironment {
  env: Record<string, string | undefined>;
  cwd: string;
  readFile(path: string): string | undefined;
}

const HELP_WORDS = new Set(["--help", "-h", "help"]);

const TOKEN_FLAGS = {
  user: { type: "string" },
  role: { type: "string" },
  name: { type: "string" },
  graph: { type: "string", multiple: true },
  ttl: { type: "string" },
  "secret-file": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

const WORKER_TOKEN_FLAGS = {
  hub: { type: "string" },
  token: { type: "string" },
  name: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** `weft token <args>`. */
export function parseToken(args: readonly string[], environment: TokenEnvironment): TokenCommand {
  const fail = failWith('Run "weft token --help" for the flags.');
  const [sub, ...rest] = args;
  if (sub === undefined) return fail('missing subcommand: "weft token create"');
  if (HELP_WORDS.has(sub)) return { kind: "help", text: tokenHelp() };
  if (sub !== "create") return fail(`${unknown(sub, "token")}; the only one is "create"`);

  let values: ReturnType<typeof parseTokenFlags>;
  try {
    values = parseTokenFlags(rest);
  } catch (error) {
    return fail(describeParseError(error as Error & { code?: string }));
  }
  if (values.help) return { kind: "help", text: tokenHelp() };

  if (values.user === undefined) return fail("--user is required (the user id the token is for, e.g. ann)");
  if (!USER_PATTERN.test(values.user))
    return fail(`--user must be 1-64 letters, digits or . _ @ -, got ${JSON.stringify(values.user)}`);

  const roles = ROLES.join(", ");
  if (values.role === undefined) return fail(`--role is required: one of ${roles}`);
  const role = ROLES.find((r) => r === values.role);
  if (!role) return fail(`--role must be one of ${roles}, got ${JSON.stringify(values.role)}`);

  const name = values.name ?? values.user;
  if (name.trim() === "" || name.length > LIMITS.maxNameLength) {
    return fail(`--name must be 1-${LIMITS.maxNameLength} characters, got ${name.length}`);
  }

  const graphs = [...new Set(values.graph ?? [])];
  const badGraph = graphs.find((id) => !ID_PATTERN.test(id));
  if (badGraph !== undefined)
    return fail(`--graph must be 1-64 letters, digits, _ or -, got ${JSON.stringify(badGraph)}`);

  const ttl = values.ttl ?? DEFAULT_TTL;
  const ttlSeconds = parseTtl(ttl);
  if (ttlSeconds === undefined) {
    return fail(
      `--ttl must be a count with s, m, h or d (e.g. 30m, 12h, 7d; at most 366d) or never, got ${JSON.stringify(ttl)}`,
    );
  }

  const found = findSecret({ secretFile: values["secret-file"], ...environment });
  if (!found.ok) return fail(found.message);

  return {
    kind: "token-create",
    options: { user: values.user, name, role, graphs, ttlSeconds, secret: found.secret, secretSource: found.source },
  };
}

/** `weft worker-token <args>`. */
export function parseWorkerToken(args: readonly string[], environment: TokenEnvironment): TokenCommand {
  const fail = failWith('Run "weft worker-token --help" for the flags.');
  const [sub, ...rest] = args;
  if (sub === undefined) return fail('missing subcommand: create, list or revoke (e.g. "weft worker-token list")');
  if (HELP_WORDS.has(sub)) return { kind: "help", text: workerTokenHelp() };
  if (sub !== "create" && sub !== "list" && sub !== "revoke") {
    return fail(`${unknown(sub, "worker-token")}; they are create, list and revoke`);
  }

  let parsed: ReturnType<typeof parseWorkerTokenFlags>;
  try {
    parsed = parseWorkerTokenFlags(rest, sub === "revoke");
  } catch (error) {
    return fail(describeParseError(error as Error & { code?: string }));
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help", text: workerTokenHelp() };

  let action: WorkerTokenAction;
  if (sub === "create") {
    const name = values.name;
    if (name === undefined) return fail("--name is required (shown in the token list, e.g. --name gpu-box)");
    if (name.trim() === "" || name.length > LIMITS.maxNameLength) {
      return fail(`--name must be 1-${LIMITS.maxNameLength} characters, got ${name.length}`);
    }
    action = { kind: "create", name: name.trim() };
  } else if (values.name !== undefined) {
    return fail(`--name is only for "weft worker-token create"`);
  } else if (sub === "list") {
    action = { kind: "list" };
  } else {
    const [id, ...extra] = positionals;
    if (id === undefined) return fail('revoke needs the token id: "weft worker-token revoke <id>" (see list)');
    if (extra.length > 0) return fail(`revoke takes one token id, got ${positionals.length}`);
    if (!ID_PATTERN.test(id))
      return fail(`the token id must be 1-64 letters, digits, _ or - (see list), got ${JSON.stringify(id)}`);
    action = { kind: "revoke", id };
  }

  if (values.hub === undefined) return fail("--hub is required (the hub's base URL, e.g. http://127.0.0.1:8787)");
  const hub = parseHubUrl(values.hub);
  if (!hub) return fail(`--hub must be an http, https, ws or wss URL without query, got ${JSON.stringify(values.hub)}`);

  const token = values.token ?? environment.env.WEFT_TOKEN ?? "";
  if (values.token !== undefined && token === "") return fail("--token must not be empty");
  if (token === "") {
    return fail('no access token: pass --token <admin access token> or set WEFT_TOKEN (see "weft token create")');
  }

  return { kind: "worker-token", options: { hub, token, action } };
}

function parseTokenFlags(args: string[]) {
  return parseArgs({ args, options: TOKEN_FLAGS, strict: true, allowPositionals: false }).values;
}

function parseWorkerTokenFlags(args: string[], allowPositionals: boolean) {
  return parseArgs({ args, options: WORKER_TOKEN_FLAGS, strict: true, allowPositionals });
}

function failWith(hint: string): (message: string) => TokenCommand {
  return (message) => ({ kind: "error", message, hint });
}

function unknown(word: string, command: string): string {
  return word.startsWith("-")
    ? `unknown flag ${word} before the subcommand`
    : `unknown ${command} subcommand "${word}"`;
}
