// The http-request node against a real HTTP server on loopback: methods, headers, bodies, retries with an
// injected sleep and random (no real waiting), errors that name the URL, status and attempts, and secrets.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { prng } from "../../shared/testing/seeds.ts";
import { startNode } from "../testing/context.ts";
import { backoffMs, httpRequestImpl, httpRequestNode, MAX_RESPONSE_CHARS, retryAfterMs } from "./httpRequest.ts";
import { loggedNode, messages } from "./io/logged.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  delayMs?: number;
}

const servers: Server[] = [];
const replyTimers: NodeJS.Timeout[] = [];
afterEach(async () => {
  for (const timer of replyTimers.splice(0)) clearTimeout(timer);
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
  }
});

/** A loopback server answering the n-th request (0-based) with `answer(n)`; `seen` records what arrived. */
async function serve(answer: (n: number, req: Seen) => Reply) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const request = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
      seen.push(request);
      const reply = answer(seen.length - 1, request);
      const send = () =>
        res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers }).end(reply.body ?? "");
      if (reply.delayMs) replyTimers.push(setTimeout(send, reply.delayMs));
      else send();
    });
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, port, seen };
}

/** An http-request implementation whose retry waits are recorded and return at once; jitter factor 1. */
function instant() {
  const waits: number[] = [];
  const impl = httpRequestImpl({
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    now: () => Date.parse("2030-01-01T00:00:00Z"),
  });
  return { impl, waits };
}

describe("http-request node", () => {
  it("posts each message as JSON with the secret as Authorization, and emits { status, body }", async () => {
    const { url, seen } = await serve(() => ({ status: 201, body: "stored" }));
    const node = await startNode(httpRequestNode, { url, authorization: "Bearer s3cret" });
    await node.send({ n: 42 });
    expect(seen).toMatchObject([
      {
        method: "POST",
        url: "/hook",
        headers: { authorization: "Bearer s3cret", "content-type": "application/json" },
        body: '{"n":42}',
      },
    ]);
    expect(node.ctx.emitted).toEqual([["out", { status: 201, body: "stored" }]]);
  });

  it("GET and DELETE send no body and no content-type, and leave the URL's query as configured", async () => {
    const { url, seen } = await serve(() => ({ status: 200, body: "ok" }));
    for (const method of ["GET", "DELETE"]) {
      const node = await startNode(httpRequestNode, { url: `${url}?page=2`, method });
      await node.send({ ignored: true });
    }
    expect(seen.map((s) => [s.method, s.url, s.body, s.headers["content-type"]])).toEqual([
      ["GET", "/hook?page=2", "", undefined],
      ["DELETE", "/hook?page=2", "", undefined],
    ]);
  });

  it("sends the headers param; its content-type replaces the default, and the authorization secret wins", async () => {
    const { url, seen } = await serve(() => ({ status: 200 }));
    const node = await startNode(httpRequestNode, {
      url,
      method: "PUT",
      authorization: "Bearer real",
      headers: { "x-api-version": "2", "Content-Type": "application/vnd.x+json", Authorization: "Bearer other" },
    });
    await node.send([1]);
    expect(seen[0]?.headers).toMatchObject({
      "x-api-version": "2",
      "content-type": "application/vnd.x+json",
      authorization: "Bearer real",
    });
  });

  it("responseType auto parses a JSON answer (also +json) and keeps text as text; responseHeaders adds headers", async () => {
    const replies: Reply[] = [
      { status: 200, body: '{"ok":true}', headers: { "content-type": "application/json; charset=utf-8" } },
      { status: 200, body: '{"title":"x"}', headers: { "content-type": "application/problem+json" } },
      { status: 200, body: '{"not":"parsed"}' },
      { status: 204, headers: { "content-type": "application/json" } },
    ];
    const { url } = await serve((n) => replies[n] as Reply);
    const node = await startNode(httpRequestNode, { url });
    for (let i = 0; i < 4; i++) await node.send(i);
    expect(node.ctx.emitted.map(([, v]) => v)).toEqual([
      { status: 200, body: { ok: true } },
      { status: 200, body: { title: "x" } },
      { status: 200, body: '{"not":"parsed"}' },
      { status: 204, body: "" },
    ]);
    const withHeaders = await startNode(httpRequestNode, { url, responseHeaders: true, responseType: "text" });
    replies.push({ status: 200, body: "[1]", headers: { "content-type": "application/json", "x-id": "7" } });
    await withHeaders.send(0);
    expect(withHeaders.ctx.emitted[0]?.[1]).toMatchObject({
      status: 200,
      headers: { "content-type": "application/json", "x-id": "7" },
      body: "[1]",
    });
  });

  it("responseType json parses whatever the content-type, and fails the message when the body is not JSON", async () => {
    const bodies = ["[1,2]", "<html>oops</html>"];
    const { url } = await serve((n) => ({ status: 200, body: bodies[n] }));
    const node = await startNode(httpRequestNode, { url, responseType: "json" });
    await node.send(0);
    expect(node.ctx.emitted).toEqual([["out", { status: 200, body: [1, 2] }]]);
    await expect(node.send(1)).rejects.toThrow(
      /^http-request: POST http:\/\/127\.0\.0\.1:\d+\/hook answered 200 after 1 attempt with a body that is not JSON .*: <html>oops<\/html>$/,
    );
  });

  it("cuts a text body over 64 KiB", async () => {
    const { url } = await serve(() => ({ status: 200, body: "b".repeat(MAX_RESPONSE_CHARS + 100) }));
    const node = await startNode(httpRequestNode, { url });
    await node.send(0);
    const [, emitted] = node.ctx.emitted[0] ?? [];
    const body = (emitted as { body: string }).body;
    expect(body).toHaveLength(MAX_RESPONSE_CHARS + 1);
    expect(body.endsWith("…")).toBe(true);
  });
});

describe("http-request retries", () => {
  it("retries 503 answers with backoff doubling from retryBackoff, and emits the answer that succeeds", async () => {
    const { url, seen } = await serve((n) => (n < 2 ? { status: 503, body: "down" } : { status: 200, body: "up" }));
    const { impl, waits } = instant();
    const started = loggedNode(impl, { url, retries: 2, retryBackoff: "500ms" });
    const node = await started.start();
    await node.process.onMessage?.({ id: "m1", value: 1, ts: 1 }, "in");
    expect(seen).toHaveLength(3);
    expect(waits).toEqual([500, 1000]);
    expect(node.ctx.emitted).toEqual([["out", { status: 200, body: "up" }]]);
    expect(messages(started.lines, 40)).toEqual([
      expect.stringMatching(/hook answered 503 after 1 attempt: down; retrying in 500 ms \(retry 1 of 2\)$/),
      expect.stringMatching(/hook answered 503 after 2 attempts: down; retrying in 1000 ms \(retry 2 of 2\)$/),
    ]);
  });

  it("fails naming the URL, the status and the attempts once retries run out", async () => {
    const { url, seen } = await serve(() => ({ status: 503 }));
    const { impl, waits } = instant();
    const node = await startNode(impl, { url, retries: 2 });
    await expect(node.send(1)).rejects.toThrow(
      /^http-request: POST http:\/\/127\.0\.0\.1:\d+\/hook answered 503 after 3 attempts$/,
    );
    expect(seen).toHaveLength(3);
    expect(waits).toHaveLength(2);
  });

  it("a 4xx other than 429 fails at once, without a retry", async () => {
    const { url, seen } = await serve(() => ({ status: 404, body: "no such hook" }));
    const { impl, waits } = instant();
    const node = await startNode(impl, { url, retries: 5 });
    await expect(node.send(1)).rejects.toThrow(/hook answered 404 after 1 attempt: no such hook$/);
    expect(seen).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it("429 is retried after Retry-After (seconds or a date), capped at 30 s", async () => {
    const replies: Reply[] = [
      { status: 429, headers: { "retry-after": "7" } },
      { status: 429, headers: { "retry-after": "120" } },
      { status: 429, headers: { "retry-after": "Tue, 01 Jan 2030 00:00:03 GMT" } },
      { status: 200, body: "done" },
    ];
    const { url } = await serve((n) => replies[n] as Reply);
    const { impl, waits } = instant();
    const node = await startNode(impl, { url, retries: 3 });
    await node.send(1);
    expect(waits).toEqual([7000, 30_000, 3000]);
    expect(node.ctx.emitted).toEqual([["out", { status: 200, body: "done" }]]);
  });

  it("retries a network error, and names it with the attempts when it persists", async () => {
    const { port } = await serve(() => ({ status: 200 }));
    const server = servers.pop() as Server;
    await new Promise<void>((done) => server.close(() => done()));
    const { impl, waits } = instant();
    const node = await startNode(impl, { url: `http://127.0.0.1:${port}/gone`, retries: 1 });
    await expect(node.send(1)).rejects.toThrow(
      new RegExp(`^http-request: POST http://127\\.0\\.0\\.1:${port}/gone failed after 2 attempts: ECONNREFUSED$`),
    );
    expect(waits).toEqual([500]);
  });

  it("a timed-out attempt is retried, and the next answer is emitted", async () => {
    const { url, seen } = await serve((n) => ({ status: 200, body: `answer ${n}`, delayMs: n === 0 ? 5000 : 0 }));
    const { impl, waits } = instant();
    const node = await startNode(impl, { url, timeoutMs: 100, retries: 1 });
    await node.send(1);
    expect(seen).toHaveLength(2);
    expect(waits).toEqual([500]);
    expect(node.ctx.emitted).toEqual([["out", { status: 200, body: "answer 1" }]]);
  });

  it("without retries a slow answer fails with the timeout in the error", async () => {
    const { url } = await serve(() => ({ status: 200, body: "late", delayMs: 5000 }));
    const node = await startNode(httpRequestNode, { url, timeoutMs: 100, retries: 0 });
    await expect(node.send(1)).rejects.toThrow(/hook failed after 1 attempt: no answer within 100 ms$/);
  });

  it("a stop while waiting to retry fails the message at once, saying so", async () => {
    const { url, seen } = await serve(() => ({ status: 500 }));
    let waiting = false;
    const impl = httpRequestImpl({
      sleep: (_ms, signal) =>
        new Promise((resolve) => {
          waiting = true;
          signal.addEventListener("abort", () => resolve(), { once: true });
        }),
    });
    const node = await startNode(impl, { url, retries: 3 });
    const sending = node.send(1);
    await expect.poll(() => waiting).toBe(true);
    node.ctx.abort();
    await expect(sending).rejects.toThrow(/hook stopped while waiting to retry \(answered 500 after 1 attempt\)$/);
    expect(seen).toHaveLength(1);
  });

  it("the error names the URL without its query or credentials", async () => {
    const { url } = await serve(() => ({ status: 502 }));
    const node = await startNode(httpRequestNode, { url: `${url}?token=TOPSECRET`, retries: 0 });
    const error = await node.send(1).catch((e: Error) => e);
    expect(String(error)).toMatch(/hook answered 502 after 1 attempt$/);
    expect(String(error)).not.toContain("TOPSECRET");
  });
});

describe("backoff and Retry-After", () => {
  it("backoff doubles per retry up to 30 s, with ±20 % jitter from the injected random", () => {
    const middle = Array.from({ length: 8 }, (_, i) => backoffMs(i + 1, 500, () => 0.5));
    expect(middle).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    const random = prng(42);
    for (let retry = 1; retry <= 6; retry++) {
      const step = 500 * 2 ** (retry - 1);
      const delay = backoffMs(retry, 500, random);
      expect(delay).toBeGreaterThanOrEqual(step * 0.8);
      expect(delay).toBeLessThanOrEqual(Math.min(30_000, step * 1.2));
    }
    expect(backoffMs(3, 0, random)).toBe(0);
  });

  it("Retry-After reads seconds or an HTTP date, never waits less than 0 nor more than 30 s", () => {
    const now = Date.parse("2030-01-01T00:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs(" 999 ", now)).toBe(30_000);
    expect(retryAfterMs("Tue, 01 Jan 2030 00:00:10 GMT", now)).toBe(10_000);
    expect(retryAfterMs("Mon, 31 Dec 2029 00:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});

describe("http-request settings", () => {
  it("refuses a bad URL, credentials in it, a method it does not send, and malformed headers, naming the param", async () => {
    for (const [params, message] of [
      [{ url: "file:///etc/passwd" }, /param "url" must be http/],
      [{ url: "not a url" }, /param "url" "not a url" is not a URL/],
      [{ url: "https://user:pw@example.com/" }, /param "url" must not hold credentials/],
      [{ url: "https://example.com", method: "TRACE" }, /param "method" must be one of/],
      [{ url: "https://example.com", headers: ["x"] }, /param "headers" must be a JSON object/],
      [{ url: "https://example.com", headers: { "x-n": 1 } }, /the value of "x-n" must be a string/],
      [{ url: "https://example.com", headers: { "bad name": "v" } }, /"bad name" is not a valid header name/],
    ] as const) {
      await expect(startNode(httpRequestNode, params), JSON.stringify(params)).rejects.toThrow(message);
    }
  });

  it("keeps 1.0.0 params working: url, method, authorization and timeoutMs, with the new ones defaulted", async () => {
    const { url, seen } = await serve((n) => ({ status: n === 0 ? 500 : 200 }));
    const { impl, waits } = instant();
    const node = await startNode(impl, { url, method: "PATCH", timeoutMs: 5000 });
    await node.send(1);
    expect(seen.map((s) => s.method)).toEqual(["PATCH", "PATCH"]);
    expect(waits).toEqual([500]);
    expect(httpRequestNode.def.version).toBe("1.1.0");
  });
});

describe("secrets stay out of what a process reports (SECRET-2)", () => {
  it("scrubSecrets replaces a value as it is and as it reads inside JSON; short values are left alone", async () => {
    const { scrubSecrets } = await import("../process.ts");
    expect(scrubSecrets('bad header "Bearer sk_1\nX: 1"', ["Bearer sk_1\nX: 1"])).toBe('bad header "[secret]"');
    expect(scrubSecrets('{"h":"Bearer sk_1\\nX: 1"}', ["Bearer sk_1\nX: 1"])).toBe('{"h":"[secret]"}');
    expect(scrubSecrets("abc", ["ab"])).toBe("abc");
  });

  it("a secret that is not a valid header value fails start with an error that does not repeat it", async () => {
    const error = await startNode(httpRequestNode, {
      url: "http://127.0.0.1:1/",
      authorization: "Bearer sk_live_TOPSECRET\nX-Extra: 1",
    }).catch((e: Error) => e);
    expect(String(error)).toMatch(/the authorization secret is not a valid HTTP header value/);
    expect(String(error)).not.toContain("TOPSECRET");
  });
});
