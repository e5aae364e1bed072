// The one place errors are reported to the user: a short list of dismissible notices.
import { createSignal } from "solid-js";

export interface Notice {
  id: number;
  kind: "error" | "info";
  text: string;
}

const [notices, setNotices] = createSignal<Notice[]>([]);
let nextId = 1;

export { notices };

export function notify(kind: Notice["kind"], text: string, timeoutMs = 6000): void {
  const id = nextId++;
  setNotices((list) => [...list.slice(-4), { id, kind, text }]);
  if (timeoutMs > 0) setTimeout(() => dismiss(id), timeoutMs);
}

export function reportError(context: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error(`[weft] ${context}:`, error);
  notify("error", `${context}: ${message}`);
}

export function dismiss(id: number): void {
  setNotices((list) => list.filter((n) => n.id !== id));
}
