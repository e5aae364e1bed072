// The HTTP API under /api: who you are, graphs (list, create, export, import, rename, delete), desired state, status,
// the fleet, and worker tokens. Every route but /api/health needs a token and the role the route names.
import { getServerByName } from "partyserver";
import pkg from "../package.json";
import { ApiError } from "../shared/errors.ts";
import { validateGraph } from "../shared/graph.ts";
import { isValidId, LIMITS } from "../shared/limits.ts";
import { BUILTIN_NODE_TYPES, SECRET_NAME_PATTERN } from "../shared/nodeTypes.ts";
import { roleFor } from "../shared/roles.ts";
import type { NodeTypeInfo, WorkerStatus } from "../shared/status.ts";
import type { AccessClaims } from "../shared/tokens.ts";
import { type Caller, checkOrigin, clearedSessionCookie, identify, requireRole, requireUser } from "./auth.ts";
import { readBodyText } from "./body.ts";
import type { Env } from "./env.ts";
import { json, jsonText } from "./errors.ts";
import { unwrap } from "./rpc.ts";

export async function handleApi(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const parts = url.pathname.split("/").filter(Boolean).slice(1);
  const method = request.method;
  const [resource, graphId, action, ...rest] = parts;
  const notFound = () => new ApiError(404, "not_found", `no API route ${url.pathname.slice(0, 200)}`);

  if (resource === "health" && parts.length === 1) {
    allow(method, ["GET"]);
    return json({ ok: true, version: pkg.version });
  }
  if (method !== "GET" && method !== "HEAD") checkOrigin(request, env);
  if (resource === "logout" && parts.length === 1) {
    allow(method, ["POST"]);
    return json({ signedOut: true }, 200, { "set-cookie": clearedSessionCookie(url.protocol === "https:") });
  }
  const caller = await identify(request, env);
  if (resource === "me" && parts.length === 1) {
    allow(method, ["GET"]);
    return json(me(requireUser(caller)));
  }
  if (resource === "workers") return handleWorkers(method, env, caller, parts.slice(1));
  if (resource === "node-types" && parts.length === 1) {
    allow(method, ["GET"]);
    requireRole(caller, undefined, "viewer");
    return nodeTypes(env);
  }
  if (resource === "worker-tokens") return handleWorkerTokens(request, env, caller, parts.slice(1));
  if (resource !== "graphs") throw notFound();

  const catalogue = env.Catalogue.getByName("main");
  if (graphId === undefined) {
    allow(method, ["GET", "POST"]);
    if (method === "GET") return json(await listGraphs(env, caller));
    requireRole(caller, undefined, "editor");
    return createGraph(request, env);
  }
  if (!isValidId(graphId)) {
    throw new ApiError(
      400,
      "invalid_graph_id",
      `graph id "${graphId.slice(0, 80)}" must be 1-64 letters, digits, _ or -`,
    );
  }
  const room = () => getServerByName(env.Graph, graphId);

  if (action === "workers" && rest.length === 2 && rest[1] === "drain") {
    allow(method, ["POST"]);
    requireRole(caller, graphId, "editor");
    await requireGraph(env, graphId);
    const workerId = rest[0] ?? "";
    if (!unwrap(await (await room()).drainWorker(workerId))) {
      throw new ApiError(
        404,
        "worker_not_found",
        `no worker "${workerId.slice(0, 80)}" is connected to graph ${graphId}`,
      );
    }
    return json({ id: workerId, graphs: [graphId], draining: true });
  }
  if (action === "secrets") return handleSecrets(request, env, caller, graphId, rest);
  if (action === "edges" || action === "dead-letters")
    return handleEdges(request, env, caller, graphId, [action, ...rest]);
  if (rest.length > 0) throw notFound();
  if (action === undefined) {
    allow(method, ["GET", "PUT", "PATCH", "DELETE"]);
    if (method === "PATCH") {
      requireRole(caller, graphId, "editor");
      return renameGraph(request, env, graphId);
    }
    if (method === "PUT") {
      // Editors of the graph may import into it; creating it needs the editor role on it too.
      requireRole(caller, graphId, "editor");
      return importGraph(request, env, graphId);
    }
    requireRole(caller, graphId, method === "GET" ? "viewer" : "admin");
    await requireGraph(env, graphId);
    if (method === "GET") return jsonText(unwrap(await (await room()).exportGraph()));
    unwrap(await (await room()).deleteGraph());
    await catalogue.remove(graphId);
    return json({ id: graphId, deleted: true });
  }
  if (action === "start" || action === "stop") {
    allow(method, ["POST"]);
    requireRole(caller, graphId, "editor");
    await requireGraph(env, graphId);
    return json({ id: graphId, running: unwrap(await (await room()).setRunning(action === "start")) });
  }
  if (action === "status") {
    allow(method, ["GET"]);
    requireRole(caller, graphId, "viewer");
    await requireGraph(env, graphId);
    return jsonText(unwrap(await (await room()).status()));
  }
  if (action === "node-types" && rest.length === 0) {
    allow(method, ["GET"]);
    requireRole(caller, graphId, "viewer");
    await requireGraph(env, graphId);
    return jsonText(unwrap(await (await room()).nodeTypes()));
  }
  throw new ApiError(404, "not_found", `no API route for graphs/${graphId}/${action.slice(0, 40)}`);
}

/** GET /api/me: the signed-in user and the roles the token grants, so the editor can show what it may do. */
function me(claims: AccessClaims) {
  return {
    user: claims.sub,
    name: claims.name,
    role: claims.role,
    graphs: claims.graphs ?? null,
    expires: claims.exp ?? null,
  };
}

/**
 * Users see the graphs their token names (or all, with a hub-wide role), with what each room last reported
 * (node count, run state, who is editing); worker tokens see every graph's id, name and time (`--all`), not
 * who is in it.
 */
async function listGraphs(env: Env, caller: Caller | undefined) {
  if (caller?.kind !== "worker") requireUser(caller);
  const graphs = await env.Catalogue.getByName("main").list();
  if (caller?.kind !== "user") return graphs.map(({ id, name, updatedAt }) => ({ id, name, updatedAt }));
  return graphs.filter((g) => roleFor(caller.claims, g.id) !== undefined);
}

/** The fleet across graphs: GET /api/workers (hub viewer) and POST /api/workers/:id/drain (hub admin). */
async function handleWorkers(method: string, env: Env, caller: Caller | undefined, path: string[]): Promise<Response> {
  const [workerId, action, ...rest] = path;
  if (rest.length > 0 || (workerId !== undefined && action !== "drain")) {
    throw new ApiError(404, "not_found", "worker routes are /api/workers and /api/workers/<id>/drain");
  }
  requireRole(caller, undefined, workerId === undefined ? "viewer" : "admin");
  const graphs = await env.Catalogue.getByName("main").list();
  if (workerId === undefined) {
    allow(method, ["GET"]);
    const fleet = new Map<string, FleetWorker>();
    const unreachable = await eachRoom(env, graphs, async (id, room) => {
      for (const w of JSON.parse(unwrap(await room.workers())) as WorkerStatus[]) {
        const known = fleet.get(w.id);
        if (!known) fleet.set(w.id, { ...w, graphs: [id] });
        else {
          known.graphs.push(id);
          known.processes += w.processes;
          known.load = Math.max(known.load, w.load);
          known.lastHeartbeat = Math.max(known.lastHeartbeat, w.lastHeartbeat);
          known.draining ||= w.draining;
        }
      }
    });
    return json(
      [...fleet.values()].sort((a, b) => a.id.localeCompare(b.id)),
      200,
      unreachableHeader(unreachable),
    );
  }
  allow(method, ["POST"]);
  const drained: string[] = [];
  const unreachable = await eachRoom(env, graphs, async (id, room) => {
    if (unwrap(await room.drainWorker(workerId))) drained.push(id);
  });
  if (drained.length === 0 && unreachable.length === 0) {
    throw new ApiError(404, "worker_not_found", `no worker "${workerId.slice(0, 80)}" is connected to any graph`);
  }
  return json({ id: workerId, graphs: drained, draining: true, unreachable });
}

type FleetWorker = WorkerStatus & { graphs: string[] };

/**
 * GET /api/node-types (TYPES-3): every type the hub knows, built in or announced by a worker of any graph;
 * `available` when some graph has a live worker for it, `graphs` naming those graphs.
 */
async function nodeTypes(env: Env): Promise<Response> {
  const graphs = await env.Catalogue.getByName("main").list();
  const merged = new Map<string, NodeTypeInfo & { graphs: string[] }>();
  for (const def of BUILTIN_NODE_TYPES) {
    const hub = def.runsOn === "hub";
    merged.set(def.type, { ...def, source: "builtin", available: hub, workers: [], graphs: [] });
  }
  const unreachable = await eachRoom(env, graphs, async (id, room) => {
    for (const info of JSON.parse(unwrap(await room.nodeTypes())) as NodeTypeInfo[]) {
      const known = merged.get(info.type);
      const entry = known ?? { ...info, available: false, workers: [], graphs: [] };
      if (!known) merged.set(info.type, entry);
      if (info.available && info.runsOn !== "hub") entry.graphs.push(id);
      entry.available ||= info.available;
      for (const w of info.workers) if (!entry.workers.includes(w)) entry.workers.push(w);
    }
  });
  const types = [...merged.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  for (const t of types) {
    if (t.available) delete t.reason;
    else t.reason ??= `no live worker runs node type "${t.type}" on any graph`;
  }
  return json(types, 200, unreachableHeader(unreachable));
}
type RoomStub = Awaited<ReturnType<typeof getServerByName<Env, import("./graphRoom.ts").GraphRoom>>>;

/**
 * Runs `body` for every graph's room; one failing room is logged and skipped, never a 500 for the whole
 * hub. Returns the ids of the rooms that failed, for the answer to name.
 */
async function eachRoom(
  env: Env,
  graphs: Array<{ id: string }>,
  body: (id: string, room: RoomStub) => Promise<void>,
): Promise<string[]> {
  const unreachable: string[] = [];
  for (const { id } of graphs) {
    try {
      await body(id, await getServerByName(env.Graph, id));
    } catch (error) {
      unreachable.push(id);
      console.error(JSON.stringify({ event: "room_skipped", graphId: id, error: String(error) }));
    }
  }
  return unreachable;
}

/** The header that names graphs whose rooms did not answer a fleet-wide request. */
function unreachableHeader(ids: string[]): Record<string, string> {
  return ids.length > 0 ? { "x-weft-unreachable-graphs": ids.join(",").slice(0, 4000) } : {};
}

/** Hub-issued worker tokens (hub admin): list, create (the token is shown once), revoke (its workers disconnect). */
async function handleWorkerTokens(
  request: Request,
  env: Env,
  caller: Caller | undefined,
  path: string[],
): Promise<Response> {
  requireRole(caller, undefined, "admin");
  const catalogue = env.Catalogue.getByName("main");
  const [tokenId, ...rest] = path;
  if (rest.length > 0)
    throw new ApiError(404, "not_found", "worker token routes are /api/worker-tokens and /api/worker-tokens/<id>");
  if (tokenId === undefined) {
    allow(request.method, ["GET", "POST"]);
    if (request.method === "GET") return json(await catalogue.listWorkerTokens());
    return json(await catalogue.createWorkerToken(await readName(request)), 201);
  }
  allow(request.method, ["DELETE"]);
  const revoked = await catalogue.revokeWorkerToken(tokenId.slice(0, 64));
  if (!revoked) throw new ApiError(404, "token_not_found", `no worker token "${tokenId.slice(0, 64)}"`);
  let disconnected = 0;
  const unreachable = await eachRoom(env, await catalogue.list(), async (_id, room) => {
    disconnected += unwrap(await room.revokeWorkerToken(revoked.id));
  });
  // A room that did not answer still refuses the token at its workers' next hello, and at any new connect.
  return json({ ...revoked, disconnected, unreachable });
}

const EDGE_ROUTES =
  "edge routes are /api/graphs/<id>/dead-letters, /edges/<edge>/peek, /edges/<edge>/dead-letters, " +
  ".../dead-letters/replay and .../dead-letters/<n>[/replay]";

/**
 * Messages on a graph's edges (DELIVERY-6, -9): peek at what is queued (viewer), list dead letters
 * (viewer), replay or purge them, one or a page at a time (editor).
 */
async function handleEdges(
  request: Request,
  env: Env,
  caller: Caller | undefined,
  graphId: string,
  path: string[],
): Promise<Response> {
  const url = new URL(request.url);
  const method = request.method;
  const [first, edgeId, what, item, verb, ...extra] = path;
  if (first === "dead-letters" && path.length === 1) {
    allow(method, ["GET"]);
    requireRole(caller, graphId, "viewer");
    await requireGraph(env, graphId);
    const room = await getServerByName(env.Graph, graphId);
    return jsonText(
      unwrap(await room.deadLetters(undefined, intParam(url, "after", 0), intParam(url, "limit", 100, 1000))),
    );
  }
  if (first !== "edges" || edgeId === undefined || !isValidId(edgeId) || extra.length > 0) {
    throw new ApiError(404, "not_found", EDGE_ROUTES);
  }
  const room = async () => {
    await requireGraph(env, graphId);
    return getServerByName(env.Graph, graphId);
  };
  if (what === "peek" && item === undefined) {
    allow(method, ["GET"]);
    requireRole(caller, graphId, "viewer");
    return jsonText(unwrap(await (await room()).peekEdge(edgeId, intParam(url, "n", 10, 100))));
  }
  if (what !== "dead-letters") throw new ApiError(404, "not_found", EDGE_ROUTES);
  if (item === undefined) {
    allow(method, ["GET", "DELETE"]);
    requireRole(caller, graphId, method === "GET" ? "viewer" : "editor");
    if (method === "GET") {
      const after = intParam(url, "after", 0);
      return jsonText(unwrap(await (await room()).deadLetters(edgeId, after, intParam(url, "limit", 100, 1000))));
    }
    return json({ edge: edgeId, purged: unwrap(await (await room()).purgeDeadLetters(edgeId, "all")) });
  }
  if (item === "replay" && verb === undefined) {
    allow(method, ["POST"]);
    requireRole(caller, graphId, "editor");
    return json({ edge: edgeId, ...unwrap(await (await room()).replayDeadLetters(edgeId, "all")) });
  }
  const id = Number(item);
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new ApiError(400, "invalid_dead_letter", `dead letter id "${item.slice(0, 40)}" must be a positive integer`);
  }
  if (verb === "replay") {
    allow(method, ["POST"]);
    requireRole(caller, graphId, "editor");
    const outcome = unwrap(await (await room()).replayDeadLetters(edgeId, [id]));
    if (outcome.replayed === 0)
      throw new ApiError(404, "dead_letter_not_found", `edge ${edgeId} has no dead letter ${id}`);
    return json({ edge: edgeId, id, ...outcome });
  }
  if (verb !== undefined) throw new ApiError(404, "not_found", EDGE_ROUTES);
  allow(method, ["DELETE"]);
  requireRole(caller, graphId, "editor");
  if (unwrap(await (await room()).purgeDeadLetters(edgeId, [id])) === 0) {
    throw new ApiError(404, "dead_letter_not_found", `edge ${edgeId} has no dead letter ${id}`);
  }
  return json({ edge: edgeId, id, purged: 1 });
}

/** A non-negative integer query parameter, at most `max`; a bad value is a 400 naming it. */
function intParam(url: URL, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new ApiError(400, "invalid_query", `${name} must be an integer from 0 to ${max}, got "${raw.slice(0, 40)}"`);
  }
  return value;
}

/**
 * A graph's secrets (editor): GET lists names and times, PUT /<name> {value} stores one encrypted, DELETE
 * removes it. Values are write-only: no route returns them (SECRET-1).
 */
async function handleSecrets(
  request: Request,
  env: Env,
  caller: Caller | undefined,
  graphId: string,
  path: string[],
): Promise<Response> {
  requireRole(caller, graphId, "editor");
  await requireGraph(env, graphId);
  const room = await getServerByName(env.Graph, graphId);
  const [name, ...rest] = path;
  if (rest.length > 0)
    throw new ApiError(404, "not_found", "secret routes are /api/graphs/<id>/secrets and /secrets/<name>");
  if (name === undefined) {
    allow(request.method, ["GET"]);
    return json(unwrap(await room.listSecrets()));
  }
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new ApiError(
      400,
      "invalid_secret_name",
      `secret name "${name.slice(0, 64)}" must be a letter or _ then letters, digits or _ (at most 64)`,
    );
  }
  allow(request.method, ["PUT", "DELETE"]);
  if (request.method === "DELETE") {
    if (!unwrap(await room.deleteSecret(name)))
      throw new ApiError(404, "secret_not_found", `no secret ${name} in graph ${graphId}`);
    return json({ name, deleted: true });
  }
  const value = ((await readJson(request)) as { value?: unknown } | null)?.value;
  if (typeof value !== "string" || value === "")
    throw new ApiError(400, "invalid_secret", 'send {"value": "<the secret>"} with a non-empty string');
  return json(unwrap(await room.setSecret(name, value)));
}

export async function requireGraph(env: Env, graphId: string): Promise<void> {
  if (!(await env.Catalogue.getByName("main").has(graphId))) {
    throw new ApiError(404, "graph_not_found", `no graph with id "${graphId}"`);
  }
}

async function createGraph(request: Request, env: Env): Promise<Response> {
  const name = await readName(request);
  const id = newGraphId();
  const room = await getServerByName(env.Graph, id);
  unwrap(await room.initGraph(name));
  await env.Catalogue.getByName("main").upsert(id, name);
  await reportSoon(room, id);
  return json({ id }, 201);
}

async function importGraph(request: Request, env: Env, graphId: string): Promise<Response> {
  const checked = validateGraph(await readJson(request), graphId);
  if (!checked.ok) throw new ApiError(400, checked.problem.code, checked.problem.message);
  const room = await getServerByName(env.Graph, graphId);
  unwrap(await room.importGraph(JSON.stringify(checked.graph)));
  const created = await env.Catalogue.getByName("main").upsert(graphId, checked.graph.name);
  if (created) await reportSoon(room, graphId);
  return json({ id: graphId, created, warnings: checked.warnings }, created ? 201 : 200);
}

/**
 * Asks a graph's room to report to the catalogue again: its first report may have arrived before the graph
 * was listed. Best effort: the graph exists either way, and the room reports again at its next change.
 */
async function reportSoon(room: RoomStub, graphId: string): Promise<void> {
  try {
    const result = await room.reportToCatalogue();
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
  } catch (error) {
    console.error(JSON.stringify({ event: "report_request_failed", graphId, error: String(error) }));
  }
}

/**
 * PATCH /api/graphs/:id {name} (editor): renames the graph in its document, as the editor's title field does,
 * so open editors show the new name at once; the list has it at once too.
 */
async function renameGraph(request: Request, env: Env, graphId: string): Promise<Response> {
  await requireGraph(env, graphId);
  const name = await readName(request);
  unwrap(await (await getServerByName(env.Graph, graphId)).renameGraph(name));
  await env.Catalogue.getByName("main").touch(graphId, name);
  return json({ id: graphId, name });
}

/** The trimmed `name` of a JSON body `{ name }` (a new graph, a new worker token), or 400 invalid_name. */
async function readName(request: Request): Promise<string> {
  const name = ((await readJson(request)) as { name?: unknown } | null)?.name;
  if (typeof name !== "string" || name.trim() === "" || name.length > LIMITS.maxNameLength) {
    throw new ApiError(
      400,
      "invalid_name",
      `name must be a non-empty string of at most ${LIMITS.maxNameLength} characters`,
    );
  }
  return name.trim();
}

/** A JSON body of at most LIMITS.maxRequestBytes bytes (edge/body.ts). */
async function readJson(request: Request): Promise<unknown> {
  const text = await readBodyText(request, LIMITS.maxRequestBytes, "invalid_json");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, "invalid_json", `request body is not JSON: ${(error as Error).message.slice(0, 200)}`);
  }
}

export function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) {
    throw new ApiError(405, "method_not_allowed", `${method} is not allowed here; use ${methods.join(" or ")}`);
  }
}

function newGraphId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `g-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
