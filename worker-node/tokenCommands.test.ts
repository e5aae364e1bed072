// End-to-end tests of the token commands through runCli: `weft token create` signs a token the hub's
// verifyAccessToken accepts, and `weft worker-token` talks to a real node:http server that answers like the hub.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { verifyAccessToken } from "../shared/tokens.ts";
import { runCli } from "./main.ts";
import { fakeCliIo } from "./testing/cliIo.ts";

const SECRET = "test-secret-0123456789-abcdefghijklmnopq";
const NOW = Date.UTC(2026, 11, 1, 10, 0, 0, 250);

describe("weft token create", () => {
  it("prints a token the hub verifies, carrying user, name, role, graphs and the expiry", async () => {
    const io = fakeCliIo({ env: { WEFT_AUTH_SECRET: SECRET }, now: NOW });
    const argv = ["token", "create", "--user", "ann", "--name", "Ann", "--role", "editor", "--graph", "demo"];
    expect(await runCli([...argv, "--graph", "other", "--ttl", "7d"], io)).toBe(0);
    expect(io.out.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const check = await verifyAccessToken(SECRET, io.out.stdout.trim(), NOW);
    expect(check).toEqual({
      ok: true,
      claims: {
        sub: "ann",
        name: "Ann",
        role: "editor",
        graphs: ["demo", "other"],
        iat: Math.floor(NOW / 1000),
        exp: Math.floor(NOW / 1000) + 7 * 86400,
      },
    });
    expect(io.out.stderr).toBe(
      'weft: token for ann ("Ann"): editor on graphs demo, other, expires 2026-12-08T10:00:00Z\n',
    );
    expect((await verifyAccessToken(SECRET, io.out.stdout.trim(), NOW + 7 * 86400 * 1000)).ok).toBe(false);
    expect((await verifyAccessToken(`${SECRET}x`, io.out.stdout.trim(), NOW)).ok).toBe(false);
  });

  it("signs a hub-wide token that never expires, named after the user, with the secret from ./.dev.vars", async () => {
    const files = { "/work/project/.dev.vars": `WEFT_WORKER_TOKEN=w\nWEFT_AUTH_SECRET=${SECRET}\n` };
    const io = fakeCliIo({ files, now: NOW });
    expect(await runCli(["token", "create", "--user", "ops", "--role", "admin", "--ttl", "never"], io)).toBe(0);
    const check = await verifyAccessToken(SECRET, io.out.stdout.trim(), NOW + 3650 * 86400 * 1000);
    expect(check.ok && check.claims).toEqual({ sub: "ops", name: "ops", role: "admin", iat: Math.floor(NOW / 1000) });
    expect(io.out.stderr).toBe('weft: token for ops ("ops"): admin on every graph, never expires\n');
  });

  it("expires in 30 days by default", async () => {
    const io = fakeCliIo({ env: { WEFT_AUTH_SECRET: SECRET }, now: NOW });
    expect(await runCli(["token", "create", "--user", "ann", "--role", "viewer", "--graph", "demo"], io)).toBe(0);
    const check = await verifyAccessToken(SECRET, io.out.stdout.trim(), NOW);
    expect(check.ok && check.claims.exp).toBe(Math.floor(NOW / 1000) + 30 * 86400);
    expect(io.out.stderr).toBe('weft: token for ann ("ann"): viewer on graph demo, expires 2026-12-31T10:00:00Z\n');
  });

  it("exits 2 without a secret, saying where it looked and how to fix it", async () => {
    const io = fakeCliIo();
    expect(await runCli(["token", "create", "--user", "ann", "--role", "viewer"], io)).toBe(2);
    expect(io.out.stdout).toBe("");
    expect(io.out.stderr).toBe(
      "weft: no signing secret: looked for --secret-file (not given), $WEFT_AUTH_SECRET (not set) and " +
        "/work/project/.dev.vars (not found); set WEFT_AUTH_SECRET to the hub's secret, or pass --secret-file .dev.vars\n" +
        'Run "weft token --help" for the flags.\n',
    );
  });

  it("exits 2 with a secret shorter than 32 bytes", async () => {
    const io = fakeCliIo({ files: { "/tmp/s": "too-short\n" } });
    expect(await runCli(["token", "create", "--user", "ann", "--role", "viewer", "--secret-file", "/tmp/s"], io)).toBe(
      2,
    );
    expect(io.out.stdout).toBe("");
    expect(io.out.stderr).toMatch(
      /^weft: the secret from --secret-file \/tmp\/s will not do \(WEFT_AUTH_SECRET must be at least 32 bytes\)/,
    );
  });
});

interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

interface FakeHub {
  url: string;
  requests: Recorded[];
  /** The next answers, in order: status and JSON body. */
  answers: Array<{ status: number; body: unknown }>;
}

const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function startHub(): Promise<FakeHub> {
  const hub: FakeHub = { url: "", requests: [], answers: [] };
  const server = createServer((request, response) => {
    let body = "";
    request.setEncoding("utf8");
    request.on("data", (chunk: string) => {
      body += chunk;
    });
    request.on("end", () => {
      hub.requests.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      const answer = hub.answers.shift() ?? { status: 500, body: { error: { code: "test", message: "no answer" } } };
      response.writeHead(answer.status, { "content-type": "application/json" });
      response.end(JSON.stringify(answer.body));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  hub.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return hub;
}

const ADMIN = "admin.jwt.token";

function expectApiRequest(request: Recorded | undefined, method: string, path: string): void {
  expect(request).toMatchObject({ method, url: path });
  expect(request?.headers.authorization).toBe(`Bearer ${ADMIN}`);
  expect(request?.headers.accept).toBe("application/json");
}

describe("weft worker-token", () => {
  it("lists the tokens as a table", async () => {
    const hub = await startHub();
    hub.answers.push({
      status: 200,
      body: [
        {
          id: "3f9a0c1b2d4e",
          name: "gpu-box",
          createdAt: "2026-11-01T09:00:00.000Z",
          lastUsedAt: null,
          revokedAt: null,
        },
        {
          id: "00aa11bb22cc",
          name: "old laptop",
          createdAt: "2026-10-01T09:00:00.000Z",
          lastUsedAt: "2026-10-02T12:30:00.000Z",
          revokedAt: "2026-11-05T08:00:00.000Z",
        },
      ],
    });
    const io = fakeCliIo({ env: { WEFT_TOKEN: ADMIN } });
    expect(await runCli(["worker-token", "list", "--hub", `${hub.url}/`], io)).toBe(0);
    expectApiRequest(hub.requests[0], "GET", "/api/worker-tokens");
    expect(hub.requests[0]?.body).toBe("");
    expect(io.out.stdout).toBe(
      [
        "ID            NAME        CREATED               LAST USED             STATUS",
        "3f9a0c1b2d4e  gpu-box     2026-11-01T09:00:00Z  never                 active",
        "00aa11bb22cc  old laptop  2026-10-01T09:00:00Z  2026-10-02T12:30:00Z  revoked 2026-11-05T08:00:00Z",
        "",
      ].join("\n"),
    );
    expect(io.out.stderr).toBe("");
  });

  it("says so when there are no tokens", async () => {
    const hub = await startHub();
    hub.answers.push({ status: 200, body: [] });
    const io = fakeCliIo();
    expect(await runCli(["worker-token", "list", "--hub", hub.url, "--token", ADMIN], io)).toBe(0);
    expect(io.out.stdout).toMatch(/^no worker tokens yet/);
  });

  it("creates a token and prints it alone on stdout", async () => {
    const hub = await startHub();
    const token = `wt_3f9a0c1b2d4e_${"s".repeat(43)}`;
    const info = { id: "3f9a0c1b2d4e", name: "gpu box", createdAt: "2026-12-01T10:00:00.000Z", lastUsedAt: null };
    hub.answers.push({ status: 201, body: { ...info, revokedAt: null, token } });
    const io = fakeCliIo();
    expect(await runCli(["worker-token", "create", "--name", "gpu box", "--hub", hub.url, "--token", ADMIN], io)).toBe(
      0,
    );
    expectApiRequest(hub.requests[0], "POST", "/api/worker-tokens");
    expect(hub.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(hub.requests[0]?.body ?? "")).toEqual({ name: "gpu box" });
    expect(io.out.stdout).toBe(`${token}\n`);
    expect(io.out.stderr).toBe(
      'weft: worker token 3f9a0c1b2d4e ("gpu box") created; it is shown only now. Start workers with WEFT_WORKER_TOKEN=<token>\n',
    );
  });

  it("revokes a token, under the hub's base path", async () => {
    const hub = await startHub();
    const info = { id: "3f9a0c1b2d4e", name: "gpu-box", createdAt: "2026-11-01T09:00:00.000Z", lastUsedAt: null };
    hub.answers.push({ status: 200, body: { ...info, revokedAt: "2026-12-01T10:00:00.000Z", disconnected: 2 } });
    const io = fakeCliIo({ env: { WEFT_TOKEN: ADMIN } });
    expect(await runCli(["worker-token", "revoke", "3f9a0c1b2d4e", "--hub", `${hub.url}/weft/`], io)).toBe(0);
    expectApiRequest(hub.requests[0], "DELETE", "/weft/api/worker-tokens/3f9a0c1b2d4e");
    expect(io.out.stdout).toBe('revoked worker token 3f9a0c1b2d4e ("gpu-box"); 2 worker connections closed\n');
  });

  it("prints the hub's error and exits 1", async () => {
    const hub = await startHub();
    hub.answers.push({ status: 403, body: { error: { code: "forbidden", message: "this needs the admin role" } } });
    const io = fakeCliIo({ env: { WEFT_TOKEN: ADMIN } });
    expect(await runCli(["worker-token", "revoke", "3f9a0c1b2d4e", "--hub", hub.url], io)).toBe(1);
    expectApiRequest(hub.requests[0], "DELETE", "/api/worker-tokens/3f9a0c1b2d4e");
    expect(io.out.stdout).toBe("");
    expect(io.out.stderr).toMatch(/^weft: 403 forbidden: this needs the admin role\n.*--role admin\n$/);
  });

  it("refuses a body that is not what the hub sends", async () => {
    const hub = await startHub();
    hub.answers.push({ status: 200, body: { tokens: [] } });
    const io = fakeCliIo({ env: { WEFT_TOKEN: ADMIN } });
    expect(await runCli(["worker-token", "list", "--hub", hub.url], io)).toBe(1);
    expect(io.out.stderr).toMatch(
      /^weft: GET http:\/\/127\.0\.0\.1:\d+\/api\/worker-tokens answered with an unexpected body/,
    );
  });

  it("names the hub and the error when the hub cannot be reached", async () => {
    const hub = await startHub();
    const server = servers.pop();
    await new Promise((resolve) => server?.close(resolve));
    const io = fakeCliIo({ env: { WEFT_TOKEN: ADMIN } });
    expect(await runCli(["worker-token", "list", "--hub", hub.url], io)).toBe(1);
    expect(io.out.stdout).toBe("");
    expect(io.out.stderr).toBe(
      `weft: cannot reach the hub at ${hub.url}/ (GET ${hub.url}/api/worker-tokens): connect ECONNREFUSED ${hub.url.slice(7)}\n`,
    );
  });
});
