// Runs `weft token create` (signs locally) and `weft worker-token …` (calls the hub's /api/worker-tokens).
import { signAccessToken } from "../shared/tokens.ts";
import { escapeControl } from "./log.ts";
import { plural } from "./plural.ts";
import type { TokenCreateOptions, WorkerTokenOptions } from "./tokenArgs.ts";
import { apiUrl } from "./urls.ts";

export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  now(): number;
}

const TIMEOUT_MS = 10_000;

/** Prints the token alone on stdout and a summary on stderr; exits 0. */
export async function runTokenCreate(options: TokenCreateOptions, io: CommandIo): Promise<number> {
  const now = io.now();
  const token = await signAccessToken(
    options.secret,
    {
      user: options.user,
      name: options.name,
      role: options.role,
      ttlSeconds: options.ttlSeconds,
      ...(options.graphs.length > 0 ? { graphs: options.graphs } : {}),
    },
    now,
  );
  const scope =
    options.graphs.length === 0
      ? "every graph"
      : `${options.graphs.length === 1 ? "graph" : "graphs"} ${options.graphs.join(", ")}`;
  const expiry =
    options.ttlSeconds === 0
      ? "never expires"
      : `expires ${isoSeconds((Math.floor(now / 1000) + options.ttlSeconds) * 1000)}`;
  io.stdout(`${token}\n`);
  io.stderr(`weft: token for ${options.user} (${quoted(options.name)}): ${options.role} on ${scope}, ${expiry}\n`);
  return 0;
}

interface WorkerTokenInfo {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** Calls the hub; exits 0 on success, 1 when the hub answers with an error or cannot be reached. */
export async function runWorkerToken(options: WorkerTokenOptions, io: CommandIo): Promise<number> {
  const { action } = options;
  switch (action.kind) {
    case "list": {
      const result = await call(options, "GET", "/api/worker-tokens");
      if (!result.ok) return report(result, io);
      const list = result.body;
      if (!Array.isArray(list) || !list.every(isTokenInfo)) return report(unexpected(result.what), io);
      io.stdout(list.length > 0 ? table(list) : "no worker tokens yet (weft worker-token create --name <name>)\n");
      return 0;
    }
    case "create": {
      const result = await call(options, "POST", "/api/worker-tokens", { name: action.name });
      if (!result.ok) return report(result, io);
      const created = result.body as { token?: unknown } | null;
      if (!isTokenInfo(created) || typeof created.token !== "string") return report(unexpected(result.what), io);
      io.stdout(`${created.token}\n`);
      io.stderr(
        `weft: worker token ${escapeControl(created.id)} (${quoted(created.name)}) created; it is shown only now. ` +
          `Start workers with WEFT_WORKER_TOKEN=<token>\n`,
      );
      return 0;
    }
    case "revoke": {
      const result = await call(options, "DELETE", `/api/worker-tokens/${encodeURIComponent(action.id)}`);
      if (!result.ok) return report(result, io);
      const revoked = result.body as { disconnected?: unknown } | null;
      if (!isTokenInfo(revoked) || typeof revoked.disconnected !== "number") return report(unexpected(result.what), io);
      io.stdout(
        `revoked worker token ${escapeControl(revoked.id)} (${quoted(revoked.name)}); ` +
          `${plural(revoked.disconnected, "worker connection")} closed\n`,
      );
      return 0;
    }
    default: {
      const never: never = action;
      throw new Error(`unhandled worker-token action ${JSON.stringify(never)}`);
    }
  }
}

type CallResult =
  | { ok: true; body: unknown; what: string }
  | { ok: false; status?: number; code?: string; message: string };

async function call(options: WorkerTokenOptions, method: string, path: string, body?: unknown): Promise<CallResult> {
  const url = apiUrl(options.hub, path);
  const what = `${method} ${url.href}`;
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    text = await response.text();
  } catch (error) {
    const err = error as Error & { cause?: { code?: string; message?: string } };
    const why =
      err.name === "TimeoutError" ? `no answer within ${TIMEOUT_MS / 1000} s` : (err.cause?.message ?? err.message);
    return { ok: false, message: `cannot reach the hub at ${options.hub.href} (${what}): ${why}` };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    return {
      ok: false,
      status: response.status,
      code: typeof error?.code === "string" ? error.code : response.statusText || "error",
      message: typeof error?.message === "string" ? error.message : text.slice(0, 200) || `(empty body from ${what})`,
    };
  }
  if (parsed === undefined) return unexpected(what);
  return { ok: true, body: parsed, what };
}

function unexpected(what: string): CallResult & { ok: false } {
  return { ok: false, message: `${what} answered with an unexpected body; is --hub a Weft hub of this version?` };
}

function report(result: CallResult & { ok: false }, io: CommandIo): number {
  if (result.status === undefined) {
    io.stderr(`weft: ${escapeControl(result.message)}\n`);
    return 1;
  }
  io.stderr(`weft: ${result.status} ${escapeControl(result.code ?? "")}: ${escapeControl(result.message)}\n`);
  if (result.status === 401 || result.status === 403) {
    io.stderr("Worker tokens need a hub-wide admin access token: weft token create --user <id> --role admin\n");
  }
  return 1;
}

function isTokenInfo(value: unknown): value is WorkerTokenInfo {
  const v = value as Partial<Record<keyof WorkerTokenInfo, unknown>> | null;
  const time = (t: unknown) => t === null || typeof t === "string";
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.id === "string" &&
    typeof v.name === "string" &&
    typeof v.createdAt === "string" &&
    time(v.lastUsedAt) &&
    time(v.revokedAt)
  );
}

function table(list: WorkerTokenInfo[]): string {
  const rows = [
    ["ID", "NAME", "CREATED", "LAST USED", "STATUS"],
    ...list.map((t) => [
      escapeControl(t.id),
      escapeControl(t.name),
      isoSeconds(t.createdAt),
      t.lastUsedAt === null ? "never" : isoSeconds(t.lastUsedAt),
      t.revokedAt === null ? "active" : `revoked ${isoSeconds(t.revokedAt)}`,
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const line = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join("  ");
  return rows.map((row) => `${line(row).trimEnd()}\n`).join("");
}

/** `2026-12-08T10:00:00Z`: ISO 8601 to the second; text that is not a time is kept as it is. */
function isoSeconds(time: string | number): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return escapeControl(String(time));
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** A name in double quotes, safe for a terminal line. */
function quoted(name: string): string {
  return `"${escapeControl(name)}"`;
}
