// Hub URLs: normalising --hub and deriving the room WebSocket URL and API URLs from it.

/** Parses a hub base URL (http, https, ws or wss); returns it as http(s) without a trailing slash. */
export function parseHubUrl(raw: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  const protocol = { "http:": "http:", "https:": "https:", "ws:": "http:", "wss:": "https:" }[url.protocol];
  if (!protocol || url.search || url.hash || url.username || url.password) return undefined;
  const base = new URL(`${protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`);
  return base;
}

/** `ws(s)://HUB/parties/graph/<graphId>?role=worker` (PROTOCOL.md CONN-2). */
export function roomUrl(hub: URL, graphId: string): URL {
  const url = apiUrl(hub, `/parties/graph/${encodeURIComponent(graphId)}`);
  url.protocol = hub.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("role", "worker");
  return url;
}

/** An HTTP URL under the hub base, e.g. apiUrl(hub, "/api/graphs"). */
export function apiUrl(hub: URL, path: string): URL {
  return new URL(`${hub.protocol}//${hub.host}${hub.pathname.replace(/\/+$/, "")}${path}`);
}
