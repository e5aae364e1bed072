// Opens one worker WebSocket to a graph room; an HTTP refusal before the upgrade becomes a typed result.
import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import { LIMITS } from "../shared/limits.ts";

export type OpenResult =
  | { ok: true; ws: WebSocket }
  | {
      ok: false;
      /** True when retrying cannot help (bad token, unknown or invalid graph): stop this graph. */
      fatal: boolean;
      status?: number;
      code: string;
      message: string;
    };

/** HTTP statuses that mean "this will never work": 400 invalid_graph_id, 401 bad token, 403, 404 graph_not_found. */
export const FATAL_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404]);

export interface OpenOptions {
  signal?: AbortSignal;
  handshakeTimeoutMs?: number;
}

const MAX_BODY_BYTES = 64 * 1024;
const BODY_TIMEOUT_MS = 5000;

export function openRoomSocket(url: URL, token: string, options: OpenOptions = {}): Promise<OpenResult> {
  return new Promise((resolve) => {
    if (options.signal?.aborted) {
      resolve({ ok: false, fatal: false, code: "aborted", message: "stopped before connecting" });
      return;
    }
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${token}` },
      perMessageDeflate: false,
      handshakeTimeout: options.handshakeTimeoutMs ?? 10_000,
      // Room frames are limited to LIMITS.maxFrameBytes; leave room so an oversized one is
      // reported by parseRoomFrame instead of killing the connection.
      maxPayload: LIMITS.maxFrameBytes * 4,
    });
    let settled = false;
    const finish = (result: OpenResult): void => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener("abort", onAbort);
      resolve(result);
    };
    const onAbort = (): void => {
      ws.terminate();
      finish({ ok: false, fatal: false, code: "aborted", message: "stopped before connecting" });
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    ws.once("open", () => finish({ ok: true, ws }));
    ws.once("unexpected-response", (_req, res) => {
      void readBody(res).then((body) => {
        ws.terminate();
        finish(describeRefusal(res.statusCode ?? 0, body));
      });
    });
    // Stays attached for the socket's life: the agent adds its own handlers after "open".
    ws.on("error", (error: Error & { code?: string }) => {
      finish({ ok: false, fatal: false, code: error.code ?? "connect_failed", message: error.message });
    });
    ws.once("close", (code) => {
      finish({ ok: false, fatal: false, code: "closed", message: `closed with ${code} before opening` });
    });
  });
}

/** Turns a refusal status and its `{error:{code,message}}` body (PROTOCOL.md CONN-2/3) into a result. */
export function describeRefusal(status: number, body: string): OpenResult & { ok: false } {
  let code = `http_${status}`;
  let message = body.trim().slice(0, 300) || `HTTP ${status}`;
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    if (typeof parsed.error?.code === "string") code = parsed.error.code;
    if (typeof parsed.error?.message === "string") message = parsed.error.message;
    else if (typeof parsed.error?.code === "string") message = parsed.error.code;
  } catch {
    // Not JSON (a proxy's HTML page, say): keep the raw text.
  }
  return { ok: false, fatal: FATAL_STATUSES.has(status), status, code, message };
}

function readBody(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const timer = setTimeout(() => {
      res.destroy();
      done();
    }, BODY_TIMEOUT_MS);
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    res.once("end", done);
    res.once("error", done);
  });
}
