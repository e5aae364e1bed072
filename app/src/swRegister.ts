// Registers the service worker (sw.ts) that lets the editor open offline, and acts on what it tells the page:
// a graph deleted through the API is forgotten on this device.
import { forgetGraph } from "./offline.ts";
import { parseSwMessage } from "./swPolicy.ts";

/** True in a production build, which emits /sw.js (app/vite.config.ts); the dev server has none. */
declare const __WEFT_SW__: boolean;

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
  container.register("/sw.js", { scope: "/", updateViaCache: "none" }).catch((error: unknown) => {
    console.warn("[weft] the editor will not open offline: its service worker could not be registered", error);
  });
}
