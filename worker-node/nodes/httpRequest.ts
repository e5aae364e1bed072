// The `http-request` node: sends each message as a JSON body to a URL and emits { status, body } on `out`.
// Its `authorization` param is a secret: the room resolves it into the assignment; it is never logged.
import { builtinType } from "../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../shared/sdk.ts";

/** Response bodies longer than this are cut, so one reply cannot flood the output. */
export const MAX_RESPONSE_CHARS = 64 * 1024;
const METHODS = new Set(["POST", "PUT", "PATCH"]);

interface Settings {
  url: URL;
  method: string;
  authorization: string;
  timeoutMs: number;
}

/** The checked settings, or an error naming the param (the process then crashes with it, and retries). */
export function httpSettings(params: NodeContext["params"]): Settings {
  const raw = String(params.url ?? "");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`url ${JSON.stringify(raw.slice(0, 200))} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`url must be http:// or https://, got ${url.protocol}`);
  }
  const method = String(params.method ?? "POST").toUpperCase();
  if (!METHODS.has(method))
    throw new Error(`method must be POST, PUT or PATCH, got ${JSON.stringify(method.slice(0, 20))}`);
  return { url, method, authorization: String(params.authorization ?? ""), timeoutMs: Number(params.timeoutMs) };
}

export const httpRequestNode: NodeImpl = {
  def: builtinType("http-request"),
  create() {
    let ctx: NodeContext | undefined;
    let settings: Settings | undefined;
    return {
      start(context) {
        settings = httpSettings(context.params);
        ctx = context;
      },
      async onMessage({ value }) {
        if (!ctx || !settings) throw new Error("not started");
        const { url, method, authorization, timeoutMs } = settings;
        const where = `${method} ${url.origin}${url.pathname}`;
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (authorization) headers.authorization = authorization;
        const timeout = AbortSignal.timeout(timeoutMs);
        let response: Response;
        try {
          response = await fetch(url, {
            method,
            headers,
            body: JSON.stringify(value),
            signal: AbortSignal.any([ctx.signal, timeout]),
          });
        } catch (error) {
          const text = String((error as Error).message ?? error);
          // undici quotes a bad header value in its message; never repeat what a secret holds.
          const why = timeout.aborted
            ? `no answer within ${timeoutMs} ms`
            : /header/i.test(text) && authorization
              ? "the authorization secret is not a valid HTTP header value (line breaks or non-Latin-1 text?)"
              : text;
          throw new Error(`${where} failed: ${why}`);
        }
        const body = await response.text();
        if (!response.ok) throw new Error(`${where} answered HTTP ${response.status}`);
        ctx.emit("out", {
          status: response.status,
          body: body.length > MAX_RESPONSE_CHARS ? `${body.slice(0, MAX_RESPONSE_CHARS)}…` : body,
        });
      },
    };
  },
};
