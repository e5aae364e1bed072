// The auth matrix against a real `wrangler dev` hub: every identity (row) against every HTTP route, the Yjs room
// (connect, write, presence) and the worker connect (columns), each cell asserted from one expectation table;
// then worker-token rotation and revocation, the login link, and a cross-site text/plain POST.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signAccessToken } from "../shared/tokens.ts";
import { AuthYClient, type Refusal, SocketProbe } from "./authClients.ts";
import { AUTH_SECRET, accessToken, demoGraph, type Hub, jsonRequest, startHub, TOKEN, waitFor } from "./harness.ts";
import { RawWorker } from "./rawWorker.ts";

const EVIL = "https://evil.example";
const NO_WORKER = "w-nobody";

// ---- rows: who is calling --------------------------------------------------------------------------------

interface Identity {
  /** The user id the token names (for GET /api/me), if it is an access token. */
  user?: string;
  token: string | null;
  /** The token presented on a worker connect (default: `token`). */
  workerToken?: string | null;
  origin?: string;
}

const ROWS = [
  "anonymous",
  "viewer of alpha",
  "editor of alpha",
  "admin of alpha",
  "hub viewer",
  "hub editor",
  "hub admin",
  "editor of beta (wrong graph)",
  "expired token",
  "bad signature",
  "foreign origin (hub admin)",
  "worker token",
] as const;
type Row = (typeof ROWS)[number];

async function identities(): Promise<Record<Row, Identity>> {
  const user = async (name: string, role: "viewer" | "editor" | "admin", graphs?: string[]): Promise<Identity> => ({
    user: name,
    token: await accessToken({ user: name, role, ...(graphs ? { graphs } : {}) }),
  });
  const hubAdmin = await user("hub-admin", "admin");
  return {
    anonymous: { token: null },
    "viewer of alpha": await user("viewer-alpha", "viewer", ["alpha"]),
    "editor of alpha": await user("editor-alpha", "editor", ["alpha"]),
    "admin of alpha": await user("admin-alpha", "admin", ["alpha"]),
    "hub viewer": await user("hub-viewer", "viewer"),
    "hub editor": await user("hub-editor", "editor"),
    "hub admin": hubAdmin,
    "editor of beta (wrong graph)": await user("editor-beta", "editor", ["beta"]),
    "expired token": {
      user: "expired",
      token: await signAccessToken(
        AUTH_SECRET,
        { user: "expired", role: "admin", ttlSeconds: 1 },
        Date.now() - 3_600_000,
      ),
    },
    "bad signature": {
      user: "forger",
      token: await signAccessToken("another-secret-forty-characters-long-xyz", { user: "forger", role: "admin" }),
    },
    // An otherwise sufficient token: a hub admin's access token, and on a worker connect the worker token.
    "foreign origin (hub admin)": { ...hubAdmin, origin: EVIL, workerToken: TOKEN },
    "worker token": { token: TOKEN },
  };
}

// ---- cells: what each row should get -----------------------------------------------------------------------

type Http = { status: number; code?: string; list?: string[] | "all" };
type Connect = "sync" | Refusal;
type Write = "applied" | "dropped" | "none";
type Presence = "seen" | "none";
type WorkerConnect = "open" | Refusal;

interface Expected {
  health: Http;
  me: Http;
  logout: Http;
  listGraphs: Http;
  createGraph: Http;
  getGraph: Http;
  putGraph: Http;
  deleteGraph: Http;
  start: Http;
  stop: Http;
  status: Http;
  graphDrain: Http;
  listWorkers: Http;
  fleetDrain: Http;
  listWorkerTokens: Http;
  createWorkerToken: Http;
  deleteWorkerToken: Http;
  yjsConnect: Connect;
  yjsWrite: Write;
  awareness: Presence;
  workerConnect: WorkerConnect;
}
type HttpColumn = Exclude<keyof Expected, "yjsConnect" | "yjsWrite" | "awareness" | "workerConnect">;

const e = (status: number, code: string) => ({ status, code });
const OK = { status: 200 };
const CREATED = { status: 201 };
const UNAUTH = e(401, "unauthorized");
const EXPIRED = e(401, "token_expired");
const BAD = e(401, "bad_token");
const FORBID = e(403, "forbidden");
const ORIGIN = e(403, "origin_not_allowed");
/** The drain routes answer this for an unknown worker: authorization passed. */
const NOT_CONNECTED = e(404, "worker_not_found");
const list = (graphs: string[] | "all"): Http => ({ status: 200, list: graphs });

/** Every protected HTTP cell of a row that is refused everywhere with `refusal`. */
function refusedEverywhere(refusal: Http) {
  return {
    me: refusal,
    listGraphs: refusal,
    createGraph: refusal,
    getGraph: refusal,
    putGraph: refusal,
    deleteGraph: refusal,
    start: refusal,
    stop: refusal,
    status: refusal,
    graphDrain: refusal,
    listWorkers: refusal,
    fleetDrain: refusal,
    listWorkerTokens: refusal,
    createWorkerToken: refusal,
    deleteWorkerToken: refusal,
  };
}

const EXPECTED: Record<Row, Expected> = {
  anonymous: {
    health: OK,
    logout: OK,
    ...refusedEverywhere(UNAUTH),
    yjsConnect: UNAUTH,
    yjsWrite: "none",
    awareness: "none",
    workerConnect: UNAUTH,
  },
  "viewer of alpha": {
    health: OK,
    me: OK,
    logout: OK,
    listGraphs: list(["alpha"]),
    createGraph: FORBID,
    getGraph: OK,
    putGraph: FORBID,
    deleteGraph: FORBID,
    start: FORBID,
    stop: FORBID,
    status: OK,
    graphDrain: FORBID,
    listWorkers: FORBID,
    fleetDrain: FORBID,
    listWorkerTokens: FORBID,
    createWorkerToken: FORBID,
    deleteWorkerToken: FORBID,
    yjsConnect: "sync",
    yjsWrite: "dropped",
    awareness: "seen",
    workerConnect: FORBID,
  },
  "editor of alpha": {
    health: OK,
    me: OK,
    logout: OK,
    listGraphs: list(["alpha"]),
    createGraph: FORBID,
    getGraph: OK,
    putGraph: OK,
    deleteGraph: FORBID,
    start: OK,
    stop: OK,
    status: OK,
    graphDrain: NOT_CONNECTED,
    listWorkers: FORBID,
    fleetDrain: FORBID,
    listWorkerTokens: FORBID,
    createWorkerToken: FORBID,
    deleteWorkerToken: FORBID,
    yjsConnect: "sync",
    yjsWrite: "applied",
    awareness: "seen",
    workerConnect: FORBID,
  },
  "admin of alpha": {
    health: OK,
    me: OK,
    logout: OK,
    listGraphs: list(["alpha"]),
    createGraph: FORBID,
    getGraph: OK,
    putGraph: OK,
    deleteGraph: OK,
    start: OK,
    stop: OK,
    status: OK,
    graphDrain: NOT_CONNECTED,
    listWorkers: FORBID,
    fleetDrain: FORBID,
    listWorkerTokens: FORBID,
    createWorkerToken: FORBID,
    deleteWorkerToken: FORBID,
    yjsConnect: "sync",
    yjsWrite: "applied",
    awareness: "seen",
    workerConnect: FORBID,
  },
  "hub viewer": {
    health: OK,
    me: OK,
    logout: OK,
    listGraphs: list("all"),
    createGraph: FORBID,
    getGraph: OK,
    putGraph: FORBID,
    deleteGraph: FORBID,
    start: FORBID,
    stop: FORBID,
    status: OK,
    graphDrain: FORBID,
    listWorkers: OK,
    fleetDrain: FORBID,
    listWorkerTokens: FORBID,
    createWorkerToken: FORBID,
    deleteWorkerToken: FORBID,
    yjsConnect: "sync",
    yjsWrite: "dropped",
    awareness: "seen",
    workerConnect: FORBID,
  },
  "hub editor": {
    health: OK,
    me: OK,
    logout: OK,
    listGraphs: list("all"),
    createGraph: CREATED,
    getGraph: OK,
    putGraph: OK,
    deleteGraph: FORBID,
    start: OK,
    stop: OK,
    status: OK,
    graphDrain: NOT_CONNECTED,
    listWorkers: OK,
    fleetDrain: FORBID,
    listWorkerTokens: FORBID,
    createWorkerToken: FORBID,
    deleteWorkerToken: FORBID,
    yjsConnect: "sync",
    yjsWrite: "applied",
    awareness: "seen",
    workerConnect: FORBID,
  },
  "hub admin": {
    health: OK,
    me: OK,
    logout: OK,
    listGraphs: list("all"),
    createGraph: CREATED,
    getGraph: OK,
    putGraph: OK,
    deleteGraph: OK,
    start: OK,
    stop: OK,
    status: OK,
    graphDrain: NOT_CONNECTED,
    listWorkers: OK,
    fleetDrain: NOT_CONNECTED,
    listWorkerTokens: OK,
    createWorkerToken: CREATED,
    deleteWorkerToken: OK,
    yjsConnect: "sync",
    yjsWrite: "applied",
    awareness: "seen",
    workerConnect: FORBID,
  },
  "editor of beta (wrong graph)": {
    health: OK,
    me: OK,
    logout: OK,
    listGraphs: list(["beta"]),
    createGraph: FORBID,
    getGraph: FORBID,
    putGraph: FORBID,
    deleteGraph: FORBID,
    start: FORBID,
    stop: FORBID,
    status: FORBID,
    graphDrain: FORBID,
    listWorkers: FORBID,
    fleetDrain: FORBID,
    listWorkerTokens: FORBID,
    createWorkerToken: FORBID,
    deleteWorkerToken: FORBID,
    yjsConnect: FORBID,
    yjsWrite: "none",
    awareness: "none",
    workerConnect: FORBID,
  },
  "expired token": {
    health: OK,
    logout: OK,
    ...refusedEverywhere(EXPIRED),
    yjsConnect: EXPIRED,
    yjsWrite: "none",
    awareness: "none",
    workerConnect: EXPIRED,
  },
  "bad signature": {
    health: OK,
    logout: OK,
    ...refusedEverywhere(BAD),
    yjsConnect: BAD,
    yjsWrite: "none",
    awareness: "none",
    // The worker CLI's "unauthorized: worker token is wrong".
    workerConnect: UNAUTH,
  },
  "foreign origin (hub admin)": {
    health: OK,
    me: OK,
    logout: ORIGIN,
    listGraphs: list("all"),
    createGraph: ORIGIN,
    getGraph: OK,
    putGraph: ORIGIN,
    deleteGraph: ORIGIN,
    start: ORIGIN,
    stop: ORIGIN,
    status: OK,
    graphDrain: ORIGIN,
    listWorkers: OK,
    fleetDrain: ORIGIN,
    listWorkerTokens: OK,
    createWorkerToken: ORIGIN,
    deleteWorkerToken: ORIGIN,
    yjsConnect: ORIGIN,
    yjsWrite: "none",
    awareness: "none",
    workerConnect: ORIGIN,
  },
  "worker token": {
    health: OK,
    logout: OK,
    ...refusedEverywhere(FORBID),
    // Workers started with --all list the graphs.
    listGraphs: list("all"),
    yjsConnect: FORBID,
    yjsWrite: "none",
    awareness: "none",
    workerConnect: "open",
  },
};

// ---- the hub and its fixtures --------------------------------------------------------------------------

let hub: Hub;
let who: Record<Row, Identity>;
const yClients: AuthYClient[] = [];
const probes: Array<SocketProbe | RawWorker> = [];

beforeAll(async () => {
  [hub, who] = await Promise.all([startHub(), identities()]);
  await resetAlpha();
  expect((await hub.api("/api/graphs/beta", jsonRequest("PUT", { ...demoGraph(), name: "Beta" }))).status).toBe(201);
});
afterAll(async () => {
  for (const c of yClients.splice(0)) c.destroy();
  for (const p of probes.splice(0)) p.close();
  await hub?.stop();
});

type Exported = { name: string; description: string; running: boolean };

/** Puts alpha back as the baseline every cell starts from (a hub admin's PUT; it creates alpha if deleted). */
async function resetAlpha(running = false): Promise<void> {
  const put = await hub.api("/api/graphs/alpha", jsonRequest("PUT", { ...demoGraph(), name: "Alpha", running }));
  expect(put.status, `reset alpha: ${JSON.stringify(put.body)}`).toBeLessThan(300);
}

async function exported(): Promise<{ status: number; body: Exported }> {
  return hub.api<Exported>("/api/graphs/alpha");
}

async function adminList(): Promise<string[]> {
  return (await hub.api<Array<{ id: string }>>("/api/graphs")).body.map((g) => g.id).sort();
}

async function workerTokens(): Promise<Array<{ id: string; name: string; revokedAt: string | null }>> {
  return (await hub.api<Array<{ id: string; name: string; revokedAt: string | null }>>("/api/worker-tokens")).body;
}

function yClient(identity: Identity, graphId = "alpha"): AuthYClient {
  const client = new AuthYClient(hub, graphId, {
    token: identity.token,
    ...(identity.origin ? { origin: identity.origin } : {}),
  });
  yClients.push(client);
  return client;
}

// ---- HTTP cells ------------------------------------------------------------------------------------------

interface HttpCell {
  method: string;
  path: string | ((context: string) => string);
  body?: (row: Row) => unknown;
  /** Sets the state the cell starts from; returns a value the path and the check may use. */
  prepare?: (row: Row) => Promise<string>;
  /** Checks the cell's effect, or its absence when it was refused. */
  effect?: (row: Row, allowed: boolean, context: string) => Promise<void>;
}

const HTTP: Record<HttpColumn, HttpCell> = {
  health: { method: "GET", path: "/api/health" },
  me: { method: "GET", path: "/api/me" },
  logout: { method: "POST", path: "/api/logout" },
  listGraphs: { method: "GET", path: "/api/graphs" },
  createGraph: {
    method: "POST",
    path: "/api/graphs",
    body: (row) => ({ name: `made by ${row}` }),
    effect: async (row, allowed) => {
      const names = (await hub.api<Array<{ name: string }>>("/api/graphs")).body.map((g) => g.name);
      expect(names.includes(`made by ${row}`), "the graph exists").toBe(allowed);
    },
  },
  getGraph: { method: "GET", path: "/api/graphs/alpha" },
  putGraph: {
    method: "PUT",
    path: "/api/graphs/alpha",
    body: (row) => ({ ...demoGraph(), name: `put by ${row}`, running: false }),
    prepare: async () => {
      await resetAlpha();
      return "";
    },
    effect: async (row, allowed) => {
      expect((await exported()).body.name === `put by ${row}`, "alpha was imported").toBe(allowed);
    },
  },
  deleteGraph: {
    method: "DELETE",
    path: "/api/graphs/alpha",
    prepare: async () => {
      await resetAlpha();
      return "";
    },
    effect: async (_row, allowed) => {
      expect((await exported()).status, "alpha's export after the DELETE").toBe(allowed ? 404 : 200);
      await resetAlpha();
    },
  },
  start: {
    method: "POST",
    path: "/api/graphs/alpha/start",
    prepare: async () => {
      await resetAlpha(false);
      return "";
    },
    effect: async (_row, allowed) => {
      expect((await exported()).body.running, "alpha running").toBe(allowed);
    },
  },
  stop: {
    method: "POST",
    path: "/api/graphs/alpha/stop",
    prepare: async () => {
      await resetAlpha(true);
      return "";
    },
    effect: async (_row, allowed) => {
      expect((await exported()).body.running, "alpha running").toBe(!allowed);
    },
  },
  status: { method: "GET", path: "/api/graphs/alpha/status" },
  graphDrain: { method: "POST", path: `/api/graphs/alpha/workers/${NO_WORKER}/drain` },
  listWorkers: { method: "GET", path: "/api/workers" },
  fleetDrain: { method: "POST", path: `/api/workers/${NO_WORKER}/drain` },
  listWorkerTokens: { method: "GET", path: "/api/worker-tokens" },
  createWorkerToken: {
    method: "POST",
    path: "/api/worker-tokens",
    body: (row) => ({ name: `issued to ${row}` }),
    effect: async (row, allowed) => {
      const names = (await workerTokens()).map((t) => t.name);
      expect(names.includes(`issued to ${row}`), "the worker token exists").toBe(allowed);
    },
  },
  deleteWorkerToken: {
    method: "DELETE",
    path: (tokenId) => `/api/worker-tokens/${tokenId}`,
    prepare: async (row) => {
      const made = await hub.api<{ id: string }>("/api/worker-tokens", jsonRequest("POST", { name: `victim ${row}` }));
      expect(made.status).toBe(201);
      return made.body.id;
    },
    effect: async (_row, allowed, tokenId) => {
      const token = (await workerTokens()).find((t) => t.id === tokenId);
      expect(token?.revokedAt != null, "the worker token is revoked").toBe(allowed);
    },
  },
};

async function httpCell(row: Row, column: HttpColumn): Promise<void> {
  const cell = HTTP[column];
  const expected = EXPECTED[row][column];
  const identity = who[row];
  const context = cell.prepare ? await cell.prepare(row) : "";
  const path = typeof cell.path === "function" ? cell.path(context) : cell.path;
  const headers: Record<string, string> = identity.origin ? { Origin: identity.origin } : {};
  const init = cell.body ? jsonRequest(cell.method, cell.body(row)) : { method: cell.method };
  const response = await hub.api<{ error?: { code: string }; user?: string }>(path, {
    ...init,
    headers: { ...(init.headers as Record<string, string> | undefined), ...headers },
    token: identity.token,
  });
  expect(
    { status: response.status, code: response.body?.error?.code },
    `${cell.method} ${path}: ${JSON.stringify(response.body)}`,
  ).toEqual({ status: expected.status, code: expected.code });
  if (column === "me" && expected.status === 200) expect(response.body?.user).toBe(identity.user);
  if (expected.list !== undefined) {
    const ids = (response.body as unknown as Array<{ id: string }>).map((g) => g.id).sort();
    if (expected.list === "all") {
      expect(ids).toEqual(expect.arrayContaining(["alpha", "beta"]));
      expect(ids).toEqual(await adminList());
    } else expect(ids).toEqual(expected.list);
  }
  await cell.effect?.(row, expected.status < 300, context);
}

// ---- the matrix ------------------------------------------------------------------------------------------
// Column by column, so that the room's cells run against one alpha before the destructive HTTP cells.

describe("Yjs room", () => {
  const clients = new Map<Row, AuthYClient>();
  let observer: AuthYClient;
  beforeAll(async () => {
    await resetAlpha();
    observer = yClient({ token: hub.adminToken });
    expect(await observer.outcome()).toBe("sync");
  });
  afterAll(() => {
    for (const client of [...clients.values(), observer]) client.destroy();
  });
  const client = (row: Row) => {
    const found = clients.get(row);
    if (!found) throw new Error(`no client for ${row}`);
    return found;
  };

  describe("connect /parties/graph/alpha (stock y-websocket)", () => {
    for (const row of ROWS) {
      it(row, async () => {
        const c = yClient(who[row]);
        clients.set(row, c);
        const outcome = await c.outcome();
        expect(outcome).toEqual(EXPECTED[row].yjsConnect);
        if (outcome !== "sync") expect(c.opened, "refused before the upgrade").toBe(false);
      });
    }
  });

  describe("write meta.name", () => {
    let n = 0;
    for (const row of ROWS) {
      it(row, async () => {
        const expected = EXPECTED[row].yjsWrite;
        const c = client(row);
        if (expected === "none") {
          expect(c.refused, "no connection to write on").toBeDefined();
          expect(c.opened).toBe(false);
          return;
        }
        const name = `written by ${row}`;
        c.doc.getMap("meta").set("name", name);
        await c.barrier();
        // An editor's write after it, visible in the export, bounds the wait for the first one.
        const marker = `after ${row} ${++n}`;
        observer.doc.getMap("meta").set("description", marker);
        await waitFor(async () => (await exported()).body.description === marker, "the editor's write after it");
        const landed = (await exported()).body.name === name;
        expect({ outcome: landed ? "applied" : "dropped", connected: c.connected }).toEqual({
          outcome: expected,
          connected: true,
        });
      });
    }
  });

  describe("awareness seen by another client", () => {
    for (const row of ROWS) {
      it(row, async () => {
        const expected = EXPECTED[row].awareness;
        const c = client(row);
        if (expected === "none") {
          expect(c.refused, "no connection to present on").toBeDefined();
          expect(c.opened).toBe(false);
          return;
        }
        c.provider.awareness.setLocalState({ user: row });
        const seen = await waitFor(
          () => (observer.provider.awareness.getStates().get(c.doc.clientID) as { user?: string })?.user === row,
          `${row}'s presence at the observer`,
          5000,
        ).catch(() => false);
        const closes = JSON.stringify({ client: c.closes, observer: observer.closes });
        expect({ outcome: seen ? "seen" : "unseen", connected: c.connected }, `closes: ${closes}`).toEqual({
          outcome: expected,
          connected: true,
        });
      });
    }
  });
});

describe("worker connect /parties/graph/alpha?role=worker", () => {
  for (const row of ROWS) {
    it(row, async () => {
      const identity = who[row];
      const token = identity.workerToken === undefined ? identity.token : identity.workerToken;
      const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
      if (identity.origin) headers.Origin = identity.origin;
      const probe = new SocketProbe(`${hub.url.replace("http", "ws")}/parties/graph/alpha?role=worker`, headers);
      probes.push(probe);
      expect(await probe.outcome()).toEqual(EXPECTED[row].workerConnect);
      probe.close();
    });
  }
});

const COLUMNS = Object.keys(HTTP) as HttpColumn[];
for (const column of COLUMNS) {
  const cell = HTTP[column];
  describe(`${cell.method} ${typeof cell.path === "function" ? cell.path("<id>") : cell.path}`, () => {
    for (const row of ROWS) it(row, () => httpCell(row, column));
  });
}

// ---- beyond the matrix -----------------------------------------------------------------------------------

describe("worker tokens", () => {
  it("a hub-issued token connects beside WEFT_WORKER_TOKEN; revoking it closes its worker with 4014 at once", async () => {
    await resetAlpha();
    const made = await hub.api<{ id: string; token: string; name: string }>(
      "/api/worker-tokens",
      jsonRequest("POST", { name: "rotation" }),
    );
    expect(made.status).toBe(201);
    expect(made.body.token).toMatch(/^wt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await workerTokens()).toContainEqual(expect.objectContaining({ id: made.body.id, revokedAt: null }));

    const issued = RawWorker.connect(hub, "alpha", { token: made.body.token });
    const env = RawWorker.connect(hub, "alpha", { token: TOKEN });
    probes.push(issued, env);
    expect((await issued.hello("w-issued")).type).toBe("welcome");
    expect((await env.hello("w-env")).type).toBe("welcome");

    const revoked = await hub.api<{ id: string; revokedAt: string; disconnected: number }>(
      `/api/worker-tokens/${made.body.id}`,
      { method: "DELETE" },
    );
    expect(revoked).toMatchObject({ status: 200, body: { id: made.body.id, disconnected: 1 } });
    // "At once": the close is sent while the DELETE is answered, so it is here well within a second.
    expect((await waitFor(() => issued.closed, "the revoked worker's close", 1000)).code).toBe(4014);
    expect(env.closed).toBeUndefined();
    const statusWorkers = async () =>
      (await hub.api<{ workers: Array<{ id: string }> }>("/api/graphs/alpha/status")).body.workers.map((w) => w.id);
    expect(await statusWorkers()).toContain("w-env");

    const again = RawWorker.connect(hub, "alpha", { token: made.body.token });
    probes.push(again);
    await waitFor(() => again.refused, "the revoked token's refusal");
    expect(again.refused?.status).toBe(401);
    const env2 = RawWorker.connect(hub, "alpha", { token: TOKEN });
    probes.push(env2);
    expect((await env2.hello("w-env-2")).type).toBe("welcome");
    expect(env.closed).toBeUndefined();
    expect(await workerTokens()).toContainEqual(
      expect.objectContaining({ id: made.body.id, revokedAt: expect.any(String) }),
    );
    for (const w of [env, env2]) w.close();
  });
});

describe("login link", () => {
  it("GET /g/alpha?token= sets an HttpOnly SameSite=Strict session cookie and redirects to /g/alpha", async () => {
    const token = await accessToken({ user: "linked", role: "viewer", graphs: ["alpha"] });
    const response = await fetch(`${hub.url}/g/alpha?token=${token}`, { redirect: "manual" });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe("/g/alpha");
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie.startsWith(`weft_session=${token};`), cookie).toBe(true);
    expect(cookie).toMatch(/;\s*HttpOnly/);
    expect(cookie).toMatch(/;\s*SameSite=Strict/);
    const me = await hub.api<{ user: string }>("/api/me", {
      token: null,
      headers: { Cookie: `weft_session=${token}` },
    });
    expect(me).toMatchObject({ status: 200, body: { user: "linked" } });
  });

  it("a link whose path starts with // still redirects on the hub, never to another host", async () => {
    const token = await accessToken({ user: "linked", role: "viewer", graphs: ["alpha"] });
    for (const path of ["//evil.example/x", "/\\evil.example"]) {
      const response = await fetch(`${hub.url}${path}?token=${token}`, { redirect: "manual" });
      expect(response.status, path).toBe(303);
      const location = response.headers.get("location") ?? "";
      expect(new URL(location, hub.url).origin, location).toBe(new URL(hub.url).origin);
    }
  });

  it("an invalid token on the link answers 401 with an HTML page", async () => {
    for (const token of ["not-a-token", who["bad signature"].token, who["expired token"].token]) {
      const response = await fetch(`${hub.url}/g/alpha?token=${token}`, { redirect: "manual" });
      expect(response.status, String(token)).toBe(401);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("set-cookie")).toBeNull();
      expect(await response.text()).toMatch(/<!doctype html>/i);
    }
  });
});

describe("cross-site requests", () => {
  it("a text/plain POST to /api/graphs/alpha/stop from a foreign Origin gets 403 and does not stop the graph", async () => {
    await resetAlpha(true);
    const admin = who["hub admin"].token as string;
    // As a form or fetch(no-cors) would send it: the session cookie, a simple content type.
    const ways: Array<Record<string, string>> = [
      { Cookie: `weft_session=${admin}` },
      { Authorization: `Bearer ${admin}` },
    ];
    for (const credentials of ways) {
      const response = await fetch(`${hub.url}/api/graphs/alpha/stop`, {
        method: "POST",
        headers: { Origin: EVIL, "content-type": "text/plain", ...credentials },
        body: "{}",
      });
      expect(response.status).toBe(403);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe("origin_not_allowed");
    }
    expect((await exported()).body.running).toBe(true);
  });
});
