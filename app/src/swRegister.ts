// Registers the service worker (sw.ts) that lets the editor open offline, and acts on what it tells the page:
// a graph deleted through the API is forgotten on this device.
import { forgetGraph } from "./offline.ts";
import { parseSwMessage } from "./swPolicy.ts";

/** True in a production build, which emits /sw.js (app/vite.config.ts); the dev server has none. */
declare const __WEFT_SW__: boolean;

/** A page that never says it has settled (sign-in, not found) registers this long after it loaded. */
export const SETTLE_FALLBACK_MS = 3000;

let settle: (() => void) | undefined;
const settled = new Promise<void>((resolve) => {
  settle = resolve;
});

/**
 * The page has what it came for on screen (the editor its graph, the list its graphs): the service worker may
 * now install. Installing fetches and stores every asset on another thread, which on a two-core machine took
 * ~0.5 s of a 1.5 s open of a 1,000-node graph (bench/editor) when it ran alongside it.
 */
export function pageSettled(): void {
  settle?.();
}

export function registerServiceWorker(): void {
  if (!__WEFT_SW__ || !("serviceWorker" in navigator)) return;
  const container = navigator.serviceWorker;
  container.addEventListener("message", (event: MessageEvent) => {
    const message = parseSwMessage(event.data);
    if (!message) return;
    forgetGraph(message.graphId).catch((error: unknown) =>
      console.error(`[weft] the copy of deleted graph ${message.graphId} on this device could not be deleted`, error),
    );
  });
  container.startMessages();
  const fallback = new Promise<void>((resolve) => setTimeout(resolve, SETTLE_FALLBACK_MS));
  void Promise.race([settled, fallback]).then(() =>
    container.register("/sw.js", { scope: "/", updateViaCache: "none" }).catch((error: unknown) => {
      console.warn("[weft] the editor will not open offline: its service worker could not be registered", error);
    }),
  );
}
