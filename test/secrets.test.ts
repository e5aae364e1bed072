// SECRET-*: a secret param end to end — real wrangler dev, a real `weft worker`, a real HTTP server receiving
// what the http-request node sends. The value reaches only that request; never the document, an export,
// status, the worker's log or an API answer.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { accessToken, type Hub, jsonRequest, startHub, startWorker, type Worker, waitFor } from "./harness.ts";

let hub: Hub;
let worker: Worker;
let server: Server;
let hook = "";
const received: Array<{ authorization: string | undefined; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      received.push({ authorization: req.headers.authorization, body });
      res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    });
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", () => done()));
  hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  hub = await startHub();
  worker = startWorker(hub, ["--graph", "vault", "--name", "vault", "--id", "w-vault"]);
});
afterAll(async () => {
  await worker?.stop();
  await hub?.stop();
  await new Promise<void>((done) => server?.close(() => done()));
});

const graph = (authorization: unknown) => ({
  name: "Vault",
  running: true,
  nodes: [
    { id: "random", type: "random", name: "Random", x: 0, y: 0, params: { intervalMs: 100 } },
    { id: "post", type: "http-request", name: "Post", x: 300, y: 0, params: { url: hook, authorization } },
  ],
  edges: [{ id: "e1", from: "random", fromPort: "out", to: "post", toPort: "in" }],
});

type Status = { processes: Array<{ nodeId: string; state: string; reason?: string }> };
const post = async () =>
  (await hub.api<Status>("/api/graphs/vault/status")).body.processes.find((p) => p.nodeId === "post");

describe("secrets", () => {
  it("SECRET-1/2: blocked until set; then only the process's request carries the value; no read path returns it", async () => {
    expect((await hub.api("/api/graphs/vault", jsonRequest("PUT", graph({ $secret: "HOOK_TOKEN" })))).status).toBe(201);
    await waitFor(
      async () => (await post())?.reason?.includes("HOOK_TOKEN, which is not set"),
      "post blocked on its secret",
    );

    const set = await hub.api<{ name: string; updatedAt: string }>(
      "/api/graphs/vault/secrets/HOOK_TOKEN",
      jsonRequest("PUT", { value: "Bearer s3cret-one" }),
    );
    expect(set).toMatchObject({ status: 200, body: { name: "HOOK_TOKEN", updatedAt: expect.any(String) } });
    await waitFor(
      () => received.some((r) => r.authorization === "Bearer s3cret-one"),
      "a request with the secret",
      20_000,
    );
    expect(Number(JSON.parse(received[0]?.body ?? "null"))).toBeGreaterThanOrEqual(0);

    const listed = await hub.api("/api/graphs/vault/secrets");
    expect(listed).toEqual({ status: 200, body: [{ name: "HOOK_TOKEN", updatedAt: expect.any(String) }] });
    const everything = JSON.stringify([
      (await hub.api("/api/graphs/vault")).body,
      (await hub.api("/api/graphs/vault/status")).body,
      listed.body,
      worker.output,
      hub.proc.output,
    ]);
    expect(everything).not.toContain("s3cret");
    expect(JSON.stringify((await hub.api("/api/graphs/vault")).body)).toContain('{"$secret":"HOOK_TOKEN"}');
  });

  it("SECRET-3: a new value restarts the process with it", async () => {
    await hub.api("/api/graphs/vault/secrets/HOOK_TOKEN", jsonRequest("PUT", { value: "Bearer s3cret-two" }));
    await waitFor(
      () => received.some((r) => r.authorization === "Bearer s3cret-two"),
      "a request with the new value",
      20_000,
    );
    const last = received.length;
    await waitFor(() => received.length > last + 2, "more requests");
    expect(received.slice(last).every((r) => r.authorization === "Bearer s3cret-two")).toBe(true);
  });

  it("SECRET-1: an import with a plain value in a secret param is refused, and nothing of it is stored", async () => {
    const before = await hub.api("/api/graphs/vault");
    const refused = await hub.api<{ error: { code: string; message: string } }>(
      "/api/graphs/vault",
      jsonRequest("PUT", graph("Bearer pasted")),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({
      code: "secret_in_graph",
      message: expect.stringMatching(/param "authorization" is a secret/),
    });
    expect(await hub.api("/api/graphs/vault")).toEqual(before);
  });

  it("secrets need the editor role; bad names and empty values are refused with the reason", async () => {
    const viewer = await accessToken({ user: "vic", role: "viewer", graphs: ["vault"] });
    expect((await hub.api("/api/graphs/vault/secrets", { token: viewer })).status).toBe(403);
    expect(
      (await hub.api("/api/graphs/vault/secrets/X", { ...jsonRequest("PUT", { value: "v" }), token: viewer })).status,
    ).toBe(403);
    expect(
      (
        await hub.api<{ error: { code: string } }>(
          "/api/graphs/vault/secrets/bad-name",
          jsonRequest("PUT", { value: "v" }),
        )
      ).body.error.code,
    ).toBe("invalid_secret_name");
    expect(
      (await hub.api<{ error: { code: string } }>("/api/graphs/vault/secrets/X", jsonRequest("PUT", { value: "" })))
        .body.error.code,
    ).toBe("invalid_secret");
    expect((await hub.api("/api/graphs/vault/secrets/NOPE", { method: "DELETE" })).status).toBe(404);
  });

  it("deleting the secret blocks its node again; deleting the graph forgets its secrets", async () => {
    expect((await hub.api("/api/graphs/vault/secrets/HOOK_TOKEN", { method: "DELETE" })).status).toBe(200);
    await waitFor(async () => (await post())?.state === "blocked", "post blocked again");
    await hub.api("/api/graphs/vault/secrets/OTHER", jsonRequest("PUT", { value: "x" }));
    expect((await hub.api("/api/graphs/vault", { method: "DELETE" })).status).toBe(200);
    await hub.api("/api/graphs/vault", jsonRequest("PUT", { ...graph({ $secret: "OTHER" }), running: false }));
    expect((await hub.api("/api/graphs/vault/secrets")).body).toEqual([]);
  });
});
