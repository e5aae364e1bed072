// Help texts for `weft --help`, `weft worker --help`, `weft token --help` and `weft worker-token --help`.
import { BUILTIN_IMPLS } from "./nodes/index.ts";

export const DEFAULT_CAPACITY = 16;
export const DEFAULT_DRAIN_TIMEOUT_S = 30;
export const DEFAULT_TTL = "30d";

export function mainHelp(version: string): string {
  return `weft ${version} — run Weft flow graphs and manage who may use a hub

Usage:
  weft worker --hub <url> (--graph <id> | --all) [options]
  weft token create --user <id> --role <role> [options]
  weft worker-token (create --name <name> | list | revoke <id>) --hub <url>
  weft <command> --help   every option of a command
  weft --version

Commands:
  worker         connect to a Weft hub and run the node processes its graphs assign here
  token          sign an access token that lets a person (or script) use the hub's graphs
  worker-token   issue, list and revoke the hub's worker tokens (needs an admin access token)

Examples:
  WEFT_WORKER_TOKEN=dev-secret weft worker --hub http://127.0.0.1:8787 --graph demo
  TOKEN=$(weft token create --user ann --name "Ann" --role editor --graph demo --ttl 7d)
`;
}

export function workerHelp(): string {
  const types = BUILTIN_IMPLS.map(({ def }) => `${def.type}@${def.version}`).join(", ");
  return `Usage: weft worker --hub <url> (--graph <id> | --all) [options]

Connects to a Weft hub as a worker and runs the node processes the hub's graph
rooms assign to it, reconnecting on its own (backoff 250 ms to 3 s) until
stopped with Ctrl-C (SIGINT) or SIGTERM.

Stopping drains: each graph's room is asked to move this worker's processes
to other workers; every process finishes the message in hand, waits until the
hub has stored what it emitted, and only then stops, so nothing is lost. The
worker exits (code 0) once every room has confirmed, or after --drain-timeout.
A second SIGINT/SIGTERM stops at once (un-acknowledged messages are dropped).

Options:
  --hub <url>        Hub base URL: http(s)://host[:port][/path] (ws:// and wss://
                     work too). Required.
  --graph <id>       Graph to serve (1-64 letters, digits, _ or -). Repeat the
                     flag to serve several graphs.
  --all              Serve every graph the hub lists (GET /api/graphs, polled
                     every 5 s); graphs that disappear are disconnected.
  --labels <a,b>     Comma-separated labels this worker offers; nodes that require
                     labels only run on workers carrying them. Default: none.
  --capacity <n>     Most processes this worker runs across all its graphs
                     (1-10000). Default: ${DEFAULT_CAPACITY}.
  --token <token>    Worker token the hub expects. Default: $WEFT_WORKER_TOKEN.
  --name <name>      Name shown in the editor. Default: this host's name.
  --id <id>          Worker id (1-64 letters, digits, _ or -). Default:
                     <hostname>-<6 random chars>, new at every start; set it to
                     keep one id across restarts (two live workers must never
                     share an id: the hub refuses the second one, which keeps
                     retrying, as the first may be its own stale connection).
  --drain-timeout <s>
                     Longest the drain on SIGINT/SIGTERM may take, in seconds
                     (0-3600; 0 stops without draining). Default: ${DEFAULT_DRAIN_TIMEOUT_S}.
  --plugin <path|package>
                     Load extra node types from a plugin: an ES module file
                     (.mjs or .js), a folder with a package.json, or the name of
                     an npm package installed in node_modules here. Repeat the
                     flag for several plugins. A plugin that fails to load is
                     logged and skipped (the hub shows why); the worker carries
                     on without it. Writing one: docs/plugins.md.
  --allow <list>     Capabilities this worker grants the editors of the graphs it
                     serves, comma-separated. Off unless listed:
                       exec   run programs and code they write (exec, transform)
                       files  read and write files here (file-read, file-watch,
                              file-write)
                     A worker without them does not offer those node types; their
                     nodes wait for a worker that does (the editor says why).
  --config <file>    JSON file of settings: {"plugins": [...], "labels": [...],
                     "allow": [...]}. Paths in it are relative to the file.
                     --plugin, --labels and --allow add to what it lists.
  -h, --help         Show this help.

Environment:
  WEFT_WORKER_TOKEN  worker token used when --token is not given
  WEFT_PLUGINS       comma-separated plugins, loaded after --config's and before
                     those of --plugin
  WEFT_LOG_LEVEL     log level: trace, debug, info (default), warn, error, silent
  WEFT_LOG_FORMAT    json, or pretty (readable lines); default: pretty on a terminal, else json

Built-in node types: ${types}
(exec and transform need --allow exec; file-read, file-watch and file-write --allow files).
Plugins add their own; the worker logs each plugin's types at startup.

Logs go to stdout, each line with workerId and, where relevant, graphId and
nodeId: JSON lines (pino), or readable lines with WEFT_LOG_FORMAT=pretty.

Exit codes: 0 stopped by SIGINT/SIGTERM (drained, drain timed out, or a second
signal); 1 nothing left to serve (bad token, unknown graph, graph deleted, hub
refused the hello); 2 bad command line.

Examples:
  WEFT_WORKER_TOKEN=dev-secret weft worker --hub http://127.0.0.1:8787 --graph demo
  weft worker --hub https://weft.example.com --all --labels gpu,eu --capacity 64 --token "$TOKEN"
  weft worker --hub http://127.0.0.1:8787 --graph demo --plugin ./my-plugin --plugin @acme/weft-nodes
  weft worker --hub http://127.0.0.1:8787 --graph demo --allow exec,files
  weft worker --hub http://127.0.0.1:8787 --all --config weft.json
    where weft.json is {"plugins": ["./plugins/sentiment.mjs"], "labels": ["ml"]}
`;
}

export function tokenHelp(): string {
  return `Usage: weft token create --user <id> --role <role> [options]

Signs an access token with the hub's secret (WEFT_AUTH_SECRET). Nothing is sent
to the hub: whoever holds the secret can sign tokens. The token is printed alone
on stdout (so TOKEN=$(weft token create ...) works); a summary goes to stderr.

Roles:
  viewer   reads graphs and their status
  editor   also edits, starts, stops and imports graphs
  admin    also deletes graphs and manages worker tokens (weft worker-token)
  Without --graph the role is hub-wide: it applies to every graph, present and future.

Options:
  --user <id>           User id (1-64 letters, digits or . _ @ -). Required.
  --role <role>         viewer, editor or admin. Required.
  --name <name>         Display name, shown in the editor (1-200 characters).
                        Default: the user id.
  --graph <id>          Limit the role to this graph (1-64 letters, digits, _ or -).
                        Repeat the flag for several graphs. Default: every graph.
  --ttl <lifetime>      How long the token is valid: <n>s, <n>m, <n>h or <n>d (at most
                        366d), or never. Default: ${DEFAULT_TTL}.
  --secret-file <path>  File holding the secret: its WEFT_AUTH_SECRET=... line (so a
                        wrangler .dev.vars works), or else its whole content.
  -h, --help            Show this help.

The secret is looked up in this order:
  1. --secret-file <path>
  2. the WEFT_AUTH_SECRET environment variable
  3. the WEFT_AUTH_SECRET=... line of .dev.vars in the current directory (npm start
     writes one)
It must be the hub's own secret (at least 32 bytes), or the hub rejects the token.

Exit codes: 0 printed a token; 2 bad command line or no usable secret.

Examples:
  # ann may edit graph demo for a week; open the URL to sign a browser in
  TOKEN=$(weft token create --user ann --name "Ann" --role editor --graph demo --ttl 7d)
  open "http://127.0.0.1:8787/g/demo?token=$TOKEN"

  # a read-only token for a script, sent as a header
  TOKEN=$(weft token create --user ci --role viewer --secret-file .dev.vars)
  curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8787/api/graphs

  # a hub-wide admin that never expires (for weft worker-token)
  weft token create --user ops --role admin --ttl never > admin.token
`;
}

export function workerTokenHelp(): string {
  return `Usage:
  weft worker-token create --name <name> --hub <url> [--token <admin token>]
  weft worker-token list --hub <url> [--token <admin token>]
  weft worker-token revoke <id> --hub <url> [--token <admin token>]

Manages the worker tokens the hub issues (weft worker presents one with
WEFT_WORKER_TOKEN or --token). The hub keeps only a hash of each, so a new
token is shown once, when it is created. Revoking one closes every worker
connection that presented it, and those workers cannot connect again.

Subcommands:
  create     issue a token; prints the token alone on stdout, its id on stderr
  list       print every token: id, name, created, last used, and revoked or active
  revoke <id>
             revoke the token with this id (the id column of list)

Options:
  --hub <url>       Hub base URL: http(s)://host[:port][/path]. Required.
  --token <token>   An access token with the admin role (weft token create --role
                    admin; a hub-wide role, so without --graph).
                    Default: $WEFT_TOKEN.
  --name <name>     Name of the new token, e.g. the machine it is for (1-200
                    characters). Required by create, refused by the others.
  -h, --help        Show this help.

Environment:
  WEFT_TOKEN        admin access token used when --token is not given

Exit codes: 0 done; 1 the hub refused (its status and error are printed) or
could not be reached; 2 bad command line.

Examples:
  export WEFT_TOKEN=$(weft token create --user ops --role admin --ttl 1h)
  WEFT_WORKER_TOKEN=$(weft worker-token create --name gpu-box --hub http://127.0.0.1:8787)
  weft worker-token list --hub http://127.0.0.1:8787
  weft worker-token revoke 3f9a0c1b2d4e --hub http://127.0.0.1:8787
`;
}
