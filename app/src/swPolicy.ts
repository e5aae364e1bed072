// Which requests the service worker (sw.ts) answers and how: the app shell network-first, built assets from the
// cache, the API, rooms and hooks never (straight to the network, never cached). Pure, so it is tested in Node.

/** The cache key of the app shell (index.html): every editor page is this one page (single-page app). */
export const SHELL_PATH = "/";
export const CACHE_PREFIX = "weft-shell-";

/** Paths that always go to the hub: answers there are live or private, and never cached. */
const NETWORK_ONLY = ["/api/", "/parties/", "/hooks/"];
const GRAPH_DELETE = /^\/api\/graphs\/([A-Za-z0-9_-]{1,64})$/;

export type SwRoute =
  /** A page load: network first, the cached shell when the hub cannot be reached. */
  | { kind: "shell" }
  /** A built asset (content-hashed): the cache first, else the network, kept for next time. */
  | { kind: "asset" }
  /** DELETE of a graph: passed through; when it succeeds the pages are told to forget their copies of it. */
  | { kind: "graph-delete"; graphId: string }
  /** Not ours to answer: the browser does what it would without a service worker. */
  | { kind: "pass" };

export interface RequestLike {
  url: string;
  method: string;
  mode: string;
}

export function routeRequest(request: RequestLike, origin: string, shell: ReadonlySet<string>): SwRoute {
  const url = new URL(request.url);
  if (url.origin !== origin) return { kind: "pass" };
  const path = url.pathname;
  const graphDelete = request.method === "DELETE" ? GRAPH_DELETE.exec(path) : null;
  if (graphDelete?.[1]) return { kind: "graph-delete", graphId: graphDelete[1] };
  if (request.method !== "GET") return { kind: "pass" };
  if (path === "/api" || NETWORK_ONLY.some((prefix) => path.startsWith(prefix))) return { kind: "pass" };
  if (request.mode === "navigate") {
    // A login link (?token=) is answered by the hub with a cookie and a redirect: never from the cache.
    return url.searchParams.has("token") ? { kind: "pass" } : { kind: "shell" };
  }
  if (shell.has(path) || path.startsWith("/assets/")) return { kind: "asset" };
  return { kind: "pass" };
}

export interface ResponseLike {
  ok: boolean;
  status: number;
  type: string;
  headers: { get(name: string): string | null };
}

/** Whether a page load's answer is the app shell worth keeping (not an error page, a redirect, or another origin's). */
export function isShellResponse(response: ResponseLike): boolean {
  return (
    response.status === 200 &&
    response.type === "basic" &&
    (response.headers.get("content-type") ?? "").startsWith("text/html")
  );
}

/** The pages' message telling them a graph was deleted on the hub (sw.ts → swRegister.ts). */
export interface GraphDeletedMessage {
  type: "weft:graph-deleted";
  graphId: string;
}

export function parseSwMessage(data: unknown): GraphDeletedMessage | undefined {
  if (!data || typeof data !== "object") return undefined;
  const { type, graphId } = data as Record<string, unknown>;
  if (type !== "weft:graph-deleted" || typeof graphId !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(graphId)) {
    return undefined;
  }
  return { type, graphId };
}
