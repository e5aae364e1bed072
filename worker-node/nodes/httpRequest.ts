// The `http-request` node: sends an HTTP request per message, retrying transient failures, and emits the answer.
// Its `authorization` param is a secret: the room resolves it into the assignment; it is never logged.
import type { JsonValue } from "../../shared/graph.ts";
import { builtinType } from "../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../shared/sdk.ts";
import { backoffDelay } from "../backoff.ts";
import { sleep } from "../sleep.ts";

/** Text response bodies longer than this are cut, so one reply cannot flood the output. */
export const MAX_RESPONSE_CHARS = 64 * 1024;
/** Most bytes of a response read; a JSON body must fit whole (one message holds at most 256 KiB of JSON). */
export const MAX_BODY_BYTES = 200 * 1024;
/** No wait between two attempts is longer than this, whatever the backoff or Retry-After says. */
export const MAX_RETRY_WAIT_MS = 30_000;
const METHODS = ["POST", "PUT", "PATCH", "GET", "DELETE"];
const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);
const BAD_SECRET = "the authorization secret is not a valid HTTP header value (line breaks or non-Latin-1 text?)";

export interface Settings {
  url: URL;
  method: string;
  authorization: string;
  headers: Record<string, string>;
  timeoutMs: number;
  retries: number;
  retryBackoffMs: number;
  responseType: "auto" | "json" | "text";
  responseHeaders: boolean;
}

/** What a retry waits on, injectable so tests need no real time. */
export interface HttpDeps {
  /** Resolves after `ms`, or at once when `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  /** A number in [0, 1) for the backoff's jitter. */
  random(): number;
  /** Now in ms since the epoch (for a Retry-After date). */
  now(): number;
}

const REAL_DEPS: HttpDeps = { sleep, random: Math.random, now: Date.now };

/** The checked settings, or an error naming the param (the process then crashes with it, and retries). */
export function httpSettings(params: NodeContext["params"]): Settings {
  const raw = String(params.url ?? "");
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`http-request: param "url" ${JSON.stringify(raw.slice(0, 200))} is not a URL`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new Error(`http-request: param "url" must be http:// or https://, got ${url.protocol}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw new Error(
      'http-request: param "url" must not hold credentials (user:password@); use the authorization secret',
    );
  }
  const method = String(params.method ?? "POST").toUpperCase();
  if (!METHODS.includes(method)) {
    throw new Error(
      `http-request: param "method" must be one of ${METHODS.join(", ")}, got ${JSON.stringify(method.slice(0, 20))}`,
    );
  }
  const authorization = String(params.authorization ?? "");
  if (authorization !== "") {
    try {
      new Headers({ authorization });
    } catch {
      throw new Error(`http-request: ${BAD_SECRET}`);
    }
  }
  const responseType = String(params.responseType ?? "auto");
  return {
    url,
    method,
    authorization,
    headers: headerParam(params.headers ?? {}),
    timeoutMs: Number(params.timeoutMs ?? 10_000),
    retries: Number(params.retries ?? 0),
    retryBackoffMs: Number(params.retryBackoff ?? 500),
    responseType: responseType === "json" || responseType === "text" ? responseType : "auto",
    responseHeaders: params.responseHeaders === true,
  };
}

function headerParam(value: unknown): Record<string, string> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error('http-request: param "headers" must be a JSON object of header names to strings');
  }
  const headers: Record<string, string> = {};
  for (const [name, text] of Object.entries(value)) {
    if (typeof text !== "string") {
      throw new Error(
        `http-request: param "headers": the value of ${JSON.stringify(name.slice(0, 60))} must be a string`,
      );
    }
    try {
      new Headers({ [name]: text });
    } catch {
      throw new Error(
        `http-request: param "headers": ${JSON.stringify(name.slice(0, 60))} is not a valid header name, or its value holds a line break`,
      );
    }
    headers[name] = text;
  }
  return headers;
}

/** Milliseconds a Retry-After header asks for (seconds or an HTTP date), capped; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
  if (!Number.isFinite(ms)) return undefined;
  return Math.min(MAX_RETRY_WAIT_MS, Math.max(0, ms));
}

/** The wait before retry `retry` (1 for the first): retryBackoff doubling per retry, ±20 % jitter, at most 30 s. */
export function backoffMs(retry: number, baseMs: number, random: () => number): number {
  return backoffDelay(retry - 1, { initialMs: baseMs, maxMs: MAX_RETRY_WAIT_MS }, random);
}

/** How one attempt went: an answer (any status), or a failure that another attempt may cure. */
type Attempt = { kind: "answer"; response: Response; body: Body } | { kind: "failed"; why: string };

interface Body {
  text: string;
  /** The body was longer than MAX_BODY_BYTES; text holds its start. */
  over: boolean;
}

async function readBody(response: Response): Promise<Body> {
  if (!response.body) return { text: "", over: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.length;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      return { text: Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8"), over: true };
    }
  }
  return { text: Buffer.concat(chunks).toString("utf8"), over: false };
}

/** The attempt count in words: "after 1 attempt", "after 3 attempts". */
function after(attempt: number): string {
  return `after ${attempt} attempt${attempt === 1 ? "" : "s"}`;
}

function snippet(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line === "" ? "" : `: ${line.length > 200 ? `${line.slice(0, 200)}…` : line}`;
}

export function httpRequestImpl(deps: Partial<HttpDeps> = {}): NodeImpl {
  const { sleep: wait, random, now } = { ...REAL_DEPS, ...deps };
  return {
    def: builtinType("http-request"),
    create() {
      let ctx: NodeContext | undefined;
      let settings: Settings | undefined;

      /** One request; throws for what no retry can cure (the process stopping, a header fetch refuses). */
      async function attempt(value: JsonValue, where: string): Promise<Attempt> {
        if (!ctx || !settings) throw new Error("http-request: not started");
        const { url, method, authorization, timeoutMs } = settings;
        const headers = new Headers(settings.headers);
        const hasBody = BODY_METHODS.has(method);
        if (hasBody && !headers.has("content-type")) headers.set("content-type", "application/json");
        if (authorization) headers.set("authorization", authorization);
        const timeout = AbortSignal.timeout(timeoutMs);
        try {
          const response = await fetch(url, {
            method,
            headers,
            ...(hasBody ? { body: JSON.stringify(value) } : {}),
            signal: AbortSignal.any([ctx.signal, timeout]),
          });
          return { kind: "answer", response, body: await readBody(response) };
        } catch (error) {
          if (ctx.signal.aborted) throw new Error(`http-request: ${where} stopped before it answered`);
          if (timeout.aborted) return { kind: "failed", why: `no answer within ${timeoutMs} ms` };
          const text = String((error as Error).message ?? error);
          if (text === "fetch failed") {
            const cause = (error as { cause?: { code?: string; message?: string } }).cause;
            return { kind: "failed", why: cause?.code ?? cause?.message ?? text };
          }
          // undici quotes a bad header value in its message; never repeat what a secret holds.
          throw new Error(
            `http-request: ${where} could not be sent: ${/header/i.test(text) && authorization ? BAD_SECRET : text}`,
          );
        }
      }

      /** The body as emitted: parsed JSON or text, per responseType; throws naming why it cannot be. */
      function emittedBody(response: Response, body: Body, where: string, attempts: number): JsonValue {
        const type = settings?.responseType ?? "auto";
        const isJson = /[/+]json\b/i.test(response.headers.get("content-type") ?? "");
        if (type === "text" || (type === "auto" && (!isJson || body.text === ""))) {
          return body.text.length > MAX_RESPONSE_CHARS ? `${body.text.slice(0, MAX_RESPONSE_CHARS)}…` : body.text;
        }
        const answered = `http-request: ${where} answered ${response.status} ${after(attempts)}`;
        if (body.over) {
          throw new Error(
            `${answered} with a JSON body over ${MAX_BODY_BYTES} bytes, more than one message holds; set responseType to text to emit its first ${MAX_RESPONSE_CHARS} characters`,
          );
        }
        if (body.text === "") return null;
        try {
          return JSON.parse(body.text) as JsonValue;
        } catch (error) {
          throw new Error(
            `${answered} with a body that is not JSON (${(error as Error).message})${snippet(body.text)}`,
          );
        }
      }

      return {
        start(context) {
          settings = httpSettings(context.params);
          ctx = context;
        },
        async onMessage({ value }) {
          if (!ctx || !settings) throw new Error("http-request: not started");
          const { url, method, retries, retryBackoffMs } = settings;
          // Never the query (it may hold a token) nor credentials.
          const where = `${method} ${url.origin}${url.pathname}`;
          for (let n = 1; ; n += 1) {
            const outcome = await attempt(value, where);
            let problem: string;
            let waitMs: number | undefined;
            if (outcome.kind === "answer") {
              const { response, body } = outcome;
              if (response.ok) {
                const emitted: { [k: string]: JsonValue } = { status: response.status };
                if (settings.responseHeaders) emitted.headers = Object.fromEntries(response.headers.entries());
                emitted.body = emittedBody(response, body, where, n);
                ctx.emit("out", emitted);
                return;
              }
              problem = `answered ${response.status} ${after(n)}${snippet(body.text)}`;
              const retryable = response.status === 429 || response.status >= 500;
              if (!retryable || n > retries) throw new Error(`http-request: ${where} ${problem}`);
              waitMs = retryAfterMs(response.headers.get("retry-after"), now());
            } else {
              problem = `failed ${after(n)}: ${outcome.why}`;
              if (n > retries) throw new Error(`http-request: ${where} ${problem}`);
            }
            const delay = waitMs ?? backoffMs(n, retryBackoffMs, random);
            ctx.log.warn(
              { attempt: n, retryInMs: delay },
              `http-request: ${where} ${problem}; retrying in ${delay} ms (retry ${n} of ${retries})`,
            );
            await wait(delay, ctx.signal);
            if (ctx.signal.aborted)
              throw new Error(`http-request: ${where} stopped while waiting to retry (${problem})`);
          }
        },
      };
    },
  };
}

export const httpRequestNode: NodeImpl = httpRequestImpl();
