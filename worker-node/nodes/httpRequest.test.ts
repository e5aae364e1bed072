// The http-request node against a real HTTP server on loopback: body, secret header, errors and timeouts.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { JsonValue } from "../../shared/graph.ts";
import { checkParams, findNodeType } from "../../shared/nodeTypes.ts";
import type { NodeContext } from "../../shared/sdk.ts";
import { silentLogger } from "../log.ts";
import { httpRequestNode } from "./httpRequest.ts";

interface Seen {
  method: string;
  authorization: string | undefined;
  body: string;
}

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((done) => (server ? server.close(() => done()) : done()));
  server = undefined;
});

async function serve(
  answer: (req: IncomingMessage, body: string) => { status: number; body: string; delayMs?: number },
) {
  const seen: Seen[] = [];
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", authorization: req.headers.authorization, body });
      const reply = answer(req, body);
      setTimeout(
        () => res.writeHead(reply.status, { "content-type": "text/plain" }).end(reply.body),
        reply.delayMs ?? 0,
      );
    });
  });
  await new Promise<void>((done) => server?.listen(0, "127.0.0.1", () => done()));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, seen };
}

function context(params: Record<string, unknown>, emitted: Array<[string, JsonValue]>): NodeContext {
  const def = findNodeType("http-request");
  if (!def) throw new Error("http-request is not a built-in type");
  const checked = checkParams(def, params, "runtime");
  if (!checked.ok) throw new Error(checked.error);
  return {
    graphId: "g",
    nodeId: "post",
    params: checked.params,
    log: silentLogger(),
    signal: new AbortController().signal,
    credit: () => true,
    waitForCredit: async () => {},
    emit: (port, value) => {
      emitted.push([port, value]);
      return true;
    },
  };
}

describe("http-request node", () => {
  it("posts each message as JSON with the secret as Authorization, and emits the answer", async () => {
    const { url, seen } = await serve(() => ({ status: 201, body: "stored" }));
    const emitted: Array<[string, JsonValue]> = [];
    const process = httpRequestNode.create();
    await process.start(context({ url, authorization: "Bearer s3cret" }, emitted));
    await process.onMessage?.({ id: "m1", value: { n: 42 }, ts: 1 }, "in");
    expect(seen).toEqual([{ method: "POST", authorization: "Bearer s3cret", body: '{"n":42}' }]);
    expect(emitted).toEqual([["out", { status: 201, body: "stored" }]]);
  });

  it("sends no Authorization header when the secret is unset; a non-2xx answer is an error naming the status", async () => {
    const { url, seen } = await serve(() => ({ status: 503, body: "down" }));
    const process = httpRequestNode.create();
    await process.start(context({ url, method: "put" }, []));
    await expect(process.onMessage?.({ id: "m", value: 1, ts: 1 }, "in")).rejects.toThrow(
      /PUT http:\/\/127\.0\.0\.1:\d+\/hook answered HTTP 503/,
    );
    expect(seen[0]).toMatchObject({ method: "PUT", authorization: undefined });
  });

  it("a request slower than timeoutMs fails with the timeout in the error", async () => {
    const { url } = await serve(() => ({ status: 200, body: "late", delayMs: 2000 }));
    const process = httpRequestNode.create();
    await process.start(context({ url, timeoutMs: 100 }, []));
    await expect(process.onMessage?.({ id: "m", value: 1, ts: 1 }, "in")).rejects.toThrow(/no answer within 100 ms/);
  });

  it("refuses a URL that is not http(s) and a method it does not send, naming the param", async () => {
    for (const [params, message] of [
      [{ url: "file:///etc/passwd" }, /url must be http/],
      [{ url: "not a url" }, /is not a URL/],
      [{ url: "https://example.com", method: "DELETE" }, /method must be POST, PUT or PATCH/],
    ] as const) {
      const process = httpRequestNode.create();
      expect(() => process.start(context(params, [])), JSON.stringify(params)).toThrow(message);
    }
  });
});

describe("secrets stay out of what a process reports (SECRET-2)", () => {
  it("scrubSecrets replaces a value as it is and as it reads inside JSON; short values are left alone", async () => {
    const { scrubSecrets } = await import("../process.ts");
    expect(scrubSecrets('bad header "Bearer sk_1\nX: 1"', ["Bearer sk_1\nX: 1"])).toBe('bad header "[secret]"');
    expect(scrubSecrets('{"h":"Bearer sk_1\\nX: 1"}', ["Bearer sk_1\nX: 1"])).toBe('{"h":"[secret]"}');
    expect(scrubSecrets("abc", ["ab"])).toBe("abc");
  });

  it("a header value that fetch refuses gives an error that does not repeat it", async () => {
    const { url } = await serve(() => ({ status: 200, body: "ok" }));
    const process = httpRequestNode.create();
    await process.start(context({ url, authorization: "Bearer sk_live_TOPSECRET\nX-Extra: 1" }, []));
    const error = await Promise.resolve(process.onMessage?.({ id: "m", value: 1, ts: 1 }, "in")).catch((e: Error) => e);
    expect(String(error)).toMatch(/not a valid HTTP header value/);
    expect(String(error)).not.toContain("TOPSECRET");
  });
});
