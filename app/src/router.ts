// Client-side routing without a router library: `/` is the graph list, `/g/<graphId>` the editor.
import { createSignal } from "solid-js";

export type Route = { page: "list" } | { page: "editor"; graphId: string } | { page: "missing"; path: string };

const [path, setPath] = createSignal(location.pathname);

window.addEventListener("popstate", () => setPath(location.pathname));

export function parseRoute(pathname: string): Route {
  if (pathname === "/" || pathname === "") return { page: "list" };
  const match = /^\/g\/([^/]+)\/?$/.exec(pathname);
  if (match?.[1]) return { page: "editor", graphId: decodeURIComponent(match[1]) };
  return { page: "missing", path: pathname };
}

export function currentRoute(): Route {
  return parseRoute(path());
}

export function navigate(to: string): void {
  if (to === location.pathname) return;
  history.pushState(null, "", to);
  setPath(location.pathname);
  window.scrollTo(0, 0);
}

export function editorPath(graphId: string): string {
  return `/g/${encodeURIComponent(graphId)}`;
}

/** onClick for <a href>: keeps modifier-clicks (new tab) native, routes plain clicks in place. */
export function linkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
    return;
  const anchor = event.currentTarget as HTMLAnchorElement;
  event.preventDefault();
  navigate(anchor.pathname);
}
