// The HTTP API under /api: graphs (list, create, export, import, delete), desired state and status.
import { getServerByName } from "partyserver";
import pkg from "../package.json";
import { ApiError } from "../shared/errors.ts";
import { validateGraph } from "../shared/graph.ts";
import { isValidId, LIMITS } from "../shared/limits.ts";
import type { WorkerStatus } from "../shared/status.ts";
import type { Env } from "./env.ts";
import { json, jsonText } from "./errors.ts";

export async function handleApi(request: Request, env: Env): Promise<Response> {
  const parts = new URL(request.url).pathname.split("/").filter(Boolean).slice(1);
  const method = request.method;
  const [resource, graphId, action, ...rest] = parts;

  if (resource === "health" && parts.length === 1) {
    allow(method, ["GET"]);
    return json({ ok: true, version: pkg.version });
  }
  const notFound = () => new ApiError(404, "not_found", `no API route ${new URL(request.url).pathname}`);
  if (resource === "workers") return handleWorkers(method, env, parts.slice(1));
  if (resource !== "graphs") throw notFound();

  const catalogue = env.Catalogue.getByName("main");
  if (graphId === undefined) {
    allow(method, ["GET", "POST"]);
    if (method === "GET") return json(await catalogue.list());
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
    await requireGraph(env, graphId);
    const workerId = rest[0] ?? "";
    if (!(await (await room()).drainWorker(workerId))) {
      throw new ApiError(
        404,
        "worker_not_found",
        `no worker "${workerId.slice(0, 80)}" is connected to graph ${graphId}`,
      );
    }
    return json({ id: workerId, graphs: [graphId], draining: true });
  }
  if (rest.length > 0) throw notFound();
  if (action === undefined) {
    allow(method, ["GET", "PUT", "DELETE"]);
    if (method === "PUT") return importGraph(request, env, graphId);
    await requireGraph(env, graphId);
    if (method === "GET") return jsonText(await (await room()).exportGraph());
    await (await room()).deleteGraph();
    await catalogue.remove(graphId);
    return json({ id: graphId, deleted: true });
  }
  if (action === "start" || action === "stop") {
    allow(method, ["POST"]);
    await requireGraph(env, graphId);
    return json({ id: graphId, running: await (await room()).setRunning(action === "start") });
  }
  if (action === "status") {
    allow(method, ["GET"]);
    await requireGraph(env, graphId);
    return jsonText(await (await room()).status());
  }
  throw new ApiError(404, "not_found", `no API route for graphs/${graphId}/${action}`);
}

/** The fleet across graphs: GET /api/workers and POST /api/workers/:id/drain (asks every graph's room). */
async function handleWorkers(method: string, env: Env, path: string[]): Promise<Response> {
  const [workerId, action, ...rest] = path;
  if (rest.length > 0 || (workerId !== undefined && action !== "drain")) {
    throw new ApiError(404, "not_found", "worker routes are /api/workers and /api/workers/<id>/drain");
  }
  const graphs = await env.Catalogue.getByName("main").list();
  const rooms = graphs.map((g) => ({ id: g.id, room: getServerByName(env.Graph, g.id) }));
  if (workerId === undefined) {
    allow(method, ["GET"]);
    const fleet = new Map<string, FleetWorker>();
    for (const { id, room } of rooms) {
      for (const w of JSON.parse(await (await room).workers()) as WorkerStatus[]) {
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
    }
    return json([...fleet.values()].sort((a, b) => a.id.localeCompare(b.id)));
  }
  allow(method, ["POST"]);
  const drained: string[] = [];
  for (const { id, room } of rooms) if (await (await room).drainWorker(workerId)) drained.push(id);
  if (drained.length === 0) {
    throw new ApiError(404, "worker_not_found", `no worker "${workerId.slice(0, 80)}" is connected to any graph`);
  }
  return json({ id: workerId, graphs: drained, draining: true });
}

type FleetWorker = WorkerStatus & { graphs: string[] };

export async function requireGraph(env: Env, graphId: string): Promise<void> {
  if (!(await env.Catalogue.getByName("main").has(graphId))) {
    throw new ApiError(404, "graph_not_found", `no graph with id "${graphId}"`);
  }
}

async function createGraph(request: Request, env: Env): Promise<Response> {
  const body = await readJson(request);
  const name = (body as { name?: unknown } | null)?.name;
  if (typeof name !== "string" || name.trim() === "" || name.length > LIMITS.maxNameLength) {
    throw new ApiError(
      400,
      "invalid_name",
      `name must be a non-empty string of at most ${LIMITS.maxNameLength} characters`,
    );
  }
  const id = newGraphId();
  await (await getServerByName(env.Graph, id)).initGraph(name.trim());
  await env.Catalogue.getByName("main").upsert(id, name.trim());
  return json({ id }, 201);
}

async function importGraph(request: Request, env: Env, graphId: string): Promise<Response> {
  const checked = validateGraph(await readJson(request), graphId);
  if (!checked.ok) throw new ApiError(400, checked.problem.code, checked.problem.message);
  await (await getServerByName(env.Graph, graphId)).importGraph(JSON.stringify(checked.graph));
  const created = await env.Catalogue.getByName("main").upsert(graphId, checked.graph.name);
  return json({ id: graphId, created }, created ? 201 : 200);
}

async function readJson(request: Request): Promise<unknown> {
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > LIMITS.maxRequestBytes) {
    throw new ApiError(413, "body_too_large", `request body exceeds ${LIMITS.maxRequestBytes} bytes`);
  }
  const text = await request.text();
  if (text.length > LIMITS.maxRequestBytes) {
    throw new ApiError(413, "body_too_large", `request body exceeds ${LIMITS.maxRequestBytes} bytes`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, "invalid_json", `request body is not JSON: ${(error as Error).message}`);
  }
}

function allow(method: string, methods: string[]): void {
  if (!methods.includes(method)) {
    throw new ApiError(405, "method_not_allowed", `${method} is not allowed here; use ${methods.join(" or ")}`);
  }
}

function newGraphId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return `g-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}
