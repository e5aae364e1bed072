// The hub's Worker entry: /api → HTTP API, /parties/graph/<id> → GraphRoom, everything else → the editor app.
import { routePartykitRequest } from "partyserver";
import { ApiError } from "../shared/errors.ts";
import { isValidId } from "../shared/limits.ts";
import { handleApi, requireGraph } from "./api.ts";
import type { Env } from "./env.ts";
import { errorResponse } from "./errors.ts";

export { Catalogue } from "./catalogue.ts";
export { GraphRoom } from "./graphRoom.ts";

const ROOM_PREFIX = "/parties/graph/";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      const { pathname } = new URL(request.url);
      if (pathname === "/api" || pathname.startsWith("/api/")) return await handleApi(request, env);
      if (pathname.startsWith("/parties/")) return await handleRoom(request, env, pathname);
      return await env.ASSETS.fetch(request);
    } catch (error) {
      return errorResponse(error);
    }
  },
} satisfies ExportedHandler<Env>;

/** Checks a room connection before the upgrade (CONN-2, CONN-3), then hands it to partyserver. */
async function handleRoom(request: Request, env: Env, pathname: string): Promise<Response> {
  const graphId = pathname.startsWith(ROOM_PREFIX) ? pathname.slice(ROOM_PREFIX.length) : undefined;
  if (graphId === undefined) throw new ApiError(404, "not_found", "rooms live at /parties/graph/<graphId>");
  if (!isValidId(graphId)) {
    throw new ApiError(
      400,
      "invalid_graph_id",
      `graph id "${graphId.slice(0, 80)}" must be 1-64 letters, digits, _ or -`,
    );
  }
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError(426, "upgrade_required", "connect to a room with a WebSocket");
  }
  const url = new URL(request.url);
  if (url.searchParams.get("role") === "worker") checkWorkerToken(request, url, env);
  await requireGraph(env, graphId);
  const response = await routePartykitRequest(request, env);
  return response ?? new Response("not found", { status: 404 });
}

function checkWorkerToken(request: Request, url: URL, env: Env): void {
  const expected = env.WEFT_WORKER_TOKEN;
  if (!expected) {
    throw new ApiError(503, "worker_token_unset", "this hub has no WEFT_WORKER_TOKEN secret; workers cannot connect");
  }
  const header = request.headers.get("Authorization") ?? "";
  const given = header.startsWith("Bearer ") ? header.slice(7) : (url.searchParams.get("token") ?? "");
  if (!given) throw new ApiError(401, "unauthorized", "worker token missing: pass --token or set WEFT_WORKER_TOKEN");
  if (!timingSafeEqual(given, expected)) throw new ApiError(401, "unauthorized", "worker token is wrong");
}

function timingSafeEqual(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}
