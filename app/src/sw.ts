// The service worker (built to /sw.js by app/vite.config.ts): keeps the app shell — index.html and every built
// asset, listed at build time — so the editor opens while the hub cannot be reached. Page loads go to the network
// first and fall back to the kept shell; assets come from the cache; the API, rooms and hooks always go to the
// network and are never cached (swPolicy.ts). A graph deleted through the API tells the pages to forget it.
import { CACHE_PREFIX, type GraphDeletedMessage, isShellResponse, routeRequest, SHELL_PATH } from "./swPolicy.ts";

/** Set by the build: the shell's paths, and a version that changes with them. */
declare const __WEFT_SHELL__: readonly string[];
declare const __WEFT_BUILD__: string;

// The DOM library has no service-worker types; these are the few used here.
interface ExtendableEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface FetchEvent extends ExtendableEvent {
  readonly request: Request;
  respondWith(response: Response | Promise<Response>): void;
}
interface WindowClient {
  postMessage(message: unknown): void;
}
interface ServiceWorkerScope {
  readonly location: Location;
  readonly clients: {
    claim(): Promise<void>;
    matchAll(options: { type: "window" }): Promise<readonly WindowClient[]>;
  };
  skipWaiting(): Promise<void>;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
}

const sw = self as unknown as ServiceWorkerScope;
const CACHE = `${CACHE_PREFIX}${__WEFT_BUILD__}`;
const SHELL = new Set(__WEFT_SHELL__);

/** A copy without the fetch's redirect flag: a redirected response cannot answer a page load. */
async function keepable(response: Response): Promise<Response> {
  return new Response(await response.blob(), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

sw.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await Promise.all(
        [...SHELL].map(async (path) => {
          const response = await fetch(path, { cache: "reload" });
          if (!response.ok) throw new Error(`the app shell could not be kept: ${path} answered ${response.status}`);
          await cache.put(path, await keepable(response));
        }),
      );
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

sw.addEventListener("fetch", (event) => {
  const route = routeRequest(event.request, sw.location.origin, SHELL);
  switch (route.kind) {
    case "shell":
      return event.respondWith(shell(event));
    case "asset":
      return event.respondWith(asset(event));
    case "graph-delete":
      return event.respondWith(graphDelete(event.request, route.graphId));
    case "pass":
      return;
    default: {
      const never: never = route;
      return never;
    }
  }
});

/** Network first; the answer replaces the kept shell. With no network, the kept shell. */
async function shell(event: FetchEvent): Promise<Response> {
  try {
    const response = await fetch(event.request);
    if (isShellResponse(response)) {
      const copy = response.clone();
      event.waitUntil(keepable(copy).then(async (kept) => (await caches.open(CACHE)).put(SHELL_PATH, kept)));
    }
    return response;
  } catch (error) {
    const kept = await caches.match(SHELL_PATH, { cacheName: CACHE });
    if (kept) return kept;
    throw error;
  }
}

/** Assets are content-hashed: a kept one is current. One not kept yet (a new build's) is fetched and kept. */
async function asset(event: FetchEvent): Promise<Response> {
  const kept = await caches.match(event.request, { cacheName: CACHE });
  if (kept) return kept;
  const response = await fetch(event.request);
  if (response.ok && response.type === "basic") {
    const copy = response.clone();
    event.waitUntil(caches.open(CACHE).then((cache) => cache.put(event.request, copy)));
  }
  return response;
}

async function graphDelete(request: Request, graphId: string): Promise<Response> {
  const response = await fetch(request);
  if (response.ok) {
    const message: GraphDeletedMessage = { type: "weft:graph-deleted", graphId };
    for (const client of await sw.clients.matchAll({ type: "window" })) client.postMessage(message);
  }
  return response;
}
