// Help texts for `weft --help` and `weft worker --help`.
import { BUILTIN_IMPLS } from "./nodes/index.ts";

export const DEFAULT_CAPACITY = 16;
export const DEFAULT_DRAIN_TIMEOUT_S = 30;

export function mainHelp(version: string): string {
  return `weft ${version} — run Weft flow graphs on this machine

Usage:
  weft worker --hub <url> (--graph <id> | --all) [options]
  weft worker --help     all worker options, defaults and environment variables
  weft --version

Commands:
  worker   connect to a Weft hub and run the node processes its graphs assign here

Example:
  WEFT_WORKER_TOKEN=dev-secret weft worker --hub http://127.0.0.1:8787 --graph demo
`;
}

export function workerHelp(): string {
  const types = BUILTIN_IMPLS.map((impl) => `${impl.type}@${impl.version}`).join(", ");
  return `Usage: weft worker --hub <url> (--graph <id> | --all) [options]

Connects to a Weft hub as a worker and runs the node processes the hub's graph
rooms assign to it, reconnecting on its own (backoff 250 ms to 10 s) until
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
  -h, --help         Show this help.

Environment:
  WEFT_WORKER_TOKEN  worker token used when --token is not given
  WEFT_LOG_LEVEL     log level: trace, debug, info (default), warn, error, silent
  WEFT_LOG_FORMAT    json, or pretty (readable lines); default: pretty on a terminal, else json

Built-in node types: ${types}.

Logs go to stdout, each line with workerId and, where relevant, graphId and
nodeId: JSON lines (pino), or readable lines with WEFT_LOG_FORMAT=pretty.

Exit codes: 0 stopped by SIGINT/SIGTERM (drained, drain timed out, or a second
signal); 1 nothing left to serve (bad token, unknown graph, graph deleted, hub
refused the hello, e.g. unknown node types); 2 bad command line.

Examples:
  WEFT_WORKER_TOKEN=dev-secret weft worker --hub http://127.0.0.1:8787 --graph demo
  weft worker --hub https://weft.example.com --all --labels gpu,eu --capacity 64 --token "$TOKEN"
`;
}
