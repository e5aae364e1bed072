// The hub's Worker entry: /api → HTTP API, /parties/graph/<id> → GraphRoom (checked before the upgrade),
// everything else → the editor app, where `?token=<access token>` signs the browser in.
import { routePartykitRequest } from "partyserver";
import { ApiError } from "../shared/errors.ts";
import { isValidId } from "../shared/limits.ts";
import { roleFor } from "../shared/roles.ts";
import { secretProblem, verifyAccessToken } from "../shared/tokens.ts";
import { handleApi, requireGraph } from "./api.ts";
import { type Caller, checkOrigin, identify, requireRole, sessionCookie } from "./auth.ts";
import type { Env } from "./env.ts";
import { errorResponse } from "./errors.ts";
import { HOOK_PREFIX, handleHook } from "./hooks.ts";
import { type RoomIdentity, writeRoomIdentity } from "./identity.ts";

export { Catalogue } from "./catalogue.ts";
export { GraphRoom } from "./graphRoom.ts";

const ROOM_PREFIX = "/parties/graph/";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      const { pathname } = new URL(request.url);
      if (pathname === "/api" || pathname.startsWith("/api/")) return await handleApi(request, env);
      if (pathname.startsWith("/parties/")) return await handleRoom(request, env, pathname);
      if (pathname.startsWith(HOOK_PREFIX)) return await handleHook(request, env, pathname);
      if (new URL(request.url).searchParams.has("token")) return await signIn(request, env);
      return await env.ASSETS.fetch(request);
    } catch (error) {
      return errorResponse(error);
    }
  },
} satisfies ExportedHandler<Env>;

/**
 * Checks a room connection before the upgrade (CONN-2, CONN-3, AUTH-1): the Origin, the token and the role,
 * then hands it to partyserver with the verified identity in x-weft-* headers and a connection id of ours.
 */
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
  checkOrigin(request, env);
  const url = new URL(request.url);
  const asWorker = url.searchParams.get("role") === "worker";
  const caller = await identify(request, env, { query: true }).catch((error: unknown) => {
    // The worker CLI prints this as "unauthorized: worker token is wrong" and stops.
    if (asWorker && error instanceof ApiError && error.code === "bad_token") {
      throw new ApiError(401, "unauthorized", "worker token is wrong");
    }
    throw error;
  });
  const identity = asWorker ? workerIdentity(caller) : editorIdentity(caller, graphId);
  await requireGraph(env, graphId);
  const forwarded = new URL(url);
  forwarded.searchParams.delete("token");
  // partyserver takes the connection id from _pk, which a client could pick to collide with another's.
  forwarded.searchParams.set("_pk", crypto.randomUUID());
  const inner = new Request(forwarded, request);
  inner.headers.delete("Authorization");
  inner.headers.delete("Cookie");
  writeRoomIdentity(inner.headers, identity);
  const response = await routePartykitRequest(inner, env);
  return response ?? new Response("not found", { status: 404 });
}

function workerIdentity(caller: Caller | undefined): RoomIdentity {
  if (caller?.kind === "worker") return { role: "worker", tokenId: caller.tokenId };
  if (caller === undefined)
    throw new ApiError(401, "unauthorized", "worker token missing: pass --token or set WEFT_WORKER_TOKEN");
  throw new ApiError(403, "forbidden", "workers connect with a worker token, not an access token");
}

function editorIdentity(caller: Caller | undefined, graphId: string): RoomIdentity {
  const claims = requireRole(caller, graphId, "viewer");
  const access = roleFor(claims, graphId) ?? "viewer";
  return { role: "editor", user: claims.sub, name: claims.name, access, exp: claims.exp ?? 0 };
}

/**
 * A login link (`…/g/demo?token=<access token>`, as `npm start` prints): the token becomes an HttpOnly
 * session cookie and the browser is sent to the same page without it, so it stays out of the address bar.
 */
async function signIn(request: Request, env: Env): Promise<Response> {
  const url = new URL(request.url);
  const token = url.searchParams.get("token") ?? "";
  url.searchParams.delete("token");
  const problem = secretProblem(env.WEFT_AUTH_SECRET);
  const check = problem ? undefined : await verifyAccessToken(env.WEFT_AUTH_SECRET as string, token);
  if (!check?.ok) {
    const why = problem ?? (check && !check.ok ? check.message : "the token could not be checked");
    return new Response(signInFailedPage(why, url.pathname), {
      status: 401,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });
  }
  // A path such as "//evil.example" would redirect off the hub: keep the redirect on this origin.
  const path = `/${url.pathname.replace(/^[/\\]+/, "")}`;
  return new Response(null, {
    status: 303,
    headers: {
      location: `${path}${url.search}`,
      "set-cookie": sessionCookie(token, check.claims, url.protocol === "https:"),
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
    },
  });
}

function signInFailedPage(why: string, path: string): string {
  const html = (text: string) =>
    text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
  return `<!doctype html><meta charset="utf-8"><title>Weft: sign-in failed</title>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>This login link does not work</h1><p>${html(why)}.</p>
<p>Ask for a new link, or create a token on the hub's machine with
<code>npx weft token create --user &lt;you&gt; --role editor</code> and open <code>${html(path)}?token=&lt;token&gt;</code>.</p>
</body>`;
}
